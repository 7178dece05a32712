/**
 * The update branch of one app and environment, written with git's plumbing: the new spec becomes
 * a blob, a tree (the base commit's, with that one file replaced, in a temporary index) and a
 * commit on the base. Neither the work tree, nor the index, nor the checked-out branch is touched
 * (it works in a bare mirror too), so a failure leaves nothing half-done.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { git, gitOk } from "../git";

/** The branch `platform image update` owns for `app` in `env`: one per app and environment. */
export function updateBranch(env: string, app: string): string {
  return `image-update/${env}/${app}`;
}

/** Runs git with `input` on stdin; throws with git's message when it fails. */
function gitInput(cwd: string, args: string[], input: string, env: NodeJS.ProcessEnv): string {
  const res = spawnSync("git", args, {
    cwd,
    input,
    encoding: "utf8",
    env: { ...env, GIT_TERMINAL_PROMPT: "0" },
  });
  if (res.status !== 0) throw new Error(`git ${args.join(" ")} failed: ${(res.stderr ?? "").trim()}`);
  return (res.stdout ?? "").trim();
}

/** `file` as it is at `ref`, byte for byte, or undefined when it is not there. */
export function fileAt(root: string, ref: string, file: string, env: NodeJS.ProcessEnv): string | undefined {
  const res = spawnSync("git", ["cat-file", "blob", `${ref}:${file}`], {
    cwd: root,
    encoding: "utf8",
    env: { ...env, GIT_TERMINAL_PROMPT: "0" },
  });
  return res.status === 0 ? res.stdout : undefined;
}

/**
 * The process environment with a committer identity when git has none configured (a CI runner):
 * `platform image update <platform@localhost>`. A configured identity is kept.
 */
export function withIdentity(root: string, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  if (git(root, ["var", "GIT_COMMITTER_IDENT"], env).status === 0) return env;
  return {
    ...env,
    GIT_AUTHOR_NAME: env.GIT_AUTHOR_NAME || "platform image update",
    GIT_AUTHOR_EMAIL: env.GIT_AUTHOR_EMAIL || "platform@localhost",
    GIT_COMMITTER_NAME: env.GIT_COMMITTER_NAME || "platform image update",
    GIT_COMMITTER_EMAIL: env.GIT_COMMITTER_EMAIL || "platform@localhost",
  };
}

/** What {@link commitFile} writes. */
export interface FileCommit {
  /** The commit the change is made on (the default branch's tip). */
  base: string;
  /** The file, relative to the repository root, with `/`. */
  file: string;
  text: string;
  /** The commit message's paragraphs. */
  message: string[];
}

/** The commit (its id and tree) with `file` set to `text` on `base`; nothing else changes. */
export function commitFile(
  root: string,
  change: FileCommit,
  env: NodeJS.ProcessEnv,
): { commit: string; tree: string } {
  const entry = gitOk(root, ["ls-tree", change.base, "--", change.file], env);
  const mode = /^(\d{6}) blob /.exec(entry)?.[1];
  if (!mode) throw new Error(`${change.file} is not a file at ${change.base.slice(0, 12)}`);
  const blob = gitInput(root, ["hash-object", "-w", "--stdin"], change.text, env);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "platform-image-index-"));
  try {
    const indexEnv = { ...env, GIT_INDEX_FILE: path.join(dir, "index") };
    gitOk(root, ["read-tree", change.base], indexEnv);
    gitOk(root, ["update-index", "--cacheinfo", `${mode},${blob},${change.file}`], indexEnv);
    const tree = gitOk(root, ["write-tree"], indexEnv);
    const messageArgs = change.message.flatMap((m) => ["-m", m]);
    const commit = gitOk(root, ["commit-tree", tree, "-p", change.base, ...messageArgs], env);
    return { commit, tree };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The tips of `remote`'s branches under `prefix` (`git ls-remote --heads`), by branch name. */
export function remoteHeads(
  root: string,
  remote: string,
  prefix: string,
  env: NodeJS.ProcessEnv,
): Map<string, string> {
  const out = gitOk(root, ["ls-remote", "--heads", remote, `refs/heads/${prefix}*`], env);
  const heads = new Map<string, string>();
  for (const line of out.split("\n").filter(Boolean)) {
    const [sha, ref] = line.split("\t");
    heads.set(ref.replace(/^refs\/heads\//, ""), sha);
  }
  return heads;
}

/** The tree of `commit` after fetching it from `remote`, or undefined when it cannot be fetched. */
export function remoteTree(
  root: string,
  remote: string,
  branch: string,
  commit: string,
  env: NodeJS.ProcessEnv,
): string | undefined {
  if (git(root, ["cat-file", "-e", `${commit}^{commit}`], env).status !== 0) {
    const fetched = git(root, ["fetch", "--quiet", "--no-tags", remote, `refs/heads/${branch}`], env);
    if (fetched.status !== 0) return undefined;
  }
  const tree = git(root, ["rev-parse", `${commit}^{tree}`], env);
  return tree.status === 0 ? tree.stdout : undefined;
}

/**
 * Pushes `commit` to `branch` on `remote`, replacing what is there only if it is still `expected`
 * (`--force-with-lease`; undefined: the branch must not exist), so a commit someone pushed onto
 * the branch meanwhile is never lost.
 */
export function pushBranch(
  root: string,
  remote: string,
  branch: string,
  commit: string,
  expected: string | undefined,
  env: NodeJS.ProcessEnv,
): void {
  const lease = `--force-with-lease=refs/heads/${branch}:${expected ?? ""}`;
  const res = git(root, ["push", "--quiet", lease, remote, `${commit}:refs/heads/${branch}`], env);
  if (res.status !== 0) {
    throw new Error(
      `pushing ${branch} failed (${res.stderr.split("\n")[0]}): if someone pushed to it meanwhile, run again`,
    );
  }
}
