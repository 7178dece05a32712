/**
 * The agent's status of each environment: what `GET /status` returns, persisted under
 * `$PLATFORM_HOME/agent/<env>/status.json` so that a restarted agent knows what it applied.
 * Conditions are kstatus-style: `Ready`, `Reconciling`, `Stalled`.
 */
import * as fs from "fs";
import * as path from "path";

export type Phase = "Pending" | "Reconciling" | "Ready" | "Retrying" | "Stalled" | "Suspended";

export interface Condition {
  type: "Ready" | "Reconciling" | "Stalled";
  status: "True" | "False" | "Unknown";
  reason: string;
  message: string;
}

export interface DriftSummary {
  /** `in-sync`, `drifted`, `unknown`, ... as drift.json says; `not-checked` before the first check. */
  status: string;
  checkedAt?: string;
  drifted: number;
  /** What `drift.mode: remediate` did at that check (`applied`, `refused`, `failed`), when it ran. */
  remediation?: string;
  /** Per Kubernetes cluster (spec key), as drift.json's `clusters` says: one cluster's status never another's. */
  clusters?: Record<string, { status: string; drifted: number }>;
}

/** One environment in `GET /status`. Commit ids are full 40-character ids. */
export interface EnvironmentStatus {
  name: string;
  phase: Phase;
  lastAppliedRevision?: string;
  lastAttemptedRevision?: string;
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
}

/** What is persisted beside the status: the failure count and time the backoff needs. */
export interface PersistedStatus extends EnvironmentStatus {
  failures: number;
  lastFailureAt?: number;
  lastFailurePermanent?: boolean;
}

export function statusFile(home: string, env: string): string {
  return path.join(home, "agent", env, "status.json");
}

/** The persisted status of `env`, or a fresh `Pending` one. */
export function loadStatus(home: string, env: string): PersistedStatus {
  const file = statusFile(home, env);
  if (fs.existsSync(file)) {
    try {
      return JSON.parse(fs.readFileSync(file, "utf8")) as PersistedStatus;
    } catch {
      /* unreadable: start over, the next pass adopts */
    }
  }
  return {
    name: env,
    phase: "Pending",
    conditions: conditions("Pending", "Starting", "not reconciled yet"),
    drift: { status: "not-checked", drifted: 0 },
    suspended: false,
    failures: 0,
  };
}

/** Writes the status atomically (temp file, then rename). */
export function saveStatus(home: string, status: PersistedStatus): void {
  const file = statusFile(home, status.name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, `${JSON.stringify(status, null, 2)}\n`);
  fs.renameSync(tmp, file);
}

/** The kstatus conditions of a phase. */
export function conditions(phase: Phase, reason: string, message: string): Condition[] {
  const c = (type: Condition["type"], on: boolean): Condition => ({
    type,
    status: on ? "True" : "False",
    reason: on ? reason : type === "Ready" ? reason : "",
    message: on || type === "Ready" ? message : "",
  });
  return [
    c("Ready", phase === "Ready"),
    c("Reconciling", phase === "Reconciling" || phase === "Retrying" || phase === "Pending"),
    c("Stalled", phase === "Stalled"),
  ];
}

/** The public part of a persisted status (what `/status` shows). */
export function publicStatus(s: PersistedStatus): EnvironmentStatus {
  const {
    name,
    phase,
    lastAppliedRevision,
    lastAttemptedRevision,
    lastAppliedAt,
    conditions,
    drift,
    suspended,
    leader,
    holder,
    lastHandledReconcileAt,
  } = s;
  return {
    name,
    phase,
    lastAppliedRevision,
    lastAttemptedRevision,
    lastAppliedAt,
    conditions,
    drift,
    suspended,
    leader,
    holder,
    lastHandledReconcileAt,
  };
}
