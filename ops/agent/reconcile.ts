/**
 * The agent's decision, as a pure function of the facts (table-tested like ops/drift/gate.ts):
 * what to do with one environment given the branch head and what the agent applied and tried.
 */

/** First retry after 10 s, then × 3 each time, never more than 10 minutes apart. */
export const BACKOFF_BASE_MS = 10_000;
export const BACKOFF_CAP_MS = 600_000;
/** Retries of a transient failure before the environment is `Stalled` until a new commit. */
export const MAX_RETRIES = 3;

/** The wait before retry number `n` (0-based): 10 s × 3ⁿ, capped at 10 minutes. */
export function backoffMs(n: number): number {
  return Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 3 ** Math.max(0, n));
}

/** What the agent knows about one environment when it decides. */
export interface ReconcileFacts {
  /** The branch head (40 hex), or undefined when the source could not be read. */
  head: string | undefined;
  /** Why the source could not be read (set when `head` is undefined). */
  sourceError?: string;
  lastAppliedRevision?: string;
  lastAttemptedRevision?: string;
  /** Failed attempts of `lastAttemptedRevision` in a row (0 once it applied). */
  failures: number;
  /** The last failure could not go away by itself (policy, spec, pending operations). */
  lastFailurePermanent?: boolean;
  /** Milliseconds since the epoch of the last failed attempt. */
  lastFailureAt?: number;
  suspended: boolean;
  /** Now, in milliseconds since the epoch. */
  now: number;
}

/** The decision: apply `revision`, wait (until `retryAt`), or nothing; always with a reason. */
export type ReconcileAction =
  | { action: "apply"; revision: string; reason: "NewRevision" | "RetryingAfterFailure" | "Adopting" }
  | { action: "wait"; revision: string; retryAt: number; reason: "RetryingAfterFailure" }
  | {
      action: "none";
      reason: "UpToDate" | "Suspended" | "SourceUnavailable" | "Stalled";
    };

/** Decides what to do with one environment now. Never `apply` without a reason. */
export function decide(f: ReconcileFacts): ReconcileAction {
  if (f.head === undefined) return { action: "none", reason: "SourceUnavailable" };
  if (f.suspended) return { action: "none", reason: "Suspended" };
  if (f.head === f.lastAppliedRevision) return { action: "none", reason: "UpToDate" };
  if (f.head === f.lastAttemptedRevision && f.failures > 0) {
    const retry = f.failures - 1;
    if (f.lastFailurePermanent || retry >= MAX_RETRIES) return { action: "none", reason: "Stalled" };
    const retryAt = (f.lastFailureAt ?? 0) + backoffMs(retry);
    if (f.now < retryAt) return { action: "wait", revision: f.head, retryAt, reason: "RetryingAfterFailure" };
    return { action: "apply", revision: f.head, reason: "RetryingAfterFailure" };
  }
  if (f.lastAppliedRevision === undefined) return { action: "apply", revision: f.head, reason: "Adopting" };
  return { action: "apply", revision: f.head, reason: "NewRevision" };
}

/**
 * The drift check's arguments: drift is checked and reported while suspended, never remediated
 * (`--report-only` overrides `drift.mode: remediate`).
 */
export function driftArgs(env: string, out: string, suspended: boolean): string[] {
  return ["drift", env, "--out", out, ...(suspended ? ["--report-only"] : [])];
}
