/**
 * `platform rollback`, the service: the plan (target, files restored, files changed outside),
 * the GitOps way (a commit on a new branch restoring `stacks/<env>/` and `stacks/Pulumi.<env>.yaml`
 * as they were at the target, so the agent or the deploy workflow applies it like any commit) and
 * the break-glass way (`--now`: the target's spec applied directly with today's program and
 * policies, recorded as a rollback, the environment left suspended; see ops/engine/suspension.ts).
 */
import type { Environment } from "../../model/environment";
import { git, gitOk } from "../git";
import { AuditInfo, auditTags, updateMessage } from "../engine/audit";
import { policyPackArgs } from "../engine/policyPacks";
import { preflight } from "../engine/preflight";
import { formatSuspension, SUSPENDED_TAG } from "../engine/suspension";
import { openStack } from "../engine/workspace";
import { runPlatform } from "../../program/run";
import { withSopsValues } from "../engine/sops";
import type { HistoryEntry } from "./entries";
import {
  changedFiles,
  checkAncestor,
  checkClean,
  environmentAt,
  isUpdateNumber,
  resolveCommit,
  RollbackRefused,
  rollbackPaths,
  RollbackTarget,
  stacksTreeAt,
  targetOfUpdate,
} from "./target";

/** Everything a rollback does, decided before anything is written. */
export interface RollbackPlan {
  env: string;
  target: RollbackTarget;
  /** HEAD when planned (40 hex). */
  head: string;
  /** The git tree id of `stacks/<env>` at the target. */
  tree: string;
  /** Files under the rollback's paths that differ between the target and HEAD (restored). */
  restored: string[];
  /** Files outside them that changed between the target and HEAD (not restored). */
  outside: string[];
  /** The environment as the target had it (spec and stack config from git), validated. */
  environment: Environment;
}

/**
 * Plans a rollback of `current` to `to` (a commit, or an update number of `updates`). Refuses a
 * dirty tree, an unknown commit or one that is not an ancestor of HEAD, an update number out of
 * range (or failed, dirty, without commit), an environment that did not exist there, and files
 * that do not validate with today's code.
 */
export function planRollback(
  current: Environment,
  to: string,
  updates?: readonly HistoryEntry[],
): RollbackPlan {
  const { root, name: env, processEnv } = current;
  checkClean(root, processEnv);
  let target: RollbackTarget;
  if (isUpdateNumber(to)) {
    if (!updates) throw new Error("planRollback: an update number needs the history");
    target = targetOfUpdate(env, Number(to), updates);
    resolveCommit(root, target.commit, processEnv);
  } else target = { commit: resolveCommit(root, to, processEnv) };
  checkAncestor(root, target.commit, processEnv);
  const tree = stacksTreeAt(root, env, target.commit, processEnv);
  const environment = environmentAt(current, target.commit);
  return {
    env,
    target,
    head: gitOk(root, ["rev-parse", "HEAD"], processEnv),
    tree,
    restored: changedFiles(root, env, target.commit, true, processEnv),
    outside: changedFiles(root, env, target.commit, false, processEnv),
    environment,
  };
}

/** The default branch name of a rollback. */
export function defaultBranchName(plan: Pick<RollbackPlan, "env" | "target">): string {
  return `rollback/${plan.env}-${plan.target.commit.slice(0, 12)}`;
}

/** The commit title of a rollback. */
export function rollbackTitle(plan: Pick<RollbackPlan, "env" | "target">): string {
  const update = plan.target.update !== undefined ? ` (update #${plan.target.update})` : "";
  return `rollback ${plan.env} to ${plan.target.commit.slice(0, 12)}${update}`;
}

/** What a reviewer must read: what is restored and, above all, what is not. */
export function planText(plan: Omit<RollbackPlan, "environment">, markdown = false): string {
  const li = (s: string) => (markdown ? `- \`${s}\`` : `  ${s}`);
  const lines = [
    `Restores ${rollbackPaths(plan.env).join(" and ")} as they were at ${plan.target.commit}` +
      `${plan.target.update !== undefined ? ` (what update #${plan.target.update} ran)` : ""}; HEAD was ${plan.head}.`,
    "",
    `Restored (${plan.restored.length}):`,
    ...plan.restored.map(li),
  ];
  if (plan.outside.length)
    lines.push(
      "",
      `NOT restored: ${plan.outside.length} file(s) outside stacks/${plan.env}/ changed since ${plan.target.commit.slice(0, 12)}; ` +
        `the program, components and policies of today apply the old spec, so a spec-only revert is not the whole story:`,
      ...plan.outside.map(li),
    );
  else
    lines.push("", `Nothing outside stacks/${plan.env}/ changed since ${plan.target.commit.slice(0, 12)}.`);
  return lines.join("\n");
}

/** Refuses an existing branch. */
export function checkNewBranch(root: string, branch: string, processEnv?: NodeJS.ProcessEnv): void {
  if (git(root, ["check-ref-format", "--branch", branch], processEnv).status !== 0)
    throw new RollbackRefused(`--branch ${JSON.stringify(branch.slice(0, 64))} is not a valid branch name`);
  if (git(root, ["rev-parse", "--verify", "--quiet", `refs/heads/${branch}`], processEnv).status === 0)
    throw new RollbackRefused(`branch ${branch} already exists: delete it, merge it, or pass --branch NAME`);
}

/**
 * Creates `branch` from HEAD with one commit restoring the rollback's paths from the target (files
 * added since are removed). The new branch stays checked out. When a step fails, the previous
 * branch is checked out again, the new one deleted and the tree left as it was (it was clean).
 */
export function writeRollbackBranch(
  plan: RollbackPlan,
  branch: string,
  processEnv?: NodeJS.ProcessEnv,
): string {
  const root = plan.environment.root;
  const previous = git(root, ["symbolic-ref", "--quiet", "--short", "HEAD"], processEnv);
  const back =
    previous.status === 0
      ? ["switch", "--quiet", previous.stdout]
      : ["switch", "--quiet", "--detach", plan.head];
  gitOk(root, ["switch", "--quiet", "-c", branch], processEnv);
  try {
    const paths = rollbackPaths(plan.env);
    const present = paths.filter(
      (p) => git(root, ["cat-file", "-e", `${plan.target.commit}:${p}`], processEnv).status === 0,
    );
    gitOk(root, ["rm", "-r", "-q", "--ignore-unmatch", "--", ...paths], processEnv);
    if (present.length)
      gitOk(
        root,
        ["restore", `--source=${plan.target.commit}`, "--staged", "--worktree", "--", ...present],
        processEnv,
      );
    gitOk(root, ["commit", "--quiet", "-m", rollbackTitle(plan), "-m", planText(plan)], processEnv);
    return gitOk(root, ["rev-parse", "HEAD"], processEnv);
  } catch (err) {
    git(root, ["reset", "--quiet", "--hard"], processEnv);
    git(root, back, processEnv);
    git(root, ["branch", "--quiet", "-D", branch], processEnv);
    throw new Error(`the rollback commit failed, so nothing was changed: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/** How a `--now` rollback went. */
export interface AppliedRollback {
  result: string;
  resourceChanges: Record<string, number>;
  /** The `platform:suspended` value written. */
  suspension: string;
}

/**
 * Break glass: applies the target's spec directly, with today's program and policy packs (the
 * policies of now still guard it; the files outside stacks/<env> are today's, as the plan lists),
 * records the update as `platform rollback --now <env> · commit <target> · by … · from <head>`
 * with the provenance tags of the target, and sets `platform:suspended` (before the update starts). Refuses when the stack
 * config changed since the target (the engine reads it from the checkout: apply it by the branch).
 */
export async function applyRollbackNow(
  plan: RollbackPlan,
  audit: AuditInfo,
  log: (s: string) => void,
  now: Date = new Date(),
): Promise<AppliedRollback> {
  const stackConfig = `stacks/Pulumi.${plan.env}.yaml`;
  if (plan.restored.includes(stackConfig))
    throw new RollbackRefused(
      `${stackConfig} changed since ${plan.target.commit.slice(0, 12)}: the engine reads the stack config from the checkout, so --now cannot apply the old one; roll back by the branch instead (without --now)`,
    );
  const environment = plan.environment;
  await preflight(environment);
  const stack = await openStack(environment, async () =>
    runPlatform(environment, withSopsValues(environment, {})),
  );
  const recorded: AuditInfo = { ...audit, commit: plan.target.commit, dirty: false };
  const suspension = formatSuspension({
    reason: "rollback",
    commit: plan.target.commit,
    tree: plan.tree,
    at: now.toISOString(),
  });
  // hands off first: should the update fail midway, nothing re-applies the revision rolled back from
  await stack.setTag(SUSPENDED_TAG, suspension);
  const result = await stack.up({
    onOutput: log,
    color: "never",
    message: `${updateMessage("rollback --now", plan.env, recorded)} · from ${plan.head.slice(0, 12)}`,
    ...policyPackArgs(environment),
  });
  if (result.summary.result === "succeeded")
    for (const [k, v] of Object.entries(auditTags(recorded))) await stack.setTag(k, v);
  return { result: result.summary.result, resourceChanges: result.summary.resourceChanges ?? {}, suspension };
}
