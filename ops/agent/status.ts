/**
 * The agent's status of each environment: what `GET /status` returns, and the record the agent
 * decides from (the failures of the last attempted revision). The record lives on the
 * environment's `PlatformEnvironment` status (./kube/crStatus.ts); `$PLATFORM_HOME/agent/<env>/
 * status.json` is a cache for runs without a cluster (`--once`, no kubeconfig) and for `platform
 * status`. Conditions are kstatus as Flux writes them: `Ready` always (`Unknown` while
 * reconciling), `Reconciling` and `Stalled` only while they hold.
 */
import * as fs from "fs";
import * as path from "path";
import type {
  AgentCondition,
  DriftSummary,
  FailureRecord,
  Phase,
  Reason,
  UnitStatus,
} from "../../model/agentApi";
import { byAttention } from "./units";

export type { DriftSummary, FailureRecord, Phase } from "../../model/agentApi";
export type Condition = AgentCondition;

/**
 * One environment in `GET /status`. Commit ids are full 40-character ids; an oci:// source's
 * revisions are artifact digests (`sha256:<64 hex>`), with the commit in `lastAppliedCommit`.
 */
export interface EnvironmentStatus {
  name: string;
  phase: Phase;
  lastAppliedRevision?: string;
  lastAttemptedRevision?: string;
  /** The commit the last applied artifact was published from (oci:// sources only). */
  lastAppliedCommit?: string;
  lastAppliedAt?: string;
  conditions: Condition[];
  drift: DriftSummary;
  suspended: boolean;
  /** This agent holds the environment's Lease (always true without leader election, e.g. `--once`). */
  leader?: boolean;
  /** The Lease holder's identity as last seen. */
  holder?: string;
  /** The last `agent.platform.dev/requested-at` annotation value acted on. */
  lastHandledReconcileAt?: string;
  /** The failures of `lastAttemptedRevision` in a row; absent once it applied. */
  lastFailure?: FailureRecord;
  /** Per unit of an environment with `units:`, the ones needing attention first. */
  units?: UnitStatus[];
}

/** The record: the status plus where it was read from. */
export interface PersistedStatus extends EnvironmentStatus {
  /** `cluster` when read from the object's status, `cache` from status.json, `new` when neither had one. */
  recordFrom?: "cluster" | "cache" | "new";
}

export function statusFile(home: string, env: string): string {
  return path.join(home, "agent", env, "status.json");
}

/** A fresh `Pending` status: nothing applied, nothing tried. */
export function pendingStatus(env: string): PersistedStatus {
  return {
    name: env,
    phase: "Pending",
    conditions: conditions("Pending", "Starting", "not reconciled yet"),
    drift: { status: "not-checked", drifted: 0 },
    suspended: false,
    recordFrom: "new",
  };
}

/** The cached status of `env` (status.json), or a fresh `Pending` one. */
export function loadStatus(home: string, env: string): PersistedStatus {
  const file = statusFile(home, env);
  if (fs.existsSync(file)) {
    try {
      const cached = JSON.parse(fs.readFileSync(file, "utf8")) as PersistedStatus;
      if (cached.name === env && Array.isArray(cached.conditions)) return { ...cached, recordFrom: "cache" };
    } catch {
      /* unreadable: a cache only; the cluster's record or a fresh start decides */
    }
  }
  return pendingStatus(env);
}

/** Writes the cache atomically (temp file, then rename). */
export function saveStatus(home: string, status: PersistedStatus): void {
  const file = statusFile(home, status.name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, `${JSON.stringify({ ...status, recordFrom: undefined }, null, 2)}\n`);
  fs.renameSync(tmp, file);
}

/**
 * The kstatus conditions of a phase. `reason` names why: the failure (Retrying, Stalled), the
 * kind of apply (Reconciling: NewRevision, Adopting, RetryingAfterFailure), or Applied/Suspended.
 */
export function conditions(phase: Phase, reason: Reason, message: string): Condition[] {
  switch (phase) {
    case "Ready":
      return [{ type: "Ready", status: "True", reason, message }];
    case "Pending":
    case "Reconciling":
      return [
        { type: "Ready", status: "Unknown", reason: "Progressing", message },
        { type: "Reconciling", status: "True", reason, message },
      ];
    case "Retrying":
      return [
        { type: "Ready", status: "False", reason, message },
        { type: "Reconciling", status: "True", reason: "RetryingAfterFailure", message },
      ];
    case "Stalled":
      return [
        { type: "Ready", status: "False", reason, message },
        { type: "Stalled", status: "True", reason, message },
      ];
    case "Suspended":
      return [{ type: "Ready", status: "False", reason, message }];
  }
}

/** The reason of a `Stalled` status (undefined when not stalled). */
export function stalledBy(s: EnvironmentStatus): Reason | undefined {
  return s.phase === "Stalled" ? s.conditions.find((c) => c.type === "Stalled")?.reason : undefined;
}

/** The public part of a status (what `/status` shows). */
export function publicStatus(s: PersistedStatus): EnvironmentStatus {
  const {
    name,
    phase,
    lastAppliedRevision,
    lastAttemptedRevision,
    lastAppliedCommit,
    lastAppliedAt,
    conditions,
    drift,
    suspended,
    leader,
    holder,
    lastHandledReconcileAt,
    lastFailure,
    units,
  } = s;
  return {
    name,
    phase,
    lastAppliedRevision,
    lastAttemptedRevision,
    ...(lastAppliedCommit ? { lastAppliedCommit } : {}),
    lastAppliedAt,
    conditions,
    drift,
    // `suspended` is the agent's own switch (spec.suspend); a rollback's suspension shows as the phase
    suspended: suspended || phase === "Suspended",
    leader,
    holder,
    lastHandledReconcileAt,
    lastFailure,
    ...(units ? { units: byAttention(units) } : {}),
  };
}
