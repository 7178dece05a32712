/**
 * When `platform drift` may touch a stack: pure functions over facts gathered beforehand, so the
 * rules are tested without an engine.
 */
import type { DriftStatus } from "./model";

/** What remediation needs to know. */
export interface RemediationFacts {
  status: DriftStatus;
  /** Resources the code would change (code vs state). */
  pendingChanges: number;
  /** `deployment.pending_operations` of the checkpoint (an interrupted update). */
  pendingOperations: number;
  /** The stack's locks, one line each (`describeLock`); a remote backend's are not listed. */
  locks: string[];
  /** Why the stack's state could not be read: then nothing is touched. */
  unreadable?: string;
  /** The `platform:suspended` tag a `rollback --now` left: remediating would undo the rollback. */
  suspended?: string;
}

/** The decision: run or not, and why. */
export interface GateDecision {
  run: boolean;
  reasons: string[];
  /** True when a person must decide (drift and code changes both moved). */
  needsPerson: boolean;
}

/**
 * `--remediate`: runs `up --refresh` only when drift was found AND nothing else is in motion:
 * no pending code changes, no pending operations, no lock. (The up itself runs the policy packs;
 * a mandatory violation fails it.)
 */
export function decideRemediation(f: RemediationFacts): GateDecision {
  const reasons: string[] = [];
  if (f.status === "unknown") reasons.push("the drift status is unknown: nothing is touched");
  if (f.status === "in-sync") reasons.push("no drift: nothing to remediate");
  const needsPerson = f.status === "drifted" && f.pendingChanges > 0;
  if (needsPerson)
    reasons.push(
      `both moved: ${f.pendingChanges} pending code change(s) and drift; a person must decide (deploy the code, or --accept the live values)`,
    );
  if (f.pendingOperations > 0)
    reasons.push(
      `the checkpoint has ${f.pendingOperations} pending operation(s) from an interrupted update; resolve them first`,
    );
  if (f.unreadable) reasons.push(`the stack's state could not be read (${f.unreadable}): nothing is touched`);
  if (f.locks.length > 0)
    reasons.push(`the stack is locked (${f.locks.join(", ")}); another update is running`);
  if (f.suspended)
    reasons.push(
      `the environment is suspended by a rollback (${f.suspended.slice(0, 120)}): remediating would re-apply the code it was rolled back from; merge the revert, or lift it with platform up <env> --resume`,
    );
  return { run: reasons.length === 0, reasons, needsPerson };
}

/** `--accept`: takes live values into state; needs drift, no pending operations, no lock. */
export function decideAccept(f: RemediationFacts): GateDecision {
  // accepting takes the live world into state and applies no code: a suspension does not stop it
  const reasons = decideRemediation({ ...f, pendingChanges: 0, suspended: undefined }).reasons;
  return { run: reasons.length === 0, reasons, needsPerson: false };
}

/** Number of pending operations in an exported checkpoint (`stack.exportStack()`). */
export function pendingOperationsOf(deployment: { deployment?: Record<string, unknown> }): number {
  const ops = deployment.deployment?.pending_operations;
  return Array.isArray(ops) ? ops.length : 0;
}
