/**
 * `promote --tag-from-spec` in a real git repository: it writes only what `validate` accepts,
 * refuses a repository mismatch, names an unknown environment, and leaves the work tree as it was
 * when the commit fails.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promote } from "../../../ops/commands/promote";
import type { CommandIO } from "../../../ops/commands/types";
import { BASE, edit } from "../model/fixtures";

const gitEnv = {
  ...process.env,
  GIT_AUTHOR_NAME: "t",
  GIT_AUTHOR_EMAIL: "t@e",
  GIT_COMMITTER_NAME: "t",
  GIT_COMMITTER_EMAIL: "t@e",
  GIT_CONFIG_NOSYSTEM: "1",
  HOME: os.tmpdir(),
};
let root: string;

function git(...args: string[]): string {
  const r = spawnSync("git", args, { cwd: root, encoding: "utf8", env: gitEnv });
  if (r.status !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr}`);
  return r.stdout.trim();
}

/** A repository with stacks/staging (the target, tag 2.8.1) and stacks/qa (the source). */
function repo(qaTagLine: string, qaImage = "registry.acme.io/payments/checkout"): void {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "promote-checks-"));
  const qa = edit(
    edit(edit(BASE, "environment: staging", "environment: qa"), '    tag: "2.8.1"', qaTagLine),
    "image: registry.acme.io/payments/checkout",
    `image: ${qaImage}`,
  );
  for (const [env, text] of [
    ["staging", BASE],
    ["qa", qa],
  ]) {
    fs.mkdirSync(path.join(root, "stacks", env), { recursive: true });
    fs.writeFileSync(path.join(root, "stacks", env, "platform.yaml"), text);
  }
  git("init", "-q", "-b", "main");
  git("add", "-A");
  git("commit", "-qm", "specs");
}
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

function io(): CommandIO & { out: string[] } {
  const out: string[] = [];
  return {
    out,
    root,
    processEnv: gitEnv,
    stdin: process.stdin,
    stdout: (s) => out.push(s),
    stderr: () => undefined,
  };
}
const run = () => promote(["checkout", "--from", "qa", "--to", "staging", "--tag-from-spec"], io());
const staging = () => fs.readFileSync(path.join(root, "stacks", "staging", "platform.yaml"), "utf8");

/** Nothing changed: on main, no promote branch, the target spec as committed, a clean tree. */
function untouched(): void {
  expect(git("branch", "--show-current")).toBe("main");
  expect(git("branch", "--list", "promote/*")).toBe("");
  expect(staging()).toBe(BASE);
  expect(git("status", "--porcelain")).toBe("");
}

describe("promote --tag-from-spec", () => {
  test("a valid tag of the same repository is committed as one line", async () => {
    repo('    tag: "2.9.0"');
    const cmd = io();
    expect(await promote(["checkout", "--from", "qa", "--to", "staging", "--tag-from-spec"], cmd)).toBe(0);
    expect(git("branch", "--show-current")).toBe("promote/checkout-2.9.0");
    expect(git("diff", "--numstat", "main", "HEAD")).toBe("1\t1\tstacks/staging/platform.yaml");
  });

  test.each([
    [
      '    tag: "latest"',
      /source spec stacks\/qa\/platform\.yaml is not valid.*tag "latest" is not allowed/s,
    ],
    ['    tag: "$(id)"', /source spec stacks\/qa\/platform\.yaml is not valid.*must be an image tag/s],
    ['    tag: "2.9\\n0"', /source spec stacks\/qa\/platform\.yaml is not valid.*must be an image tag/s],
    ["    tag: 3.10", /must be a string \(got number 3\.1\); quote it: "3\.10"/],
  ])("a source %s is refused and nothing changes", async (line, message) => {
    repo(line);
    await expect(run()).rejects.toThrow(message);
    untouched();
  });

  test("a source running another image repository is refused", async () => {
    repo('    tag: "3.10"', "registry.acme.io/payments/pause");
    await expect(run()).rejects.toThrow(
      /qa runs checkout from registry\.acme\.io\/payments\/pause but staging declares registry\.acme\.io\/payments\/checkout/,
    );
    untouched();
  });

  test("an unknown source environment is named, not a raw ENOENT", async () => {
    repo('    tag: "2.9.0"');
    await expect(promote(["checkout", "--from", "nosuch", "--to", "staging"], io())).rejects.toThrow(
      /no environment "nosuch": stacks\/nosuch\/platform\.yaml does not exist \(environments: qa, staging\)/,
    );
    untouched();
  });

  test("a failing commit (a pre-commit hook says no) leaves the work tree as it was", async () => {
    repo('    tag: "2.9.0"');
    const hook = path.join(root, ".git", "hooks", "pre-commit");
    fs.writeFileSync(hook, "#!/bin/sh\necho 'hook: no' >&2\nexit 1\n", { mode: 0o755 });
    await expect(run()).rejects.toThrow(
      /the promotion commit failed, so nothing was changed \(back on main\).*hook: no/s,
    );
    untouched();
  });
});
