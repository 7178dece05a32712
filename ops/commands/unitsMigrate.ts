/**
 * `platform units migrate <env> [--dry-run] [--yes]`: moves an environment deployed as one stack
 * into the stacks of its units (ops/units/migrate, docs/units.md "Migrating"). Without `--yes` it
 * prints the moves and asks (no TTY is a no). Exit 0 when moved, planned or already done, 1 when
 * refused or failed, 2 on bad flags.
 */
import type { Environment } from "../../model/environment";
import { journalFile } from "../units/journal";
import { migrateToUnits, MigrationRefusal } from "../units/migrate";
import { confirm } from "./deploy";
import { environmentOf } from "./environment";
import { parseCommand, usageLine } from "./grammar";
import { UNITS_MIGRATE } from "./tables";
import { Command, CommandIO, EXIT, UsageError } from "./types";

/** Parsed arguments of `platform units migrate`. */
export interface UnitsMigrateArgs {
  env: string;
  dryRun: boolean;
  yes: boolean;
}

/** Parses the arguments after `units migrate` (table: UNITS_MIGRATE); throws UsageError. */
export function parseUnitsMigrateArgs(argv: string[]): UnitsMigrateArgs {
  const { flags, positionals } = parseCommand(UNITS_MIGRATE, argv);
  return { env: positionals[0], dryRun: flags["dry-run"], yes: flags.yes };
}

/**
 * Runs (or finishes) the migration of one environment and prints each step; shared with
 * `platform recover <env> --finish-migration`. A refusal is printed and exits 1.
 */
export async function runMigration(
  environment: Environment,
  io: CommandIO,
  opts: { dryRun: boolean; yes: boolean },
): Promise<number> {
  // no cluster is needed: only the states move (the local control plane is not started)
  const log = (line: string) => io.stdout(`${line}\n`);
  const started = Date.now();
  try {
    if (!opts.dryRun && !opts.yes) {
      await migrateToUnits(environment, { dryRun: true, log });
      if (!(await confirm(io, `move these resources into the units' stacks? [y/N] `))) {
        io.stderr(`${environment.name}: nothing was moved (no --yes, and no one answered yes)\n`);
        return EXIT.failure;
      }
    }
    const result = await migrateToUnits(environment, { dryRun: opts.dryRun, log });
    if (result.outcome === "migrated") {
      const total = Object.values(result.moved).reduce((n, m) => n + m, 0);
      log(
        `${environment.name}: migrated to units: ${total} resource(s) moved in ${((Date.now() - started) / 1000).toFixed(1)} s; journal ${journalFile(environment)}`,
      );
      log(
        `next: platform preview ${environment.name} (it must show no replace and no delete), then platform up ${environment.name} --yes`,
      );
    }
    return EXIT.ok;
  } catch (err) {
    if (!(err instanceof MigrationRefusal)) throw err;
    io.stderr(`platform units migrate ${environment.name}: ${err.message}\n`);
    return EXIT.failure;
  }
}

/** `platform units migrate`: see the module comment. */
export const units: Command = async (argv, io) => {
  const [sub, ...rest] = argv;
  switch (sub) {
    case "migrate": {
      const args = parseUnitsMigrateArgs(rest);
      return runMigration(environmentOf(args.env, io), io, args);
    }
    default:
      throw new UsageError(
        `expected "migrate", got ${sub ? `"${sub}"` : "nothing"}; ${usageLine(UNITS_MIGRATE)}`,
      );
  }
};
