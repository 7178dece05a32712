import { ChildProcess, spawn, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { writeServiceAccountKubeconfig } from "../../ops/cluster/serviceAccountKubeconfig";
import type { EnvironmentStatus } from "../../ops/agent/status";
import { KubeObject, REPO_ROOT, TestWorkspace, toolchainBin } from "./helpers/workspace";

/**
 * A kubeconfig whose user is an exec credential plugin (the way EKS and GKE kubeconfigs are), for
 * real: the local stack with the agent's component (its ServiceAccount and RBAC), then a
 * kubeconfig whose plugin (test/e2e/fixtures/exec-credential.sh) prints an ExecCredential with
 * that ServiceAccount's token. It drives `platform up`, `platform drift` and the agent (its own
 * client, the watches, and the child `up`); `spec.suspend` patched with kubectl reaches the
 * agent through its watch within about a second; a plugin that is missing refuses `up` with a
 * named error before anything is applied.
 */
jest.setTimeout(1_200_000);

const NS = "platform-system";
const FIXTURE = path.join(REPO_ROOT, "test", "e2e", "fixtures", "exec-credential.sh");
const ws = new TestWorkspace("platform-e2e-agent-exec-");
const bare = fs.mkdtempSync(path.join(os.tmpdir(), "platform-e2e-agent-exec-src-"));
const execKubeconfig = ws.file(".platform", "agent-exec.kubeconfig");
const tokenFile = ws.file(".platform", "agent-sa.token");
const pluginLog = ws.file(".platform", "exec-credential.log");
const checkpointFile = ws.file(".platform", "state", ".pulumi", "stacks", "platform", "local.json");
ws.env.EXEC_CREDENTIAL_LOG = pluginLog;

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

/** Who ran the plugin since the log was last cleared (one line per run: time and parent command). */
const pluginRuns = () =>
  fs.existsSync(pluginLog) ? fs.readFileSync(pluginLog, "utf8").trim().split("\n") : [];
const setKubeconfig = (file: string) => {
  const config = ws.file("stacks", "Pulumi.local.yaml");
  const text = fs
    .readFileSync(config, "utf8")
    .replace(/\nconfig:\n {2}platform:kubeconfig:\n {4}local: .*\n$/, "\n");
  // the exec kubeconfig is the default cluster's identity; local-b keeps its own control plane's
  fs.writeFileSync(config, `${text}\nconfig:\n  platform:kubeconfig:\n    local: ${file}\n`);
};

let agentProc: ChildProcess | undefined;
let agentLog = "";
let base = "";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function startAgent(flags: string[]): Promise<void> {
  agentLog = "";
  const args = ["agent", "local", "--repo", bare, "--listen", "127.0.0.1:0", ...flags];
  agentProc = spawn(process.execPath, [ws.file("bin", "platform.js"), ...args], {
    cwd: ws.root,
    env: ws.env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  agentProc.stdout?.on("data", (d) => (agentLog += d));
  agentProc.stderr?.on("data", (d) => (agentLog += d));
  for (let i = 0; i < 600 && !/listening on (http:\S+)/.test(agentLog); i++) await sleep(100);
  const url = /listening on (http:\S+)/.exec(agentLog)?.[1];
  if (!url) throw new Error(`the agent did not start:\n${agentLog}`);
  base = url;
}

async function stopAgent(): Promise<void> {
  const proc = agentProc;
  agentProc = undefined;
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((resolve) => proc.once("exit", resolve));
  proc.kill("SIGTERM");
  await exited;
}

async function status(): Promise<EnvironmentStatus> {
  const res = await fetch(`${base}/status`);
  return ((await res.json()) as { environments: EnvironmentStatus[] }).environments[0];
}

async function waitFor(
  ok: (s: EnvironmentStatus) => boolean,
  ms: number,
  everyMs = 250,
): Promise<EnvironmentStatus> {
  const end = Date.now() + ms;
  for (;;) {
    const s = await status();
    if (ok(s)) return s;
    if (Date.now() > end) throw new Error(`timed out; status ${JSON.stringify(s)}\n${agentLog}`);
    await sleep(everyMs);
  }
}

/** Polls every 20 ms; returns the milliseconds it took. */
async function msUntil(ok: () => boolean, ms: number, what: string): Promise<number> {
  const start = Date.now();
  while (!ok()) {
    if (Date.now() - start > ms) throw new Error(`${what}: not within ${ms} ms\n${agentLog}`);
    await sleep(20);
  }
  return Date.now() - start;
}

const penv = () => ws.kubectlJson<KubeObject>(["get", "penv", "local", "-n", NS]);
const patchSuspend = (on: boolean) =>
  ws.kubectl([
    "patch",
    "penv",
    "local",
    "-n",
    NS,
    "--type",
    "merge",
    "-p",
    JSON.stringify({ spec: { suspend: on } }),
  ]);
const sha256 = (file: string) => crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");

beforeAll(async () => {
  fs.copyFileSync(path.join(REPO_ROOT, "package-lock.json"), ws.file("package-lock.json"));
  fs.writeFileSync(ws.file(".gitignore"), "node_modules\n.platform\n");
  ws.editSpec("local", (t) =>
    t.concat(`\nagent:\n  image: registry.acme.io/platform/agent:0.1.0\n  repo: ${bare}\n`),
  );
  git("init", "-q", "-b", "main");
  git("config", "user.email", "e2e@example.test");
  git("config", "user.name", "Agent Exec E2E");
  spawnSync("git", ["init", "-q", "--bare", "-b", "main", bare]);
  commitAndPush("the platform with its agent");
  // as the admin: deploys the agent's ServiceAccount and RBAC
  const res = await ws.platform(["up", "local", "--yes"]);
  if (res.code !== 0) throw new Error(`up local failed:\n${res.stdout}\n${res.stderr}`);
  writeServiceAccountKubeconfig({
    root: ws.root,
    env: ws.env,
    namespace: NS,
    serviceAccount: "platform-agent-local",
    out: execKubeconfig,
    credential: { kind: "exec", command: FIXTURE, tokenFile },
  });
  setKubeconfig(execKubeconfig);
  commitAndPush("drive local through an exec credential plugin");
});

afterAll(async () => {
  await stopAgent();
  await ws.platform(["cluster", "down"]);
  ws.remove();
  fs.rmSync(bare, { recursive: true, force: true });
});

test("the kubeconfig holds no credential; kubectl through the plugin is the agent's ServiceAccount", () => {
  const text = fs.readFileSync(execKubeconfig, "utf8");
  expect(text).toContain(`command: ${FIXTURE}`);
  expect(text).not.toMatch(/token:|client-key-data/);
  const whoami = spawnSync(
    path.join(toolchainBin(), "kubectl"),
    ["--kubeconfig", execKubeconfig, "auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"],
    { encoding: "utf8", env: ws.env },
  );
  expect(whoami.stdout).toBe(`system:serviceaccount:${NS}:platform-agent-local`);
});

test("`platform up` and `platform drift` run with the exec kubeconfig (the provider runs the plugin)", async () => {
  fs.rmSync(pluginLog, { force: true });
  const up = await ws.platform(["up", "local", "--yes"]);
  expect({ code: up.code, stderr: up.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
  expect(pluginRuns().some((l) => /pulumi-resource-kubernetes/.test(l))).toBe(true);
  const drift = await ws.platform(["drift", "local"]);
  expect({ code: drift.code, out: drift.stdout }).toMatchObject({ code: 0 });
});

test("the agent: applies the head and takes `kubectl patch` of spec.suspend within about a second (watch)", async () => {
  fs.rmSync(pluginLog, { force: true });
  // the lease ticks every 10 s, the poll every 60 s: only the watch can be quicker than that
  await startAgent(["--kubeconfig", execKubeconfig, "--interval", "60s", "--lease-duration", "30s"]);
  const head = git("rev-parse", "HEAD");
  await waitFor((s) => s.phase === "Ready" && s.lastAppliedRevision === head, 600_000);
  // the first drift check follows the first apply: measure once the loop is idle
  await waitFor((s) => s.drift.checkedAt !== undefined, 300_000);
  expect(pluginRuns().some((l) => /platform\.js agent/.test(l))).toBe(true); // its own client
  expect(penv().status).toMatchObject({ phase: "Ready", lastAppliedRevision: head });
  await sleep(2000); // idle: the loop sleeps until the next poll

  const suspendAt = Date.now();
  patchSuspend(true);
  await waitFor((x) => x.suspended && x.phase === "Suspended", 5000, 20);
  const tookSuspend = Date.now() - suspendAt;
  await msUntil(() => penv().status?.suspended === true, 5000, "status.suspended on the object");
  const tookObject = Date.now() - suspendAt;

  const resumeAt = Date.now();
  patchSuspend(false);
  await waitFor((x) => !x.suspended && x.phase !== "Suspended", 5000, 20);
  const tookResume = Date.now() - resumeAt;
  process.stdout.write(
    `agent-exec e2e: kubectl patch suspend → agent Suspended ${tookSuspend} ms, on the object ${tookObject} ms; resume ${tookResume} ms\n`,
  );
  expect(tookSuspend).toBeLessThan(2000);
  expect(tookResume).toBeLessThan(2000);
  await stopAgent();
});

test("an exec plugin that is missing: `up` refuses naming it, nothing applied", async () => {
  const broken = ws.file(".platform", "missing-plugin.kubeconfig");
  fs.writeFileSync(
    broken,
    fs.readFileSync(execKubeconfig, "utf8").replace(`command: ${FIXTURE}`, "command: /nonexistent/aws"),
  );
  setKubeconfig(broken);
  const before = sha256(checkpointFile);
  const up = await ws.platform(["up", "local", "--yes"]);
  expect(up.code).toBe(1);
  expect(up.stderr + up.stdout).toContain(
    `${broken}: the exec credential plugin \`/nonexistent/aws\` of user "system:serviceaccount:${NS}:platform-agent-local" is not installed`,
  );
  expect(up.stderr + up.stdout).toMatch(/nothing was run/);
  expect(sha256(checkpointFile)).toBe(before);
  setKubeconfig(execKubeconfig);
});
