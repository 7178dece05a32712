/**
 * Every reason the agent names, in one place: the `reason` of a `PlatformEnvironment` condition,
 * of a result file a child `platform up` writes (ops/result.ts), of a log line. Each reason says
 * which phase of a reconcile ends with it and whether it can go away by itself (transient: retried
 * with backoff) or not (terminal: `Stalled` until the source or the spec changes).
 */

/** The phases of one reconcile, in order (ops/agent/reconciler.ts). */
export const RECONCILE_PHASES = ["source", "verify", "gate", "apply", "drift", "publish"] as const;
export type ReconcilePhase = (typeof RECONCILE_PHASES)[number];

/**
 * What a reason means for the environment: `success` (Ready), `progress` (Reconciling),
 * `transient` (retried with backoff), `terminal` (Stalled until something changes).
 */
export type ReasonKind = "success" | "progress" | "transient" | "terminal";

/** What the API says about one reason. */
export interface ReasonInfo {
  kind: ReasonKind;
  /** The phase that ends with this reason. */
  phase: ReconcilePhase;
  /** One line for the docs' reasons table. */
  summary: string;
}

/** The reasons, by name. */
export const REASONS = {
  Starting: { kind: "progress", phase: "source", summary: "not reconciled yet" },
  NewRevision: { kind: "progress", phase: "source", summary: "a new head is being applied" },
  Adopting: {
    kind: "progress",
    phase: "source",
    summary: "nothing is recorded as applied: the head is applied to adopt the environment",
  },
  RetryingAfterFailure: {
    kind: "progress",
    phase: "source",
    summary: "the head failed transiently and is tried again (10 s × 3ⁿ, at most 3 retries)",
  },
  Progressing: {
    kind: "progress",
    phase: "apply",
    summary: "a revision is being applied (Ready is Unknown)",
  },
  Applied: { kind: "success", phase: "apply", summary: "the branch head is applied" },
  SourceUnavailable: {
    kind: "transient",
    phase: "source",
    summary: "the repository cannot be read (network, credentials, missing branch)",
  },
  UnsignedRevision: {
    kind: "terminal",
    phase: "verify",
    summary: "--require-signed-commits or --verify-key: the head carries no signature",
  },
  SignatureInvalid: {
    kind: "terminal",
    phase: "verify",
    summary:
      "--require-signed-commits or --verify-key: the head's signature does not verify against the key(s)",
  },
  EnvironmentRemoved: {
    kind: "terminal",
    phase: "verify",
    summary: "the head has no stacks/<env>/platform.yaml: the environment folder was deleted or renamed",
  },
  ArtifactInvalid: {
    kind: "terminal",
    phase: "verify",
    summary:
      "an oci:// artifact failed its checks (digest, type, size limits, a path or link out of the work tree, a device): nothing of it is unpacked",
  },
  Suspended: {
    kind: "terminal",
    phase: "gate",
    summary: "spec.suspend is true, or a rollback --now holds the environment until its revert merges",
  },
  PendingOperations: {
    kind: "terminal",
    phase: "gate",
    summary: "an interrupted update left pending operations: run platform recover <env>",
  },
  SpecInvalid: {
    kind: "terminal",
    phase: "apply",
    summary: "the spec does not validate (file:line:col in the message)",
  },
  PolicyViolation: { kind: "terminal", phase: "apply", summary: "a mandatory policy refused a resource" },
  SopsUndecryptable: {
    kind: "terminal",
    phase: "apply",
    summary: "a SOPS-encrypted value cannot be read (file, key or age key named in the message)",
  },
  CheckpointInvalid: { kind: "terminal", phase: "apply", summary: "the stack's checkpoint cannot be read" },
  StateMisplaced: {
    kind: "terminal",
    phase: "apply",
    summary: "units: an app's or workload's state is in another stack than its unit's; move it first",
  },
  MassDeletion: {
    kind: "terminal",
    phase: "apply",
    summary: "the update would delete more than the mass-deletion guard allows",
  },
  LockHeld: { kind: "transient", phase: "apply", summary: "another update holds the stack's lock" },
  BackendUnavailable: { kind: "transient", phase: "apply", summary: "the state backend does not answer" },
  ApiServerUnavailable: {
    kind: "transient",
    phase: "apply",
    summary: "a cluster's API server does not answer",
  },
  EngineError: { kind: "transient", phase: "apply", summary: "the update failed for another reason" },
  RetriesExhausted: {
    kind: "terminal",
    phase: "apply",
    summary: "a transient failure outlasted its retries: Stalled until a new commit",
  },
  DriftChecked: {
    kind: "success",
    phase: "drift",
    summary: "drift was checked from the last applied revision",
  },
  DriftCheckFailed: { kind: "transient", phase: "drift", summary: "the drift check could not finish" },
  StatusNotWritten: {
    kind: "transient",
    phase: "publish",
    summary: "the status could not be written to the cluster (kept in the local cache)",
  },
} as const satisfies Record<string, ReasonInfo>;

/** The one reason union. */
export type Reason = keyof typeof REASONS;

/** Every reason name, in table order. */
export const REASON_NAMES = Object.keys(REASONS) as Reason[];

/** A reason of a failure (what a child or a phase refuses or fails with). */
export type FailureReason = {
  [R in Reason]: (typeof REASONS)[R]["kind"] extends "transient" | "terminal" ? R : never;
}[Reason];

/** Is `value` one of the API's reasons? (For reasons read from files and objects: no casts.) */
export function isReason(value: unknown): value is Reason {
  return typeof value === "string" && Object.hasOwn(REASONS, value);
}

/** Is `value` a failure reason (transient or terminal)? */
export function isFailureReason(value: unknown): value is FailureReason {
  return isReason(value) && (REASONS[value].kind === "transient" || REASONS[value].kind === "terminal");
}

/** A terminal reason cannot go away by itself: retrying the same revision is pointless. */
export function isTerminal(reason: Reason): boolean {
  return REASONS[reason].kind === "terminal";
}
