/** How the agent runs: the options the verb resolves and the scheduler reads. */
import type { OciReference } from "../artifact/reference";
import type { KubeTarget } from "./kube/config";
import type { AgentLog } from "./log";
import type { OciSelector } from "./ociSource";
import type { AgentRouteContext, RouteHandler } from "./server";

/** How the agent runs. */
export interface AgentOptions {
  envs: string[];
  /** Any URL git understands. */
  repo: string;
  /** @default "main" (the verb applies it) */
  branch: string;
  /**
   * `--repo oci://HOST/REPO` with `--tag`, `--semver` or `--digest`: follow an OCI artifact
   * (./ociSource.ts) instead of a branch; `branch` is unused then.
   * @default undefined: `repo` is a Git repository
   */
  oci?: {
    ref: OciReference;
    selector: OciSelector;
    plainHttp: boolean;
    /**
     * `--verify-key`: a cosign public key; an artifact whose signature does not verify against it
     * is never pulled. @default undefined: unsigned artifacts are applied
     */
    verifyKey?: string;
  };
  /** The platform's folder inside the repository ("." for its root). */
  subdir: string;
  intervalMs: number;
  driftIntervalMs: number;
  /** `host:port` of the HTTP endpoints; not served with `once`. */
  listen: string;
  /** One pass (apply if needed, one drift check), then return the exit code. */
  once: boolean;
  /** The push webhook's secret (undefined: POST /hooks/git is always 401). */
  webhookSecret: string | undefined;
  /** `$PLATFORM_HOME`: state, the local cluster and the agent's own data. */
  home: string;
  /** The agent's own checkout (its node_modules is reused for an equal lockfile). */
  ownRoot: string;
  processEnv: NodeJS.ProcessEnv;
  /** Aborted on SIGTERM/SIGINT: stop after the running child, close the server. */
  signal: AbortSignal;
  /** One line per event (./log.ts: text or JSON, with env, revision, phase, reason). */
  log: AgentLog;
  /**
   * `--require-signed-commits`: an OpenPGP public keyring or an SSH allowed-signers file; a head
   * whose signature does not verify against it is never checked out for apply.
   * @default undefined: unsigned commits are applied
   */
  requireSignedCommits?: string;
  /**
   * The operations an interrupted update left in `env`'s stack (read without writing anything),
   * checked before each apply: with any, the environment is `Stalled` (PendingOperations) with
   * the `platform recover` hint, and is re-checked every pass until they are gone.
   * @default undefined: only the child `up`'s own pre-flight refuses them
   */
  pendingOperations?: (env: string) => number;
  /** More HTTP routes on `listen` (the dashboard), made once the mirror is known. @default none */
  routes?: (ctx: AgentRouteContext) => RouteHandler;
  /** The cluster side (CRD status, Events, suspend, reconcile requests, Lease); undefined: none. */
  kube?: AgentKubeOptions;
}

/** Where and as whom the agent keeps its `PlatformEnvironment` objects and Leases. */
export interface AgentKubeOptions {
  /** The API server of an environment (throws while it cannot be known; retried each tick). */
  targetOf: (env: string) => KubeTarget;
  /** @default "platform-system" (the verb applies it) */
  namespace: string;
  /** Lease holder identity. @default hostname-pid (the verb applies it) */
  identity: string;
  /** Lease duration (renewed at about a third of it); ignored with `once` (no election). */
  leaseDurationMs: number;
}
