/**
 * The platform's error types and exit codes, one table for every layer. Services throw these;
 * only the command layer turns them into an exit code and a message.
 */

/** Exit codes of `platform`, as the Pulumi CLI uses them (0, 1, 2) plus the verbs' own. */
export const EXIT = {
  ok: 0,
  /** A failure or a refusal: nothing (more) was changed. */
  failure: 1,
  /** Bad flags or arguments. */
  usage: 2,
  /** `cluster status`: the local control plane is not ready. */
  notReady: 3,
  /** `drift`: drift was found. */
  drift: 4,
} as const;

/** A usage error (bad flag or argument): exit code 2, like the Pulumi CLI. */
export class UsageError extends Error {
  override name = "UsageError";
  readonly exitCode = EXIT.usage;
}

/**
 * The named pre-flight checks, in the order a deploy runs them. A refusal names the check that
 * failed, so callers (the agent's `Stalled` reason, reports) never match message text.
 */
export type PreflightCheck =
  | "backend" // the state backend's settings are usable and a remote one answers
  | "spec" // the environment's spec is valid
  | "checkpoint" // the checkpoint can be read and parses
  | "locks" // no update holds the stack (file backend)
  | "pendingOperations" // no interrupted update left operations behind
  | "apiServers" // every kubeconfig-reached cluster's API server answers
  | "sops" // every SOPS-encrypted value the spec reads is there, encrypted, and decrypts
  | "suspended" // no break-glass rollback holds the environment (stack tag platform:suspended)
  | "placement"; // units: every app's and workload's state is in its unit's stack

/** A refusal before Pulumi runs (a pre-flight check failed): nothing was changed. Exit code 1. */
export class PreflightError extends Error {
  override name = "PreflightError";
  readonly exitCode = EXIT.failure;
  constructor(
    /** The check that refused. */
    readonly check: PreflightCheck,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
