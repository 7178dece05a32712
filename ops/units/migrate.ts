/**
 * `platform units migrate <env>` (docs/units.md, "Migrating"): moves the resources of an
 * environment deployed as one stack into its unit stacks with `pulumi state move` of the pinned
 * CLI, unit by unit, so that the first `platform up` replaces and deletes nothing. The plan is
 * `planMigration`'s; the journal (./journal) is written before and after each unit, and a run
 * that finds an interrupted journal finishes it from what the states hold.
 */
import { execFile } from "child_process";
import * as os from "os";
import { promisify } from "util";
import type { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import type { Environment } from "../../model/environment";
import { unitPlan } from "../../model/units";
import { fileBackendDir } from "../engine/checkpoint";
import { describeLock, listLocks } from "../engine/locks";
import { preflight } from "../engine/preflight";
import { backendFor } from "../engine/settings";
import { exportEncrypted, openStack } from "../engine/workspace";
import {
  disagreement,
  JournalUnit,
  journalFile,
  journalHolderAlive,
  MigrationJournal,
  readJournal,
  unfinishedMigration,
  unitProgress,
  writeJournal,
} from "./journal";
import { planMigration, StateResource } from "./migration";
import { FINGERPRINT_TAG, openUnitStack, unitStackName, unitsWorkDir } from "./stacks";

/** A migration that must not start or go on; the message names what and the fix. */
export class MigrationRefusal extends Error {
  override name = "MigrationRefusal";
}

/** How a migration runs. */
export interface MigrateOptions {
  /** Print the moves and stop: nothing is written, no stack is created. @default false */
  dryRun?: boolean;
  /** One line of progress at a time. */
  log: (line: string) => void;
}

/** What a migration did. */
export interface MigrateResult {
  outcome: "planned" | "migrated" | "already-done";
  /** URNs moved by this run, per unit. */
  moved: Record<string, number>;
  journal?: MigrationJournal;
}

/** The program of a stack opened only to read or move its state: never run. */
const noProgram = async (): Promise<Record<string, unknown>> => {
  throw new Error("platform units migrate never runs a program");
};

interface StateView {
  urns: Set<string>;
  resources: StateResource[];
  pending: number;
}

async function readState(stack: Stack): Promise<StateView> {
  const deployment = (await exportEncrypted(stack)).deployment as
    { resources?: StateResource[]; pending_operations?: unknown[] } | undefined;
  const resources = deployment?.resources ?? [];
  return {
    urns: new Set(resources.map((r) => r.urn)),
    resources,
    pending: deployment?.pending_operations?.length ?? 0,
  };
}

/** Refuses a stack of a file backend that an update holds, or one whose state has pending operations. */
function refuseBusy(environment: Environment, stack: string, state: StateView): void {
  const dir = fileBackendDir(backendFor(environment).backendUrl);
  const locks = dir ? listLocks(dir, stack) : [];
  if (locks.length > 0)
    throw new MigrationRefusal(
      `${stack} is locked; nothing was moved.\n${locks.map((l) => `  ${describeLock(l)}`).join("\n")}\n` +
        `wait for the update to finish, or break a stale lock: platform recover ${environment.name} --break-lock`,
    );
  if (state.pending > 0)
    throw new MigrationRefusal(
      `${stack} has ${state.pending} pending operation(s) from an interrupted update; nothing was moved.\n` +
        `resolve them first: platform recover ${environment.name} (it lists them and the ways out)`,
    );
}

/** `pulumi state move --source <env> --dest <env>.<unit> --yes <urns>` with the stacks' backend. */
async function stateMove(environment: Environment, stack: Stack, urns: string[]): Promise<void> {
  const workspace = stack.workspace as LocalWorkspace;
  const args = ["state", "move", "--source", environment.name, "--dest", stack.name, "--yes"];
  try {
    // From the units' folder: it holds the project file and the unit stack's settings (its salt
    // or key), which the CLI reads when the destination has no secrets manager yet.
    await promisify(execFile)(workspace.pulumiCommand.command, [...args, "--non-interactive", ...urns], {
      cwd: unitsWorkDir(environment),
      env: { ...environment.processEnv, ...workspace.envVars },
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (cause) {
    const err = cause as { stderr?: string; stdout?: string; message?: string };
    const said = (err.stderr || err.stdout || err.message || String(cause)).trim();
    throw new Error(`pulumi state move to ${stack.name} failed: ${said}`, { cause });
  }
}

/** A line per unit: what it takes. */
function describePlan(journal: Pick<MigrationJournal, "units" | "stays">, env: string): string[] {
  return [
    `${env}: ${journal.units.length} unit(s); ${journal.stays} resource(s) stay in the base`,
    ...journal.units.map(
      (u) =>
        `  ${u.unit.padEnd(Math.max(...journal.units.map((x) => x.unit.length)))}  ${u.urns.length} resource(s) → ${u.stack}`,
    ),
  ];
}

/**
 * Moves the environment's single-stack state into its units; see the module comment. Refuses
 * (MigrationRefusal) when the spec has no `units:`, another migration runs, a stack is locked or
 * has pending operations, a unit stack already holds what the plan would move, or the states
 * disagree with the journal.
 */
export async function migrateToUnits(
  environment: Environment,
  options: MigrateOptions,
): Promise<MigrateResult> {
  const env = environment.name;
  if (!environment.spec.units)
    throw new MigrationRefusal(
      `${env}: ${environment.specFile} has no units: section; add one (units: {} gives each tenant a unit), then run platform units migrate ${env}`,
    );
  const plan = unitPlan(environment.spec);
  const file = journalFile(environment);
  let journal = readJournal(file);
  if (journal?.status === "done") {
    options.log(`${env}: already migrated to units (finished ${journal.finishedAt ?? "?"}; journal ${file})`);
    return { outcome: "already-done", moved: {}, journal };
  }
  if (journal && journalHolderAlive(journal))
    throw new MigrationRefusal(
      `${env}: a units migration is running (pid ${journal.pid} on ${journal.hostname}, since ${journal.startedAt}); wait for it to finish`,
    );

  await preflight(environment, ["backend", "spec", "checkpoint", "locks", "pendingOperations"]);
  let base: Stack;
  try {
    base = await openStack(environment, noProgram, {}, true);
  } catch (cause) {
    if (!/no stack named|not found/i.test(String((cause as Error).message)))
      throw new Error(`${env}: its stack could not be opened: ${(cause as Error).message}`, { cause });
    throw new MigrationRefusal(
      `${env} has no stack yet: nothing to migrate; platform up ${env} --yes deploys it as units from the start`,
      { cause },
    );
  }
  const source = await readState(base);
  refuseBusy(environment, env, source);

  const stacks = new Map<string, Stack>();
  const unitStack = async (unit: string) => {
    const known = stacks.get(unit);
    if (known) return known;
    const opened = await openUnitStack(environment, unit, noProgram);
    stacks.set(unit, opened);
    return opened;
  };

  if (!journal) {
    const migration = planMigration(environment.spec, plan, source.resources);
    const units: JournalUnit[] = plan.units.map((u) => ({
      unit: u.name,
      stack: unitStackName(env, u.name),
      urns: migration.moves[u.name] ?? [],
      state: "pending",
    }));
    for (const line of describePlan({ units, stays: migration.stays }, env)) options.log(line);
    for (const missing of migration.missing)
      options.log(`  not in ${env}'s state (never deployed; platform up creates it in its unit): ${missing}`);
    if (options.dryRun) {
      for (const u of units) for (const urn of u.urns) options.log(`  ${u.unit}: ${urn}`);
      options.log(`${env}: dry run: nothing was moved`);
      return { outcome: "planned", moved: {} };
    }
    for (const u of units) {
      const dest = await readState(await unitStack(u.unit));
      refuseBusy(environment, u.stack, dest);
      const held = dest.resources.filter(
        (r) => r.type !== "pulumi:pulumi:Stack" && !r.type.startsWith("pulumi:providers:"),
      );
      if (held.length > 0)
        throw new MigrationRefusal(
          `${u.stack} already holds ${held.length} resource(s), and no migration journal says they were moved there:\n` +
            held
              .slice(0, 10)
              .map((r) => `  ${r.urn}`)
              .join("\n") +
            (held.length > 10 ? `\n  … and ${held.length - 10} more` : "") +
            `\nnothing was moved; if ${u.stack} was deployed by units before, destroy it (pulumi destroy --stack ${u.stack}) or move its resources back, then run again`,
        );
    }
    journal = {
      version: 1,
      env,
      status: "running",
      pid: process.pid,
      hostname: os.hostname(),
      startedAt: new Date().toISOString(),
      stays: migration.stays,
      units,
    };
  } else {
    options.log(
      `${env}: finishing the migration interrupted since ${journal.startedAt} (pid ${journal.pid} is gone; journal ${file})`,
    );
    for (const line of describePlan(journal, env)) options.log(line);
    if (options.dryRun) {
      for (const u of journal.units) {
        const progress = unitProgress(env, u, source.urns, (await readState(await unitStack(u.unit))).urns);
        options.log(`  ${u.unit}: ${progress.moved.length} moved, ${progress.toMove.length} to move`);
        const problem = disagreement(env, u, progress);
        if (problem) options.log(problem);
      }
      options.log(`${env}: dry run: nothing was moved`);
      return { outcome: "planned", moved: {}, journal };
    }
    // this run holds the journal now
    journal = { ...journal, pid: process.pid, hostname: os.hostname(), startedAt: new Date().toISOString() };
  }
  writeJournal(file, journal);

  // No stack may look unchanged to `up` before it ran on its new state: the units' stacks get
  // their first fingerprint from their first update, and the base (whose state shrinks) too.
  await base.removeTag(FINGERPRINT_TAG).catch(() => undefined);
  try {
    return await moveUnits(environment, journal, file, { base: source, unitStack, log: options.log });
  } catch (err) {
    // stopped, not running: the next run (or recover --finish-migration) takes the journal over
    writeJournal(file, { ...journal, pid: 0 });
    throw err;
  }
}

/** The moves of every unit of the journal, each recorded before and after; see migrateToUnits. */
async function moveUnits(
  environment: Environment,
  journal: MigrationJournal,
  file: string,
  ctx: { base: StateView; unitStack: (unit: string) => Promise<Stack>; log: (line: string) => void },
): Promise<MigrateResult> {
  const env = environment.name;
  const { base: source, unitStack, log } = ctx;
  const moved: Record<string, number> = {};
  for (const u of journal.units) {
    const stack = await unitStack(u.unit);
    await stack.removeTag(FINGERPRINT_TAG).catch(() => undefined);
    const dest = await readState(stack);
    refuseBusy(environment, u.stack, dest);
    const progress = unitProgress(env, u, source.urns, dest.urns);
    const problem = disagreement(env, u, progress);
    if (problem) throw new MigrationRefusal(`${problem}\njournal: ${file}`);
    if (progress.toMove.length > 0) {
      u.state = "moving";
      writeJournal(file, journal);
      const started = Date.now();
      await stateMove(environment, stack, progress.toMove);
      const after = unitProgress(env, u, new Set(), (await readState(stack)).urns);
      if (after.moved.length !== u.urns.length)
        throw new Error(
          `${u.stack}: after pulumi state move, ${u.urns.length - after.moved.length} resource(s) of unit ${u.unit} are not there: ${after.lost.slice(0, 5).join(", ")}; run platform units migrate ${env} --yes again to see where they are`,
        );
      for (const urn of progress.toMove) source.urns.delete(urn);
      log(
        `  ${u.unit}: moved ${progress.toMove.length} resource(s) to ${u.stack} in ${((Date.now() - started) / 1000).toFixed(1)} s` +
          (progress.moved.length > 0 ? ` (${progress.moved.length} were there already)` : ""),
      );
    } else log(`  ${u.unit}: nothing left to move (${progress.moved.length} in ${u.stack})`);
    moved[u.unit] = progress.toMove.length;
    u.state = "moved";
    writeJournal(file, journal);
  }
  const done: MigrationJournal = { ...journal, status: "done", finishedAt: new Date().toISOString() };
  writeJournal(file, done);
  return { outcome: "migrated", moved, journal: done };
}

/**
 * Why `up`/`preview`/`destroy` of a units environment must not run yet, or undefined: a
 * migration is unfinished (its journal), or the base has never run as a base (no fingerprint
 * tag) and its state still holds resources of the units, which a units run would create anew in
 * the units' stacks and delete from the base: replacements. Reads the base's state only when it
 * has no fingerprint.
 */
export async function migrationNeeded(environment: Environment, base: Stack): Promise<string | undefined> {
  const unfinished = unfinishedMigration(environment);
  if (unfinished) return unfinished;
  if ((await base.listTags())[FINGERPRINT_TAG] !== undefined) return undefined;
  const { resources } = await readState(base);
  const { moves } = planMigration(environment.spec, unitPlan(environment.spec), resources);
  const held = Object.entries(moves).filter(([, urns]) => urns.length > 0);
  if (held.length === 0) return undefined;
  const env = environment.name;
  return (
    `${env} was deployed as one stack: its state still holds the resources of unit(s) ${held.map(([u]) => u).join(", ")}, ` +
    `which a units run would create anew in their stacks and delete from ${env} (replacements); nothing was run.\n` +
    `move them first (no replacement): platform units migrate ${env} --dry-run, then platform units migrate ${env} --yes`
  );
}
