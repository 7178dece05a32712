/**
 * How long a server asked us to wait before trying again, from its response headers:
 * `Retry-After` (seconds or an HTTP date), else GitHub's primary rate limit
 * (`x-ratelimit-remaining: 0` with `x-ratelimit-reset`, epoch seconds). Undefined when the server
 * said nothing; never negative.
 */
export function retryAfterMs(headers: Headers, now: number = Date.now()): number | undefined {
  const after = headers.get("retry-after")?.trim();
  if (after) {
    if (/^\d+$/.test(after)) return Number(after) * 1000;
    const at = Date.parse(after);
    if (Number.isFinite(at)) return Math.max(0, at - now);
  }
  const reset = headers.get("x-ratelimit-reset")?.trim();
  if (headers.get("x-ratelimit-remaining")?.trim() === "0" && reset && /^\d+$/.test(reset)) {
    return Math.max(0, Number(reset) * 1000 - now);
  }
  return undefined;
}
