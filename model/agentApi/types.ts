/**
 * `agent.platform.dev/v1`: the spec and status of a `PlatformEnvironment`, its conditions and
 * phases. The CRD's schema (components/kubernetes/agent/crd.ts) is built from the field tables
 * below and checked against them by a unit test; the agent (ops/agent) reads and writes these
 * types. The status is the agent's record: a restarted agent with an empty disk reads it and
 * carries on (failure count and time, the refusal, last applied and attempted revision, drift,
 * the handled reconcile request).
 */
import type { FailureReason, Reason } from "./reasons";

export const AGENT_API_GROUP = "agent.platform.dev";
export const AGENT_API_VERSION_NAME = "v1";

/** The phase of an environment, as `kubectl get penv -o wide` shows it. */
export const PHASES = ["Pending", "Reconciling", "Ready", "Retrying", "Stalled", "Suspended"] as const;
export type Phase = (typeof PHASES)[number];

/** kstatus condition types: `Ready` always; `Reconciling` and `Stalled` only while they hold. */
export const CONDITION_TYPES = ["Ready", "Reconciling", "Stalled"] as const;
export type ConditionType = (typeof CONDITION_TYPES)[number];

export const CONDITION_STATUSES = ["True", "False", "Unknown"] as const;
export type ConditionStatus = (typeof CONDITION_STATUSES)[number];

/** A condition as the agent computes it (no times: those are added when it is written). */
export interface AgentCondition {
  type: ConditionType;
  status: ConditionStatus;
  reason: Reason;
  message: string;
}

/** A condition as stored on the object. */
export interface Condition extends AgentCondition {
  observedGeneration: number;
  lastTransitionTime: string;
}

/** The last drift check (the `drift.json` it wrote, summed up). */
export interface DriftSummary {
  /** `in-sync`, `drifted`, `unknown`, ... as drift.json says; `not-checked` before the first check. */
  status: string;
  /** ISO time of the check. */
  checkedAt?: string;
  drifted: number;
  /** What `drift.mode: remediate` did at that check (`applied`, `refused`, `failed`), when it ran. */
  remediation?: string;
  /** Per Kubernetes cluster (spec key): one cluster's status never another's. */
  clusters?: Record<string, { status: string; drifted: number }>;
}

/** The failures of `lastAttemptedRevision` in a row: what the backoff and `Stalled` are decided from. */
export interface FailureRecord {
  /** The revision that failed (full commit id). */
  revision: string;
  reason: FailureReason;
  /** The refusal in words (file:line:col for a spec, the policy for a violation). */
  message: string;
  /** Failed attempts of `revision` in a row. */
  count: number;
  /** ISO time of the last failed attempt. */
  at: string;
  /** The failure cannot go away by itself (see the reason's kind). */
  terminal: boolean;
}

/**
 * One unit of an environment with `units:` (docs/units.md): the base (`base`) or a unit stack.
 * A unit that applied carries the revision; a failed one keeps the revision it last applied.
 */
export interface UnitStatus {
  /** The unit's name (`base` for the environment's own stack). */
  name: string;
  /** `Ready`, `Retrying` (a transient failure), `Stalled` (a terminal one, or blocked by one). */
  phase: Phase;
  /** The last revision whose content this unit runs (applied, or unchanged since). */
  lastAppliedRevision?: string;
  /** The last revision the agent applied with this unit in it. */
  lastAttemptedRevision?: string;
  /** `Applied`, or the failure's reason (`PolicyViolation`, `EngineError`, ...). */
  reason: Reason;
  /** What happened, in one cleaned line (the refusal, `unchanged`, `blocked by unit x`). */
  message: string;
}

/** What people set. */
export interface PlatformEnvironmentSpec {
  /** The platform environment this object reports. */
  environment: string;
  /** True stops applying and remediating; drift is still checked and reported. @default false */
  suspend?: boolean;
}

/** What the agent writes, only through the status subresource. */
export interface PlatformEnvironmentStatus {
  /** `metadata.generation` the status was computed from. */
  observedGeneration: number;
  phase: Phase;
  /** Full 40-character commit id. */
  lastAppliedRevision?: string;
  lastAttemptedRevision?: string;
  /**
   * The commit the last applied revision was built from, when the revision is not itself a commit
   * (an oci:// artifact's digest: its `org.opencontainers.image.revision` annotation).
   */
  lastAppliedCommit?: string;
  /** ISO time of the last successful apply. */
  lastAppliedAt?: string;
  /** The last `agent.platform.dev/requested-at` value the agent acted on. */
  lastHandledReconcileAt?: string;
  conditions: Condition[];
  drift: DriftSummary;
  /** Applying is suspended (spec.suspend, or a rollback's suspension shown as the phase). */
  suspended: boolean;
  /** The agent that holds the environment's Lease and wrote this status. */
  leader: { identity: string; lease: string };
  /** The failures of the last attempted revision; absent once it applied. */
  lastFailure?: FailureRecord;
  /**
   * Per unit, for an environment with `units:` (absent otherwise): the ones needing attention
   * first. The environment is `Ready` only when every unit is.
   */
  units?: UnitStatus[];
}

/** A `PlatformEnvironment`. */
export interface PlatformEnvironment {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    generation?: number;
    resourceVersion?: string;
    annotations?: Record<string, string>;
  };
  spec?: PlatformEnvironmentSpec;
  status?: Partial<PlatformEnvironmentStatus>;
}

/** The JSON Schema type of each field: the CRD's schema is checked against these tables. */
export type FieldType = "string" | "integer" | "boolean" | "object" | "array";

/** Every field of the spec, with its schema type (the mapped type makes it exhaustive). */
export const SPEC_FIELDS: { [K in keyof Required<PlatformEnvironmentSpec>]: FieldType } = {
  environment: "string",
  suspend: "boolean",
};

/** Every field of the status, with its schema type. */
export const STATUS_FIELDS: { [K in keyof Required<PlatformEnvironmentStatus>]: FieldType } = {
  observedGeneration: "integer",
  phase: "string",
  lastAppliedRevision: "string",
  lastAttemptedRevision: "string",
  lastAppliedCommit: "string",
  lastAppliedAt: "string",
  lastHandledReconcileAt: "string",
  conditions: "array",
  drift: "object",
  suspended: "boolean",
  leader: "object",
  lastFailure: "object",
  units: "array",
};

export const UNIT_FIELDS: { [K in keyof Required<UnitStatus>]: FieldType } = {
  name: "string",
  phase: "string",
  lastAppliedRevision: "string",
  lastAttemptedRevision: "string",
  reason: "string",
  message: "string",
};

export const CONDITION_FIELDS: { [K in keyof Required<Condition>]: FieldType } = {
  type: "string",
  status: "string",
  reason: "string",
  message: "string",
  observedGeneration: "integer",
  lastTransitionTime: "string",
};

export const DRIFT_FIELDS: { [K in keyof Required<DriftSummary>]: FieldType } = {
  status: "string",
  checkedAt: "string",
  drifted: "integer",
  remediation: "string",
  clusters: "object",
};

export const FAILURE_FIELDS: { [K in keyof Required<FailureRecord>]: FieldType } = {
  revision: "string",
  reason: "string",
  message: "string",
  count: "integer",
  at: "string",
  terminal: "boolean",
};

export const LEADER_FIELDS: { [K in keyof Required<PlatformEnvironmentStatus["leader"]>]: FieldType } = {
  identity: "string",
  lease: "string",
};
