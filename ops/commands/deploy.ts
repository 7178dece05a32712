import * as readline from "readline";
import { OutputMap } from "@pulumi/pulumi/automation";
import { clusterUp } from "../cluster/lifecycle";
import { auditInfo, auditTags, updateMessage } from "../engine/audit";
import { policyPackArgs } from "../engine/policyPacks";
import { preflight } from "../engine/preflight";
import { withEngineErrors } from "./engineErrors";
import { collectMandatory, PolicyRefusal, policyResult, writeResult } from "../result";
import { openStack } from "../engine/workspace";
import { productionGuard } from "../promote/git";
import { installToolchain } from "../toolchain/install";
import { runPlatform } from "../../program/run";
import type { Environment } from "../../model/environment";
import { environmentOf } from "./environment";
import { parseCommand, usageLine } from "./grammar";
import { DESTROY, UP } from "./tables";
import { Command, CommandIO, EXIT, UsageError } from "./types";

interface DeployArgs {
  env: string;
  yes: boolean;
  /** `up` only: deploy production from a worktree with uncommitted changes. */
  allowDirty?: boolean;
  /** `up` only: at most this many resource operations at once (the engine's default when unset). */
  parallel?: number;
}

/** Parses the arguments after `up` or `destroy` (their tables: UP, DESTROY). Throws UsageError. */
export function parseDeployArgs(verb: "up" | "destroy", argv: string[]): DeployArgs {
  const spec = verb === "up" ? UP : DESTROY;
  const { flags, given, positionals } = verb === "up" ? parseCommand(UP, argv) : parseCommand(DESTROY, argv);
  const [env] = positionals;
  const allowDirty = "allow-dirty" in flags && flags["allow-dirty"] === true;
  let parallel: number | undefined;
  const named: string[] = given;
  if (named.includes("parallel") && "parallel" in flags) {
    const raw = flags.parallel;
    // digits only: Number() would also take "", "0x10", "1e3" and " 4"
    const n = raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(n) || n < 1) {
      throw new UsageError(
        `--parallel must be a positive integer (got ${raw === undefined ? "nothing" : raw === "" ? '""' : raw}); ${usageLine(spec)}`,
      );
    }
    parallel = n;
  }
  return {
    env,
    yes: flags.yes,
    ...(allowDirty ? { allowDirty } : {}),
    ...(parallel !== undefined ? { parallel } : {}),
  };
}

/** The environment a command line names, for the engine error messages (see withEngineErrors). */
export const environmentNameOf = (verb: "up" | "destroy") => (argv: string[]) =>
  parseDeployArgs(verb, argv).env;

/** For `local`: the toolchain is installed and the local control plane is running (both idempotent). */
export async function ensureLocalEngine(io: CommandIO): Promise<void> {
  const log = (l: string) => io.stderr(l + "\n");
  await installToolchain({ root: io.root, env: io.processEnv, log });
  await clusterUp({ root: io.root, env: io.processEnv, log });
}

/** Asks on stderr, reads the answer from the context's stdin; no person there (no TTY) is a no. */
async function confirm(io: CommandIO, question: string): Promise<boolean> {
  if (!io.stdin.isTTY) return false;
  const rl = readline.createInterface({ input: io.stdin });
  io.stderr(question);
  const answer = await new Promise<string>((resolve) => {
    rl.once("line", resolve);
    rl.once("close", () => resolve(""));
  });
  rl.close();
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
export const up: Command = withEngineErrors(environmentNameOf("up"), async (argv, io) => {
  const args = parseDeployArgs("up", argv);
  const environment = environmentOf(args.env, io);
  if (args.env === "production") {
    const refusal = productionGuard(io.root, io.processEnv, { allowDirty: args.allowDirty === true });
    if (refusal) {
      io.stderr(`platform up production: refused: ${refusal}\n`);
      return EXIT.failure;
    }
  }
  const stack = await openFor(environment, io);
  const onOutput = (s: string) => io.stderr(s);
  const parallel = args.parallel !== undefined ? { parallel: args.parallel } : {};
  if (!args.yes) {
    await stack.preview({ onOutput, color: "never", ...parallel, ...policyPackArgs(environment) });
    if (!(await confirm(io, `Deploy these changes to ${args.env}? [y/N] `))) {
      io.stderr("not deployed: answer yes at the prompt or pass --yes\n");
      return EXIT.failure;
    }
  }
  const audit = auditInfo(io.root, io.processEnv);
  const refusals: PolicyRefusal[] = [];
  const result = await stack
    .up({
      onOutput,
      onEvent: collectMandatory(refusals),
      color: "never",
      message: updateMessage("up", args.env, audit),
      ...parallel,
      ...policyPackArgs(environment),
    })
    .catch((err: unknown) => {
      if (refusals.length > 0) writeResult(io.processEnv, policyResult(refusals));
      throw err;
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
  return result.summary.result === "succeeded" ? EXIT.ok : EXIT.failure;
});

/** `platform destroy <env> [--yes]`: removes everything the stack manages. */
export const destroy: Command = withEngineErrors(environmentNameOf("destroy"), async (argv, io) => {
  const args = parseDeployArgs("destroy", argv);
  const environment = environmentOf(args.env, io);
  if (!args.yes && !(await confirm(io, `Destroy every resource of ${args.env}? [y/N] `))) {
    io.stderr("not destroyed: answer yes at the prompt or pass --yes\n");
    return EXIT.failure;
  }
  const stack = await openFor(environment, io);
  const audit = auditInfo(io.root, io.processEnv);
  const result = await stack.destroy({
    onOutput: (s) => io.stderr(s),
    color: "never",
    message: updateMessage("destroy", args.env, audit),
  });
  io.stdout(`\n${args.env}: destroy ${result.summary.result}\n`);
  return result.summary.result === "succeeded" ? EXIT.ok : EXIT.failure;
});
