/**
 * The suspension a break-glass `platform rollback <env> --now` leaves behind, as a stack tag, and
 * the pre-flight check `suspended` that `platform up` runs once the stack is open (it needs the
 * stack's tags). While the tag is set, `up` refuses, unless the revision it applies has the same
 * `stacks/<env>` tree as the rollback target (the revert merged: it proceeds and clears the tag)
 * or it is told `--resume`. So the agent or the deploy workflow never re-applies the bad commit.
 *
 * Tag contract: `platform:suspended` = `rollback commit=<40 hex> tree=<40 hex> at=<ISO time>`
 * (`tree`: the git tree id of `stacks/<env>` at the target commit).
 */
import { git } from "../git";
import { PreflightError } from "../errors";

/** The stack tag holding a suspension. */
export const SUSPENDED_TAG = "platform:suspended";

/** The flag of `platform up` that lifts a suspension explicitly. */
export const RESUME_FLAG = "--resume";

/** A recorded suspension. */
export interface Suspension {
  /** Why: only `rollback` so far. */
  reason: "rollback";
  /** The commit the environment was rolled back to (40 hex). */
  commit: string;
  /** The git tree id of `stacks/<env>` at that commit. */
  tree: string;
  /** When (ISO). */
  at: string;
}

/** The tag value of a suspension. */
export function formatSuspension(s: Suspension): string {
  return `${s.reason} commit=${s.commit} tree=${s.tree} at=${s.at}`;
}

/** Parses a tag value; undefined when it is not one this platform writes. */
export function parseSuspension(value: string | undefined): Suspension | undefined {
  const m = /^rollback commit=([0-9a-f]{40}) tree=([0-9a-f]{40}) at=(\S+)$/.exec(value?.trim() ?? "");
  return m ? { reason: "rollback", commit: m[1], tree: m[2], at: m[3] } : undefined;
}

/** What `up` does about a suspension. */
export type SuspensionDecision =
  | { proceed: true; clear: boolean; why: "not-suspended" | "revert-merged" | "resumed" }
  | { proceed: false; why: "suspended" };

/**
 * The decision, pure: no tag → proceed; `--resume` → proceed and clear; the applied revision's
 * `stacks/<env>` tree equals the recorded one → proceed and clear; otherwise refuse. A tag the
 * platform cannot parse refuses too (someone set it by hand: it still means "hands off").
 */
export function decideSuspension(
  tag: string | undefined,
  appliedTree: string | undefined,
  resume: boolean,
): SuspensionDecision {
  if (tag === undefined || tag === "") return { proceed: true, clear: false, why: "not-suspended" };
  if (resume) return { proceed: true, clear: true, why: "resumed" };
  const s = parseSuspension(tag);
  if (s && appliedTree !== undefined && appliedTree === s.tree)
    return { proceed: true, clear: true, why: "revert-merged" };
  return { proceed: false, why: "suspended" };
}

/**
 * The git tree id of `stacks/<env>` that an update from `root` applies: `HEAD:stacks/<env>`,
 * or undefined when `root` is not a git checkout or that folder has uncommitted changes (then it
 * is not any commit's tree).
 */
export function appliedStacksTree(
  root: string,
  env: string,
  processEnv?: NodeJS.ProcessEnv,
): string | undefined {
  const dir = `stacks/${env}`;
  const tree = git(root, ["rev-parse", "--verify", "--quiet", `HEAD:${dir}`], processEnv);
  if (tree.status !== 0 || !/^[0-9a-f]{40}$/.test(tree.stdout)) return undefined;
  const dirty = git(root, ["status", "--porcelain", "--untracked-files=all", "--", dir], processEnv);
  if (dirty.status !== 0 || dirty.stdout !== "") return undefined;
  return tree.stdout;
}

/** The refusal of the `suspended` check, naming the rollback, the way out and the check. */
export function suspendedMessage(env: string, tag: string, appliedTree: string | undefined): string {
  const s = parseSuspension(tag);
  const what = s
    ? `rolled back to ${s.commit.slice(0, 12)} at ${s.at} (platform rollback ${env} --now)`
    : `suspended by the stack tag ${SUSPENDED_TAG}="${tag.slice(0, 64)}"`;
  const tree = appliedTree
    ? `this revision's stacks/${env} (tree ${appliedTree.slice(0, 12)})`
    : `this checkout's stacks/${env} (uncommitted changes, or not a git checkout)`;
  return (
    `${env} is suspended: ${what}; refused by the pre-flight check "suspended", nothing was run.\n` +
    `${tree} is not the rollback's${s ? ` (tree ${s.tree.slice(0, 12)})` : ""}: applying it could re-apply the bad revision.\n` +
    `Merge the revert (platform rollback ${env} --to ${s ? s.commit.slice(0, 12) : "<commit>"} writes it) and deploy that, ` +
    `or lift the suspension on purpose with: platform up ${env} ${RESUME_FLAG}`
  );
}

/** Throws the `suspended` refusal when {@link decideSuspension} says no; else returns the decision. */
export function checkSuspended(
  env: string,
  tags: Record<string, string>,
  appliedTree: string | undefined,
  resume: boolean,
): Extract<SuspensionDecision, { proceed: true }> {
  const tag = tags[SUSPENDED_TAG];
  const decision = decideSuspension(tag, appliedTree, resume);
  if (!decision.proceed) throw new PreflightError("suspended", suspendedMessage(env, tag ?? "", appliedTree));
  return decision;
}
