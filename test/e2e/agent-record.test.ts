import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { writeServiceAccountKubeconfig } from "../../ops/cluster/serviceAccountKubeconfig";
import type { EnvironmentStatus } from "../../ops/agent/status";
import { KubeObject, REPO_ROOT, TestWorkspace } from "./helpers/workspace";

/**
 * The cluster object is the agent's record, for real: the local stack with the agent's component
 * (its CRD, ServiceAccount and RBAC), the agent run as a process with that ServiceAccount's token,
 * a bare Git repository on disk as the source. A pushed commit with an invalid spec is `Stalled`
 * `SpecInvalid` at once (file:line:col), recorded on the PlatformEnvironment status; the agent's
 * home is deleted and the agent restarted: it goes on from the object's status, stays `Stalled`
 * with the same reason, applies nothing and runs no adopting `up`.
 */
jest.setTimeout(1_200_000);

const ws = new TestWorkspace("platform-e2e-agent-record-");
const bare = fs.mkdtempSync(path.join(os.tmpdir(), "platform-e2e-agent-record-src-"));
const saKubeconfig = ws.file(".platform", "agent-sa.kubeconfig");
const agentHome = ws.file(".platform", "agent");
const NS = "platform-system";

function git(...args: string[]): string {
  const res = spawnSync("git", args, { cwd: ws.root, encoding: "utf8" });
  if (res.status !== 0) throw new Error(`git ${args.join(" ")}: ${res.stderr}`);
  return res.stdout.trim();
}

function commitAndPush(message: string): string {
  git("add", "-A");
  git("commit", "-q", "-m", message);
  git("push", "-q", bare, "main");
  return git("rev-parse", "HEAD");
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let agentProc: ChildProcess | undefined;
let agentLog = "";
let base = "";

/** Starts `platform agent local` under the ServiceAccount's kubeconfig; resolves once it listens. */
async function startAgent(flags: string[] = []): Promise<void> {
  agentLog = "";
  const args = ["agent", "local", "--repo", bare, "--listen", "127.0.0.1:0", "--interval", "2s", ...flags];
  agentProc = spawn(
    process.execPath,
    [ws.file("bin", "platform.js"), ...args, "--drift-interval", "10m", "--kubeconfig", saKubeconfig],
    { cwd: ws.root, env: ws.env, stdio: ["ignore", "pipe", "pipe"] },
  );
  agentProc.stdout?.on("data", (d) => (agentLog += d));
  agentProc.stderr?.on("data", (d) => (agentLog += d));
  // a text line or a JSON one (--log-format json)
  for (let i = 0; i < 600 && !/listening on (http:[^\s"]+)/.test(agentLog); i++) await sleep(100);
  const url = /listening on (http:[^\s"]+)/.exec(agentLog)?.[1];
  if (!url) throw new Error(`the agent did not start:\n${agentLog}`);
  base = url;
}

async function stopAgent(): Promise<number | null> {
  const proc = agentProc;
  agentProc = undefined;
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return proc?.exitCode ?? null;
  const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
  proc.kill("SIGTERM");
  return exited;
}

async function status(): Promise<EnvironmentStatus> {
  const res = await fetch(`${base}/status`);
  return ((await res.json()) as { environments: EnvironmentStatus[] }).environments[0];
}

async function waitFor(ok: (s: EnvironmentStatus) => boolean, ms: number): Promise<EnvironmentStatus> {
  const until = Date.now() + ms;
  for (;;) {
    const s = await status();
    if (ok(s)) return s;
    if (Date.now() > until) throw new Error(`timed out; status ${JSON.stringify(s)}\n${agentLog}`);
    await sleep(250);
  }
}

const penv = () => ws.kubectlJson<KubeObject>(["get", "penv", "local", "-n", NS]);
const replicas = () =>
  ws.kubectlJson<{ spec: { replicas: number } }>(["get", "deploy", "checkout", "-n", "payments"]).spec
    .replicas;
const stalledOf = (s: { conditions: { type: string; message?: string }[] }) =>
  s.conditions.find((c) => c.type === "Stalled");

let applied = "";
let refused = "";

beforeAll(async () => {
  fs.copyFileSync(path.join(REPO_ROOT, "package-lock.json"), ws.file("package-lock.json"));
  fs.writeFileSync(ws.file(".gitignore"), "node_modules\n.platform\n");
  // the agent's component in the stack: its CRD, ServiceAccount and RBAC (image never pulled)
  ws.editSpec("local", (t) =>
    t.concat(`\nagent:\n  image: registry.acme.io/platform/agent:0.1.0\n  repo: ${bare}\n`),
  );
  git("init", "-q", "-b", "main");
  git("config", "user.email", "e2e@example.test");
  git("config", "user.name", "Agent Record E2E");
  spawnSync("git", ["init", "-q", "--bare", "-b", "main", bare]);
  commitAndPush("the platform with its agent");
  const res = await ws.platform(["up", "local", "--yes"]);
  if (res.code !== 0) throw new Error(`up local failed:\n${res.stdout}\n${res.stderr}`);
  writeServiceAccountKubeconfig({
    root: ws.root,
    env: ws.env,
    namespace: NS,
    serviceAccount: "platform-agent-local",
    out: saKubeconfig,
  });
  fs.appendFileSync(
    ws.file("stacks", "Pulumi.local.yaml"),
    `config:\n  platform:kubeconfig:\n    local: ${saKubeconfig}\n`,
  );
  applied = commitAndPush("drive local with the agent's ServiceAccount");
});

afterAll(async () => {
  await stopAgent();
  await ws.platform(["cluster", "down"]);
  ws.remove();
  fs.rmSync(bare, { recursive: true, force: true });
});

test("an invalid spec pushed is Stalled SpecInvalid at once, file:line:col in the message, recorded on the object", async () => {
  await startAgent();
  await waitFor((s) => s.phase === "Ready" && s.lastAppliedRevision === applied, 300_000);
  ws.editSpec("local", (t) => t.replace("replicas: 2\n", 'replicas: "lots"\n'));
  refused = commitAndPush('checkout: replicas "lots" (must be refused)');
  const pushedAt = Date.now();
  const stalled = await waitFor(
    (s) => s.lastAttemptedRevision === refused && s.phase !== "Reconciling",
    300_000,
  );
  console.log(`agent-record e2e: push of an invalid spec to Stalled: ${Date.now() - pushedAt} ms`);
  expect(stalled.phase).toBe("Stalled");
  expect(stalledOf(stalled)).toMatchObject({ status: "True", reason: "SpecInvalid" });
  expect(stalledOf(stalled)?.message).toMatch(/stacks\/local\/platform\.yaml:\d+:\d+ /);
  expect(stalled.lastAppliedRevision).toBe(applied);
  expect(replicas()).toBe(2);
  expect(agentLog).not.toMatch(/EngineError/);
  // the record is on the object: written through the status subresource
  for (let i = 0; i < 40 && penv().status?.lastFailure?.revision !== refused; i++) await sleep(250);
  const obj = penv();
  expect(obj.status).toMatchObject({
    phase: "Stalled",
    lastAppliedRevision: applied,
    lastAttemptedRevision: refused,
    observedGeneration: obj.metadata.generation,
    lastFailure: { revision: refused, reason: "SpecInvalid", count: 1, terminal: true },
  });
  expect(obj.status.conditions.map((c: KubeObject) => c.type).sort()).toEqual(["Ready", "Stalled"]);
  // no retry: still one attempt after a few polls
  await sleep(6_000);
  expect((await status()).lastFailure?.count).toBe(1);
});

test("the agent's home deleted while Stalled, restarted: it goes on from the object, stays Stalled, applies nothing", async () => {
  const before = penv().status;
  expect(await stopAgent()).toBe(0);
  fs.rmSync(agentHome, { recursive: true, force: true });
  await startAgent(["--log-format", "json"]);
  await waitFor((s) => s.lastAttemptedRevision === refused, 60_000);
  // several polls of the same head
  await sleep(8_000);
  const s = await status();
  expect(s.phase).toBe("Stalled");
  expect(stalledOf(s)).toMatchObject({ status: "True", reason: "SpecInvalid" });
  expect(s.lastAppliedRevision).toBe(applied);
  expect(s.lastFailure).toMatchObject({ revision: refused, reason: "SpecInvalid", count: 1 });
  expect(agentLog).toMatch(/local: going on from the cluster record \(Stalled\)/);
  expect(agentLog).not.toMatch(/applying/);
  expect(agentLog).not.toMatch(/Adopting/);
  expect(fs.existsSync(path.join(agentHome, "local", "logs"))).toBe(false); // no `up` ran
  expect(replicas()).toBe(2);
  const after = penv().status;
  expect(after.lastFailure).toEqual(before.lastFailure);
  expect(stalledOf(after)).toMatchObject({ reason: "SpecInvalid" });
  // --log-format json: one pino object a line, with the key/value fields
  // the drift check of the restart (from the last applied revision), newer than the one recorded
  await waitFor(
    (x) => x.drift.checkedAt !== undefined && x.drift.checkedAt !== before.drift?.checkedAt,
    300_000,
  );
  const lines = agentLog
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(lines.length).toBeGreaterThan(2);
  expect(lines).toContainEqual(
    expect.objectContaining({
      msg: expect.stringMatching(/^local: drift /),
      env: "local",
      revision: applied,
      phase: "drift",
    }),
  );
});

test("a fixed spec pushed applies; the failure record is removed from the object", async () => {
  ws.editSpec("local", (t) => t.replace('replicas: "lots"\n', "replicas: 3\n"));
  const fixed = commitAndPush("checkout: 3 replicas");
  await waitFor((s) => s.phase === "Ready" && s.lastAppliedRevision === fixed, 300_000);
  expect(replicas()).toBe(3);
  for (let i = 0; i < 40 && penv().status?.lastAppliedRevision !== fixed; i++) await sleep(250);
  const obj = penv();
  expect(obj.status.lastFailure).toBeUndefined();
  expect(obj.status.conditions.map((c: KubeObject) => c.type)).toEqual(["Ready"]);
  expect(await stopAgent()).toBe(0);
});
