/**
 * The one way the platform waits: a delay that cannot overflow. Node's timers take at most
 * 2^31 - 1 ms (24.8 days); anything larger, negative or not a number is turned into 1 ms with a
 * TimeoutOverflowWarning, so a long interval or a server's huge Retry-After made a loop spin.
 */

/** The longest delay a Node timer holds: 2^31 - 1 ms (about 24.8 days). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** `ms` made safe for a timer: within 0 .. {@link MAX_TIMER_MS}; not a number waits the longest. */
export function timerDelay(ms: number): number {
  if (Number.isNaN(ms)) return MAX_TIMER_MS;
  return Math.min(MAX_TIMER_MS, Math.max(0, Math.floor(ms)));
}

/** Calls `fn` after `ms` (made safe by {@link timerDelay}); returns the timer to clear. */
export function after(ms: number, fn: () => void): NodeJS.Timeout {
  return setTimeout(fn, timerDelay(ms));
}

/** Calls `fn` every `ms` (made safe by {@link timerDelay}, at least 1 ms); returns the timer to clear. */
export function every(ms: number, fn: () => void): NodeJS.Timeout {
  return setInterval(fn, Math.max(1, timerDelay(ms)));
}

/** Resolves after `ms` (made safe by {@link timerDelay}), or at once when `signal` aborts. */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = after(ms, done);
    signal?.addEventListener("abort", done, { once: true });
  });
}
