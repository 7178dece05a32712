/**
 * A machine-readable outcome of a verb, for a parent process (the agent): with
 * `PLATFORM_RESULT_FILE=<file>` in its environment, `platform <verb>` writes
 * `{ "outcome", "reason", "check", "message", "units" }` there as JSON. Reasons are named: the
 * pre-flight check that refused (PreflightError.check), the mandatory policy that refused (from
 * the engine's policy events, never from text), or EngineError. Nothing is written without the
 * variable. Messages are those the verb printed; no secret goes into them.
 */
import * as fs from "fs";
import type { FailureReason } from "../model/agentApi";
import { EnvironmentNameError } from "../model/environment";
import { SpecValidationError } from "../model/problems";
import { PreflightCheck, PreflightError, UsageError } from "./errors";

/** The variable naming the result file. */
export const RESULT_FILE_ENV = "PLATFORM_RESULT_FILE";

/** One unit's outcome in a units run (docs/units.md), base included (`base`). */
export interface UnitResultEntry {
  name: string;
  status: "succeeded" | "skipped" | "failed" | "blocked";
  /** A failed unit's named reason; a blocked unit's is its blocker's. */
  reason?: string;
  /** What happened in one line: `update 1`, `unchanged`, the refusal, `blocked by unit x`. */
  message?: string;
  /** A blocked unit: the unit that did not apply before it. */
  blockedBy?: string;
}

/** What the file holds. */
export interface CommandResult {
  outcome: "succeeded" | "failed";
  /**
   * Named (model/agentApi): PendingOperations, LockHeld, SpecInvalid, PolicyViolation,
   * EngineError, ... A string when read back: a reader checks it (isFailureReason), never casts.
   */
  reason?: string;
  /** The pre-flight check (`pendingOperations`, ...) or the policy (`k8s-no-privileged`) that refused. */
  check?: string;
  message?: string;
  /** `up`/`preview` of an environment with `units:`: every unit's outcome, base first. */
  units?: UnitResultEntry[];
}

/** The reason named after a pre-flight check (pure; table-tested). */
export function reasonOfCheck(check: PreflightCheck): FailureReason {
  const reasons: Record<PreflightCheck, FailureReason> = {
    backend: "BackendUnavailable",
    spec: "SpecInvalid",
    checkpoint: "CheckpointInvalid",
    locks: "LockHeld",
    pendingOperations: "PendingOperations",
    apiServers: "ApiServerUnavailable",
    suspended: "Suspended",
    sops: "SopsUndecryptable",
    placement: "StateMisplaced",
  };
  return reasons[check];
}

/** `err` or one of its causes, when it is an instance of `type`. */
function inCauses<T>(err: unknown, type: abstract new (...args: never[]) => T): T | undefined {
  for (let e = err, depth = 0; e && depth < 10; e = (e as { cause?: unknown }).cause, depth++)
    if (e instanceof type) return e;
  return undefined;
}

/**
 * The result file of a verb that threw `err` (pure; table-tested): a refused pre-flight check by
 * its name, an invalid spec as SpecInvalid (its message is the problems, file:line:col), an
 * environment whose folder is not there as EnvironmentRemoved, any other error as EngineError.
 * Undefined for a usage error (bad flags): the agent never passes any.
 */
export function resultOfError(err: unknown): CommandResult | undefined {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof PreflightError)
    return { outcome: "failed", reason: reasonOfCheck(err.check), check: err.check, message };
  const spec = inCauses(err, SpecValidationError);
  if (spec) return { outcome: "failed", reason: "SpecInvalid", check: "spec", message: spec.message };
  if (inCauses(err, EnvironmentNameError))
    return { outcome: "failed", reason: "EnvironmentRemoved", message };
  if (err instanceof UsageError) return undefined;
  return { outcome: "failed", reason: "EngineError", message };
}

/** Writes `result` to the result file, unless `overwrite` is false and one is there already. */
export function writeResult(processEnv: NodeJS.ProcessEnv, result: CommandResult, overwrite = true): void {
  const file = processEnv[RESULT_FILE_ENV];
  if (!file) return;
  if (!overwrite && fs.existsSync(file)) return;
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, `${JSON.stringify(result)}\n`);
  fs.renameSync(tmp, file);
}

/** A mandatory policy's refusal, from the engine's policy event. */
export interface PolicyRefusal {
  policyName: string;
  resourceUrn?: string;
  message: string;
}

/** Minimal shape of an Automation API engine event that carries a policy finding. */
interface PolicyEventLike {
  policyEvent?: { policyName: string; enforcementLevel: string; resourceUrn?: string; message: string };
}

/** An `onEvent` that keeps the mandatory policy findings in `into`. */
export function collectMandatory(into: PolicyRefusal[]): (event: PolicyEventLike) => void {
  return (event) => {
    const p = event.policyEvent;
    if (p && p.enforcementLevel === "mandatory")
      into.push({ policyName: p.policyName, resourceUrn: p.resourceUrn, message: p.message.trim() });
  };
}

/** `type: name` of a URN (`urn:pulumi:stack::project::a$b::name` → `b: name`). */
function resourceOf(urn: string | undefined): string {
  if (!urn) return "the stack";
  const parts = urn.split("::");
  const type = (parts[2] ?? "").split("$").pop() ?? "";
  return `${type}: ${parts[3] ?? urn}`;
}

/** The result of an update refused by mandatory policies: the first one named, the count. */
export function policyResult(refusals: PolicyRefusal[]): CommandResult {
  const [first] = refusals;
  const more = refusals.length > 1 ? ` (and ${refusals.length - 1} more mandatory finding(s))` : "";
  return {
    outcome: "failed",
    reason: "PolicyViolation",
    check: first.policyName,
    message: `policy ${first.policyName} refused ${resourceOf(first.resourceUrn)}: ${first.message}${more} Nothing was applied.`,
  };
}
