/**
 * `oci://HOST[:PORT]/REPO[:TAG]` references as `platform publish` and `platform agent --repo` take
 * them, and where plain HTTP is allowed: loopback registries only, unless the caller says so.
 */

/** A bad `oci://` reference or transport choice; the message names the value and the fix. */
export class ArtifactReferenceError extends Error {
  override name = "ArtifactReferenceError";
}

/** A parsed `oci://HOST/REPO[:TAG]`. */
export interface OciReference {
  /** `host[:port]`, as given (lower case). */
  host: string;
  /** The repository path inside the registry (`team/platform`). */
  repository: string;
  /** The tag, when the reference carries one. */
  tag?: string;
}

/** Repository path components as the distribution spec allows them. */
const REPO_COMPONENT = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
/** A tag as the distribution spec allows it. */
export const TAG_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
/** A sha256 digest. */
export const DIGEST_PATTERN = /^sha256:[0-9a-f]{64}$/;
const HOST = /^(?:\[[0-9a-f:.]+\]|[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?)(?::[0-9]{1,5})?$/;

/** True for an `oci://` URL (the agent's `--repo` switches sources on it). */
export function isOciUrl(url: string): boolean {
  return /^oci:\/\//i.test(url);
}

/**
 * Parses `oci://HOST[:PORT]/REPO[:TAG]`. Credentials in the URL are refused (oras reads them from
 * the Docker config, never from arguments `ps` shows).
 * @param what the flag or argument, for the message (`--repo`)
 * @param tag whether a tag is required (`required`), refused (`forbidden`) or optional
 */
export function parseOciReference(
  url: string,
  what: string,
  tag: "required" | "forbidden" | "optional" = "optional",
): OciReference {
  const example =
    tag === "forbidden"
      ? "oci://registry.example.com/team/platform"
      : "oci://registry.example.com/team/platform:v1";
  if (!isOciUrl(url))
    throw new ArtifactReferenceError(`${what} takes an oci:// reference such as ${example} (got "${url}")`);
  const rest = url.slice("oci://".length);
  if (rest.includes("@") && !/@sha256:/.test(rest))
    throw new ArtifactReferenceError(
      `${what}: credentials do not belong in the reference (oras reads them from the Docker config: oras login HOST)`,
    );
  if (rest.includes("@"))
    throw new ArtifactReferenceError(
      `${what}: give a digest with --digest, not in the reference (got "${url}")`,
    );
  const slash = rest.indexOf("/");
  if (slash <= 0) throw new ArtifactReferenceError(`${what}: "${url}" names no repository; use ${example}`);
  const host = rest.slice(0, slash).toLowerCase();
  if (!HOST.test(host)) throw new ArtifactReferenceError(`${what}: "${host}" is not a registry host[:port]`);
  let repository = rest.slice(slash + 1);
  let parsedTag: string | undefined;
  const colon = repository.lastIndexOf(":");
  if (colon >= 0) {
    parsedTag = repository.slice(colon + 1);
    repository = repository.slice(0, colon);
    if (!TAG_PATTERN.test(parsedTag))
      throw new ArtifactReferenceError(
        `${what}: "${parsedTag}" is not a valid tag (letters, digits, ".", "_", "-"; at most 128; not starting with "." or "-")`,
      );
  }
  if (!repository.split("/").every((c) => REPO_COMPONENT.test(c)))
    throw new ArtifactReferenceError(
      `${what}: "${repository}" is not a valid repository path (lower-case letters, digits and . _ - between them, components separated by /)`,
    );
  if (tag === "required" && parsedTag === undefined)
    throw new ArtifactReferenceError(`${what}: "${url}" has no tag; use ${example}`);
  if (tag === "forbidden" && parsedTag !== undefined)
    throw new ArtifactReferenceError(
      `${what}: "${url}" carries a tag; give the repository only and choose with --tag, --semver or --digest`,
    );
  return { host, repository, ...(parsedTag !== undefined ? { tag: parsedTag } : {}) };
}

/** `host/repo`, as oras takes it. */
export function repositoryRef(ref: OciReference): string {
  return `${ref.host}/${ref.repository}`;
}

/** The host without its port (brackets of an IPv6 literal removed). */
function hostname(host: string): string {
  const m = /^\[([^\]]+)\]/.exec(host);
  if (m) return m[1];
  return host.replace(/:[0-9]+$/, "");
}

/** 127.0.0.0/8, ::1 and localhost: the registries plain HTTP is allowed for by default. */
export function isLoopbackHost(host: string): boolean {
  const name = hostname(host);
  return name === "localhost" || name === "::1" || /^127(?:\.[0-9]{1,3}){3}$/.test(name);
}

/**
 * Whether oras talks plain HTTP to `host`: loopback registries yes (they have no TLS); any other
 * only with `allowPlainHttp` (the `--plain-http` flag), else HTTPS.
 */
export function usePlainHttp(host: string, allowPlainHttp: boolean): boolean {
  return allowPlainHttp || isLoopbackHost(host);
}
