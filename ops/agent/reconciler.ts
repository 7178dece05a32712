/**
 * One reconcile of one environment, in fixed phases as Flux's controllers run them:
 *
 *   source → verify → gate → apply → drift (→ publish, by the scheduler)
 *
 * `source`: the branch head the scheduler polled (or why it could not); `verify`: the head's
 * signature (`--require-signed-commits`), its work tree, and that it still has the environment's
 * folder; `gate`: no pending operations left by an interrupted update; `apply`: a child `platform
 * up` from that revision's work tree; `drift`: a child `platform drift` from the last applied
 * revision, when the scheduler's drift clock (or a reconcile request) says so. Every phase that
 * decides ends in a named reason of the API (model/agentApi). The scheduler (./scheduler.ts)
 * holds the Lease, the wake-ups, the drift clock and the requests; this file does no waiting.
 */
import * as fs from "fs";
import * as path from "path";
import type { FailureReason, Reason } from "../../model/agentApi";
import { driftReportOrUndefined } from "../drift/reportFile";
import type { ChildOptions, ChildResult } from "./child";
import { classifyFailure, clean, Failure, failure, failureFromResult, readResult } from "./classify";
import type { AgentLog } from "./log";
import { backoffMs, decide, driftArgs, MAX_RETRIES, ReconcileAction } from "./reconcile";
import { conditions, DriftSummary, PersistedStatus, Phase, stalledBy } from "./status";
import { failureOfUnits, stallRetrying, unitsAfter } from "./units";

/**
 * Where revisions come from (./source.ts GitSource or ./ociSource.ts OciSource, plus the
 * dependency cache; a fake in tests). A revision is a commit id or an artifact digest.
 */
export interface RevisionSource {
  /**
   * Checks `sha` before it is applied: its signature (`--require-signed-commits`), an artifact's
   * digest, type, limits and paths. A Failure refuses it; nothing of it is checked out.
   */
  verify(sha: string): Promise<Failure | undefined>;
  /** Checks `sha` out (dependencies linked) and resolves to the platform's folder in its work tree. */
  worktree(sha: string): Promise<string>;
  /**
   * The commit a revision was built from when the revision is not itself one (an artifact's
   * revision annotation). @default undefined: the revision is the commit
   */
  commitOf?(sha: string): string | undefined;
  /** Variables the child `platform up` of `sha` gets (its provenance for history). @default none */
  childEnv?(sha: string): NodeJS.ProcessEnv;
}

/** Runs `platform <args>` of one revision (./child.ts runPlatformChild; a fake in tests). */
export type ChildRunner = (
  args: string[],
  opts: Omit<ChildOptions, "home" | "processEnv">,
) => Promise<ChildResult>;

/** What a reconcile needs from the agent. */
export interface ReconcilerDeps {
  source: RevisionSource;
  child: ChildRunner;
  /** `$PLATFORM_HOME`: logs, result files and drift reports go under `<home>/agent/<env>/`. */
  home: string;
  /**
   * The operations an interrupted update left in `env`'s stack.
   * @default undefined: only the child `up`'s own pre-flight refuses them
   */
  pendingOperations?: (env: string) => number;
  /** Publishes an intermediate status (`Reconciling` while the child runs). */
  publish: (s: PersistedStatus) => void;
  log: AgentLog;
  /** Counts an apply's outcome (metrics). @default not counted */
  countApply?: (env: string, result: "succeeded" | "failed" | "refused") => void;
  /** @default Date.now */
  now?: () => number;
}

/** What the scheduler hands one reconcile. */
export interface ReconcileInput {
  /** The environment's record (its name, what was applied and attempted, the failures). */
  record: PersistedStatus;
  /** The branch head (40 hex), or undefined when the source could not be read. */
  head: string | undefined;
  /** Why the source could not be read. */
  sourceError?: string;
  /** `spec.suspend` as last read. */
  suspended: boolean;
  /** Check drift from the last applied revision in this reconcile. */
  checkDrift: boolean;
}

/** What one reconcile ends with. */
export interface ReconcileOutcome {
  status: PersistedStatus;
  /** Milliseconds until this environment wants to run again (a retry's backoff); undefined: the next poll. */
  requeueAfter?: number;
  /** The drift check's exit code (0 in sync, 4 drift, else 1), when one ran. */
  driftCode?: number;
}

/** Reconciles one environment: the phases above, in order. Never throws for a refused revision. */
export async function reconcile(input: ReconcileInput, deps: ReconcilerDeps): Promise<ReconcileOutcome> {
  const now = deps.now ?? Date.now;
  const env = input.record.name;
  let status: PersistedStatus = { ...input.record, suspended: input.suspended };
  if (stalledBy(status) === "PendingOperations" && (deps.pendingOperations?.(env) ?? 1) === 0) {
    deps.log(`${env}: the pending operations are resolved; applying again`, { env, phase: "gate" });
    status = { ...status, lastFailure: undefined };
  }
  const action = unitsBehind(
    status,
    input.head,
    decide({ head: input.head, sourceError: input.sourceError, ...factsOf(status), now: now() }),
  );
  let requeueAfter: number | undefined;
  switch (action.action) {
    case "wait":
      requeueAfter = Math.max(0, action.retryAt - now());
      break;
    case "none":
      status = settle(status, action.reason, input.sourceError);
      break;
    case "apply":
      ({ status, requeueAfter } = await applyRevision(status, action, deps));
      break;
  }
  if (!input.checkDrift) return { status, requeueAfter };
  const drift = await checkDrift(status, deps);
  return { status: drift.status, requeueAfter, driftCode: drift.code };
}

/**
 * A units environment whose head is its last wholly applied revision, while some unit went on to
 * a later revision and did not apply it (the branch was reset to an older commit): "up to date"
 * would be wrong, the units differ from the head. The head is applied once (only the units whose
 * content differs run); when that fails, the failure stands as for any revision.
 */
function unitsBehind(s: PersistedStatus, head: string | undefined, action: ReconcileAction): ReconcileAction {
  if (action.action !== "none" || action.reason !== "UpToDate" || head === undefined) return action;
  const behind = s.units?.some((u) => u.phase !== "Ready") ?? false;
  return behind && s.lastAttemptedRevision !== head
    ? { action: "apply", revision: head, reason: "NewRevision" }
    : action;
}

/** The decision's facts from the record: the failures count only for the revision they were of. */
export function factsOf(s: PersistedStatus) {
  const f = s.lastFailure && s.lastFailure.revision === s.lastAttemptedRevision ? s.lastFailure : undefined;
  return {
    lastAppliedRevision: s.lastAppliedRevision,
    lastAttemptedRevision: s.lastAttemptedRevision,
    failures: f?.count ?? 0,
    lastFailureAt: f ? Date.parse(f.at) : undefined,
    lastFailurePermanent: f?.terminal,
    suspended: s.suspended,
  };
}

function withPhase(s: PersistedStatus, phase: Phase, reason: Reason, message: string): PersistedStatus {
  return { ...s, phase, conditions: conditions(phase, reason, message) };
}

/** The status when nothing is applied (phase source: up to date, suspended, unreadable, stalled). */
function settle(
  s: PersistedStatus,
  reason: Extract<ReconcileAction, { action: "none" }>["reason"],
  sourceError: string | undefined,
): PersistedStatus {
  switch (reason) {
    case "UpToDate":
      // a units environment is Ready only when every unit is (a failed re-apply of the head stands)
      return s.units?.some((u) => u.phase !== "Ready")
        ? s
        : withPhase(s, "Ready", "Applied", `revision ${s.lastAppliedRevision} applied`);
    case "Suspended":
      return withPhase(s, "Suspended", "Suspended", "applying is suspended");
    case "SourceUnavailable":
      return withPhase(s, "Stalled", "SourceUnavailable", sourceError ?? "the source cannot be read");
    case "Stalled":
      return s.phase === "Stalled" || s.phase === "Suspended"
        ? s
        : {
            ...withPhase(s, "Stalled", "RetriesExhausted", "retries exhausted; Stalled until a new commit"),
            units: stallRetrying(s.units),
          };
  }
}

/** Phases verify, gate and apply for the revision `action` names. */
async function applyRevision(
  before: PersistedStatus,
  action: Extract<ReconcileAction, { action: "apply" }>,
  deps: ReconcilerDeps,
): Promise<{ status: PersistedStatus; requeueAfter?: number }> {
  const env = before.name;
  const sha = action.revision;
  const refuse = (f: Failure) => {
    deps.countApply?.(env, "refused");
    return failed(before, sha, f, deps);
  };
  // verify: the signature before anything of the revision is checked out
  const unsigned = await deps.source.verify(sha);
  if (unsigned) return refuse(unsigned);
  // gate: an interrupted update is resolved by people (platform recover), not by the next apply
  const pending = deps.pendingOperations?.(env) ?? 0;
  if (pending > 0)
    return refuse(
      failure(
        "PendingOperations",
        `${env}: the last update was interrupted (${pending} operation(s) never finished); nothing is applied until it is resolved: run platform recover ${env}`,
      ),
    );
  deps.log(`${env}: applying ${sha} (${action.reason})`, {
    env,
    revision: sha,
    phase: "apply",
    reason: action.reason,
  });
  // A new revision starts with a clean failure count: an agent killed while applying it must not
  // find the previous revision's failure on restart (it would call the new one Stalled).
  const reconciling: PersistedStatus = {
    ...withPhase(before, "Reconciling", action.reason, `applying revision ${sha}`),
    lastAttemptedRevision: sha,
    lastFailure: before.lastFailure?.revision === sha ? before.lastFailure : undefined,
  };
  deps.publish(reconciling);
  let root: string;
  try {
    root = await deps.source.worktree(sha);
  } catch (err) {
    deps.countApply?.(env, "failed");
    return failed(
      reconciling,
      sha,
      failure("SourceUnavailable", clean(`cannot check out: ${(err as Error).message}`)),
      deps,
    );
  }
  // verify: the revision still has the environment (a deleted folder is not an engine error)
  if (!fs.existsSync(path.join(root, "stacks", env, "platform.yaml")))
    return refuse(
      failure(
        "EnvironmentRemoved",
        `stacks/${env}/platform.yaml is not in this revision: the environment's folder was deleted or renamed; nothing was applied (restore the folder, or stop the agent for ${env} and destroy it on purpose)`,
      ),
    );
  const resultFile = path.join(deps.home, "agent", env, "result.json");
  const { code, output } = await deps.child(["up", env, "--yes"], {
    root,
    logFile: path.join(deps.home, "agent", env, "logs", `${sha.replace(":", "-")}.up.log`),
    resultFile,
    env: deps.source.childEnv?.(sha),
  });
  deps.countApply?.(env, code === 0 ? "succeeded" : "failed");
  const result = readResult(resultFile);
  // per unit (an environment with units:): from the outcomes the child listed; a child that ran
  // no unit (a pre-flight refusal) leaves the records as they were
  const units = result?.units
    ? unitsAfter(reconciling.units, result.units, sha)
    : code === 0
      ? undefined
      : reconciling.units;
  if (code === 0) {
    deps.log(`${env}: applied ${sha}`, { env, revision: sha, phase: "apply", reason: "Applied" });
    return {
      status: {
        ...withPhase(reconciling, "Ready", "Applied", `revision ${sha} applied`),
        units,
        lastAppliedRevision: sha,
        lastAppliedCommit: deps.source.commitOf?.(sha),
        lastAppliedAt: new Date((deps.now ?? Date.now)()).toISOString(),
        lastFailure: undefined,
      },
    };
  }
  // the units that did not apply first, then the child's named reason; the text classifier for
  // revisions that write none
  const f =
    (result?.units ? failureOfUnits(result.units, sha) : undefined) ??
    failureFromResult(result) ??
    classifyFailure(output);
  return failed({ ...reconciling, units }, sha, f, deps);
}

/** The status after `sha` failed with `f`: Retrying with a backoff, or Stalled. */
function failed(
  before: PersistedStatus,
  sha: string,
  f: Failure,
  deps: ReconcilerDeps,
): { status: PersistedStatus; requeueAfter?: number } {
  const env = before.name;
  const at = (deps.now ?? Date.now)();
  const count = before.lastFailure?.revision === sha ? before.lastFailure.count + 1 : 1;
  const stalled = f.permanent || count - 1 >= MAX_RETRIES;
  const message = f.message.includes(sha) ? f.message : `revision ${sha}: ${f.message}`;
  const phase = phaseOfFailure(f.reason, stalled);
  deps.log(`${env}: ${f.reason}: ${message}`, {
    env,
    revision: sha,
    phase: REASON_PHASE[f.reason],
    reason: f.reason,
  });
  return {
    status: {
      ...withPhase(before, phase, f.reason, message),
      lastAttemptedRevision: sha,
      units: stalled && !f.permanent ? stallRetrying(before.units) : before.units,
      lastFailure: {
        revision: sha,
        reason: f.reason,
        message,
        count,
        at: new Date(at).toISOString(),
        terminal: f.permanent,
      },
    },
    requeueAfter: stalled ? undefined : backoffMs(count - 1),
  };
}

/** A rollback's suspension is not a failure: the phase says so until a commit applies. */
function phaseOfFailure(reason: FailureReason, stalled: boolean): Phase {
  if (reason === "Suspended") return "Suspended";
  return stalled ? "Stalled" : "Retrying";
}

/** The phase a failure is logged under. */
const REASON_PHASE = {
  SourceUnavailable: "source",
  UnsignedRevision: "verify",
  SignatureInvalid: "verify",
  EnvironmentRemoved: "verify",
  ArtifactInvalid: "verify",
  Suspended: "gate",
  PendingOperations: "gate",
  SpecInvalid: "apply",
  PolicyViolation: "apply",
  SopsUndecryptable: "apply",
  CheckpointInvalid: "apply",
  StateMisplaced: "apply",
  MassDeletion: "apply",
  LockHeld: "apply",
  BackendUnavailable: "apply",
  ApiServerUnavailable: "apply",
  EngineError: "apply",
  RetriesExhausted: "apply",
  DriftCheckFailed: "drift",
  StatusNotWritten: "publish",
} as const satisfies Record<FailureReason, string>;

/** Phase drift: a child `platform drift` from the last applied revision; its drift.json summed up. */
async function checkDrift(
  s: PersistedStatus,
  deps: ReconcilerDeps,
): Promise<{ status: PersistedStatus; code: number }> {
  const env = s.name;
  if (!s.lastAppliedRevision) return { status: s, code: 1 };
  const out = path.join(deps.home, "agent", env, "drift");
  let code: number;
  try {
    const root = await deps.source.worktree(s.lastAppliedRevision);
    ({ code } = await deps.child(driftArgs(env, out, s.suspended), {
      root,
      logFile: path.join(deps.home, "agent", env, "drift.log"),
      env: deps.source.childEnv?.(s.lastAppliedRevision),
    }));
  } catch (err) {
    deps.log(`${env}: drift not checked: ${(err as Error).message}`, {
      env,
      phase: "drift",
      reason: "DriftCheckFailed",
    });
    return { status: s, code: 1 };
  }
  const drift = driftSummaryOf(out);
  const perCluster = Object.entries(drift.clusters ?? {})
    .map(([c, v]) => `${c} ${v.status}`)
    .join(", ");
  const reason = drift.status === "unknown" ? "DriftCheckFailed" : "DriftChecked";
  deps.log(
    `${env}: drift ${drift.status} (${drift.drifted} drifted${perCluster ? `; ${perCluster}` : ""}) from ${s.lastAppliedRevision}`,
    { env, revision: s.lastAppliedRevision, phase: "drift", reason },
  );
  return { status: { ...s, drift }, code };
}

/** The summary of the drift.json in `dir` (through the one reader); `unknown` when there is none. */
export function driftSummaryOf(dir: string, now = new Date()): DriftSummary {
  const report = driftReportOrUndefined(path.join(dir, "drift.json"));
  if (!report) return { status: "unknown", drifted: 0, checkedAt: now.toISOString() };
  const clusters = report.clusters
    ? Object.fromEntries(
        Object.entries(report.clusters).map(([c, v]) => [c, { status: v.status, drifted: v.drifted }]),
      )
    : undefined;
  return {
    status: report.status,
    drifted: report.counts.drifted,
    checkedAt: report.generatedAt,
    ...(report.remediation ? { remediation: report.remediation.result } : {}),
    ...(clusters ? { clusters } : {}),
  };
}
