/**
 * What `platform rollback <env> --to <commit | update-number>` goes back to, and the plan: the
 * files of `stacks/<env>/` and `stacks/Pulumi.<env>.yaml` at that commit, what else changed since,
 * and the environment as it was there (its spec files read from git, everything else from the
 * checkout), validated with today's code before anything is written.
 */
import * as path from "path";
import { Environment, FileReader, loadEnvironment } from "../../model/environment";
import { readSpecFile } from "../../model/specFile";
import { git } from "../git";
import type { HistoryEntry } from "./entries";

/** A rollback that must not happen (bad target, dirty tree, invalid spec there): exit 1, nothing written. */
export class RollbackRefused extends Error {
  override name = "RollbackRefused";
}

/** `--to` is an update number when it is 1 to 6 digits; anything else is a commit. */
export function isUpdateNumber(to: string): boolean {
  return /^\d{1,6}$/.test(to);
}

/** The files a rollback restores (repository-relative, `/`-separated). */
export function rollbackPaths(env: string): string[] {
  return [`stacks/${env}`, `stacks/Pulumi.${env}.yaml`];
}

/** What a rollback goes back to. */
export interface RollbackTarget {
  /** Full commit id. */
  commit: string;
  /** The update that ran it, when `--to` named one. */
  update?: number;
}

/** Picks the update `n` of a history (every update, any order); refuses naming the range. */
export function targetOfUpdate(env: string, n: number, updates: readonly HistoryEntry[]): RollbackTarget {
  const entry = updates.find((u) => u.version === n);
  if (!entry) {
    const versions = updates.flatMap((u) => (u.version !== undefined ? [u.version] : []));
    const range = versions.length
      ? `updates ${Math.min(...versions)} to ${Math.max(...versions)}`
      : "no updates yet";
    throw new RollbackRefused(
      `update ${n} is not in the history of ${env} (${range}; see platform history ${env})`,
    );
  }
  if (entry.result !== "succeeded")
    throw new RollbackRefused(
      `update ${n} of ${env} ${entry.result === "in-progress" ? "is still running" : "failed"}: it is no state the environment ran; pick a succeeded update (platform history ${env})`,
    );
  if (entry.kind === "destroy")
    throw new RollbackRefused(
      `update ${n} of ${env} was a destroy: there is nothing to go back to; pick an up`,
    );
  if (!entry.commit)
    throw new RollbackRefused(
      `update ${n} of ${env} recorded no commit (${entry.message || "no message"}): roll back to a commit instead (--to <commit>)`,
    );
  if (entry.dirty)
    throw new RollbackRefused(
      `update ${n} of ${env} ran uncommitted changes (commit ${entry.commit.slice(0, 12)}+dirty): what it ran is not in git; roll back to a commit instead`,
    );
  if (entry.commit.length < 40)
    throw new RollbackRefused(
      `update ${n} of ${env} ran commit ${entry.commit}, which this repository does not have: git fetch it first`,
    );
  return { commit: entry.commit, update: n };
}

/**
 * A commit `to` names in the repository at `root`, which must be an ancestor of HEAD (a rollback
 * goes back along the branch's own history).
 */
export function resolveCommit(root: string, to: string, processEnv?: NodeJS.ProcessEnv): string {
  const shown = to.length > 64 ? `${to.slice(0, 64)}…` : to;
  const res = git(
    root,
    ["rev-parse", "--verify", "--quiet", "--end-of-options", `${to}^{commit}`],
    processEnv,
  );
  if (res.status !== 0 || !/^[0-9a-f]{40}$/.test(res.stdout))
    throw new RollbackRefused(
      `--to ${shown}: no such commit in this repository (git fetch it, or see platform history)`,
    );
  return res.stdout;
}

/** Refuses a commit that is not an ancestor of HEAD. */
export function checkAncestor(root: string, commit: string, processEnv?: NodeJS.ProcessEnv): void {
  const branch = git(root, ["symbolic-ref", "--quiet", "--short", "HEAD"], processEnv);
  const where = branch.status === 0 ? `the branch ${branch.stdout}` : "HEAD";
  if (git(root, ["merge-base", "--is-ancestor", commit, "HEAD"], processEnv).status !== 0)
    throw new RollbackRefused(
      `commit ${commit.slice(0, 12)} is not an ancestor of ${where}: a rollback goes back along the branch's own history; switch to the branch that ran it`,
    );
}

/** Refuses when tracked files have uncommitted changes (the rollback is a commit of its own). */
export function checkClean(root: string, processEnv?: NodeJS.ProcessEnv): void {
  const res = git(root, ["status", "--porcelain", "--untracked-files=no"], processEnv);
  if (res.status !== 0) throw new RollbackRefused(`${root} is not a git checkout: a rollback is a commit`);
  const dirty = res.stdout
    .split("\n")
    .filter(Boolean)
    .map((l) => l.slice(3));
  if (dirty.length) {
    const list = dirty.slice(0, 5).join(", ") + (dirty.length > 5 ? `, … (${dirty.length} files)` : "");
    throw new RollbackRefused(
      `the worktree has uncommitted changes (${list}): commit or stash them first; nothing was written`,
    );
  }
}

/** Files that differ between `commit` and HEAD, inside (`inside: true`) or outside the rollback's paths. */
export function changedFiles(
  root: string,
  env: string,
  commit: string,
  inside: boolean,
  processEnv?: NodeJS.ProcessEnv,
): string[] {
  const paths = rollbackPaths(env);
  const spec = inside ? paths : [".", ...paths.map((p) => `:(exclude)${p}`)];
  const res = git(root, ["diff", "--name-only", "--no-renames", commit, "HEAD", "--", ...spec], processEnv);
  if (res.status !== 0) throw new Error(`git diff failed: ${res.stderr}`);
  return res.stdout.split("\n").filter(Boolean);
}

/** The git tree id of `stacks/<env>` at `commit`; refuses when the environment did not exist there. */
export function stacksTreeAt(
  root: string,
  env: string,
  commit: string,
  processEnv?: NodeJS.ProcessEnv,
): string {
  const res = git(root, ["rev-parse", "--verify", "--quiet", `${commit}:stacks/${env}`], processEnv);
  const spec = git(root, ["cat-file", "-e", `${commit}:stacks/${env}/platform.yaml`], processEnv);
  if (res.status !== 0 || spec.status !== 0)
    throw new RollbackRefused(
      `stacks/${env}/platform.yaml does not exist at ${commit.slice(0, 12)}: ${env} did not exist yet there`,
    );
  return res.stdout;
}

/** At most this many bytes of a file read from git (the spec reader's own limit). */
const MAX_BYTES = 1024 * 1024;

/**
 * A reader that serves the rollback's paths from `commit` (git objects, not the worktree) and
 * every other file as the checkout has it, with the spec reader's rules.
 */
export function readerAt(
  root: string,
  env: string,
  commit: string,
  processEnv?: NodeJS.ProcessEnv,
): FileReader {
  const paths = rollbackPaths(env);
  return (file) => {
    const rel = path.relative(root, path.resolve(root, file)).split(path.sep).join("/");
    if (!paths.some((p) => rel === p || rel.startsWith(`${p}/`))) return readSpecFile(file, root);
    const res = git(root, ["cat-file", "blob", `${commit}:${rel}`], processEnv);
    if (res.status !== 0) throw new Error(`${rel} does not exist at ${commit.slice(0, 12)}`);
    if (Buffer.byteLength(res.stdout) > MAX_BYTES)
      throw new Error(`${rel} at ${commit.slice(0, 12)} is over 1 MiB`);
    return res.stdout.endsWith("\n") ? res.stdout : `${res.stdout}\n`;
  };
}

/**
 * The environment as `commit` had it: its spec and stack config from git, loaded and validated
 * with today's code. Refuses, naming the file and what to fix first, when it does not validate.
 */
export function environmentAt(current: Environment, commit: string): Environment {
  const env = current.name;
  const target = loadEnvironment(env, {
    root: current.root,
    processEnv: current.processEnv,
    readFile: readerAt(current.root, env, commit, current.processEnv),
  });
  try {
    void target.spec;
    void target.backend;
  } catch (err) {
    const detail = (err instanceof Error ? err.message : String(err)).split("\n").slice(0, 10).join("\n  ");
    throw new RollbackRefused(
      `the files of ${env} at ${commit.slice(0, 12)} do not validate with today's code, so nothing was written:\n  ${detail}\n` +
        `Fix first: the file named above as it is at ${commit.slice(0, 12)} (a rollback restores it unchanged); ` +
        `commit a corrected version and roll back to that commit instead`,
      { cause: err },
    );
  }
  return target;
}
