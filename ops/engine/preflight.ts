/**
 * Checks run before `platform up|destroy` starts an update: the spec is valid; the checkpoint of a
 * file backend parses, has no pending operations and no stale lock (read from disk); a remote
 * backend (S3, ...) answers a TCP connect and its checkpoint, read with `pulumi stack export`
 * (secrets left encrypted, nothing written), parses and has no pending operations; and the API
 * server of every kubeconfig-reached cluster answers. Also turns the engine's known failures
 * (locked stack, wrong passphrase, unreachable cluster) into platform messages.
 */
import * as fs from "fs";
import { DEFAULT_CLUSTER } from "../../model/paths";
import * as net from "net";
import type { Environment } from "../../model/environment";
import { stateDir } from "../../model/paths";
import {
  CheckpointStatus,
  checkpointPaths,
  fileBackendDir,
  PendingOperation,
  PROJECT,
  readCheckpoint,
} from "./checkpoint";
import { describeLock, listLocks, LockInfo } from "./locks";
import {
  backendEndpoint,
  CheckpointReader,
  describeBackend,
  exportCheckpoint,
  hostPort,
} from "./remoteState";
import type { Kubeconfig } from "./kubeconfig";
import { BackendSettings, backendFor } from "./settings";
import { PreflightCheck, PreflightError } from "../errors";
import { decryptSopsValues } from "./sops";

export { PreflightError };
export type { PreflightCheck };

/** What a job must know before it touches a stack (used by `recover`, `up`, and drift remediation). */
export interface RecoveryFacts {
  /** False when the stack's state could not be read: nothing below was inspected (see `reason`). */
  inspected: boolean;
  /** Why the stack was not inspected (remote backend unreadable, stack config invalid, ...). */
  reason?: string;
  /** `file` (read from disk) or `remote` (read with `pulumi stack export`), when known. */
  backendKind?: "file" | "remote";
  /** The backend, safe to print (no credentials, no secret query parameters). */
  backend?: string;
  checkpointOk: boolean;
  /** Why the checkpoint does not parse. */
  checkpointError?: string;
  pendingOperations: PendingOperation[];
  locks: LockInfo[];
  /**
   * False when `locks` was not listed, so an empty list proves nothing: the locks of a remote
   * backend are not read here (the engine still refuses a locked stack when an update starts).
   */
  locksListed: boolean;
  /** What a reader must know about these facts (e.g. that locks were not listed). */
  notes: string[];
}

/** The note of facts read from a remote backend, whose locks are not listed. */
export const REMOTE_LOCKS_NOTE =
  "locks of a remote backend are not listed here; the engine refuses a locked stack when an update starts";

/**
 * The recovery facts of an environment's stack, without writing anything to its backend. A file
 * backend (`local`) is read from disk, locks included. A remote backend (S3, ...) is read with
 * `pulumi stack export` (secrets left encrypted; pending operations and whether the checkpoint
 * parses), its locks not listed (`locksListed: false`); when it cannot be read (stack config
 * invalid, no pinned CLI, backend down or credentials refused) the facts say `inspected: false`
 * and why. Synchronous: the export runs as a child process with a timeout.
 */
export function recoveryFacts(
  environment: Environment,
  /** The stack read (a unit's `<env>.<unit>`). @default the environment's own */
  stack: string = environment.name,
): RecoveryFacts {
  const { root, processEnv } = environment;
  const env = stack;
  const dir = environment.name === "local" ? stateDir(root, processEnv) : undefined;
  if (dir) {
    const status = readCheckpoint(checkpointPaths(dir, env));
    return {
      inspected: true,
      backendKind: "file",
      backend: `file://${dir}`,
      checkpointOk: status.ok,
      ...(status.error ? { checkpointError: status.error } : {}),
      pendingOperations: status.pendingOperations,
      locks: listLocks(dir, env),
      locksListed: true,
      notes: [],
    };
  }
  const notInspected = (reason: string, backend?: string): RecoveryFacts => ({
    inspected: false,
    reason,
    ...(backend ? { backendKind: "remote" as const, backend } : {}),
    checkpointOk: true,
    pendingOperations: [],
    locks: [],
    locksListed: false,
    notes: [`not inspected: ${reason}`],
  });
  let settings: BackendSettings;
  try {
    settings = backendFor(environment);
  } catch (err) {
    return notInspected(`the stack config cannot be used: ${(err as Error).message}`);
  }
  const backend = describeBackend(settings.backendUrl);
  if (fileBackendDir(settings.backendUrl)) {
    return notInspected("a file backend outside the local stack is not inspected", backend);
  }
  let status: CheckpointStatus;
  try {
    status = exportCheckpoint(root, env, settings, processEnv);
  } catch (err) {
    return notInspected((err as Error).message, backend);
  }
  return {
    inspected: true,
    backendKind: "remote",
    backend,
    checkpointOk: status.ok,
    ...(status.error ? { checkpointError: status.error } : {}),
    pendingOperations: status.pendingOperations,
    locks: [],
    locksListed: false,
    notes: [REMOTE_LOCKS_NOTE],
  };
}

/** The refusal of an update whose checkpoint has pending operations (file and remote backends). */
export function pendingOperationsMessage(
  env: string,
  pending: PendingOperation[],
  remote = false,
  /** What follows `platform recover` in the hint (a unit's stack: `<env> --unit <unit>`). @default env */
  recoverAs = env,
): string {
  return (
    `${env}: the last update was interrupted; ${pending.length} operation(s) never finished:\n` +
    pending.map((op) => `  ${op.type} ${op.urn}`).join("\n") +
    `\nAn update now could create duplicates or lose track of resources; nothing was run.\n` +
    (remote
      ? `(Locks of a remote backend are not listed: if another update of ${env} is running right now, wait for it and retry.)\n`
      : "") +
    `See the choices with: platform recover ${recoverAs}`
  );
}

/** Refuses an update of a file-backend stack whose checkpoint is corrupt, pending or locked. */
export function checkFileBackend(
  stateDirectory: string,
  env: string,
  /** What follows `platform recover` in the hints. @default env */
  recoverAs = env,
): void {
  const paths = checkpointPaths(stateDirectory, env);
  const status = readCheckpoint(paths);
  if (!status.ok) {
    throw new PreflightError(
      "checkpoint",
      `${env}: the checkpoint ${paths.file} is corrupted (${status.error}); nothing was run.\n` +
        `Backups: ${paths.bak} and ${paths.backupsDir}/ (a copy after every finished update).\n` +
        `Recover with: platform recover ${recoverAs} --restore-backup (validates the newest backup, keeps the corrupted file aside)`,
    );
  }
  const locks = listLocks(stateDirectory, env);
  if (locks.length > 0) {
    const stale = locks.every((l) => l.holder === "gone");
    throw new PreflightError(
      "locks",
      `${env} is ${stale ? "held by a stale lock" : "locked by another update"}; nothing was run.\n` +
        locks.map((l) => `  ${describeLock(l)}`).join("\n") +
        (stale ? `\nBreak it with: platform recover ${recoverAs} --break-lock` : "\nWait for it to finish."),
    );
  }
  if (status.pendingOperations.length > 0) {
    throw new PreflightError(
      "pendingOperations",
      pendingOperationsMessage(env, status.pendingOperations, false, recoverAs),
    );
  }
}

/**
 * The state checks of one stack of an environment (a unit's `<env>.<unit>`): its checkpoint is
 * sound, unlocked (file backend) and has no pending operations. Throws PreflightError as
 * {@link preflight} does; the hints name `platform recover <recoverAs>`.
 */
export async function checkStackState(
  environment: Environment,
  stack: string,
  recoverAs: string,
): Promise<void> {
  const settings = backendFor(environment);
  const dir = fileBackendDir(settings.backendUrl);
  if (dir) checkFileBackend(dir, stack, recoverAs);
  else
    await checkRemoteBackend(
      environment.root,
      stack,
      settings,
      environment.processEnv,
      exportCheckpoint,
      recoverAs,
    );
}

/** How long the TCP check of a remote backend waits. */
export const BACKEND_CONNECT_TIMEOUT_MS = 3000;

/**
 * Refuses an update of a remote-backend stack whose backend does not answer, or whose checkpoint
 * cannot be read, is corrupted or has pending operations. Nothing is written.
 */
export async function checkRemoteBackend(
  root: string,
  env: string,
  settings: BackendSettings,
  processEnv: NodeJS.ProcessEnv,
  read: CheckpointReader = exportCheckpoint,
  /** What follows `platform recover` in the hints. @default env */
  recoverAs = env,
): Promise<void> {
  const backend = describeBackend(settings.backendUrl);
  const endpoint = backendEndpoint(settings.backendUrl, processEnv);
  if (endpoint) {
    try {
      await connect(endpoint.host, endpoint.port, BACKEND_CONNECT_TIMEOUT_MS);
    } catch (err) {
      throw new PreflightError(
        "backend",
        `${env}: the state backend ${backend} is unreachable: no connection to ${endpoint.host}:${endpoint.port} ` +
          `(${(err as Error).message}); nothing was run.\n` +
          `Check that the object store is up and reachable from here, or fix config platform:backend in stacks/Pulumi.${env}.yaml`,
        { cause: err },
      );
    }
  }
  let status: CheckpointStatus;
  try {
    status = read(root, env, settings, processEnv);
  } catch (err) {
    throw new PreflightError(
      "checkpoint",
      `${env}: the checkpoint in the state backend ${backend} cannot be read (${(err as Error).message}); nothing was run`,
      { cause: err },
    );
  }
  if (!status.ok) {
    throw new PreflightError(
      "checkpoint",
      `${env}: the checkpoint in the state backend ${backend} is corrupted (${status.error}); nothing was run.\n` +
        `Backups in the backend: .pulumi/stacks/${PROJECT}/${env}.json.bak (.json.gz.bak when it writes gzip) and .pulumi/backups/${PROJECT}/${env}/ (a copy after every finished update).\n` +
        `Put a valid one back with pulumi stack import (platform recover ${recoverAs} --restore-backup works on file backends only)`,
    );
  }
  if (status.pendingOperations.length > 0) {
    throw new PreflightError(
      "pendingOperations",
      pendingOperationsMessage(env, status.pendingOperations, true, recoverAs),
    );
  }
}

/** Resolves when a TCP connection to the URL's host and port succeeds; rejects with the reason. */
export function reachable(url: string, timeoutMs = 3000): Promise<void> {
  const { host, port } = hostPort(new URL(url));
  return connect(host, port, timeoutMs);
}

/** Resolves when a TCP connection to host:port succeeds within the timeout; rejects with the reason. */
export function connect(host: string, port: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const done = (err?: Error) => {
      socket.destroy();
      if (err) reject(err);
      else resolve();
    };
    socket.setTimeout(timeoutMs, () => done(new Error(`no answer within ${timeoutMs} ms`)));
    socket.once("connect", () => done());
    socket.once("error", (err) => done(err));
  });
}

/** The kubeconfig files of the spec's clusters that are reached through one (kinds local, kubeconfig). */
function kubeconfigFiles(environment: Environment) {
  const files: Array<{ cluster: string; file: string }> = [];
  for (const cluster of Object.keys(environment.spec.clusters ?? {})) {
    const source = environment.kubeconfigSource(cluster);
    if (source.kind === "file") files.push({ cluster, file: source.file });
  }
  return files;
}

/**
 * Refuses when the kubeconfig of a kubeconfig-reached cluster cannot be used (read by the one
 * reader, ops/engine/kubeconfig.ts), its API server does not answer, or its exec credential plugin
 * gives no credential (missing, failing, hanging past its time limit, printing garbage): the
 * Kubernetes provider would otherwise fail halfway through the update.
 */
export async function checkApiServers(environment: Environment): Promise<void> {
  const env = environment.name;
  const files = kubeconfigFiles(environment);
  if (files.length === 0) return;
  // client-node (about a second to load) only when a cluster is reached through a kubeconfig;
  // require, not import(): under tsx's CommonJS hook a dynamic import() of a .ts file fails
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const reader = require("./kubeconfig") as typeof import("./kubeconfig");
  for (const { cluster, file } of files) {
    const named = environment.spec.clusters[cluster]?.kind === "local" && cluster !== DEFAULT_CLUSTER;
    const start = named ? `platform cluster up --name ${cluster}` : "platform cluster up";
    const hint = `start it with \`${start}\` or fix the kubeconfig of cluster "${cluster}"`;
    if (!fs.existsSync(file)) {
      throw new PreflightError(
        "apiServers",
        `${env}: cluster "${cluster}" has no kubeconfig at ${file}; nothing was run; ${hint}`,
      );
    }
    let kubeconfig: Kubeconfig;
    try {
      kubeconfig = reader.readKubeconfig(
        file,
        { processEnv: environment.processEnv },
        environment.read(file),
      );
    } catch (err) {
      throw new PreflightError(
        "apiServers",
        `${env}: the kubeconfig of cluster "${cluster}" cannot be used: ${(err as Error).message}; nothing was run`,
        { cause: err },
      );
    }
    const server = kubeconfig.server;
    try {
      await reachable(server);
    } catch (err) {
      throw new PreflightError(
        "apiServers",
        `${env}: the API server of cluster "${cluster}" (${server}) is unreachable (${(err as Error).message}); nothing was run; ${hint}`,
        { cause: err },
      );
    }
    if (kubeconfig.credential === "exec") {
      try {
        await kubeconfig.config.applyToHTTPSOptions({});
      } catch (err) {
        throw new PreflightError(
          "apiServers",
          `${env}: cluster "${cluster}" gives no credential: ${(err as Error).message}; nothing was run`,
          { cause: err },
        );
      }
    }
  }
}

/** The checks `up` and `destroy` run, in order. */
export const DEPLOY_CHECKS: readonly PreflightCheck[] = [
  "backend",
  "spec",
  "checkpoint",
  "locks",
  "pendingOperations",
  "apiServers",
  "sops",
];

/** The checks `preview` runs: an unreachable cluster would otherwise preview as "no changes". */
export const PREVIEW_CHECKS: readonly PreflightCheck[] = ["apiServers", "sops"];

/**
 * Runs the named pre-flight checks of an environment, in the order of {@link DEPLOY_CHECKS}:
 * the stack config and spec are valid (errors as `file:line:col`), a file backend's checkpoint is
 * sound and unlocked, a remote backend answers and its checkpoint is sound, and the clusters' API
 * servers answer. Throws `PreflightError` naming the check that refused (or the spec's validation
 * error) before anything runs. The checkpoint, lock and pending-operation checks read the state
 * once, together.
 */
export async function preflight(
  environment: Environment,
  checks: readonly PreflightCheck[] = DEPLOY_CHECKS,
): Promise<void> {
  void environment.specFile; // an unknown environment is named first, with the ones there are
  const wanted = new Set(checks);
  const state = wanted.has("checkpoint") || wanted.has("locks") || wanted.has("pendingOperations");
  const settings = wanted.has("backend") || state ? backendFor(environment) : undefined;
  if (wanted.has("spec")) void environment.spec; // the spec is valid before anything else is asked
  if (settings && (wanted.has("backend") || state)) {
    const dir = fileBackendDir(settings.backendUrl);
    if (dir) {
      if (state) checkFileBackend(dir, environment.name);
    } else await checkRemoteBackend(environment.root, environment.name, settings, environment.processEnv);
  }
  if (wanted.has("apiServers")) await checkApiServers(environment);
  if (wanted.has("sops")) decryptSopsValues(environment); // decrypted once; the program reads them
}
