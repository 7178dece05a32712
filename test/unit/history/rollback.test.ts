import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadEnvironment } from "../../../model/environment";
import { existingEnvironment, parseHistoryArgs } from "../../../ops/commands/history";
import { parseRollbackArgs } from "../../../ops/commands/rollback";
import { UsageError } from "../../../ops/errors";
import { entryOf, HistoryEntry } from "../../../ops/history/entries";
import { checkNewBranch, planRollback, planText, writeRollbackBranch } from "../../../ops/history/rollback";
import { RollbackRefused, targetOfUpdate } from "../../../ops/history/target";
import { REPO_ROOT } from "../helpers/root";

/** A real git repository holding the local environment's files, three commits of checkout's replicas. */
let root: string;
const commits: string[] = [];
const env = {
  ...process.env,
  GIT_AUTHOR_NAME: "T",
  GIT_AUTHOR_EMAIL: "t@acme.io",
  GIT_COMMITTER_NAME: "T",
  GIT_COMMITTER_EMAIL: "t@acme.io",
};

function git(...args: string[]): string {
  const res = spawnSync("git", args, { cwd: root, encoding: "utf8", env });
  if (res.status !== 0) throw new Error(`git ${args.join(" ")}: ${res.stderr}`);
  return res.stdout.trim();
}

const specFile = () => path.join(root, "stacks", "local", "platform.yaml");
const setReplicas = (n: number) =>
  fs.writeFileSync(
    specFile(),
    fs.readFileSync(specFile(), "utf8").replace(/(checkout:\n(?:\s{4}.*\n)*?\s{4}replicas: )\d+/, `$1${n}`),
  );
const current = () => loadEnvironment("local", { root, processEnv: env });

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "platform-rollback-"));
  fs.mkdirSync(path.join(root, "stacks", "local"), { recursive: true });
  fs.copyFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), path.join(root, "Pulumi.yaml"));
  fs.copyFileSync(
    path.join(REPO_ROOT, "stacks", "Pulumi.local.yaml"),
    path.join(root, "stacks", "Pulumi.local.yaml"),
  );
  fs.copyFileSync(path.join(REPO_ROOT, "stacks", "local", "platform.yaml"), specFile());
  git("init", "-q", "-b", "main");
  for (const n of [1, 2, 3]) {
    setReplicas(n);
    if (n === 2) fs.writeFileSync(path.join(root, "NOTES.txt"), "outside\n");
    git("add", "-A");
    git("commit", "-qm", `replicas ${n}`);
    commits.push(git("rev-parse", "HEAD"));
  }
});

afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const refusal = (f: () => unknown): string => {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(RollbackRefused);
    return (err as Error).message;
  }
  throw new Error("not refused");
};

describe("planRollback refuses bad targets, writing nothing", () => {
  test("a commit that is not in the repository", () => {
    expect(refusal(() => planRollback(current(), "0123456789abcdef"))).toContain(
      "--to 0123456789abcdef: no such commit in this repository",
    );
  });
  test("a commit that is not an ancestor of the branch", () => {
    git("switch", "-q", "-c", "side");
    fs.writeFileSync(path.join(root, "SIDE.txt"), "x\n");
    git("add", "-A");
    git("commit", "-qm", "side");
    const side = git("rev-parse", "HEAD");
    git("switch", "-q", "main");
    expect(refusal(() => planRollback(current(), side))).toContain(
      `commit ${side.slice(0, 12)} is not an ancestor of the branch main`,
    );
  });
  test("a dirty tree", () => {
    fs.appendFileSync(path.join(root, "NOTES.txt"), "dirty\n");
    try {
      expect(refusal(() => planRollback(current(), commits[0]))).toContain(
        "the worktree has uncommitted changes (NOTES.txt)",
      );
    } finally {
      git("checkout", "--", "NOTES.txt");
    }
  });
  test("a target whose spec no longer validates names the file and what to fix first", () => {
    fs.writeFileSync(
      specFile(),
      fs.readFileSync(specFile(), "utf8").replace("tier: development", "tier: nosuch"),
    );
    git("commit", "-qam", "a broken spec");
    const broken = git("rev-parse", "HEAD");
    setReplicas(3);
    fs.writeFileSync(
      specFile(),
      fs.readFileSync(specFile(), "utf8").replace("tier: nosuch", "tier: development"),
    );
    git("commit", "-qam", "fixed");
    const message = refusal(() => planRollback(current(), broken));
    expect(message).toContain(
      `the files of local at ${broken.slice(0, 12)} do not validate with today's code`,
    );
    expect(message).toMatch(/stacks\/local\/platform\.yaml:\d+:\d+ tier/);
    expect(message).toContain("Fix first:");
  });
  test("an update number out of range, failed, dirty, without commit, or a destroy", () => {
    const u = (version: number, over: Partial<HistoryEntry> = {}): HistoryEntry => ({
      ...entryOf({
        version,
        kind: "update",
        startTime: "2026-12-01T10:00:00Z",
        endTime: "2026-12-01T10:00:01Z",
        result: "succeeded",
        message: `platform up local · commit ${commits[0]} · by T`,
      }),
      ...over,
    });
    const updates = [
      u(4, { dirty: true }),
      u(3, { result: "failed" }),
      u(2, { commit: undefined }),
      u(1, { kind: "destroy" }),
    ];
    expect(refusal(() => targetOfUpdate("local", 9, updates))).toBe(
      "update 9 is not in the history of local (updates 1 to 4; see platform history local)",
    );
    expect(refusal(() => targetOfUpdate("local", 3, updates))).toContain("update 3 of local failed");
    expect(refusal(() => targetOfUpdate("local", 4, updates))).toContain("ran uncommitted changes");
    expect(refusal(() => targetOfUpdate("local", 2, updates))).toContain("recorded no commit");
    expect(refusal(() => targetOfUpdate("local", 1, updates))).toContain("was a destroy");
    expect(refusal(() => targetOfUpdate("local", 1, []))).toContain("(no updates yet;");
    expect(targetOfUpdate("local", 5, [u(5)])).toEqual({ commit: commits[0], update: 5 });
  });
});

test("the branch restores stacks/local exactly, lists what changed outside, and stays checked out", () => {
  const head = git("rev-parse", "HEAD");
  const plan = planRollback(current(), commits[0]);
  expect(plan.restored).toEqual(["stacks/local/platform.yaml"]);
  expect(plan.outside).toEqual(["NOTES.txt"]);
  expect(plan.tree).toBe(git("rev-parse", `${commits[0]}:stacks/local`));
  expect(plan.environment.spec.apps?.checkout.replicas).toBe(1);
  expect(planText(plan)).toContain("NOT restored: 1 file(s) outside stacks/local/");
  writeRollbackBranch(plan, "rollback/test", env);
  expect(git("branch", "--show-current")).toBe("rollback/test");
  expect(git("diff", "--name-only", head, "HEAD")).toBe("stacks/local/platform.yaml");
  expect(git("diff", commits[0], "HEAD", "--", "stacks/local", "stacks/Pulumi.local.yaml")).toBe("");
  expect(git("log", "-1", "--format=%s")).toBe(`rollback local to ${commits[0].slice(0, 12)}`);
  expect(() => checkNewBranch(root, "rollback/test", env)).toThrow("branch rollback/test already exists");
  expect(() => checkNewBranch(root, "bad..name", env)).toThrow("is not a valid branch name");
  git("switch", "-q", "main");
});

describe("the verbs' arguments", () => {
  test("an unknown environment is a usage error naming the ones there are", () => {
    expect(() => existingEnvironment("nosuch", { root, processEnv: env })).toThrow(UsageError);
    expect(() => existingEnvironment("nosuch", { root, processEnv: env })).toThrow(/local/);
  });
  test.each([
    [["local"], "--to is required"],
    [["local", "--to", "abc", "--now", "--pr"], "--now and --pr are exclusive"],
    [
      ["local", "--to", "abc", "--now", "--branch", "x"],
      "--branch writes a branch; --now applies without one",
    ],
    [["local", "--to"], "--to needs a commit or an update number"],
  ])("rollback %j", (argv, message) => {
    expect(() => parseRollbackArgs(argv)).toThrow(UsageError);
    expect(() => parseRollbackArgs(argv)).toThrow(message);
  });
  test.each([["0"], ["-1"], ["two"], ["1.5"]])("history --limit %s is a usage error", (limit) => {
    expect(() => parseHistoryArgs(["local", "--limit", limit])).toThrow("--limit takes a whole number");
  });
  test("history --limit 3 --json", () => {
    expect(parseHistoryArgs(["local", "--limit", "3", "--json"])).toEqual({
      env: "local",
      limit: 3,
      json: true,
    });
  });
});
