import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseAgentArgs } from "../../../ops/commands/agent";
import { GitSource, redactUrl, SourceError } from "../../../ops/agent/source";
import { lockHash, ensureDeps } from "../../../ops/agent/deps";

/** The Git source against a real bare repository on disk (git ls-remote, one mirror, work trees). */
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "platform-unit-agent-"));
const bare = path.join(tmp, "src.git");
const work = path.join(tmp, "work");
const home = path.join(tmp, "home");

function git(cwd: string, ...args: string[]): string {
  const res = spawnSync("git", ["-c", "user.email=u@example.test", "-c", "user.name=Unit", ...args], {
    cwd,
    encoding: "utf8",
  });
  if (res.status !== 0) throw new Error(`git ${args.join(" ")}: ${res.stderr}`);
  return res.stdout.trim();
}

function commit(file: string, text: string): string {
  fs.writeFileSync(path.join(work, file), text);
  git(work, "add", "-A");
  git(work, "commit", "-q", "-m", `write ${file}`);
  git(work, "push", "-q", bare, "main");
  return git(work, "rev-parse", "HEAD");
}

beforeAll(() => {
  fs.mkdirSync(work);
  git(tmp, "init", "-q", "--bare", "-b", "main", bare);
  git(work, "init", "-q", "-b", "main");
});

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const source = (branch = "main", repo = bare) =>
  new GitSource({ repo, branch, home, processEnv: process.env });

test("the head comes from ls-remote; each revision gets its own work tree from one mirror", async () => {
  const first = commit("a.txt", "one\n");
  expect(await source().head()).toBe(first);
  const dir1 = await source().checkout(first);
  expect(dir1).toBe(path.join(home, "agent", "revisions", first));
  expect(fs.readFileSync(path.join(dir1, "a.txt"), "utf8")).toBe("one\n");
  const second = commit("a.txt", "two\n");
  expect(await source().head()).toBe(second);
  const dir2 = await source().checkout(second);
  expect(fs.readFileSync(path.join(dir2, "a.txt"), "utf8")).toBe("two\n");
  expect(fs.readFileSync(path.join(dir1, "a.txt"), "utf8")).toBe("one\n");
  expect(git(path.join(home, "agent", "mirror"), "rev-parse", "--is-bare-repository")).toBe("true");
  expect(await source().checkout(second)).toBe(dir2); // reused, not checked out again
});

test("a missing branch names the branch and the repository", async () => {
  await expect(source("nope").head()).rejects.toThrow(new SourceError(`no branch "nope" in ${bare}`));
});

test("an unreadable repository names the URL (without credentials) and the branch", async () => {
  const repo = `file://user:hunter2@${path.join(tmp, "missing.git")}`;
  const err = (await source("main", repo)
    .head()
    .catch((e: unknown) => e)) as Error;
  expect(err).toBeInstanceOf(SourceError);
  expect(err.message).toContain(`cannot read file://${path.join(tmp, "missing.git")} (branch main)`);
  expect(err.message).not.toContain("hunter2");
});

test.each([
  ["https://user:token@example.com/org/repo.git", "https://example.com/org/repo.git"],
  ["ssh://git@example.com/org/repo.git", "ssh://example.com/org/repo.git"],
  ["git@example.com:org/repo.git", "git@example.com:org/repo.git"],
  ["/srv/repo.git", "/srv/repo.git"],
])("redactUrl(%p)", (url, shown) => expect(redactUrl(url)).toBe(shown));

test("a work tree whose lockfile equals the agent's own reuses the agent's node_modules", async () => {
  const own = path.join(tmp, "own");
  const tree = path.join(tmp, "tree");
  for (const d of [own, tree]) {
    fs.mkdirSync(d, { recursive: true });
    fs.writeFileSync(path.join(d, "package-lock.json"), '{"lockfileVersion":3}\n');
  }
  fs.mkdirSync(path.join(own, "node_modules"));
  expect(lockHash(tree)).toBe(lockHash(own));
  const how = await ensureDeps(tree, { ownRoot: own, home, processEnv: process.env, log: () => {} });
  expect(how).toBe("reused");
  expect(fs.realpathSync(path.join(tree, "node_modules"))).toBe(
    fs.realpathSync(path.join(own, "node_modules")),
  );
});

describe("parseAgentArgs", () => {
  test("defaults", () => {
    expect(parseAgentArgs(["local", "--repo", bare])).toEqual({
      envs: ["local"],
      repo: bare,
      branch: "main",
      subdir: ".",
      intervalMs: 60_000,
      driftIntervalMs: 600_000,
      listen: "127.0.0.1:8080",
      once: false,
      webhookSecret: undefined,
      kubeconfig: undefined,
      namespace: "platform-system",
      identity: `${os.hostname()}-${process.pid}`,
      leaseDurationMs: 15_000,
      logFormat: "text",
    });
  });

  test("--log-format takes text or json, anything else is named", () => {
    expect(parseAgentArgs(["local", "--repo", "r", "--log-format", "json"]).logFormat).toBe("json");
    expect(() => parseAgentArgs(["local", "--repo", "r", "--log-format", "yaml"])).toThrow(
      '--log-format takes text or json (got "yaml")',
    );
  });

  test("the cluster flags: --kubeconfig is made absolute, the others are checked", () => {
    const args = parseAgentArgs([
      "local",
      "--repo",
      "r",
      "--kubeconfig",
      "kc.yaml",
      "--namespace",
      "ops",
      "--identity",
      "agent-1",
      "--lease-duration",
      "6s",
    ]);
    expect(args).toMatchObject({
      kubeconfig: path.resolve("kc.yaml"),
      namespace: "ops",
      identity: "agent-1",
      leaseDurationMs: 6000,
    });
  });

  test("the webhook secret is read from the named variable", () => {
    const args = parseAgentArgs(["local", "--repo", "r", "--webhook-secret-env", "HOOK"], { HOOK: "s3cr3t" });
    expect(args.webhookSecret).toBe("s3cr3t");
  });

  test.each<[string[], RegExp]>([
    [["local"], /--repo is required/],
    [["--repo", "r"], /which environment|missing <env>/],
    [
      ["local", "--repo", "r", "--interval", "90"],
      /--interval must be a duration between 1s and 24h.*got "90"/,
    ],
    [
      ["local", "--repo", "r", "--drift-interval", "1d"],
      /--drift-interval must be a duration between 5s and 24h/,
    ],
    [["local", "--repo", "r", "--listen", "8080"], /--listen takes HOST:PORT/],
    [["local", "--repo", "r", "--namespace", "Ops_1"], /--namespace takes a namespace name/],
    [["local", "--repo", "r", "--identity", "a b"], /--identity takes 1 to 128/],
    [["local", "--repo", "r", "--lease-duration", "2s"], /--lease-duration must be between 3s and 1h/],
    [["local", "--repo", "r", "--lease-duration", "15"], /--lease-duration must be a duration/],
    [["local", "--repo", "r", "--path", "../x"], /--path is a folder inside the repository/],
    [
      ["local", "--repo", "r", "--webhook-secret-env", "UNSET_VAR"],
      /UNSET_VAR: the variable is unset or empty/,
    ],
    [["local", "local", "--repo", "r"], /named twice/],
    [["local", "--repo", "r", "--branch", "-x"], /--branch|needs a value/],
  ])("%p is a usage error", (argv, message) => {
    expect(() => parseAgentArgs(argv)).toThrow(message);
  });
});
