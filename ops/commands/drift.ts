import { DEFAULT_CONCURRENCY, DriftManyOptions, runDriftMany } from "../drift/fanout";
import { outputDirProblem } from "../files";
import { environmentOf } from "./environment";
import { DriftAction, DriftIO, DriftRunOptions, runDrift } from "../drift/run";
import { parseCommand, usageLine } from "./grammar";
import { DRIFT } from "./tables";
import { Command, CommandIO, UsageError } from "./types";

/** Parsed `platform drift` arguments: one environment, or several run side by side. */
export interface DriftArgs extends Omit<DriftRunOptions, "environment"> {
  /** The environments named on the command line, in order (empty with `--all`). */
  envs: string[];
  /** Every environment under `stacks/`. @default false */
  all: boolean;
  /** At most this many environments at once. @default {@link DEFAULT_CONCURRENCY} */
  concurrency: number;
}

/**
 * Parses `platform drift` arguments. `--webhook-url` falls back to `PLATFORM_DRIFT_WEBHOOK_URL`,
 * `--webhook-secret-env` to `PLATFORM_DRIFT_WEBHOOK_SECRET_ENV`. Throws {@link UsageError} (exit 2).
 */
export function parseDriftArgs(argv: string[], processEnv: NodeJS.ProcessEnv = {}): DriftArgs {
  const { flags, given, positionals: envs } = parseCommand(DRIFT, argv);
  const USAGE = usageLine(DRIFT);
  const actions: Record<string, DriftAction> = {
    remediate: "remediate",
    accept: "accept",
    "report-only": "alert",
  };
  const action = given.map((flag) => actions[flag]).find((a) => a !== undefined);
  const all = flags.all;
  const twice = envs.find((e, i) => envs.indexOf(e) !== i);
  if (twice !== undefined) throw new UsageError(`environment "${twice}" is named twice`);
  let concurrency: number | undefined;
  if (flags.concurrency !== undefined) {
    const raw = flags.concurrency;
    concurrency = Number(raw);
    if (!/^\d+$/.test(raw) || concurrency < 1)
      throw new UsageError(`--concurrency takes a whole number of environments, 1 or more (got "${raw}")`);
  }
  const webhookUrl = flags["webhook-url"] ?? (processEnv.PLATFORM_DRIFT_WEBHOOK_URL || undefined);
  const webhookSecretEnv =
    flags["webhook-secret-env"] ?? (processEnv.PLATFORM_DRIFT_WEBHOOK_SECRET_ENV || undefined);
  if (all && envs.length > 0)
    throw new UsageError(`--all or environment names, not both (got ${envs.join(", ")}); ${USAGE}`);
  if (!all && envs.length === 0) throw new UsageError(`which environment? ${USAGE}`);
  if (webhookUrl && !/^https?:\/\//.test(webhookUrl))
    throw new UsageError(`--webhook-url must be an http(s) URL; ${USAGE}`);
  if (webhookSecretEnv && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(webhookSecretEnv))
    throw new UsageError(`--webhook-secret-env takes the NAME of an env var, not a value; ${USAGE}`);
  const outProblem = flags.out !== undefined ? outputDirProblem(flags.out) : undefined;
  if (outProblem)
    throw new UsageError(`--out ${flags.out}: ${outProblem}; give a folder to write the reports into`);
  return {
    envs,
    all,
    concurrency: concurrency ?? DEFAULT_CONCURRENCY,
    action,
    outDir: flags.out,
    dryRun: flags["dry-run"],
    overrides: { webhookUrl, webhookSecretEnv },
  };
}

/** The drift service's context: the same streams, the process environment under its name there. */
function driftIO(io: CommandIO): DriftIO {
  return { root: io.root, env: io.processEnv, stdout: io.stdout, stderr: io.stderr };
}

/**
 * `platform drift <env>`: live world vs state (drift) and code vs state (pending changes), kept
 * apart; writes drift.json and drift.md, alerts, remediates when asked and safe. Several
 * environments (or `--all`) run side by side, at most `--concurrency` at once, each in a process
 * of its own, with a summary. Exit codes: 0 in sync (or remediated), 4 drift found, 1 unknown or
 * any error, 2 bad flags; over several environments the worst of them (1, then 4, then 0).
 */
export const drift: Command = async (argv, io) => {
  const { envs, all, concurrency, ...rest } = parseDriftArgs(argv, io.processEnv);
  if (!all && envs.length === 1)
    return runDrift({ environment: environmentOf(envs[0], io), ...rest, concurrency }, driftIO(io));
  const many: DriftManyOptions = { envs, all, concurrency, ...rest };
  // An interrupt stops every environment's child process; the handlers live only as long as the run.
  const interrupted = new AbortController();
  const abort = () => interrupted.abort();
  process.once("SIGINT", abort).once("SIGTERM", abort);
  try {
    return await runDriftMany({ ...many, signal: interrupted.signal }, driftIO(io));
  } finally {
    process.off("SIGINT", abort).off("SIGTERM", abort);
  }
};
