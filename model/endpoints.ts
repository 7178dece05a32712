/**
 * Where an environment sends data or reads secrets from: in a production-tier environment a
 * webhook (which receives the whole drift report) and a Vault address (which receives the token)
 * must be `https://`, carry no credentials in the URL and not point at a link-local address (the
 * cloud metadata service lives at 169.254.169.254).
 */

function linkLocal(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  if (/^169\.254\.\d{1,3}\.\d{1,3}$/.test(h)) return true;
  if (/^fe[89ab][0-9a-f]?:/.test(h)) return true;
  if (/^::ffff:169\.254\./.test(h)) return true;
  return h === "metadata.google.internal" || h === "metadata";
}

/**
 * Why `url` may not be used as `what` in a production-tier environment, or undefined. Never
 * echoes the URL (its path or userinfo may be a secret); names only the scheme or the host.
 */
export function productionEndpointProblem(what: string, url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `${what} is not a URL`;
  }
  if (parsed.username !== "" || parsed.password !== "") {
    return `${what} carries credentials in the URL (user:password@); production sends them in the clear to every log and proxy: use hmacSecret (webhooks) or the secret store's own authentication`;
  }
  if (parsed.protocol !== "https:") {
    return `${what} uses ${parsed.protocol}// in a production-tier environment: the drift report or token would travel unencrypted; use https://`;
  }
  if (linkLocal(parsed.hostname)) {
    return `${what} points at the link-local address ${parsed.hostname} (the cloud metadata service lives there): use the service's real host name`;
  }
  return undefined;
}
