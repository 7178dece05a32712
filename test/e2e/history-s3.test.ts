import { spawnSync } from "child_process";
import * as fs from "fs";
import { declareS3Environment, LocalS3, useS3 } from "./helpers/s3";
import { RunResult, TestWorkspace } from "./helpers/workspace";

/**
 * `status`, `history` and the `suspended` check on an S3 state backend (moto's local server): the
 * same reads as on the file backend, through the engine, with no lock taken, and a `rollback --now`
 * whose suspension a plain `up` then respects.
 */
jest.setTimeout(1_200_000);

const ws = new TestWorkspace("platform-e2e-history-s3-");
const BUCKET = "platform-state";
let s3: LocalS3;
const commits: string[] = [];

function git(...args: string[]): string {
  const res = spawnSync("git", args, { cwd: ws.root, encoding: "utf8", env: ws.env });
  if (res.status !== 0) throw new Error(`git ${args.join(" ")}: ${res.stderr}`);
  return res.stdout.trim();
}

async function run(args: string[], expected = 0): Promise<RunResult> {
  const res = await ws.platform(args);
  if (res.code !== expected)
    throw new Error(
      `platform ${args.join(" ")}: exit ${res.code}, wanted ${expected}\n${res.stderr.slice(-3000)}`,
    );
  return res;
}

beforeAll(async () => {
  s3 = await useS3(ws, BUCKET, "shared-e2e-passphrase-history");
  declareS3Environment(ws, s3, { name: "shared", bucket: BUCKET });
  Object.assign(ws.env, {
    PLATFORM_NOTIFY_RETRIES: "0",
    GIT_AUTHOR_NAME: "E2E",
    GIT_AUTHOR_EMAIL: "e2e@acme.io",
    GIT_COMMITTER_NAME: "E2E",
    GIT_COMMITTER_EMAIL: "e2e@acme.io",
  });
  fs.writeFileSync(ws.file(".gitignore"), ".platform/\nnode_modules\n");
  git("init", "-q", "-b", "main");
  git("add", "-A");
  git("commit", "-qm", "shared on S3");
  // the spec (a copy of local's) places apps on both local clusters; only `up local` starts them itself
  await run(["cluster", "up", "--name", "local"]);
  await run(["cluster", "up", "--name", "local-b"]);
  // reading a stack that was never deployed creates nothing
  const none = await run(["status", "shared"], 1);
  if (!none.stderr.includes("shared has no stack yet"))
    throw new Error(`status before a deploy: ${none.stderr}`);
  // the first update writes the passphrase's salt into Pulumi.shared.yaml, so it runs dirty
  await run(["up", "shared", "--yes"]);
  git("commit", "-qam", "shared: the stack's encryption salt");
  for (const n of [1, 3]) {
    ws.editSpec("shared", (t) => t.replace(/(checkout:\n(?:\s{4}.*\n)*?\s{4}replicas: )\d+/, `$1${n}`));
    git("add", "-A");
    git("commit", "-qm", `shared: checkout replicas ${n}`);
    commits.push(git("rev-parse", "HEAD"));
    await run(["up", "shared", "--yes"]);
  }
});

afterAll(async () => {
  await ws.platform(["cluster", "down"]);
  await s3?.stop();
  ws.remove();
});

test("history and status read the S3 stack: commits, numbers, no locks listed", async () => {
  const history = JSON.parse((await run(["history", "shared", "--json"])).stdout) as {
    updates: Array<{ version: number; kind: string; commit: string }>;
  };
  expect(history.updates.map((u) => [u.version, u.kind, u.commit])).toEqual([
    [3, "up", commits[1]],
    [2, "up", commits[0]],
    [1, "up", expect.any(String)],
  ]);
  const dirty = await run(["rollback", "shared", "--to", "1", "--now", "--yes"], 1);
  expect(dirty.stderr).toContain("update 1 of shared ran uncommitted changes");
  const status = JSON.parse((await run(["status", "shared", "--json"])).stdout) as {
    lastUpdate: { kind: string; commit: string };
    running: { commit: string };
    state: { backend: string; inspected: boolean; locksListed: boolean; pendingOperations: number };
  };
  expect(status.lastUpdate).toMatchObject({ kind: "up", commit: commits[1] });
  expect(status.running.commit).toBe(commits[1]);
  expect(status.state).toMatchObject({ inspected: true, locksListed: false, pendingOperations: 0 });
  expect(status.state.backend).toMatch(/^s3:\/\/platform-state\//);
  expect(JSON.stringify(status)).not.toContain("testing"); // no credential in the output
});

test("rollback --to 2 --now on S3 suspends the stack; a plain up is refused by the check", async () => {
  await run(["rollback", "shared", "--to", "2", "--now", "--yes"]);
  const status = JSON.parse((await run(["status", "shared", "--json"])).stdout) as {
    lastUpdate: { kind: string; commit: string };
    suspended: { commit: string };
  };
  expect(status.lastUpdate).toMatchObject({ kind: "rollback", commit: commits[0] });
  expect(status.suspended.commit).toBe(commits[0]);
  const refused = await run(["up", "shared", "--yes"], 1);
  expect(refused.stderr).toContain('refused by the pre-flight check "suspended"');
  const resumed = await run(["up", "shared", "--yes", "--resume"]);
  expect(resumed.stderr).toContain("suspension lifted (--resume)");
  const after = JSON.parse((await run(["status", "shared", "--json"])).stdout) as { suspended?: unknown };
  expect(after.suspended).toBeUndefined();
});
