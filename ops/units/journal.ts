/**
 * The journal of `platform units migrate` (docs/units.md, "Migrating"): which URNs each unit takes
 * and how far the moves went, written under `$PLATFORM_HOME/units/<env>/migration.json` before and
 * after each unit's `pulumi state move`. A run that was killed is finished from it: for each unit
 * the states (not the journal) say what is left, so nothing is moved twice or lost. The file is
 * also the migration's lock: `up`, `preview` and `destroy` refuse while it is not `done`.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { Environment } from "../../model/environment";
import { pidHoldsLock } from "../engine/locks";
import { unitsWorkDir } from "./stacks";

/** Where one unit's moves stand: `moving` is written before its `pulumi state move`, `moved` after. */
export type UnitMoveState = "pending" | "moving" | "moved";

/** One unit of the journal. */
export interface JournalUnit {
  unit: string;
  /** The unit's stack (`<env>.<unit>`). */
  stack: string;
  /** URNs of the base's state the unit takes, as they were planned (parents before children). */
  urns: string[];
  state: UnitMoveState;
}

/** The journal of one environment's migration. */
export interface MigrationJournal {
  version: 1;
  env: string;
  /** `running` until every unit's moves are verified, then `done` (kept as the record). */
  status: "running" | "done";
  /** Who runs it: a run whose process is gone was interrupted and may be finished by another. */
  pid: number;
  hostname: string;
  startedAt: string;
  finishedAt?: string;
  /** Resources that stay in the base. */
  stays: number;
  units: JournalUnit[];
}

/** `$PLATFORM_HOME/units/<env>/migration.json`. */
export function journalFile(environment: Environment): string {
  return path.join(unitsWorkDir(environment), "migration.json");
}

/** Reads the journal; undefined when there is none. Throws naming the file when it is not one. */
export function readJournal(file: string): MigrationJournal | undefined {
  if (!fs.existsSync(file)) return undefined;
  const text = fs.readFileSync(file, "utf8");
  let doc: MigrationJournal;
  try {
    doc = JSON.parse(text) as MigrationJournal;
  } catch (cause) {
    throw new Error(
      `${file}: not a migration journal (${(cause as Error).message}); if no migration runs, move it aside and run platform units migrate again (the states say what was moved)`,
      { cause },
    );
  }
  if (doc.version !== 1 || !Array.isArray(doc.units))
    throw new Error(`${file}: not a migration journal of this platform (version ${String(doc.version)})`);
  return doc;
}

/** Writes the journal whole (a temporary file renamed over it, so a kill never leaves half of one). */
export function writeJournal(file: string, journal: MigrationJournal): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(journal, null, 2)}\n`);
  fs.renameSync(tmp, file);
}

/** Whether the journal's run is still going on: same host and its process alive (else interrupted). */
export function journalHolderAlive(journal: MigrationJournal, hostname: string = os.hostname()): boolean {
  if (journal.hostname !== hostname) return true; // another host: cannot tell, so it counts as running
  return pidHoldsLock(journal.pid, new Date(journal.startedAt));
}

/**
 * Why a units run must wait for a migration, or undefined when none is unfinished: a running one
 * (its holder alive) or an interrupted one (finish it first, or units would be created anew).
 */
export function unfinishedMigration(environment: Environment): string | undefined {
  const file = journalFile(environment);
  const journal = readJournal(file);
  if (!journal || journal.status === "done") return undefined;
  const env = environment.name;
  const moved = journal.units.filter((u) => u.state === "moved").length;
  const where = `${moved} of ${journal.units.length} unit(s) moved; journal ${file}`;
  return journalHolderAlive(journal)
    ? `${env}: a units migration is running (pid ${journal.pid} on ${journal.hostname}, since ${journal.startedAt}; ${where}); wait for it to finish`
    : `${env}: a units migration was interrupted (${where}); finish it first: platform units migrate ${env} --yes (or platform recover ${env} --finish-migration)`;
}

/** The URN a resource of stack `env` gets in stack `dest` (`pulumi state move` renames the stack part). */
export function destUrn(urn: string, env: string, dest: string): string {
  const prefix = `urn:pulumi:${env}::`;
  if (!urn.startsWith(prefix)) throw new Error(`${urn} is not a URN of stack ${env}`);
  return `urn:pulumi:${dest}::${urn.slice(prefix.length)}`;
}

/** Where a unit's planned URNs are, read from the two states. */
export interface UnitProgress {
  /** In the source only: to move. */
  toMove: string[];
  /** In the destination only: moved. */
  moved: string[];
  /** In both: a move wrote the destination but not the source; cannot be fixed by moving. */
  both: string[];
  /** In neither: removed from the state by someone; cannot be fixed by moving. */
  lost: string[];
}

/**
 * Sorts a unit's planned URNs (of stack `env`) by where they are: `source` holds the base's URNs,
 * `dest` the unit stack's (`<env>.<unit>` URNs). Pure.
 */
export function unitProgress(
  env: string,
  unit: JournalUnit,
  source: ReadonlySet<string>,
  dest: ReadonlySet<string>,
): UnitProgress {
  const progress: UnitProgress = { toMove: [], moved: [], both: [], lost: [] };
  for (const urn of unit.urns) {
    const inSource = source.has(urn);
    const inDest = dest.has(destUrn(urn, env, unit.stack));
    if (inSource && inDest) progress.both.push(urn);
    else if (inSource) progress.toMove.push(urn);
    else if (inDest) progress.moved.push(urn);
    else progress.lost.push(urn);
  }
  return progress;
}

/**
 * The message for states the journal cannot reconcile, naming each URN and the fix; undefined
 * when the unit can be finished by moving what is left.
 */
export function disagreement(env: string, unit: JournalUnit, progress: UnitProgress): string | undefined {
  const lines: string[] = [];
  if (progress.both.length > 0) {
    lines.push(
      `unit ${unit.unit}: ${progress.both.length} resource(s) are in both ${env} and ${unit.stack} (a move wrote the destination and was stopped before it rewrote the source):`,
      ...progress.both.map((urn) => `  ${urn}`),
      `the copy in ${unit.stack} is the moved one; remove the source's, children first, then run platform units migrate ${env} --yes again:`,
      ...[...progress.both].reverse().map((urn) => `  pulumi state delete --stack ${env} --yes '${urn}'`),
    );
  }
  if (progress.lost.length > 0) {
    lines.push(
      `unit ${unit.unit}: ${progress.lost.length} planned resource(s) are in neither ${env} nor ${unit.stack} (removed from the state outside the migration):`,
      ...progress.lost.map((urn) => `  ${urn}`),
      `nothing moves them back; import them into ${env} (pulumi import) or, to let platform up create them anew in ${unit.stack}, remove them from the journal's urns`,
    );
  }
  return lines.length > 0 ? lines.join("\n") : undefined;
}
