/**
 * `platform units migrate <env>` (docs/units.md, "Migrating"): moves the resources of an
 * environment deployed as one stack into its unit stacks with `pulumi state move` of the pinned
 * CLI, unit by unit, so that the first `platform up` replaces and deletes nothing. The plan is
 * `planMigration`'s; the journal (./journal) is written before and after each unit, and a run
 * that finds an interrupted journal finishes it from what the states hold.
 */
import * as os from "os";
import type { Stack } from "@pulumi/pulumi/automation";
import type { Environment } from "../../model/environment";
import { unitPlan } from "../../model/units";
import { preflight } from "../engine/preflight";
import { openStack } from "../engine/workspace";
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
import { planMigration } from "./migration";
import { relocateUnits } from "./relocate";
import {
  MigrateOptions,
  MigrateResult,
  MigrationRefusal,
  noProgram,
  readState,
  refuseBusy,
  StateView,
  stateMove,
} from "./stateMoves";

export { MigrationRefusal };
export type { MigrateOptions, MigrateResult };
import { FINGERPRINT_TAG, openUnitStack, unitStackName } from "./stacks";

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
    // since then, the spec may have regrouped apps and workloads between units
    const relocated = await relocateUnits(environment, options);
    if (relocated.outcome !== "already-done") return relocated;
    options.log(`${env}: already migrated to units (finished ${journal.finishedAt ?? "?"}; journal ${file})`);
    return { ...relocated, journal };
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
    // deployed as units from the start (the base holds none of theirs): only a regrouping to move
    if (Object.values(migration.moves).every((urns) => urns.length === 0))
      return relocateUnits(environment, options);
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
export async function migrationNeeded(
  environment: Environment,
  base: Stack,
  /** The base's tags, when the caller read them already. @default read here */
  baseTags?: Record<string, string>,
): Promise<string | undefined> {
  const unfinished = unfinishedMigration(environment);
  if (unfinished) return unfinished;
  if ((baseTags ?? (await base.listTags()))[FINGERPRINT_TAG] !== undefined) return undefined;
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
