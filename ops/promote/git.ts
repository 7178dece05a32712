/**
 * The default branch, ancestry, cleanliness, and the production release guard `platform up
 * production` applies (clean worktree, commit already on the default branch).
 */
import { git } from "../git";

/**
 * The default branch: `refs/remotes/origin/HEAD` when the clone knows it, else
 * `PLATFORM_DEFAULT_BRANCH`, else `main`.
 */
export function defaultBranch(root: string, env: NodeJS.ProcessEnv = process.env): string {
  const head = git(root, ["symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD"], env);
  if (head.status === 0 && head.stdout.startsWith("origin/")) return head.stdout.slice("origin/".length);
  return env.PLATFORM_DEFAULT_BRANCH || "main";
}

/** Files with uncommitted changes to tracked files (`git status --porcelain`, no untracked). */
export function dirtyFiles(root: string, env?: NodeJS.ProcessEnv): string[] {
  const res = git(root, ["status", "--porcelain", "--untracked-files=no"], env);
  if (res.status !== 0) throw new Error(`not a git repository (${root}): ${res.stderr}`);
  return res.stdout
    .split("\n")
    .filter(Boolean)
    .map((l) => l.slice(3));
}

/** Options of {@link productionGuard}. */
export interface GuardOptions {
  allowDirty: boolean;
}

/**
 * Why a production deploy from this checkout must not run, or undefined when it may: the worktree
 * must be clean (unless `allowDirty`) and HEAD must already be on `origin/<default branch>`.
 */
export function productionGuard(
  root: string,
  env: NodeJS.ProcessEnv,
  opts: GuardOptions,
): string | undefined {
  if (git(root, ["rev-parse", "--git-dir"], env).status !== 0) {
    return `${root} is not a git checkout: production deploys only from a commit of the default branch`;
  }
  if (!opts.allowDirty) {
    const dirty = dirtyFiles(root, env);
    if (dirty.length) {
      const list = dirty.slice(0, 5).join(", ") + (dirty.length > 5 ? `, … (${dirty.length} files)` : "");
      return `the worktree has uncommitted changes (${list}): production deploys only committed code; commit or stash them, or pass --allow-dirty to deploy anyway (recorded as +dirty)`;
    }
  }
  const branch = defaultBranch(root, env);
  const ref = `refs/remotes/origin/${branch}`;
  if (git(root, ["rev-parse", "--verify", "--quiet", ref], env).status !== 0) {
    return `origin/${branch} is unknown here: run \`git fetch origin ${branch}\` so the deploy can check that HEAD is merged`;
  }
  if (git(root, ["merge-base", "--is-ancestor", "HEAD", ref], env).status !== 0) {
    const head = git(root, ["rev-parse", "--short=12", "HEAD"], env).stdout;
    return `commit ${head} is not on origin/${branch}: production deploys only merged commits; merge the PR (or \`git fetch\` if it is merged) and deploy from ${branch}`;
  }
  return undefined;
}
