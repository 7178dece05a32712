/**
 * POST with retries: exponential backoff, a per-attempt timeout and a total deadline. Retries on
 * network errors, 408, 429 and 5xx; any other 4xx is final. A `Retry-After` (seconds or a date)
 * is waited for when longer than the backoff; one beyond the deadline ends the delivery at once.
 * Never logs the URL (a Slack webhook URL is a secret) nor the body.
 */
import { retryAfterMs } from "../../retryAfter";
import { delay } from "../../timers";

/** Retry settings. Defaults come from {@link retryPolicyFromEnv}. */
export interface RetryPolicy {
  /** Attempts after the first. @default 4 */
  retries: number;
  /** First backoff; doubles each retry. @default 500 ms */
  baseDelayMs: number;
  /** Deadline over all attempts and waits. @default 30000 ms */
  totalTimeoutMs: number;
  /**
   * How long one attempt may wait for a response before it counts as timed out and is retried
   * (never longer than what is left of the deadline). @default 10000 ms
   */
  attemptTimeoutMs: number;
}

/** What happened to one delivery. */
export interface DeliveryResult {
  ok: boolean;
  attempts: number;
  /** HTTP status of the last response, if one arrived. */
  status?: number;
  /** Why it failed (no secret in it). */
  error?: string;
}

/**
 * Reads `PLATFORM_NOTIFY_RETRIES`, `PLATFORM_NOTIFY_BACKOFF_MS`, `PLATFORM_NOTIFY_TIMEOUT_MS`,
 * `PLATFORM_NOTIFY_ATTEMPT_TIMEOUT_MS`.
 * @default 4 retries, 500 ms first backoff, 30 s in total, 10 s per attempt
 */
export function retryPolicyFromEnv(env: NodeJS.ProcessEnv): RetryPolicy {
  const num = (name: string, fallback: number) => {
    const v = Number(env[name]);
    return env[name] !== undefined && Number.isFinite(v) && v >= 0 ? v : fallback;
  };
  return {
    retries: num("PLATFORM_NOTIFY_RETRIES", 4),
    baseDelayMs: num("PLATFORM_NOTIFY_BACKOFF_MS", 500),
    totalTimeoutMs: num("PLATFORM_NOTIFY_TIMEOUT_MS", 30_000),
    attemptTimeoutMs: num("PLATFORM_NOTIFY_ATTEMPT_TIMEOUT_MS", 10_000),
  };
}

const retryable = (status: number) => status === 408 || status === 429 || status >= 500;

/** POSTs `body` (already serialised JSON) to `url` with `headers`, retrying per `policy`. */
export async function postWithRetry(
  url: string,
  body: string,
  headers: Record<string, string>,
  policy: RetryPolicy,
): Promise<DeliveryResult> {
  const deadline = Date.now() + policy.totalTimeoutMs;
  let attempts = 0;
  let last: DeliveryResult = { ok: false, attempts: 0, error: "not attempted" };
  let asked: number | undefined;
  for (;;) {
    const remaining = deadline - Date.now();
    if (remaining <= 0)
      return { ...last, error: `${last.error ?? "failed"}; gave up after the total timeout` };
    attempts++;
    asked = undefined;
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body,
        signal: AbortSignal.timeout(Math.min(remaining, policy.attemptTimeoutMs)),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) return { ok: true, attempts, status: res.status };
      last = { ok: false, attempts, status: res.status, error: `HTTP ${res.status}` };
      if (!retryable(res.status)) return last;
      asked = retryAfterMs(res.headers);
    } catch (err) {
      const cause = (err as { cause?: { code?: string; errors?: { code?: string }[] } }).cause;
      const code = cause?.code ?? cause?.errors?.[0]?.code;
      const name = (err as Error).name === "TimeoutError" ? "timed out" : "network error";
      last = { ok: false, attempts, error: code ?? name };
    }
    if (attempts > policy.retries)
      return { ...last, error: `${last.error}; gave up after ${attempts} attempts` };
    const left = Math.max(0, deadline - Date.now());
    if (asked !== undefined && asked > left)
      return {
        ...last,
        error: `${last.error}; Retry-After ${Math.ceil(asked / 1000)} s is past the total timeout`,
      };
    const wait = Math.min(Math.max(policy.baseDelayMs * 2 ** (attempts - 1), asked ?? 0), left);
    await delay(wait);
  }
}
