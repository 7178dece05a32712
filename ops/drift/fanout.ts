/**
 * `platform drift` over several environments: each runs as its own `platform drift <env>` process
 * (inline Pulumi programs share a process's runtime, and one environment's crash must not take
 * the others with it), at most `concurrency` at once. Each writes its own report as usual; this
 * adds a summary (drift-summary.json and .md) and the worst exit code.
 */
import { spawn } from "child_process";
import * as path from "path";
import { UsageError } from "../errors";
import { mapWithConcurrency } from "../concurrency";
import { platformHome } from "../../model/paths";
import { listEnvironments } from "../../model/load";
import { DriftAction, DriftIO, DriftRunOptions, reportDir } from "./run";
import { writeOutput } from "../files";
import { DriftReport, DriftStatus, EXIT } from "./model";
import { driftReportOrUndefined } from "./reportFile";

/** Environments checked at once when `--concurrency` is not given. */
export const DEFAULT_CONCURRENCY = 4;

/** Options of a run over several environments. */
export interface DriftManyOptions extends Omit<DriftRunOptions, "environment"> {
  /** The environments to check; ignored with `all`. */
  envs: string[];
  /** Every environment under `stacks/`. */
  all: boolean;
  /** At most this many environments at once. */
  concurrency: number;
  /** Stops every running child when it aborts (the command layer ties it to SIGINT/SIGTERM). @default never */
  signal?: AbortSignal;
}

/** How one environment's run ended. */
export interface EnvironmentOutcome {
  environment: string;
  status: DriftStatus;
  exitCode: number;
  durationSeconds: number;
  /** From its drift.json; absent when the run wrote no report. */
  counts?: DriftReport["counts"];
  /** Its drift.json (absent when none was written). */
  report?: string;
  /** Why the status is unknown when the run itself failed (no report, crash). */
  error?: string;
}

/** drift-summary.json. */
export interface DriftSummary {
  schemaVersion: 1;
  generatedAt: string;
  concurrency: number;
  exitCode: number;
  environments: EnvironmentOutcome[];
}

/** What a child run printed and how it ended. */
export interface ChildResult {
  code: number;
  output: string;
}

/** Runs `platform drift <args>` as a child process; `onStart` gets a way to stop it. */
export type RunChild = (
  args: string[],
  io: DriftIO,
  onStart: (stop: () => void) => void,
) => Promise<ChildResult>;

const ACTION_FLAG: Record<DriftAction, string> = {
  alert: "--report-only",
  remediate: "--remediate",
  accept: "--accept",
};

/** The flags of one environment's run: everything but the list, with its own report folder. */
export function childArgs(env: string, opts: DriftManyOptions): string[] {
  const args = ["drift", env];
  if (opts.action) args.push(ACTION_FLAG[opts.action]);
  if (opts.dryRun) args.push("--dry-run");
  if (opts.outDir) args.push("--out", path.join(path.resolve(opts.outDir), env));
  if (opts.overrides.webhookUrl) args.push("--webhook-url", opts.overrides.webhookUrl);
  if (opts.overrides.webhookSecretEnv) args.push("--webhook-secret-env", opts.overrides.webhookSecretEnv);
  return args;
}

/** The worst exit code: any error or unknown (1), else any drift (4), else in sync (0). */
export function worstExitCode(codes: number[]): number {
  if (codes.some((c) => c !== EXIT.inSync && c !== EXIT.drifted)) return EXIT.error;
  if (codes.includes(EXIT.drifted)) return EXIT.drifted;
  return EXIT.inSync;
}

/** The environments of a run, checked before anything starts. */
export function environmentsOf(opts: DriftManyOptions, root: string): string[] {
  const available = listEnvironments(root);
  if (opts.all) {
    if (available.length === 0) throw new UsageError("--all: no environments under stacks/");
    return available;
  }
  const unknown = opts.envs.filter((e) => !available.includes(e));
  if (unknown.length > 0) {
    throw new UsageError(
      `no environment ${unknown.map((e) => `"${e}"`).join(", ")} under stacks/ (available environments: ${available.join(", ")}); nothing was run`,
    );
  }
  return opts.envs;
}

const spawnPlatform: RunChild = (args, io, onStart) =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(io.root, "bin", "platform.js"), ...args], {
      cwd: io.root,
      env: io.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    onStart(() => child.kill("SIGTERM"));
    child.on("error", (err) => resolve({ code: EXIT.error, output: `${output}${err.message}\n` }));
    child.on("close", (code, signal) =>
      resolve({ code: code ?? EXIT.error, output: signal ? `${output}stopped by ${signal}\n` : output }),
    );
  });

/** The report a run wrote: one from before `since` (a run that died early) does not count. */
function readReport(file: string, since: number): DriftReport | undefined {
  const report = driftReportOrUndefined(file);
  return report && Date.parse(report.generatedAt) >= since ? report : undefined;
}

/** The summary as a markdown table. */
export function renderSummaryMarkdown(summary: DriftSummary): string {
  const rows = summary.environments.map((o) => {
    const c = o.counts;
    const counts = c
      ? `${c.drifted} drifted, ${c.pending} pending of ${c.resources}`
      : (o.error ?? "no report");
    return `| ${o.environment} | ${o.status} | ${o.exitCode} | ${counts} | ${o.durationSeconds.toFixed(1)} s |`;
  });
  return [
    `# Drift summary (${summary.environments.length} environments, at most ${summary.concurrency} at once)`,
    "",
    "| environment | status | exit | resources | took |",
    "|---|---|---|---|---|",
    ...rows,
    "",
    `Exit code ${summary.exitCode}. Each environment's drift.md has the details.`,
    "",
  ].join("\n");
}

/**
 * Runs drift for several environments; returns the worst exit code. Environment names are
 * checked first (nothing runs if one is unknown); one environment failing never stops the others.
 */
export async function runDriftMany(
  opts: DriftManyOptions,
  io: DriftIO,
  runChild: RunChild = spawnPlatform,
): Promise<number> {
  const envs = environmentsOf(opts, io.root);
  const stops = new Set<() => void>();
  const stopAll = () => stops.forEach((stop) => stop());
  opts.signal?.addEventListener("abort", stopAll, { once: true });
  io.stderr(`drift: ${envs.length} environments, at most ${opts.concurrency} at once\n`);
  let outcomes: EnvironmentOutcome[];
  try {
    outcomes = await mapWithConcurrency(envs, opts.concurrency, async (env) => {
      const started = Date.now();
      let stopChild = () => {};
      stops.add(() => stopChild());
      const res = await runChild(childArgs(env, opts), io, (stop) => (stopChild = stop));
      stopChild = () => {};
      const durationSeconds = (Date.now() - started) / 1000;
      const file = path.join(reportDir(io, env, opts.outDir && path.join(opts.outDir, env)), "drift.json");
      const report = readReport(file, started);
      const outcome: EnvironmentOutcome = report
        ? {
            environment: env,
            status: report.status,
            exitCode: res.code,
            durationSeconds,
            counts: report.counts,
            report: file,
          }
        : {
            environment: env,
            status: "unknown",
            exitCode: res.code || EXIT.error,
            durationSeconds,
            error: `no report written (exit ${res.code})`,
          };
      io.stdout(
        `\n── ${env}: ${outcome.status} (exit ${outcome.exitCode}, ${durationSeconds.toFixed(1)} s)\n${res.output}`,
      );
      return outcome;
    });
  } finally {
    opts.signal?.removeEventListener("abort", stopAll);
  }
  const summary: DriftSummary = {
    schemaVersion: 1,
    generatedAt: new Date().toISOString(),
    concurrency: opts.concurrency,
    exitCode: worstExitCode(outcomes.map((o) => o.exitCode)),
    environments: outcomes,
  };
  const dir = opts.outDir ? path.resolve(opts.outDir) : path.join(platformHome(io.root, io.env), "reports");
  writeOutput(path.join(dir, "drift-summary.json"), JSON.stringify(summary, null, 2) + "\n");
  const markdown = renderSummaryMarkdown(summary);
  writeOutput(path.join(dir, "drift-summary.md"), markdown);
  io.stdout(`\n${markdown}summary: ${path.join(dir, "drift-summary.json")} and drift-summary.md\n`);
  return summary.exitCode;
}
