/**
 * Checks run before `platform up|destroy` starts Pulumi, each fast and without the engine: the spec
 * is valid, the checkpoint of a file backend parses, has no pending operations and no stale lock,
 * and the API server of every kubeconfig-reached cluster answers. Also turns the engine's known
 * failures (locked stack, wrong passphrase, unreachable cluster) into platform messages.
 */
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { CommandError, ConcurrentUpdateError } from "@pulumi/pulumi/automation";
import { parse } from "yaml";
import { clusterDir, stateDir } from "../paths";
import { loadSpecFile, resolveSpecPath } from "../spec/load";
import type { PlatformSpec } from "../spec/types";
import type { Command } from "../commands/types";
import { checkpointPaths, fileBackendDir, PendingOperation, readCheckpoint } from "./checkpoint";
import { describeLock, listLocks, LockInfo, lockedMessage } from "./locks";
import { backendSettings, readYamlMap } from "./settings";

/** A refusal before Pulumi runs: nothing was changed. */
export class PreflightError extends Error {
  readonly exitCode = 1;
}

/** What a job must know before it touches a stack (used by `recover`, `up`, and drift remediation). */
export interface RecoveryFacts {
  /** False when the stack's state is not a file backend: nothing below was inspected. */
  inspected: boolean;
  checkpointOk: boolean;
  /** Why the checkpoint does not parse. */
  checkpointError?: string;
  pendingOperations: PendingOperation[];
  locks: LockInfo[];
}

/**
 * The recovery facts of an environment's stack, read from its file backend without Pulumi and
 * without writing anything. Remote backends (S3, ...) are not inspected (`inspected: false`).
 */
export function recoveryFacts(
  root: string,
  env: string,
  processEnv: NodeJS.ProcessEnv = process.env,
): RecoveryFacts {
  const dir = env === "local" ? stateDir(root, processEnv) : undefined;
  if (!dir) return { inspected: false, checkpointOk: true, pendingOperations: [], locks: [] };
  const status = readCheckpoint(checkpointPaths(dir, env));
  return {
    inspected: true,
    checkpointOk: status.ok,
    ...(status.error ? { checkpointError: status.error } : {}),
    pendingOperations: status.pendingOperations,
    locks: listLocks(dir, env),
  };
}

/** Refuses an update of a file-backend stack whose checkpoint is corrupt, pending or locked. */
export function checkFileBackend(stateDirectory: string, env: string): void {
  const paths = checkpointPaths(stateDirectory, env);
  const status = readCheckpoint(paths);
  if (!status.ok) {
    throw new PreflightError(
      `${env}: the checkpoint ${paths.file} is corrupted (${status.error}); nothing was run.\n` +
        `Backups: ${paths.bak} and ${paths.backupsDir}/ (a copy after every finished update).\n` +
        `Recover with: platform recover ${env} --restore-backup (validates the newest backup, keeps the corrupted file aside)`,
    );
  }
  const locks = listLocks(stateDirectory, env);
  if (locks.length > 0) {
    const stale = locks.every((l) => l.holder === "gone");
    throw new PreflightError(
      `${env} is ${stale ? "held by a stale lock" : "locked by another update"}; nothing was run.\n` +
        locks.map((l) => `  ${describeLock(l)}`).join("\n") +
        (stale ? `\nBreak it with: platform recover ${env} --break-lock` : "\nWait for it to finish."),
    );
  }
  if (status.pendingOperations.length > 0) {
    throw new PreflightError(
      `${env}: the last update was interrupted; ${status.pendingOperations.length} operation(s) never finished:\n` +
        status.pendingOperations.map((op) => `  ${op.type} ${op.urn}`).join("\n") +
        `\nAn update now could create duplicates or lose track of resources; nothing was run.\n` +
        `See the choices with: platform recover ${env}`,
    );
  }
}

/** The API server URL of a kubeconfig's current context. */
export function kubeconfigServer(file: string): string {
  const doc = parse(fs.readFileSync(file, "utf8")) as {
    "current-context"?: string;
    contexts?: Array<{ name: string; context: { cluster: string } }>;
    clusters?: Array<{ name: string; cluster: { server: string } }>;
  };
  const ctx = doc.contexts?.find((c) => c.name === doc["current-context"]) ?? doc.contexts?.[0];
  const cluster = doc.clusters?.find((c) => c.name === ctx?.context.cluster) ?? doc.clusters?.[0];
  if (!cluster?.cluster.server) throw new Error(`${file}: no cluster server in the current context`);
  return cluster.cluster.server;
}

/** Resolves when a TCP connection to the URL's host and port succeeds; rejects with the reason. */
export function reachable(url: string, timeoutMs = 3000): Promise<void> {
  const u = new URL(url);
  const port = Number(u.port || (u.protocol === "http:" ? 80 : 443));
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: u.hostname.replace(/^\[|\]$/g, ""), port });
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
function kubeconfigFiles(
  root: string,
  env: string,
  spec: PlatformSpec,
  specFile: string,
  processEnv: NodeJS.ProcessEnv,
) {
  const config = readYamlMap(path.join(root, "stacks", `Pulumi.${env}.yaml`), `stacks/Pulumi.${env}.yaml`)
    .config as Record<string, unknown> | undefined;
  const configured = config?.["platform:kubeconfig"];
  const files: Array<{ cluster: string; file: string }> = [];
  for (const [name, cluster] of Object.entries(spec.clusters ?? {})) {
    if (cluster.kind === "local") {
      const file =
        typeof configured === "string"
          ? path.resolve(root, configured)
          : path.join(clusterDir(root, processEnv), "kubeconfig");
      files.push({ cluster: name, file });
    } else if (cluster.kind === "kubeconfig") {
      const fromEnv = processEnv.KUBECONFIG?.split(path.delimiter).find((p) => p !== "");
      const file = cluster.path ? path.resolve(path.dirname(specFile), cluster.path) : fromEnv;
      if (file) files.push({ cluster: name, file });
    }
  }
  return files;
}

/** Refuses when the API server of a kubeconfig-reached cluster does not answer. */
export async function checkApiServers(
  root: string,
  env: string,
  spec: PlatformSpec,
  specFile: string,
  processEnv: NodeJS.ProcessEnv,
): Promise<void> {
  for (const { cluster, file } of kubeconfigFiles(root, env, spec, specFile, processEnv)) {
    const hint = `start it with \`platform cluster up\` or fix the kubeconfig of cluster "${cluster}"`;
    if (!fs.existsSync(file)) {
      throw new PreflightError(
        `${env}: cluster "${cluster}" has no kubeconfig at ${file}; nothing was run; ${hint}`,
      );
    }
    const server = kubeconfigServer(file);
    try {
      await reachable(server);
    } catch (err) {
      throw new PreflightError(
        `${env}: the API server of cluster "${cluster}" (${server}) is unreachable (${(err as Error).message}); nothing was run; ${hint}`,
      );
    }
  }
}

/**
 * Every pre-flight check of `up`/`destroy`: the spec and stack config are valid (errors as
 * `file:line:col`), a file backend's checkpoint is sound, and the clusters' API servers answer.
 * Throws `PreflightError` (or the spec's validation error) before anything runs.
 */
export async function preflight(root: string, env: string, processEnv: NodeJS.ProcessEnv): Promise<void> {
  const settings = backendSettings(root, env, processEnv);
  const specFile = resolveSpecPath(env, root);
  const spec = loadSpecFile(specFile, { root });
  const dir = fileBackendDir(settings.backendUrl);
  if (dir) checkFileBackend(dir, env);
  await checkApiServers(root, env, spec, specFile, processEnv);
}

/** A platform message for an engine failure it knows, or undefined. */
export function explainEngineError(env: string, err: unknown): string | undefined {
  if (err instanceof PreflightError) return err.message;
  if (!(err instanceof CommandError)) return undefined;
  const stderr: string = err.message;
  if (err instanceof ConcurrentUpdateError) return lockedMessage(env, stderr);
  if (/incorrect passphrase|passphrase must be set/i.test(stderr)) {
    return `${env}: the passphrase (PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE) does not decrypt this stack's secrets; nothing was changed`;
  }
  if (/cluster is unreachable|connection refused|no such host/i.test(stderr)) {
    const line = stderr.split("\n").find((l) => /unreachable|connection refused|no such host/i.test(l));
    return `${env}: a Kubernetes API server is unreachable: ${line?.trim()}`;
  }
  return undefined;
}

/** Wraps a `up`/`destroy` command: known engine failures become one clear message and exit 1. */
export function withEngineErrors(command: Command): Command {
  return async (argv, io) => {
    try {
      return await command(argv, io);
    } catch (err) {
      const env = argv.find((a) => !a.startsWith("-")) ?? "?";
      const message = explainEngineError(env, err);
      if (message === undefined) throw err;
      io.stderr(`${message}\n`);
      return 1;
    }
  };
}
