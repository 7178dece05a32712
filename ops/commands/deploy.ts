import * as readline from "readline";
import { OutputMap } from "@pulumi/pulumi/automation";
import { clusterUp } from "../cluster/lifecycle";
import { auditInfo, auditTags, updateMessage } from "../engine/audit";
import { policyPackArgs } from "../engine/policyPacks";
import { preflight } from "../engine/preflight";
import { withEngineErrors } from "./engineErrors";
import { openStack } from "../engine/workspace";
import { productionGuard } from "../promote/git";
import { installToolchain } from "../toolchain/install";
import { runPlatform } from "../../program/run";
import type { Environment } from "../../model/environment";
import { environmentOf } from "./environment";
import { Command, CommandIO, UsageError } from "./types";

interface DeployArgs {
  env: string;
  yes: boolean;
  /** `up` only: deploy production from a worktree with uncommitted changes. */
  allowDirty?: boolean;
  /** `up` only: at most this many resource operations at once (the engine's default when unset). */
  parallel?: number;
}

export function parseDeployArgs(verb: string, argv: string[]): DeployArgs {
  let env: string | undefined;
  let yes = false;
  let allowDirty = false;
  let parallel: number | undefined;
  const flags = verb === "up" ? "[--yes] [--allow-dirty] [--parallel N]" : "[--yes]";
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--yes" || a === "-y") yes = true;
    else if (a === "--allow-dirty" && verb === "up") allowDirty = true;
    else if (verb === "up" && (a === "--parallel" || a.startsWith("--parallel="))) {
      const raw = a === "--parallel" ? argv[++i] : a.slice("--parallel=".length);
      // digits only: Number() would also take "", "0x10", "1e3" and " 4"
      const n = raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : NaN;
      if (!Number.isSafeInteger(n) || n < 1) {
        throw new UsageError(
          `--parallel must be a positive integer (got ${raw === undefined ? "nothing" : raw === "" ? '""' : raw}); usage: platform ${verb} <env> ${flags}`,
        );
      }
      parallel = n;
    } else if (a.startsWith("-"))
      throw new UsageError(`unknown flag ${a}; usage: platform ${verb} <env> ${flags}`);
    else if (env) throw new UsageError(`one environment at a time (got "${env}" and "${a}")`);
    else env = a;
  }
  if (!env) throw new UsageError(`which environment? usage: platform ${verb} <env> ${flags}`);
  return {
    env,
    yes,
    ...(allowDirty ? { allowDirty } : {}),
    ...(parallel !== undefined ? { parallel } : {}),
  };
}

/** For `local`: the toolchain is installed and the local control plane is running (both idempotent). */
export async function ensureLocalEngine(io: CommandIO): Promise<void> {
  const log = (l: string) => io.stderr(l + "\n");
  await installToolchain({ root: io.root, env: io.env, log });
  await clusterUp({ root: io.root, env: io.env, log });
}

async function confirm(io: CommandIO, question: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  const answer = await new Promise<string>((resolve) => rl.question(question, resolve));
  rl.close();
  void io;
  return /^y(es)?$/i.test(answer.trim());
}

function renderOutputs(outputs: OutputMap): string {
  return Object.entries(outputs)
    .map(([k, v]) => `  ${k}: ${v.secret ? "[secret]" : JSON.stringify(v.value)}`)
    .join("\n");
}

async function openFor(environment: Environment, io: CommandIO) {
  if (environment.name === "local") await ensureLocalEngine(io);
  await preflight(environment); // spec, checkpoint, locks, API servers: before Pulumi
  return openStack(environment, async () => runPlatform(environment));
}

/**
 * `platform up <env> [--yes] [--allow-dirty] [--parallel N]`: preview, confirm (or --yes), update;
 * records commit/author/PR. Production deploys only a clean worktree (unless --allow-dirty) whose
 * HEAD is already on origin's default branch. `--parallel N` (a positive integer) lets the engine
 * run at most N resource operations at once (`pulumi up --parallel`); `--parallel 1` runs them one
 * after another, so an interrupted update leaves at most one operation pending.
 */
export const up: Command = withEngineErrors(async (argv, io) => {
  const args = parseDeployArgs("up", argv);
  const environment = environmentOf(args.env, io);
  if (args.env === "production") {
    const refusal = productionGuard(io.root, io.env, { allowDirty: args.allowDirty === true });
    if (refusal) {
      io.stderr(`platform up production: refused: ${refusal}\n`);
      return 1;
    }
  }
  const stack = await openFor(environment, io);
  const onOutput = (s: string) => io.stderr(s);
  const parallel = args.parallel !== undefined ? { parallel: args.parallel } : {};
  if (!args.yes) {
    await stack.preview({ onOutput, color: "never", ...parallel, ...policyPackArgs(environment) });
    if (!(await confirm(io, `Deploy these changes to ${args.env}? [y/N] `))) {
      io.stderr("not deployed: answer yes at the prompt or pass --yes\n");
      return 1;
    }
  }
  const audit = auditInfo(io.root, io.env);
  const result = await stack.up({
    onOutput,
    color: "never",
    message: updateMessage("up", args.env, audit),
    ...parallel,
    ...policyPackArgs(environment),
  });
  for (const [k, v] of Object.entries(auditTags(audit))) await stack.setTag(k, v);
  const changes = Object.entries(result.summary.resourceChanges ?? {})
    .filter(([op]) => op !== "same")
    .map(([op, n]) => `${op} ${n}`);
  io.stdout(
    `\n${args.env}: ${result.summary.result}; ${changes.length ? changes.join(", ") : "no changes"}\n`,
  );
  io.stdout(`outputs:\n${renderOutputs(result.outputs)}\n`);
  if (args.env === "local") {
    io.stdout(`\ntry: kubectl --kubeconfig .platform/cluster/kubeconfig get deploy -A\n`);
  }
  return result.summary.result === "succeeded" ? 0 : 1;
});

/** `platform destroy <env> [--yes]`: removes everything the stack manages. */
export const destroy: Command = withEngineErrors(async (argv, io) => {
  const args = parseDeployArgs("destroy", argv);
  const environment = environmentOf(args.env, io);
  if (!args.yes && !(await confirm(io, `Destroy every resource of ${args.env}? [y/N] `))) {
    io.stderr("not destroyed: answer yes at the prompt or pass --yes\n");
    return 1;
  }
  const stack = await openFor(environment, io);
  const audit = auditInfo(io.root, io.env);
  const result = await stack.destroy({
    onOutput: (s) => io.stderr(s),
    color: "never",
    message: updateMessage("destroy", args.env, audit),
  });
  io.stdout(`\n${args.env}: destroy ${result.summary.result}\n`);
  return result.summary.result === "succeeded" ? 0 : 1;
});
