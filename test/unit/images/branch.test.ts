/**
 * ops/images/branch with real git in a temporary repository: the commit is made beside the work
 * tree (nothing checked out, staged or switched), and a push never replaces a commit someone else
 * put on the branch.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { commitFile, fileAt, pushBranch, remoteHeads, updateBranch } from "../../../ops/images/branch";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "platform-image-branch-"));
const repo = path.join(dir, "repo");
const origin = path.join(dir, "origin.git");
const env = {
  ...process.env,
  GIT_AUTHOR_NAME: "T",
  GIT_AUTHOR_EMAIL: "t@acme.io",
  GIT_COMMITTER_NAME: "T",
  GIT_COMMITTER_EMAIL: "t@acme.io",
};
const git = (...args: string[]) => {
  const res = spawnSync("git", args, { cwd: repo, env, encoding: "utf8" });
  if (res.status !== 0) throw new Error(res.stderr);
  return res.stdout.trim();
};
const SPEC = 'apps:\n  checkout:\n    tag: "1.4.0" # moved\n';

beforeAll(() => {
  fs.mkdirSync(path.join(repo, "stacks", "local"), { recursive: true });
  spawnSync("git", ["init", "-q", "--bare", "-b", "main", origin]);
  git("init", "-q", "-b", "main");
  fs.writeFileSync(path.join(repo, "stacks", "local", "platform.yaml"), SPEC);
  git("add", "-A");
  git("commit", "-qm", "base");
  git("remote", "add", "origin", origin);
  git("push", "-q", "origin", "main");
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test("the commit changes one file on the base; work tree, index and HEAD stay", () => {
  const base = git("rev-parse", "HEAD");
  fs.writeFileSync(path.join(repo, "untracked.txt"), "mine\n");
  const after = SPEC.replace("1.4.0", "1.4.1");
  const { commit } = commitFile(
    repo,
    { base, file: "stacks/local/platform.yaml", text: after, message: ["title", "body"] },
    env,
  );
  expect(git("rev-parse", `${commit}~1`)).toBe(base);
  expect(git("diff", "--numstat", base, commit)).toBe("1\t1\tstacks/local/platform.yaml");
  expect(fileAt(repo, commit, "stacks/local/platform.yaml", env)).toBe(after);
  expect(git("log", "-1", "--format=%B", commit)).toBe("title\n\nbody");
  expect(git("rev-parse", "HEAD")).toBe(base);
  expect(git("status", "--porcelain")).toBe("?? untracked.txt");
  expect(fs.readFileSync(path.join(repo, "stacks", "local", "platform.yaml"), "utf8")).toBe(SPEC);
});

test("a push replaces the branch only when it is still what was read", () => {
  const base = git("rev-parse", "HEAD");
  const branch = updateBranch("local", "checkout");
  const make = (tag: string) =>
    commitFile(
      repo,
      { base, file: "stacks/local/platform.yaml", text: SPEC.replace("1.4.0", tag), message: [tag] },
      env,
    ).commit;
  const first = make("1.4.1");
  pushBranch(repo, "origin", branch, first, undefined, env);
  expect(remoteHeads(repo, "origin", "image-update/local/", env)).toEqual(new Map([[branch, first]]));
  // someone pushed onto the branch since it was read as `first`: a push expecting nothing is refused
  const second = make("1.4.2");
  expect(() => pushBranch(repo, "origin", branch, second, undefined, env)).toThrow(
    /pushing image-update\/local\/checkout failed .*run again/,
  );
  pushBranch(repo, "origin", branch, second, first, env);
  expect(remoteHeads(repo, "origin", "image-update/", env).get(branch)).toBe(second);
});
