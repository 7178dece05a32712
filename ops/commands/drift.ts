import { DEFAULT_CONCURRENCY, DriftManyOptions, runDriftMany } from "../drift/fanout";
import { DriftAction, DriftRunOptions, runDrift } from "../drift/run";
import { environmentOf } from "./environment";
import { Command, UsageError } from "./types";

const USAGE =
  "usage: platform drift <env> [<env>...] | --all [--concurrency N] [--out DIR] [--remediate | --accept | --report-only] [--dry-run] [--webhook-url URL] [--webhook-secret-env NAME]";

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
export function parseDriftArgs(argv: string[], env: NodeJS.ProcessEnv = {}): DriftArgs {
  const envs: string[] = [];
  let all = false;
  let concurrency: number | undefined;
  let action: DriftAction | undefined;
  let outDir: string | undefined;
  let dryRun = false;
  let webhookUrl = env.PLATFORM_DRIFT_WEBHOOK_URL || undefined;
  let webhookSecretEnv = env.PLATFORM_DRIFT_WEBHOOK_SECRET_ENV || undefined;
  const setAction = (a: DriftAction) => {
    if (action && action !== a) throw new UsageError(`--${a} and another action are exclusive; ${USAGE}`);
    action = a;
  };
  const value = (flag: string, i: number): string => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith("--")) throw new UsageError(`${flag} needs a value; ${USAGE}`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] =
      a.startsWith("--") && a.includes("=")
        ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)]
        : [a, undefined];
    const take = () => inline ?? value(flag, i++);
    if (flag === "--remediate") setAction("remediate");
    else if (flag === "--accept") setAction("accept");
    else if (flag === "--report-only") setAction("alert");
    else if (flag === "--dry-run") dryRun = true;
    else if (flag === "--out") outDir = take();
    else if (flag === "--webhook-url") webhookUrl = take();
    else if (flag === "--webhook-secret-env") webhookSecretEnv = take();
    else if (flag === "--all") all = true;
    else if (flag === "--concurrency") {
      const raw = take();
      concurrency = Number(raw);
      if (!/^\d+$/.test(raw) || concurrency < 1)
        throw new UsageError(`--concurrency takes a whole number of environments, 1 or more (got "${raw}")`);
    } else if (flag.startsWith("-")) throw new UsageError(`unknown flag ${flag}; ${USAGE}`);
    else if (envs.includes(a)) throw new UsageError(`environment "${a}" is named twice`);
    else envs.push(a);
  }
  if (all && envs.length > 0)
    throw new UsageError(`--all or environment names, not both (got ${envs.join(", ")}); ${USAGE}`);
  if (!all && envs.length === 0) throw new UsageError(`which environment? ${USAGE}`);
  if (webhookUrl && !/^https?:\/\//.test(webhookUrl))
    throw new UsageError(`--webhook-url must be an http(s) URL; ${USAGE}`);
  if (webhookSecretEnv && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(webhookSecretEnv))
    throw new UsageError(`--webhook-secret-env takes the NAME of an env var, not a value; ${USAGE}`);
  return {
    envs,
    all,
    concurrency: concurrency ?? DEFAULT_CONCURRENCY,
    action,
    outDir,
    dryRun,
    overrides: { webhookUrl, webhookSecretEnv },
  };
}

/**
 * `platform drift <env>`: live world vs state (drift) and code vs state (pending changes), kept
 * apart; writes drift.json and drift.md, alerts, remediates when asked and safe. Several
 * environments (or `--all`) run side by side, at most `--concurrency` at once, each in a process
 * of its own, with a summary. Exit codes: 0 in sync (or remediated), 4 drift found, 1 unknown or
 * any error, 2 bad flags; over several environments the worst of them (1, then 4, then 0).
 */
export const drift: Command = async (argv, io) => {
  const { envs, all, concurrency, ...rest } = parseDriftArgs(argv, io.env);
  if (!all && envs.length === 1) return runDrift({ environment: environmentOf(envs[0], io), ...rest }, io);
  const many: DriftManyOptions = { envs, all, concurrency, ...rest };
  return runDriftMany(many, io);
};
