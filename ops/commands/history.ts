/**
 * `platform status <env> [--json]` and `platform history <env> [--limit N] [--json]`: the audit
 * trail read back (services in ops/history/). Both take no lock and run no program; they read
 * the stack (one history page of 1 for status), its tags, and files already on disk.
 */
import { EnvironmentNameError } from "../../model/environment";
import type { Environment } from "../../model/environment";
import { openForReading, readHistory } from "../history/read";
import { renderHistory } from "../history/entries";
import { readUnitsHistory } from "../history/units";
import { readStatus, renderStatus } from "../history/status";
import { environmentOf } from "./environment";
import { parseCommand, usageLine } from "./grammar";
import { HISTORY, STATUS } from "./tables";
import { Command, CommandIO, EXIT, UsageError } from "./types";

/** The environment a verb names, which must exist under stacks/ (else a usage error naming the ones there are). */
export function existingEnvironment(name: string, io: Pick<CommandIO, "root" | "processEnv">): Environment {
  const environment = environmentOf(name, io);
  try {
    void environment.specFile;
  } catch (err) {
    if (err instanceof EnvironmentNameError) throw new UsageError(err.message, { cause: err });
    throw err;
  }
  return environment;
}

/** Parses `platform history` arguments; `--limit` is a whole number, 1 or more. Throws UsageError. */
export function parseHistoryArgs(argv: string[]): { env: string; limit?: number; json: boolean } {
  const { flags, positionals } = parseCommand(HISTORY, argv);
  let limit: number | undefined;
  if (flags.limit !== undefined) {
    const raw = flags.limit;
    limit = /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(limit) || limit < 1)
      throw new UsageError(
        `--limit takes a whole number of updates, 1 or more (got "${raw}"); ${usageLine(HISTORY)}`,
      );
  }
  return { env: positionals[0], ...(limit !== undefined ? { limit } : {}), json: flags.json };
}

/**
 * Whether the environment is reconciled as units. A spec that does not load says so on stderr and
 * reads as one stack: the history of the environment's own stack is still worth showing.
 */
function hasUnits(environment: Environment, io: CommandIO): boolean {
  try {
    return environment.spec.units !== undefined;
  } catch (err) {
    io.stderr(`warning: ${(err as Error).message}; showing the history of stack ${environment.name} only\n`);
    return false;
  }
}

/**
 * `platform history`: every update, newest first (`--limit N`: the newest N). A units environment
 * lists its base's and units' updates together, each naming its unit.
 */
export const history: Command = async (argv, io) => {
  const args = parseHistoryArgs(argv);
  const environment = existingEnvironment(args.env, io);
  const report = hasUnits(environment, io)
    ? await readUnitsHistory(environment, args.limit)
    : await readHistory(environment, await openForReading(environment), args.limit);
  io.stdout(args.json ? `${JSON.stringify(report, null, 2)}\n` : renderHistory(report));
  return EXIT.ok;
};

/** `platform status`: the last update, the running commit, a suspension, drift, locks, the agent. */
export const status: Command = async (argv, io) => {
  const { flags, positionals } = parseCommand(STATUS, argv);
  const environment = existingEnvironment(positionals[0], io);
  const report = await readStatus(environment);
  io.stdout(flags.json ? `${JSON.stringify(report, null, 2)}\n` : renderStatus(report));
  return EXIT.ok;
};
