import { ChildProcess, spawn, spawnSync } from "child_process";
import { createHmac } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { EnvironmentStatus } from "../../ops/agent/status";
import { REPO_ROOT, TestWorkspace } from "./helpers/workspace";

/**
 * `platform agent` for real: the local stack, a bare Git repository on disk as the source, the
 * agent as a process. Adoption with --once, a pushed commit applied by polling and by the
 * webhook, a refused (privileged) commit that stalls without touching the cluster, and recovery.
 */
jest.setTimeout(900_000);

const ws = new TestWorkspace("platform-e2e-agent-");
const bare = fs.mkdtempSync(path.join(os.tmpdir(), "platform-e2e-agent-src-"));
const SECRET = "e2e-agent-hook-secret-93f2"; // a test value: must never show up in the status
ws.env.AGENT_HOOK_SECRET = SECRET;
ws.env.PLATFORM_NOTIFY_RETRIES = "0";
ws.env.PLATFORM_NOTIFY_TIMEOUT_MS = "2000";

function git(...args: string[]): string {
  const res = spawnSync("git", args, { cwd: ws.root, encoding: "utf8" });
  if (res.status !== 0) throw new Error(`git ${args.join(" ")}: ${res.stderr}`);
  return res.stdout.trim();
}

/** Commits every change in the workspace and pushes it to the bare repository; the new sha. */
function commitAndPush(message: string): string {
  git("add", "-A");
  git("commit", "-q", "-m", message);
  git("push", "-q", bare, "main");
  return git("rev-parse", "HEAD");
}

let agentProc: ChildProcess | undefined;
let agentLog = "";
let base = "";

/** Starts `platform agent local` with these flags; resolves once it listens. */
async function startAgent(flags: string[]): Promise<void> {
  agentLog = "";
  const args = ["agent", "local", "--repo", bare, "--listen", "127.0.0.1:0", ...flags];
  agentProc = spawn(process.execPath, [ws.file("bin", "platform.js"), ...args], {
    cwd: ws.root,
    env: ws.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  agentProc.stdout?.on("data", (d) => (agentLog += d));
  agentProc.stderr?.on("data", (d) => (agentLog += d));
  for (let i = 0; i < 600 && !/listening on (http:\S+)/.test(agentLog); i++) await sleep(100);
  const url = /listening on (http:\S+)/.exec(agentLog)?.[1];
  if (!url) throw new Error(`the agent did not start:\n${agentLog}`);
  base = url;
}

/** SIGTERM, then the exit code (the running step finishes first). */
async function stopAgent(): Promise<number | null> {
  const proc = agentProc;
  agentProc = undefined;
  if (!proc || proc.exitCode !== null) return proc?.exitCode ?? null;
  const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
  proc.kill("SIGTERM");
  return exited;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function status(): Promise<EnvironmentStatus> {
  const res = await fetch(`${base}/status`);
  const body = (await res.json()) as { environments: EnvironmentStatus[] };
  return body.environments[0];
}

/** Polls /status until `ok` holds; throws with the agent's log after `ms`. */
async function waitFor(ok: (s: EnvironmentStatus) => boolean, ms: number): Promise<EnvironmentStatus> {
  const until = Date.now() + ms;
  for (;;) {
    const s = await status();
    if (ok(s)) return s;
    if (Date.now() > until) throw new Error(`timed out; status ${JSON.stringify(s)}\n${agentLog}`);
    await sleep(250);
  }
}

function push(body: string, signature?: string): Promise<Response> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (signature !== undefined) headers["x-hub-signature-256"] = signature;
  return fetch(`${base}/hooks/git`, { method: "POST", body, headers });
}

const sign = (body: string) => `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`;

const checkout = () =>
  ws.kubectlJson<{
    spec: {
      replicas: number;
      template: { spec: { containers: { securityContext: { privileged: boolean } }[] } };
    };
  }>(["get", "deploy", "checkout", "-n", "payments"]);

const setReplicas = (from: number, to: number) =>
  ws.editSpec("local", (t) =>
    t.replace(`replicas: ${from}\n    port: 8080`, `replicas: ${to}\n    port: 8080`),
  );

const APP = path.join("components", "kubernetes", "app.ts");
const setPrivileged = (on: boolean) => {
  const file = ws.file(APP);
  const text = fs.readFileSync(file, "utf8");
  const next = text.replace(`privileged: ${!on},`, `privileged: ${on},`);
  if (next === text) throw new Error(`${APP}: no "privileged: ${!on}," to change`);
  fs.writeFileSync(file, next);
};

beforeAll(async () => {
  fs.copyFileSync(path.join(REPO_ROOT, "package-lock.json"), ws.file("package-lock.json"));
  fs.writeFileSync(ws.file(".gitignore"), "node_modules\n.platform\n");
  git("init", "-q", "-b", "main");
  git("config", "user.email", "e2e@example.test");
  git("config", "user.name", "Agent E2E");
  spawnSync("git", ["init", "-q", "--bare", "-b", "main", bare]);
  commitAndPush("the platform, as the agent will follow it");
  const res = await ws.platform(["up", "local", "--yes"]);
  if (res.code !== 0) throw new Error(`up local failed:\n${res.stdout}\n${res.stderr}`);
});

afterAll(async () => {
  await stopAgent();
  await ws.platform(["cluster", "down"]);
  ws.remove();
  fs.rmSync(bare, { recursive: true, force: true });
});

test("--once adopts the deployed stack: no changes, Ready at the head, exit 0", async () => {
  const head = git("rev-parse", "HEAD");
  const res = await ws.platform(["agent", "local", "--repo", bare, "--once"]);
  expect(res.code).toBe(0);
  const saved = JSON.parse(
    fs.readFileSync(ws.file(".platform", "agent", "local", "status.json"), "utf8"),
  ) as EnvironmentStatus;
  expect(saved).toMatchObject({
    name: "local",
    phase: "Ready",
    lastAppliedRevision: head,
    lastAttemptedRevision: head,
  });
  expect(saved.conditions.find((c) => c.type === "Ready")?.status).toBe("True");
  expect(saved.drift.status).toBe("in-sync");
  expect(fs.readFileSync(ws.file(".platform", "agent", "local", "logs", `${head}.up.log`), "utf8")).toMatch(
    /local: succeeded; no changes/,
  );
  // the work tree of the revision, from the one mirror
  expect(
    fs.existsSync(ws.file(".platform", "agent", "revisions", head, "stacks", "local", "platform.yaml")),
  ).toBe(true);
});

test("a pushed replicas change is applied within one poll interval", async () => {
  await startAgent(["--interval", "3s", "--webhook-secret-env", "AGENT_HOOK_SECRET"]);
  const before = await waitFor((s) => s.phase === "Ready", 60_000);
  setReplicas(2, 3);
  const sha = commitAndPush("checkout: 3 replicas");
  const pushedAt = Date.now();
  const after = await waitFor((s) => s.lastAppliedRevision === sha, 180_000);
  console.log(`agent e2e: push to applied by polling (3 s interval): ${Date.now() - pushedAt} ms`);
  expect(after).toMatchObject({ phase: "Ready", lastAttemptedRevision: sha });
  expect(after.lastAppliedRevision).not.toBe(before.lastAppliedRevision);
  expect(checkout().spec.replicas).toBe(3);
  expect(await stopAgent()).toBe(0);
});

describe("with a 10-minute poll interval, only the webhook triggers", () => {
  beforeAll(() => startAgent(["--interval", "10m", "--webhook-secret-env", "AGENT_HOOK_SECRET"]));

  test("a bad or missing signature is 401 and triggers nothing; a good one applies the push now", async () => {
    const ready = await waitFor((s) => s.phase === "Ready", 120_000);
    setReplicas(3, 4);
    const sha = commitAndPush("checkout: 4 replicas");
    const body = JSON.stringify({ ref: "refs/heads/main", after: sha });
    expect((await push(body)).status).toBe(401);
    expect((await push(body, sign(body + " "))).status).toBe(401);
    await sleep(4000);
    expect((await status()).lastAttemptedRevision).toBe(ready.lastAppliedRevision);
    const pushedAt = Date.now();
    expect((await push(body, sign(body))).status).toBe(202);
    await waitFor((s) => s.lastAppliedRevision === sha, 180_000);
    console.log(`agent e2e: push to applied with the webhook: ${Date.now() - pushedAt} ms`);
    expect(checkout().spec.replicas).toBe(4);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/platform_agent_webhooks_total\{result="unauthorized"\} 2/);
    expect(metrics).toMatch(/platform_agent_environment_ready\{environment="local"\} 1/);
  });

  test("a privileged container is refused: Stalled naming k8s-no-privileged; the cluster keeps the last revision", async () => {
    const applied = (await status()).lastAppliedRevision;
    setPrivileged(true);
    const bad = commitAndPush("checkout: privileged (must be refused)");
    const body = JSON.stringify({ after: bad });
    expect((await push(body, sign(body))).status).toBe(202);
    const stalled = await waitFor((s) => s.lastAttemptedRevision === bad && s.phase === "Stalled", 180_000);
    expect(stalled.lastAppliedRevision).toBe(applied);
    const cond = stalled.conditions.find((c) => c.type === "Stalled");
    expect(cond).toMatchObject({ status: "True", reason: "PolicyViolation" });
    // The commit makes every App privileged (it edits the component): the reason names the rule
    // and the first Deployment the engine reported: checkout's or one of catalog's (it runs on
    // local and local-b).
    expect(cond?.message).toMatch(
      /policy k8s-no-privileged refused kubernetes:apps\/v1:Deployment: (checkout-local|catalog-local|catalog-local-b)-deployment: /,
    );
    expect(cond?.message).toContain(bad);
    expect(JSON.stringify(stalled)).not.toContain(SECRET);
    const live = checkout();
    expect(live.spec.replicas).toBe(4);
    expect(live.spec.template.spec.containers[0].securityContext.privileged).toBe(false);

    setPrivileged(false);
    const fixed = commitAndPush("checkout: not privileged again");
    const fixBody = JSON.stringify({ after: fixed });
    expect((await push(fixBody, sign(fixBody))).status).toBe(202);
    const recovered = await waitFor((s) => s.lastAppliedRevision === fixed, 180_000);
    expect(recovered.phase).toBe("Ready");
    expect(recovered.conditions.find((c) => c.type === "Stalled")?.status).toBe("False");
    expect(await stopAgent()).toBe(0);
  });
});

test("a bare `platform up` of the same kind of change (docs/agent.md's comparison)", async () => {
  setReplicas(4, 5);
  const started = Date.now();
  const res = await ws.platform(["up", "local", "--yes"]);
  console.log(`agent e2e: bare up of a replicas change: ${Date.now() - started} ms`);
  expect(res.code).toBe(0);
  expect(checkout().spec.replicas).toBe(5);
});
