/**
 * The agent's status as the `status` of its `PlatformEnvironment` object (and back, for a standby
 * that shows what the leader wrote), and the Events a status change deserves. Pure; table-tested.
 */
import {
  CONDITION_STATUSES,
  CONDITION_TYPES,
  Condition as CrCondition,
  isFailureReason,
  isReason,
  PHASES,
  PlatformEnvironmentStatus,
} from "../../../model/agentApi";
import { clean } from "../classify";
import { unitsFrom } from "../units";
import type { Condition, EnvironmentStatus } from "../status";

export type { Condition as CrCondition } from "../../../model/agentApi";
/** `status` of a `PlatformEnvironment` (model/agentApi). */
export type CrStatus = PlatformEnvironmentStatus;

/** What the mapping needs beside the agent's status. */
export interface CrStatusContext {
  /** `metadata.generation` of the object the agent read. */
  generation: number;
  /** The agent writing (the Lease holder). */
  identity: string;
  lease: string;
  /** The object's current conditions: an unchanged status keeps its `lastTransitionTime`. */
  previous?: CrCondition[];
  /** ISO time of this write. */
  now: string;
}

/** Maps the agent's status to the object's `status`. */
export function toCrStatus(s: EnvironmentStatus, ctx: CrStatusContext): CrStatus {
  const conditions = s.conditions.map((c: Condition): CrCondition => {
    const before = ctx.previous?.find((p) => p.type === c.type);
    return {
      type: c.type,
      status: c.status,
      reason: c.reason,
      message: c.message,
      observedGeneration: ctx.generation,
      lastTransitionTime: before && before.status === c.status ? before.lastTransitionTime : ctx.now,
    };
  });
  return {
    observedGeneration: ctx.generation,
    phase: s.phase,
    ...(s.lastAppliedRevision ? { lastAppliedRevision: s.lastAppliedRevision } : {}),
    ...(s.lastAttemptedRevision ? { lastAttemptedRevision: s.lastAttemptedRevision } : {}),
    ...(s.lastAppliedCommit ? { lastAppliedCommit: s.lastAppliedCommit } : {}),
    ...(s.lastAppliedAt ? { lastAppliedAt: s.lastAppliedAt } : {}),
    ...(s.lastHandledReconcileAt ? { lastHandledReconcileAt: s.lastHandledReconcileAt } : {}),
    conditions,
    drift: {
      status: s.drift.status,
      drifted: s.drift.drifted,
      ...(s.drift.checkedAt ? { checkedAt: s.drift.checkedAt } : {}),
      ...(s.drift.remediation ? { remediation: s.drift.remediation } : {}),
      ...(s.drift.clusters ? { clusters: s.drift.clusters } : {}),
    },
    suspended: s.suspended,
    leader: { identity: ctx.identity, lease: ctx.lease },
    ...(s.lastFailure ? { lastFailure: s.lastFailure } : {}),
    ...(s.units ? { units: s.units } : {}),
  };
}

/** What decides whether a write is due: the status without its times of writing. */
export function statusFingerprint(s: CrStatus): string {
  return JSON.stringify({ ...s, conditions: s.conditions.map((c) => ({ ...c, lastTransitionTime: "" })) });
}

/**
 * The status the object holds, read back: what a standby shows and what a restarted agent goes on
 * from (the record). Values that are not the API's (an unknown phase, reason or condition type,
 * written by another version) are left out, never cast.
 */
export function fromCrStatus(name: string, cr: Partial<CrStatus> | undefined): EnvironmentStatus | undefined {
  const phase = PHASES.find((p) => p === cr?.phase);
  if (!cr || !phase) return undefined;
  const conditions: Condition[] = [];
  for (const c of cr.conditions ?? []) {
    const type = CONDITION_TYPES.find((t) => t === c.type);
    const status = CONDITION_STATUSES.find((v) => v === c.status);
    if (type && status && isReason(c.reason))
      conditions.push({ type, status, reason: c.reason, message: c.message ?? "" });
  }
  const f = cr.lastFailure;
  const lastFailure =
    f && isFailureReason(f.reason) && typeof f.count === "number" && typeof f.revision === "string"
      ? { ...f, reason: f.reason, message: f.message ?? "" }
      : undefined;
  const units = unitsFrom(cr.units);
  return {
    name,
    phase,
    lastAppliedRevision: cr.lastAppliedRevision,
    lastAttemptedRevision: cr.lastAttemptedRevision,
    ...(cr.lastAppliedCommit ? { lastAppliedCommit: cr.lastAppliedCommit } : {}),
    lastAppliedAt: cr.lastAppliedAt,
    conditions,
    drift: cr.drift ?? { status: "not-checked", drifted: 0 },
    suspended: cr.suspended ?? false,
    lastHandledReconcileAt: cr.lastHandledReconcileAt,
    ...(lastFailure ? { lastFailure } : {}),
    ...(units ? { units } : {}),
  };
}

/** An Event on the object. `reason` is a CamelCase name; `note` is one cleaned line. */
export interface AgentEvent {
  type: "Normal" | "Warning";
  reason:
    "Applied" | "ApplyFailed" | "ApplyRefused" | "DriftDetected" | "Remediated" | "Suspended" | "Resumed";
  note: string;
}

const short = (sha: string | undefined) => (sha ? sha.slice(0, 12) : "none");

/** The Events a change from `before` to `after` deserves (none for an unchanged status). */
export function eventsFor(before: EnvironmentStatus, after: EnvironmentStatus): AgentEvent[] {
  const out: AgentEvent[] = [];
  const ready = after.conditions.find((c) => c.type === "Ready");
  if (after.suspended !== before.suspended)
    out.push(
      after.suspended
        ? { type: "Normal", reason: "Suspended", note: "spec.suspend is true: applying and remediating stop" }
        : { type: "Normal", reason: "Resumed", note: "spec.suspend is false: applying the pending head" },
    );
  if (after.lastAppliedRevision && after.lastAppliedAt !== before.lastAppliedAt)
    out.push({ type: "Normal", reason: "Applied", note: `revision ${after.lastAppliedRevision} applied` });
  const failedNow =
    (after.phase === "Stalled" || after.phase === "Retrying") &&
    (after.phase !== before.phase ||
      after.lastAttemptedRevision !== before.lastAttemptedRevision ||
      ready?.message !== before.conditions.find((c) => c.type === "Ready")?.message);
  if (failedNow && ready)
    out.push({
      type: "Warning",
      reason: after.phase === "Stalled" ? "ApplyRefused" : "ApplyFailed",
      note: clean(`${ready.reason}: ${ready.message}`, 1000),
    });
  if (after.drift.checkedAt && after.drift.checkedAt !== before.drift.checkedAt) {
    if (after.drift.remediation === "applied")
      out.push({
        type: "Normal",
        reason: "Remediated",
        note: `${after.drift.drifted} drifted resource(s) put back to revision ${short(after.lastAppliedRevision)}`,
      });
    else if (after.drift.drifted > 0 || after.drift.status === "drifted")
      out.push({
        type: "Warning",
        reason: "DriftDetected",
        note: `${after.drift.drifted} resource(s) drifted from revision ${short(after.lastAppliedRevision)}`,
      });
  }
  return out;
}
