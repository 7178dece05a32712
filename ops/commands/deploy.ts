import * as readline from "readline";
import { OutputMap } from "@pulumi/pulumi/automation";
import { auditInfo, auditTags, updateMessage } from "../engine/audit";
import { policyPackArgs } from "../engine/policyPacks";
import { preflight } from "../engine/preflight";
import {
  ALLOW_FIELD,
  ALLOW_FLAG,
  appInstanceSteps,
  decideMassDeletion,
  MASS_DELETION_CHECK,
  refusalMessage,
} from "../engine/massDeletion";
import { ChangeCollector } from "../report/collector";
import { changedWorkloads, workloadComponentNames } from "../report/changedWorkloads";
import { appliedStacksTree, checkSuspended, SUSPENDED_TAG } from "../engine/suspension";
import { withEngineErrors } from "./engineErrors";
import { collectMandatory, PolicyRefusal, policyResult, writeResult } from "../result";
import { openStack } from "../engine/workspace";
import { productionGuard } from "../promote/git";
import { runPlatform } from "../../program/run";
import { withSopsValues } from "../engine/sops";
import type { Environment } from "../../model/environment";
import { environmentOf } from "./environment";
import { ensureLocalEngine, localClustersOf } from "./localEngine";
import { DEFAULT_CLUSTER } from "../../model/paths";

import { parseCommand, usageLine } from "./grammar";
import { DESTROY, UP } from "./tables";
import { Command, CommandIO, EXIT, UsageError } from "./types";
import { deployUnits, parseConcurrency } from "./units";
import { destroyUnits } from "../units/run";
import { unfinishedMigration } from "../units/journal";
import { FINGERPRINT_TAG } from "../units/stacks";

interface DeployArgs {
  env: string;
  yes: boolean;
  /** `up` only: deploy production from a worktree with uncommitted changes. */
  allowDirty?: boolean;
  /** `up` only: at most this many resource operations at once (the engine's default when unset). */
  parallel?: number;
  /** `up` only: `--allow-mass-deletion` (only present when given). */
  allowMassDeletion?: true;
  /** `up` only: deploy although a `rollback --now` suspended the environment, and lift it. */
  resume?: boolean;
  /** `up` only, an environment with units: at most this many units at once. @default 4 */
  concurrency?: number;
}

/** Parses the arguments after `up` or `destroy` (their tables: UP, DESTROY). Throws UsageError. */
export function parseDeployArgs(verb: "up" | "destroy", argv: string[]): DeployArgs {
  const spec = verb === "up" ? UP : DESTROY;
  const { flags, given, positionals } = verb === "up" ? parseCommand(UP, argv) : parseCommand(DESTROY, argv);
  const [env] = positionals;
  const allowDirty = "allow-dirty" in flags && flags["allow-dirty"] === true;
  const allowMassDeletion = "allow-mass-deletion" in flags && flags["allow-mass-deletion"] === true;
  const resume = "resume" in flags && flags.resume === true;
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
  const concurrency =
    "concurrency" in flags ? parseConcurrency(flags.concurrency, usageLine(spec)) : undefined;
  return {
    env,
    yes: flags.yes,
    ...(concurrency !== undefined ? { concurrency } : {}),
    ...(allowDirty ? { allowDirty } : {}),
    ...(resume ? { resume } : {}),
    ...(parallel !== undefined ? { parallel } : {}),
    ...(allowMassDeletion ? { allowMassDeletion: true as const } : {}),
  };
}

/** The environment a command line names, for the engine error messages (see withEngineErrors). */
export const environmentNameOf = (verb: "up" | "destroy") => (argv: string[]) =>
  parseDeployArgs(verb, argv).env;

/** Asks on stderr, reads the answer from the context's stdin; no person there (no TTY) is a no. */
export async function confirm(io: CommandIO, question: string): Promise<boolean> {
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
  if (environment.name === "local") await ensureLocalEngine(io, environment);
  await preflight(environment); // spec, checkpoint, locks, API servers: before Pulumi
  return openStack(environment, async () => runPlatform(environment, withSopsValues(environment, {})));
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
  if (environment.spec.units) {
    const unitsArgs = {
      env: args.env,
      ...(args.concurrency !== undefined ? { concurrency: args.concurrency } : {}),
      ...(args.parallel !== undefined ? { parallel: args.parallel } : {}),
      ...(args.resume ? { resume: true } : {}),
      ...(args.allowMassDeletion ? { allowMassDeletion: true } : {}),
    };
    if (!args.yes) {
      // One question for the whole revision, after the preview of every unit it changes.
      const previewed = await deployUnits({ ...unitsArgs, mode: "preview" }, environment, io);
      if (previewed !== EXIT.ok) return previewed;
      if (!(await confirm(io, `Deploy the units' changes above to ${args.env}? [y/N] `))) {
        io.stderr("not deployed: answer yes at the prompt or pass --yes\n");
        return EXIT.failure;
      }
    }
    return deployUnits({ ...unitsArgs, mode: "up" }, environment, io);
  }
  const stack = await openFor(environment, io);
  // the pre-flight check "suspended" needs the stack's tags, so it runs once the stack is open
  const suspension = checkSuspended(
    args.env,
    await stack.listTags(),
    appliedStacksTree(io.root, args.env, io.processEnv),
    args.resume === true,
  );
  const onOutput = (s: string) => io.stderr(s);
  const parallel = args.parallel !== undefined ? { parallel: args.parallel } : {};
  // The engine's own preview comes first, with the policy packs (mandatory), shown before the
  // question or, with --yes, run quietly: it feeds the mass-deletion check, and a preview that
  // fails stops the deploy before anything is applied (an update would fail the same way, but
  // only after applying whatever registered before the failure: another workload's objects
  // ahead of a refused one). A mandatory policy finding is named (PolicyViolation) before the
  // provider's dry-run could fail on the cluster's admission policies (EngineError).
  const planned = new ChangeCollector("preview");
  const checkStarted = Date.now();
  const previewRefusals: PolicyRefusal[] = [];
  const collect = collectMandatory(previewRefusals);
  try {
    await stack.preview({
      color: "never",
      onEvent: (event) => {
        planned.onEvent(event);
        collect(event);
      },
      ...parallel,
      ...(args.yes ? {} : { onOutput }),
      ...policyPackArgs(environment),
    });
  } catch (err) {
    if (previewRefusals.length > 0) writeResult(io.processEnv, policyResult(previewRefusals));
    throw err;
  }
  if (previewRefusals.length > 0) {
    const result = policyResult(previewRefusals);
    writeResult(io.processEnv, result);
    io.stderr(`platform up ${args.env}: ${result.message}\n`);
    return EXIT.failure;
  }
  const decision = decideMassDeletion(appInstanceSteps(planned.model()), {
    flag: args.allowMassDeletion === true,
    spec: environment.spec.allowMassDeletion === true,
  });
  if (args.yes)
    io.stderr(
      `${MASS_DELETION_CHECK} check: ${decision.deletes.length} app instance(s) to delete; its preview took ${((Date.now() - checkStarted) / 1000).toFixed(1)} s\n`,
    );
  if (decision.refused) {
    const message = refusalMessage(decision);
    io.stderr(`platform up ${args.env}: ${message}\n`);
    writeResult(io.processEnv, {
      outcome: "failed",
      reason: "MassDeletion",
      check: MASS_DELETION_CHECK,
      message,
    });
    return EXIT.failure;
  }
  if (decision.allowed)
    io.stderr(
      `mass deletion allowed by ${decision.allowedBy === "flag" ? ALLOW_FLAG : ALLOW_FIELD}: ${decision.deletes.join(", ")}\n`,
    );
  if (!args.yes && !(await confirm(io, `Deploy these changes to ${args.env}? [y/N] `))) {
    io.stderr("not deployed: answer yes at the prompt or pass --yes\n");
    return EXIT.failure;
  }
  const audit = auditInfo(io.root, io.processEnv);
  const refusals: PolicyRefusal[] = [];
  const result = await stack
    .up({
      onOutput,
      onEvent: collectMandatory(refusals),
      color: "never",
      message: updateMessage(
        "up",
        args.env,
        audit,
        changedWorkloads(planned.model(), workloadComponentNames(environment.spec.workloads)),
      ),
      ...parallel,
      ...policyPackArgs(environment),
    })
    .catch((err: unknown) => {
      if (refusals.length > 0) writeResult(io.processEnv, policyResult(refusals));
      throw err;
    });
  for (const [k, v] of Object.entries(auditTags(audit))) await stack.setTag(k, v);
  if (suspension.clear && result.summary.result === "succeeded") {
    await stack.removeTag(SUSPENDED_TAG);
    io.stderr(
      `${args.env}: suspension lifted (${suspension.why === "resumed" ? "--resume" : "the rollback's stacks/" + args.env + " is deployed"})\n`,
    );
  }
  const changes = Object.entries(result.summary.resourceChanges ?? {})
    .filter(([op]) => op !== "same")
    .map(([op, n]) => `${op} ${n}`);
  io.stdout(
    `\n${args.env}: ${result.summary.result}; ${changes.length ? changes.join(", ") : "no changes"}\n`,
  );
  io.stdout(`outputs:\n${renderOutputs(result.outputs)}\n`);
  if (args.env === "local") {
    io.stdout(`\ntry: kubectl --kubeconfig .platform/cluster/kubeconfig get deploy -A\n`);
    const others = localClustersOf(environment).filter((c) => c !== DEFAULT_CLUSTER);
    for (const c of others)
      io.stdout(`     kubectl --kubeconfig .platform/clusters/${c}/kubeconfig get deploy -A\n`);
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
  if (environment.spec.units) {
    const migrating = unfinishedMigration(environment);
    if (migrating) {
      io.stderr(`platform destroy ${args.env}: ${migrating}\n`);
      return EXIT.failure;
    }
    // the units first: their objects live in the base's namespaces
    const units = await destroyUnits(environment, {
      log: (line) => io.stderr(`${line}\n`),
      root: io.root,
      processEnv: io.processEnv,
    });
    if (units.failed) {
      io.stdout(
        `\n${args.env}: destroy of unit ${units.failed.unit} failed (${units.failed.message}); the base and the units not yet destroyed are left as they are\n`,
      );
      return EXIT.failure;
    }
    if (units.destroyed.length) io.stdout(`${args.env}: units destroyed: ${units.destroyed.join(", ")}\n`);
  }
  const audit = auditInfo(io.root, io.processEnv);
  // a destroyed base must run again on the next up
  if (environment.spec.units) await stack.removeTag(FINGERPRINT_TAG).catch(() => undefined);
  const result = await stack.destroy({
    onOutput: (s) => io.stderr(s),
    color: "never",
    message: updateMessage("destroy", args.env, audit),
  });
  io.stdout(`\n${args.env}: destroy ${result.summary.result}\n`);
  return result.summary.result === "succeeded" ? EXIT.ok : EXIT.failure;
});
