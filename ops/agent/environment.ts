/**
 * One environment's step of the agent's loop: carry out the decision of ./reconcile (apply the
 * revision through a child `platform up`, or only update the status), and return the new status.
 */
import * as path from "path";
import { classifyFailure, Failure, failureFromResult, readResult } from "./classify";
import { runPlatformChild } from "./child";
import { MAX_RETRIES, ReconcileAction } from "./reconcile";
import type { AgentMetrics } from "./server";
import { conditions, PersistedStatus, Phase } from "./status";

/** What a step needs from the loop. */
export interface StepContext {
  home: string;
  processEnv: NodeJS.ProcessEnv;
  /** The platform's folder in the work tree of a revision (checked out, dependencies linked). */
  rootOf: (sha: string) => Promise<string>;
  /** Persists an intermediate status (`Reconciling` while the child runs). */
  save: (s: PersistedStatus) => void;
  log: (line: string) => void;
  metrics: AgentMetrics;
  /**
   * Checks run before a revision is checked out for apply (its signature, pending operations left
   * by a kill); a {@link Failure} refuses the revision without running anything. @default none
   */
  gate?: (env: string, sha: string) => Promise<Failure | undefined>;
}

function withPhase(s: PersistedStatus, phase: Phase, reason: string, message: string): PersistedStatus {
  return { ...s, phase, conditions: conditions(phase, reason, message) };
}

/** Carries out `action` for `env`; returns the status to keep. */
export async function reconcileEnvironment(
  env: string,
  before: PersistedStatus,
  action: ReconcileAction,
  sourceError: string | undefined,
  ctx: StepContext,
): Promise<PersistedStatus> {
  if (action.action === "wait") return before;
  if (action.action === "none") {
    switch (action.reason) {
      case "UpToDate":
        return withPhase(before, "Ready", "Applied", `revision ${before.lastAppliedRevision} applied`);
      case "Suspended":
        return withPhase(before, "Suspended", "Suspended", "applying is suspended");
      case "SourceUnavailable":
        return withPhase(before, "Stalled", "SourceUnavailable", sourceError ?? "the source cannot be read");
      case "Stalled":
        return before.phase === "Stalled" || before.phase === "Suspended"
          ? before
          : withPhase(before, "Stalled", "Stalled", "retries exhausted");
    }
  }
  const sha = action.revision;
  const refused = await ctx.gate?.(env, sha);
  if (refused) {
    ctx.metrics.applies.inc({ environment: env, result: "refused" });
    return failed(env, before, sha, refused, ctx);
  }
  ctx.log(`${env}: applying ${sha} (${action.reason})`);
  // A new revision starts with a clean failure count: an agent killed while applying it must not
  // find the previous revision's permanent failure on restart (it would call the new one Stalled).
  const fresh = before.lastAttemptedRevision === sha ? {} : { failures: 0, lastFailurePermanent: undefined };
  ctx.save({
    ...withPhase(before, "Reconciling", action.reason, `applying revision ${sha}`),
    ...fresh,
    lastAttemptedRevision: sha,
  });
  let code: number;
  let output: string;
  const resultFile = path.join(ctx.home, "agent", env, "result.json");
  try {
    const root = await ctx.rootOf(sha);
    ({ code, output } = await runPlatformChild(["up", env, "--yes"], {
      root,
      home: ctx.home,
      processEnv: ctx.processEnv,
      logFile: path.join(ctx.home, "agent", env, "logs", `${sha}.up.log`),
      resultFile,
    }));
  } catch (err) {
    code = 1;
    output = err instanceof Error ? err.message : String(err);
  }
  ctx.metrics.applies.inc({ environment: env, result: code === 0 ? "succeeded" : "failed" });
  if (code === 0) {
    ctx.log(`${env}: applied ${sha}`);
    return {
      ...withPhase(before, "Ready", "Applied", `revision ${sha} applied`),
      lastAttemptedRevision: sha,
      lastAppliedRevision: sha,
      lastAppliedAt: new Date().toISOString(),
      failures: 0,
      lastFailureAt: undefined,
      lastFailurePermanent: undefined,
    };
  }
  // the child's named reason first; the text classifier for revisions that write none
  return failed(env, before, sha, failureFromResult(readResult(resultFile)) ?? classifyFailure(output), ctx);
}

/** The status after `sha` failed with `failure`: retrying with backoff, or `Stalled`. */
function failed(
  env: string,
  before: PersistedStatus,
  sha: string,
  failure: Failure,
  ctx: StepContext,
): PersistedStatus {
  const failures = before.lastAttemptedRevision === sha ? before.failures + 1 : 1;
  const stalled = failure.permanent || failures - 1 >= MAX_RETRIES;
  const message = failure.message.includes(sha) ? failure.message : `revision ${sha}: ${failure.message}`;
  ctx.log(`${env}: ${failure.reason}: ${message}`);
  // a rollback's suspension is not a failure: the phase says so until a commit applies
  const phase = failure.reason === "Suspended" ? "Suspended" : stalled ? "Stalled" : "Retrying";
  return {
    ...withPhase(before, phase, failure.reason, message),
    lastAttemptedRevision: sha,
    failures,
    lastFailureAt: Date.now(),
    lastFailurePermanent: failure.permanent,
  };
}
