/**
 * `platform up` and `platform preview` of an environment with `units:` (docs/units.md): the base,
 * then the units a revision changes, at most `--concurrency` at once. Exit 0 when every unit that
 * ran applied (or previewed), 1 when one failed or was blocked (the others still applied).
 */
import type { Environment } from "../../model/environment";
import { preflight } from "../engine/preflight";
import { appliedStacksTree, checkSuspended } from "../engine/suspension";
import { openStack } from "../engine/workspace";
import { writeResult } from "../result";
import { runPlatform } from "../../program/run";
import { migrationNeeded } from "../units/migrate";
import { notApplied, renderOutcomes, resultEntries, runUnits, UnitsRunResult } from "../units/run";
import type { ChangeModel } from "../report/model";
import { ensureLocalEngine } from "./localEngine";
import { PreflightError } from "../errors";
import { CommandIO, EXIT, UsageError } from "./types";

/** What `up`/`preview` hand over for a units environment. */
export interface UnitsCommandArgs {
  env: string;
  mode: "up" | "preview";
  /** Units at once. @default 4 */
  concurrency?: number;
  /** Resource operations at once per stack. @default the engine's */
  parallel?: number;
  /** `up`: lift a `rollback --now` suspension. @default false */
  resume?: boolean;
  /** `preview`: `--allow-mass-deletion`. @default false */
  allowMassDeletion?: boolean;
  /** `preview`: collects each previewed stack's change model here. @default not kept */
  previews?: Map<string, ChangeModel>;
  /** Runs after the table is printed (the preview's reports); false makes the exit 1. @default none */
  onResult?: (result: UnitsRunResult) => Promise<boolean>;
}

/** Parses `--concurrency N` (a positive integer); undefined when not given. */
export function parseConcurrency(raw: string | undefined, usage: string): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < 1)
    throw new UsageError(
      `--concurrency must be a positive integer (got ${raw === "" ? '""' : raw}); ${usage}`,
    );
  return Number(raw);
}

/** Runs the base and the affected units; prints one line per unit. */
export async function deployUnits(
  args: UnitsCommandArgs,
  environment: Environment,
  io: CommandIO,
): Promise<number> {
  if (environment.name === "local") await ensureLocalEngine(io, environment);
  await preflight(environment);
  const base = await openStack(environment, async () => runPlatform(environment));
  const baseTags = await base.listTags(); // one read for the migration guard and the suspension
  const migration = await migrationNeeded(environment, base, baseTags);
  // named StateMisplaced for the agent (the result file), printed as a refusal like any pre-flight check
  if (migration) throw new PreflightError("placement", migration);
  if (args.mode === "up") {
    checkSuspended(
      args.env,
      baseTags,
      appliedStacksTree(io.root, args.env, io.processEnv),
      args.resume === true,
    );
  }
  const started = Date.now();
  const result = await runUnits(environment, {
    mode: args.mode,
    ...(args.concurrency !== undefined ? { concurrency: args.concurrency } : {}),
    ...(args.parallel !== undefined ? { parallel: args.parallel } : {}),
    ...(args.previews ? { previews: args.previews } : {}),
    ...(args.allowMassDeletion ? { allowMassDeletion: true } : {}),
    log: (line) => io.stderr(`${line}\n`),
    root: io.root,
    processEnv: io.processEnv,
  });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  io.stdout(`\n${args.env} (${args.mode}, ${seconds} s):\n${renderOutcomes(result)}\n`);
  for (const stack of result.removed)
    io.stdout(
      `stack ${stack} belongs to no unit of the spec any more; it was left as it is (remove it with pulumi stack rm after moving or destroying its resources)\n`,
    );
  const reported = args.onResult ? await args.onResult(result) : true;
  const failed = notApplied(result);
  const units = resultEntries(result);
  // Every run names every unit's outcome (the agent's status per unit reads them).
  const first = failed.find((o) => o.status === "failed");
  writeResult(
    io.processEnv,
    failed.length === 0
      ? { outcome: "succeeded", units }
      : first?.status === "failed"
        ? { outcome: "failed", reason: first.reason, message: `unit ${first.unit}: ${first.message}`, units }
        : { outcome: "failed", reason: "EngineError", message: "units were blocked", units },
  );
  if (failed.length === 0) return reported ? EXIT.ok : EXIT.failure;
  const names = failed.map((o) => o.unit).join(", ");
  io.stdout(
    `${args.env}: ${failed.length} unit(s) did not ${args.mode === "up" ? "apply" : "preview"}: ${names}; the others did\n`,
  );
  return EXIT.failure;
}
