/**
 * `platform recover <env> [action]`: after a crash, says what is wrong with a file-backend stack
 * and the ways out, and applies the one asked for.
 */
import * as fs from "fs";
import * as path from "path";
import type { Stack } from "@pulumi/pulumi/automation";
import { exportEncrypted, openStack } from "../engine/workspace";
import { backendFor } from "../engine/settings";
import type { Environment } from "../../model/environment";
import {
  adoptPendingCreates,
  checkpointPaths,
  damagedSidecars,
  DeploymentState,
  fileBackendDir,
  PendingCreateResolution,
  PendingOperation,
  removeDamagedSidecars,
  restoreBackup,
} from "../engine/checkpoint";
import { breakStaleLocks, describeLock } from "../engine/locks";
import { recoveryFacts, RecoveryFacts, REMOTE_LOCKS_NOTE } from "../engine/preflight";
import { runPlatform } from "../../program/run";
import { withSopsValues } from "../engine/sops";
import { kubectl } from "../cluster/cluster";
import { journalFile, readJournal, unfinishedMigration } from "../units/journal";
import { environmentOf } from "./environment";
import { runMigration } from "./unitsMigrate";
import { parseCommand } from "./grammar";
import { RECOVER } from "./tables";
import { Command, CommandIO, EXIT, UsageError } from "./types";
import { unitPlan } from "../../model/units";
import { openUnitStack, unitStackName, unitsWorkDir } from "../units/stacks";

const ACTIONS = RECOVER.exclusive?.[0].map((flag) => `--${flag}`) ?? [];

/**
 * The recovery choices, as printed by `platform recover <env>`; `damaged` are metadata files an
 * interrupted write left unreadable (`damagedSidecars`).
 */
export function explain(
  env: string,
  facts: RecoveryFacts,
  damaged: string[] = [],
  /** Why an unfinished `platform units migrate` holds the environment (`unfinishedMigration`). @default none */
  migration?: string,
  /** The stack's name in the output (a unit's `<env> unit <name>`). @default env */
  title = env,
): string {
  const lines: string[] = [];
  if (!facts.inspected)
    return `${title}: its state could not be inspected: ${facts.reason ?? "no reason given"}\n`;
  const remote = facts.backendKind === "remote";
  if (!facts.checkpointOk) {
    lines.push(`checkpoint: corrupted (${facts.checkpointError})`);
    lines.push(
      remote
        ? `  restore a copy with the backend's own tools (e.g. S3 object versions), then \`pulumi stack import\``
        : `  platform recover ${env} --restore-backup   put the newest valid backup in place (corrupted file kept aside)`,
    );
  } else lines.push("checkpoint: parses");
  lines.push(facts.locksListed ? `locks: ${facts.locks.length}` : `locks: not listed (${REMOTE_LOCKS_NOTE})`);
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
      remote
        ? `  (--import-pending-creates works on the local file backend only: adopt such objects with \`pulumi import\`)`
        : `  platform recover ${env} --import-pending-creates   the creates went through: adopt those on the API server, drop the rest, then refresh`,
      `  platform recover ${env} --clear-pending-creates    the creates failed: forget them, then refresh (an object that does exist is left untracked)`,
    );
  }
  if (damaged.length > 0) {
    lines.push(
      `damaged metadata files: ${damaged.length} (an interrupted write; the backend cannot read what they describe)`,
    );
    for (const file of damaged) lines.push(`  ${file}`);
    lines.push(
      facts.locks.length === 0 && pending.length === 0
        ? `  platform recover ${env} --refresh   remove them, then refresh`
        : `  every action above removes them first`,
    );
  }
  if (migration) {
    lines.push("units migration: unfinished", `  ${migration}`);
  }
  if (
    facts.checkpointOk &&
    facts.locks.length === 0 &&
    pending.length === 0 &&
    damaged.length === 0 &&
    !migration
  )
    lines.push("nothing to recover");
  return `${title}:\n${lines.join("\n")}\n`;
}

/** Parses the arguments after `recover` (table: RECOVER): the environment and at most one action. */
function parseArgs(argv: string[]): { env: string; action?: string; unit?: string } {
  const { given, positionals, flags } = parseCommand(RECOVER, argv);
  const [env] = positionals;
  const action = given.map((flag) => `--${flag}`).find((flag) => ACTIONS.includes(flag));
  return { env, ...(action ? { action } : {}), ...(flags.unit !== undefined ? { unit: flags.unit } : {}) };
}

/**
 * The stack `recover` works on: the environment's own, or with `--unit` one unit's (`<env>.<unit>`,
 * of a unit the spec declares or a stack of one it dropped). `target` is what follows `platform
 * recover` in the hints; `open` opens it for a refresh (which never runs the program).
 */
interface Target {
  stack: string;
  target: string;
  title: string;
  open: () => Promise<Stack>;
}

function targetOf(environment: Environment, unit: string | undefined): Target {
  const env = environment.name;
  if (unit === undefined)
    return {
      stack: env,
      target: env,
      title: env,
      open: () =>
        openStack(environment, async () => runPlatform(environment, withSopsValues(environment, {}))),
    };
  if (!environment.spec.units)
    throw new UsageError(
      `--unit ${unit}: ${env} has no units: section in its spec, so it is one stack; run platform recover ${env}`,
    );
  const known = unitPlan(environment.spec).units.map((u) => u.name);
  const dropped = fs.existsSync(
    path.join(unitsWorkDir(environment), `Pulumi.${unitStackName(env, unit)}.yaml`),
  );
  if (!known.includes(unit) && !dropped)
    throw new UsageError(`--unit ${unit}: ${env} has no unit "${unit}"; its units are ${known.join(", ")}`);
  return {
    stack: unitStackName(env, unit),
    target: `${env} --unit ${unit}`,
    title: `${env} unit ${unit} (stack ${unitStackName(env, unit)})`,
    open: () => openUnitStack(environment, unit, async () => ({})),
  };
}

/** The unit stacks of a file backend with something to recover, as `explain` lines. */
function unitsNeedingRecovery(environment: Environment): string[] {
  if (!environment.spec.units) return [];
  // Only the local file backend is read from disk; elsewhere each unit would cost a state export.
  if (environment.name !== "local")
    return [
      `  (unit stacks are not inspected here; name one with platform recover ${environment.name} --unit NAME)`,
    ];
  return unitPlan(environment.spec)
    .units.map((u) => ({
      unit: u.name,
      facts: recoveryFacts(environment, unitStackName(environment.name, u.name)),
    }))
    .filter(
      ({ facts }) =>
        facts.inspected && (!facts.checkpointOk || facts.locks.length || facts.pendingOperations.length),
    )
    .map(
      ({ unit, facts }) =>
        `  ${unit}: ${!facts.checkpointOk ? "checkpoint corrupted" : `${facts.locks.length} lock(s), ${facts.pendingOperations.length} pending operation(s)`}; see platform recover ${environment.name} --unit ${unit}`,
    );
}

/** What the local API server has of the object of a pending Kubernetes create. */
export interface LiveObject {
  present: boolean;
  /** The server-side apply field manager that applied it (`pulumi-kubernetes-...`), when known. */
  fieldManager?: string;
}

/**
 * Looks up the object of a pending Kubernetes create on the local API server: a kill can land
 * while several creates are in flight, and one that never arrived must not be adopted. Anything but
 * a clear NotFound counts as present (the refresh then decides: it drops what it cannot read).
 */
export function liveObject(io: CommandIO, type: string, id: string): LiveObject {
  const [, groupVersion, kind] = type.split(":");
  const [group, version] = groupVersion.includes("/") ? groupVersion.split("/") : ["core", groupVersion];
  const resource = group === "core" ? kind : `${kind}.${version}.${group}`;
  const [namespace, name] = id.includes("/") ? id.split("/") : [undefined, id];
  const res = kubectl({ root: io.root, env: io.processEnv }, [
    "get",
    resource,
    name,
    ...(namespace ? ["-n", namespace] : []),
    "-o",
    "json",
  ]);
  if (res.status !== 0) return { present: !/NotFound|not found/i.test(res.stderr ?? "") };
  try {
    const managed = (
      JSON.parse(res.stdout) as {
        metadata?: { managedFields?: Array<{ manager?: string; operation?: string }> };
      }
    ).metadata?.managedFields;
    const applier = managed?.find(
      (m) => m.operation === "Apply" && m.manager?.startsWith("pulumi-kubernetes"),
    );
    return applier?.manager ? { present: true, fieldManager: applier.manager } : { present: true };
  } catch {
    return { present: true };
  }
}

/**
 * `--import-pending-creates`: the creates went through, so each pending create whose id is known
 * becomes a resource of the stack (its recorded state and that id; see `adoptPendingCreates`),
 * then a refresh reads the objects. The engine's own `refresh --import-pending-creates` marking
 * (`importing`) is not used: this engine drops such operations without recording the resource, so
 * the objects would be orphaned and the next `up` would create autonamed ones a second time.
 * Creates that never reached the local API server, and pending creates of providers and of
 * component resources (nothing below them exists yet), are dropped: the next `up` makes them.
 */
async function importPendingCreates(
  environment: Environment,
  t: Target,
  io: CommandIO,
  pending: PendingOperation[],
): Promise<number> {
  const env = t.title;
  const creates = pending.filter((op) => op.type === "creating");
  const unknown = creates.filter(
    (op) => !op.importId && !op.component && !op.resourceType.startsWith("pulumi:providers:"),
  );
  if (unknown.length > 0) {
    io.stderr(
      `cannot derive the id of:\n${unknown.map((op) => `  ${op.urn}`).join("\n")}\n` +
        `import them by hand (pulumi refresh --import-pending-creates URN ID) or use --clear-pending-creates\n`,
    );
    return EXIT.failure;
  }
  const stack = await t.open();
  // Not stack.exportStack(): it adds --show-secrets, and the import would carry plaintext secrets.
  const deployment = await exportEncrypted(stack);
  const local = environment.name === "local";
  const resolutions = new Map<string, PendingCreateResolution>(
    creates.map((op): [string, PendingCreateResolution] => {
      if (!op.importId) return [op.urn, {}];
      if (!local || !op.resourceType.startsWith("kubernetes:")) return [op.urn, { id: op.importId }];
      const live = liveObject(io, op.resourceType, op.importId);
      if (!live.present) return [op.urn, {}];
      return [
        op.urn,
        live.fieldManager ? { id: op.importId, fieldManager: live.fieldManager } : { id: op.importId },
      ];
    }),
  );
  const { adopted, dropped } = adoptPendingCreates(deployment.deployment as DeploymentState, resolutions);
  await stack.importStack(deployment);
  for (const op of creates) {
    const id = resolutions.get(op.urn)?.id;
    io.stderr(`  ${id ? `import ${id}` : "drop"}  ${op.urn}\n`);
  }
  const result = await stack.refresh({ onOutput: (s) => io.stderr(s), color: "never" });
  io.stdout(
    `${env}: pending creates: ${adopted.length} imported, ${dropped.length} dropped; refresh ${result.summary.result}\n`,
  );
  return result.summary.result === "succeeded" ? EXIT.ok : EXIT.failure;
}

/** `platform recover <env> [--break-lock|--restore-backup|--refresh|--clear-pending-creates|--import-pending-creates|--finish-migration]`. */
export const recover: Command = async (argv, io) => {
  const { env, action, unit } = parseArgs(argv);
  const environment = environmentOf(env, io);
  const t = targetOf(environment, unit);
  const facts = recoveryFacts(environment, t.stack);
  if (!action) {
    const stateDir = facts.inspected ? fileBackendDir(backendFor(environment).backendUrl) : undefined;
    io.stdout(
      explain(
        t.target,
        facts,
        stateDir ? damagedSidecars(checkpointPaths(stateDir, t.stack)) : [],
        unit === undefined ? unfinishedMigration(environment) : undefined,
        t.title,
      ),
    );
    if (unit === undefined) {
      const units = unitsNeedingRecovery(environment);
      if (units.length) io.stdout(`units:\n${units.join("\n")}\n`);
    }
    return EXIT.ok;
  }
  if (action === "--finish-migration") {
    if (!readJournal(journalFile(environment))) {
      io.stdout(`${env}: no units migration to finish (no journal at ${journalFile(environment)})\n`);
      return EXIT.ok;
    }
    return runMigration(environment, io, { dryRun: false, yes: true });
  }
  const dir = fileBackendDir(backendFor(environment).backendUrl);
  if (!dir) return recoverRemote(t, action, facts, io);
  const paths = checkpointPaths(dir, t.stack);
  // Damaged metadata files go first (every engine command fails on them), but only while no update
  // runs: a live writer may be between truncating one and writing it.
  const repair = () => {
    if (!facts.locks.every((l) => l.holder === "gone")) return;
    for (const file of removeDamagedSidecars(paths)) {
      io.stderr(`removed ${file}: damaged metadata left by an interrupted write\n`);
    }
  };
  if (action === "--break-lock") {
    if (facts.locks.length === 0) {
      repair();
      io.stdout(`${t.title}: no lock to break\n`);
      return EXIT.ok;
    }
    const removed = breakStaleLocks(dir, t.stack);
    for (const lock of removed) io.stdout(`broke stale lock: ${describeLock(lock)}\n`);
    repair();
    return EXIT.ok;
  }
  if (action === "--restore-backup") {
    repair();
    const restored = restoreBackup(paths);
    io.stdout(
      `${t.title}: restored the checkpoint from ${restored.from} (${restored.resources} resources); ` +
        `the corrupted file is kept as ${restored.keptAs}\n` +
        `next: platform recover ${t.target} --refresh (re-reads the live objects), then platform up ${env}\n`,
    );
    return EXIT.ok;
  }
  if (!facts.checkpointOk) {
    io.stderr(
      `${t.title}: the checkpoint is corrupted; run platform recover ${t.target} --restore-backup first\n`,
    );
    return EXIT.failure;
  }
  if (facts.locks.length > 0) {
    io.stderr(
      `${t.title} is locked:\n${facts.locks.map((l) => `  ${describeLock(l)}`).join("\n")}\nbreak a stale lock first: platform recover ${t.target} --break-lock\n`,
    );
    return EXIT.failure;
  }
  repair();
  if (action === "--import-pending-creates")
    return importPendingCreates(environment, t, io, facts.pendingOperations);
  return refreshStack(t, action, io);
};

/** `--refresh` / `--clear-pending-creates`: a refresh through the engine (any backend; it locks). */
async function refreshStack(t: Target, action: string, io: CommandIO): Promise<number> {
  const stack = await t.open();
  const result = await stack.refresh({
    onOutput: (s) => io.stderr(s),
    color: "never",
    clearPendingCreates: action === "--clear-pending-creates",
  });
  io.stdout(`${t.title}: refresh ${result.summary.result}\n`);
  return result.summary.result === "succeeded" ? EXIT.ok : EXIT.failure;
}

/**
 * A remote backend (S3, ...): only the engine's own refresh actions apply (they lock the stack,
 * so a running update is never raced); locks and backups live in the bucket, out of reach here.
 */
async function recoverRemote(
  t: Target,
  action: string,
  facts: RecoveryFacts,
  io: CommandIO,
): Promise<number> {
  const env = t.title;
  if (action !== "--refresh" && action !== "--clear-pending-creates") {
    io.stderr(
      `${env}: ${action} works on the local file backend only; for a remote backend use \`pulumi cancel\` (a stale lock), the bucket's object versions (a backup) or \`pulumi import\` (an object to adopt)\n`,
    );
    return EXIT.failure;
  }
  if (!facts.inspected) {
    io.stderr(
      `${env}: its state could not be inspected (${facts.reason ?? "no reason given"}); nothing was run\n`,
    );
    return EXIT.failure;
  }
  if (!facts.checkpointOk) {
    io.stderr(`${env}: the checkpoint is corrupted (${facts.checkpointError}); nothing was run\n`);
    return EXIT.failure;
  }
  return refreshStack(t, action, io);
}
