import { spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import { RunResult, TestWorkspace } from "./helpers/workspace";

/**
 * `platform history`, `status` and `rollback` for real, on the local stack in a workspace that is a
 * git repository: three revisions deployed (checkout replicas 1 → 2 → 3), the history read back,
 * a rollback written as a branch and deployed, a break-glass `--now` that suspends the environment
 * until the revert is deployed, and a drift-ignore rule that hides a `kubectl scale` from drift
 * and remediation while a label change is still reported and put back.
 */
jest.setTimeout(1_800_000);

const ws = new TestWorkspace("platform-e2e-history-").oneCluster(); // not about fan-out: one control plane
ws.env.PLATFORM_NOTIFY_RETRIES = "0";
ws.env.PLATFORM_NOTIFY_TIMEOUT_MS = "2000";
Object.assign(ws.env, {
  GIT_AUTHOR_NAME: "E2E",
  GIT_AUTHOR_EMAIL: "e2e@acme.io",
  GIT_COMMITTER_NAME: "E2E",
  GIT_COMMITTER_EMAIL: "e2e@acme.io",
});

const commits: string[] = [];
const origin = `${ws.root}-origin.git`;
/** A local server speaking GitHub's REST shape for opening a pull request. */
const pulls: Array<Record<string, unknown>> = [];
const server = http.createServer((req, res) => {
  let data = "";
  req.on("data", (d) => (data += d));
  req.on("end", () => {
    if (req.method === "POST" && req.url === "/repos/acme/platform/pulls") {
      pulls.push(JSON.parse(data) as Record<string, unknown>);
      res.writeHead(201, { "content-type": "application/json" });
      res.end(JSON.stringify({ number: 7, html_url: "https://github.example/pull/7" }));
    } else {
      res.writeHead(404);
      res.end("{}");
    }
  });
});
const timings: Record<string, number> = {};

function git(...args: string[]): string {
  const res = spawnSync("git", args, { cwd: ws.root, encoding: "utf8", env: ws.env });
  if (res.status !== 0) throw new Error(`git ${args.join(" ")}: ${res.stderr}`);
  return res.stdout.trim();
}

async function run(args: string[], expected = 0): Promise<RunResult> {
  const started = Date.now();
  const res = await ws.platform(args);
  timings[args.slice(0, 2).join(" ")] = Date.now() - started;
  if (res.code !== expected)
    throw new Error(
      `platform ${args.join(" ")}: exit ${res.code}, wanted ${expected}\n${res.stdout}\n${res.stderr.slice(-3000)}`,
    );
  return res;
}

function setReplicas(n: number): void {
  ws.editSpec("local", (t) => t.replace(/(checkout:\n(?:\s{4}.*\n)*?\s{4}replicas: )\d+/, `$1${n}`));
}

const replicas = () =>
  ws.kubectlJson<{ spec: { replicas: number } }>(["get", "deploy", "checkout", "-n", "payments"]).spec
    .replicas;

beforeAll(async () => {
  fs.writeFileSync(ws.file(".gitignore"), ".platform/\nnode_modules\n");
  git("init", "-q", "-b", "main");
  for (const n of [1, 2, 3]) {
    setReplicas(n);
    // the second revision also changes a file outside stacks/local: a rollback must list it
    if (n === 2) fs.writeFileSync(ws.file("NOTES.txt"), "replicas went up\n");
    git("add", "-A");
    git("commit", "-qm", `checkout replicas ${n}`);
    commits.push(git("rev-parse", "HEAD"));
    await run(["up", "local", "--yes"]);
    if (replicas() !== n) throw new Error(`revision ${n}: checkout runs ${replicas()} replicas`);
  }
  spawnSync("git", ["init", "-q", "--bare", "-b", "main", origin]);
  git("remote", "add", "origin", origin);
  git("push", "-q", "origin", "main");
  git("remote", "set-head", "origin", "main");
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  Object.assign(ws.env, {
    GITHUB_TOKEN: "e2e-token",
    GITHUB_REPOSITORY: "acme/platform",
    GITHUB_API_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
  });
});

afterAll(async () => {
  console.log(`history e2e timings (ms): ${JSON.stringify(timings)}`);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await ws.platform(["cluster", "down"]);
  ws.remove();
  fs.rmSync(origin, { recursive: true, force: true });
});

test("history lists the three revisions newest first with their commits", async () => {
  const res = await run(["history", "local", "--json"]);
  const report = JSON.parse(res.stdout) as {
    schemaVersion: number;
    updates: Array<{ version: number; kind: string; result: string; commit: string; author: string }>;
  };
  expect(report.schemaVersion).toBe(1);
  const ups = report.updates.slice(0, 3);
  expect(ups.map((u) => u.commit)).toEqual([commits[2], commits[1], commits[0]]);
  expect(
    ups.every((u) => u.kind === "up" && u.result === "succeeded" && u.author === "E2E <e2e@acme.io>"),
  ).toBe(true);
  expect(ups[0].version).toBeGreaterThan(ups[1].version);
  const table = await run(["history", "local", "--limit", "2"]);
  const lines = table.stdout.trim().split("\n");
  expect(lines).toHaveLength(3);
  expect(lines[1]).toContain(commits[2].slice(0, 12));
  expect(lines[2]).toContain(commits[1].slice(0, 12));
});

test("bad rollback targets are refused and nothing is written", async () => {
  const before = git("rev-parse", "HEAD");
  expect((await ws.platform(["rollback", "nosuch", "--to", commits[0]])).code).toBe(2);
  const unknown = await ws.platform(["rollback", "local", "--to", "0123456789abcdef"]);
  expect(unknown.code).toBe(1);
  expect(unknown.stderr).toContain("no such commit in this repository");
  const range = await ws.platform(["rollback", "local", "--to", "99"]);
  expect(range.code).toBe(1);
  expect(range.stderr).toMatch(/update 99 is not in the history of local \(updates 1 to \d+/);
  fs.appendFileSync(ws.file("NOTES.txt"), "dirty\n");
  const dirty = await ws.platform(["rollback", "local", "--to", commits[0]]);
  git("checkout", "--", "NOTES.txt");
  expect(dirty.code).toBe(1);
  expect(dirty.stderr).toContain("the worktree has uncommitted changes (NOTES.txt)");
  expect(git("rev-parse", "HEAD")).toBe(before);
  expect(git("branch", "--list", "rollback/*")).toBe("");
});

test("rollback --to the first commit writes a branch whose diff is exactly the revert; up brings replicas back to 1", async () => {
  const res = await run(["rollback", "local", "--to", commits[0]]);
  const branch = `rollback/local-${commits[0].slice(0, 12)}`;
  expect(git("branch", "--show-current")).toBe(branch);
  expect(res.stdout).toContain("NOT restored: 1 file(s) outside stacks/local/");
  expect(res.stdout).toContain("  NOTES.txt");
  // the branch's change is exactly the revert of stacks/local between the first commit and main
  expect(git("diff", "--name-only", "main", "HEAD")).toBe("stacks/local/platform.yaml");
  expect(git("diff", commits[0], "HEAD", "--", "stacks/local", "stacks/Pulumi.local.yaml")).toBe("");
  expect(git("diff", "main", "HEAD")).toBe(git("diff", commits[2], commits[0], "--", "stacks/local"));
  await run(["up", "local", "--yes"]);
  expect(replicas()).toBe(1);
});

test("rollback --now applies directly, status shows the rollback and the suspension, a plain up of the bad head is refused", async () => {
  git("switch", "-q", "main");
  await run(["up", "local", "--yes"]);
  expect(replicas()).toBe(3);
  const now = await run(["rollback", "local", "--to", commits[0], "--now", "--yes"]);
  expect(now.stdout).toContain("local is suspended");
  expect(replicas()).toBe(1);

  const status = JSON.parse((await run(["status", "local", "--json"])).stdout) as {
    lastUpdate: { kind: string; commit: string; result: string };
    running: { commit: string };
    suspended: { reason: string; commit: string; tree: string };
    state: { locks: string[]; pendingOperations: number };
  };
  expect(status.lastUpdate).toMatchObject({ kind: "rollback", commit: commits[0], result: "succeeded" });
  expect(status.running.commit).toBe(commits[0]);
  expect(status.suspended).toMatchObject({
    reason: "rollback",
    commit: commits[0],
    tree: git("rev-parse", `${commits[0]}:stacks/local`),
  });
  expect(status.state).toMatchObject({ locks: [], pendingOperations: 0 });
  expect((await run(["status", "local"])).stdout).toContain("SUSPENDED: rolled back to");

  const refused = await run(["up", "local", "--yes"], 1);
  expect(refused.stderr).toContain('refused by the pre-flight check "suspended"');
  expect(refused.stderr).toContain("platform up local --resume");
  expect(replicas()).toBe(1);

  // the revert (the branch written above) has the rollback's stacks/local tree: up proceeds, lifts it
  git("switch", "-q", `rollback/local-${commits[0].slice(0, 12)}`);
  const merged = await run(["up", "local", "--yes"]);
  expect(merged.stderr).toContain("suspension lifted");
  const after = JSON.parse((await run(["status", "local", "--json"])).stdout) as { suspended?: unknown };
  expect(after.suspended).toBeUndefined();
});

test("a drift-ignore rule on replicas hides a kubectl scale from drift and remediation; a label change is still reported and put back", async () => {
  ws.editSpec("local", (t) =>
    t.replace(
      "drift:\n  mode: remediate",
      [
        "drift:",
        "  ignore:",
        "    - { kind: Deployment, name: check*, namespace: payments, paths: [spec.replicas] }",
        "    - { kind: Deployment, name: nosuch }",
        "  mode: remediate",
      ].join("\n"),
    ),
  );
  // a rule without paths does not validate: the loader names it
  const invalid = await ws.platform(["validate", "local"]);
  expect(invalid.code).toBe(1);
  expect(invalid.stdout + invalid.stderr).toMatch(/drift\.ignore\[1\]/);
  ws.editSpec("local", (t) =>
    t.replace("{ kind: Deployment, name: nosuch }", "{ kind: Deployment, name: nosuch, paths: [spec] }"),
  );
  git("commit", "-qam", "drift: ignore checkout's replicas");
  await run(["up", "local", "--yes"]);

  ws.kubectl(["scale", "deploy", "checkout", "-n", "payments", "--replicas=4"]);
  ws.kubectl([
    "label",
    "--overwrite",
    "deploy/checkout",
    "-n",
    "payments",
    "app.kubernetes.io/part-of=other",
  ]);
  const out = ws.file("out");
  const res = await ws.platform(["drift", "local", "--out", out]);
  const report = JSON.parse(fs.readFileSync(`${out}/drift.json`, "utf8")) as {
    status: string;
    counts: { drifted: number; ignored: number };
    drift: Array<{ name: string; properties: Array<{ path: string }> }>;
    warnings: string[];
    remediation?: { result: string };
  };
  expect(report.status).toBe("drifted");
  expect(report.counts).toMatchObject({ drifted: 1, ignored: 1 });
  expect(report.drift[0].properties.map((p) => p.path)).toEqual([
    'metadata.labels["app.kubernetes.io/part-of"]',
  ]);
  expect(report.warnings.join("\n")).toContain(
    "drift.ignore[1] (Deployment nosuch) matches no resource of the stack",
  );
  expect(fs.readFileSync(`${out}/drift.md`, "utf8")).toContain("Ignored by `drift.ignore`: 1 property");
  expect(report.remediation?.result).toBe("applied");
  expect(res.code).toBe(0);
  const deploy = ws.kubectlJson<{ spec: { replicas: number }; metadata: { labels: Record<string, string> } }>(
    ["get", "deploy", "checkout", "-n", "payments"],
  );
  expect(deploy.metadata.labels["app.kubernetes.io/part-of"]).toBe("platform");
  expect(deploy.spec.replicas).toBe(4); // not remediated
  const again = await ws.platform(["drift", "local", "--out", out, "--report-only"]);
  expect(again.code).toBe(0);
  const history = JSON.parse((await run(["history", "local", "--json", "--limit", "1"])).stdout) as {
    updates: Array<{ kind: string }>;
  };
  expect(history.updates[0].kind).toBe("remediation");
});

test("rollback --pr pushes the branch and opens a PR with the plan and the rollback's preview", async () => {
  git("switch", "-q", "main");
  const res = await run(["rollback", "local", "--to", commits[1], "--pr", "--branch", "rollback/pr"]);
  expect(res.stdout).toContain("opened PR #7: https://github.example/pull/7");
  expect(git("ls-remote", "--heads", "origin", "rollback/pr")).toContain("refs/heads/rollback/pr");
  expect(pulls).toHaveLength(1);
  expect(pulls[0]).toMatchObject({
    head: "rollback/pr",
    base: "main",
    title: `rollback local to ${commits[1].slice(0, 12)}`,
  });
  const body = String(pulls[0].body);
  expect(body).toContain(`Restores stacks/local and stacks/Pulumi.local.yaml as they were at ${commits[1]}`);
  expect(body).toMatch(/`local`: preview succeeded \(\d+ resources? to change\)/);
});
