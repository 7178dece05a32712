/**
 * `platform recover <env> [action]`: after a crash, says what is wrong with a file-backend stack
 * and the ways out, and applies the one asked for.
 */
import { exportEncrypted, openStack } from "../engine/workspace";
import { backendSettings } from "../engine/settings";
import { checkpointPaths, fileBackendDir, PendingOperation, restoreBackup } from "../engine/checkpoint";
import { breakStaleLocks, describeLock } from "../engine/locks";
import { recoveryFacts, RecoveryFacts } from "../engine/preflight";
import { runPlatform } from "../../stacks/run";
import { kubectl } from "../cluster/cluster";
import { Command, CommandIO, UsageError } from "./types";

const ACTIONS = [
  "--break-lock",
  "--restore-backup",
  "--refresh",
  "--clear-pending-creates",
  "--import-pending-creates",
];
const USAGE = `usage: platform recover <env> [${ACTIONS.join(" | ")}]`;

/** The recovery choices, as printed by `platform recover <env>`. */
export function explain(env: string, facts: RecoveryFacts): string {
  const lines: string[] = [];
  if (!facts.inspected) return `${env}: its state is not on a file backend; nothing to inspect here\n`;
  if (!facts.checkpointOk) {
    lines.push(`checkpoint: corrupted (${facts.checkpointError})`);
    lines.push(
      `  platform recover ${env} --restore-backup   put the newest valid backup in place (corrupted file kept aside)`,
    );
  } else lines.push("checkpoint: parses");
  lines.push(`locks: ${facts.locks.length}`);
  for (const lock of facts.locks) lines.push(`  ${describeLock(lock)}`);
  if (facts.locks.some((l) => l.holder === "gone")) {
    lines.push(`  platform recover ${env} --break-lock       remove locks whose process is provably gone`);
  }
  const pending = facts.pendingOperations;
  lines.push(`pending operations: ${pending.length}`);
  for (const op of pending) lines.push(`  ${op.type} ${op.urn}${op.importId ? ` (id ${op.importId})` : ""}`);
  if (pending.length > 0) {
    lines.push(
      `  platform recover ${env} --refresh                  refresh from the cluster; clears pending updates and deletes`,
      `  platform recover ${env} --import-pending-creates   the creates went through: adopt them (ids from their inputs), then refresh`,
      `  platform recover ${env} --clear-pending-creates    the creates failed: forget them, then refresh (an object that exists makes the next up fail)`,
    );
  }
  if (facts.checkpointOk && facts.locks.length === 0 && pending.length === 0)
    lines.push("nothing to recover");
  return `${env}:\n${lines.join("\n")}\n`;
}

function parseArgs(argv: string[]): { env: string; action?: string } {
  let env: string | undefined;
  let action: string | undefined;
  for (const a of argv) {
    if (ACTIONS.includes(a)) {
      if (action) throw new UsageError(`one action at a time (got ${action} and ${a}); ${USAGE}`);
      action = a;
    } else if (a.startsWith("-")) throw new UsageError(`unknown flag ${a}; ${USAGE}`);
    else if (env) throw new UsageError(`one environment at a time; ${USAGE}`);
    else env = a;
  }
  if (!env) throw new UsageError(`which environment? ${USAGE}`);
  return action ? { env, action } : { env };
}

/**
 * Whether the object of a pending Kubernetes create reached the local API server: a kill can land
 * while several creates are in flight, and importing one that never arrived fails the refresh.
 * Anything but a clear NotFound counts as present (the refresh then decides).
 */
export function reachedCluster(io: CommandIO, type: string, id: string): boolean {
  const [, groupVersion, kind] = type.split(":");
  const [group, version] = groupVersion.includes("/") ? groupVersion.split("/") : ["core", groupVersion];
  const resource = group === "core" ? kind : `${kind}.${version}.${group}`;
  const [namespace, name] = id.includes("/") ? id.split("/") : [undefined, id];
  const res = kubectl(io, ["get", resource, name, ...(namespace ? ["-n", namespace] : []), "-o", "name"]);
  return !(res.status !== 0 && /NotFound|not found/i.test(res.stderr ?? ""));
}

/** Marks pending creates whose ID is known as imports (what `--import-pending-creates URN ID` does). */
async function importPendingCreates(
  env: string,
  io: CommandIO,
  pending: PendingOperation[],
): Promise<number> {
  const creates = pending.filter((op) => op.type === "creating");
  const unknown = creates.filter((op) => !op.importId && !op.resourceType.startsWith("pulumi:providers:"));
  if (unknown.length > 0) {
    io.stderr(
      `cannot derive the id of:\n${unknown.map((op) => `  ${op.urn}`).join("\n")}\n` +
        `import them by hand (pulumi refresh --import-pending-creates URN ID) or use --clear-pending-creates\n`,
    );
    return 1;
  }
  const stack = await openStack(env, { root: io.root, env: io.env }, async () => runPlatform(env, io.root));
  // Not stack.exportStack(): it adds --show-secrets, and the import would carry plaintext secrets.
  const deployment = await exportEncrypted(stack);
  const ops = (deployment.deployment.pending_operations ?? []) as Array<{
    type: string;
    resource: { urn: string; id?: string };
  }>;
  // On the local cluster, a create that never reached the API server is dropped, not imported:
  // the next `up` creates it.
  const local = env === "local";
  const ids = new Map(
    creates.map((op) => [
      op.urn,
      op.importId &&
      (!local ||
        !op.resourceType.startsWith("kubernetes:") ||
        reachedCluster(io, op.resourceType, op.importId))
        ? op.importId
        : undefined,
    ]),
  );
  deployment.deployment.pending_operations = ops
    .filter((op) => !(op.type === "creating" && ids.has(op.resource.urn) && !ids.get(op.resource.urn)))
    .map((op) => {
      const id = op.type === "creating" ? ids.get(op.resource.urn) : undefined;
      return id ? { ...op, type: "importing", resource: { ...op.resource, id } } : op;
    });
  await stack.importStack(deployment);
  for (const op of creates) io.stderr(`  ${ids.get(op.urn) ? `import ${op.importId}` : "drop"}  ${op.urn}\n`);
  const result = await stack.refresh({ onOutput: (s) => io.stderr(s), color: "never" });
  io.stdout(`${env}: pending creates imported; refresh ${result.summary.result}\n`);
  return result.summary.result === "succeeded" ? 0 : 1;
}

/** `platform recover <env> [--break-lock|--restore-backup|--refresh|--clear-pending-creates|--import-pending-creates]`. */
export const recover: Command = async (argv, io) => {
  const { env, action } = parseArgs(argv);
  const facts = recoveryFacts(io.root, env, io.env);
  if (!action) {
    io.stdout(explain(env, facts));
    return 0;
  }
  const dir = fileBackendDir(backendSettings(io.root, env, io.env).backendUrl);
  if (!dir) {
    io.stderr(`${env}: recover works on file backends only; use the pulumi CLI against its backend\n`);
    return 1;
  }
  if (action === "--break-lock") {
    if (facts.locks.length === 0) {
      io.stdout(`${env}: no lock to break\n`);
      return 0;
    }
    const removed = breakStaleLocks(dir, env);
    for (const lock of removed) io.stdout(`broke stale lock: ${describeLock(lock)}\n`);
    return 0;
  }
  if (action === "--restore-backup") {
    const restored = restoreBackup(checkpointPaths(dir, env));
    io.stdout(
      `${env}: restored the checkpoint from ${restored.from} (${restored.resources} resources); ` +
        `the corrupted file is kept as ${restored.keptAs}\n` +
        `next: platform recover ${env} --refresh (re-reads the live objects), then platform up ${env}\n`,
    );
    return 0;
  }
  if (!facts.checkpointOk) {
    io.stderr(`${env}: the checkpoint is corrupted; run platform recover ${env} --restore-backup first\n`);
    return 1;
  }
  if (facts.locks.length > 0) {
    io.stderr(
      `${env} is locked:\n${facts.locks.map((l) => `  ${describeLock(l)}`).join("\n")}\nbreak a stale lock first: platform recover ${env} --break-lock\n`,
    );
    return 1;
  }
  if (action === "--import-pending-creates") return importPendingCreates(env, io, facts.pendingOperations);
  const stack = await openStack(env, { root: io.root, env: io.env }, async () => runPlatform(env, io.root));
  const result = await stack.refresh({
    onOutput: (s) => io.stderr(s),
    color: "never",
    clearPendingCreates: action === "--clear-pending-creates",
  });
  io.stdout(`${env}: refresh ${result.summary.result}\n`);
  return result.summary.result === "succeeded" ? 0 : 1;
};
