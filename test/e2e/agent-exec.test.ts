import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { writeServiceAccountKubeconfig } from "../../ops/cluster/serviceAccountKubeconfig";
import { AgentProcess, GitSource, sleep } from "./helpers/agent";
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
const source = new GitSource(ws, "Agent Exec E2E");
const execKubeconfig = ws.file(".platform", "agent-exec.kubeconfig");
const tokenFile = ws.file(".platform", "agent-sa.token");
const pluginLog = ws.file(".platform", "exec-credential.log");
const checkpointFile = ws.file(".platform", "state", ".pulumi", "stacks", "platform", "local.json");
ws.env.EXEC_CREDENTIAL_LOG = pluginLog;

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

let agent: AgentProcess | undefined;

async function startAgent(flags: string[]): Promise<AgentProcess> {
  agent = await AgentProcess.start(ws, source, flags, { detached: true });
  return agent;
}

/** Polls every 20 ms; returns the milliseconds it took. */
async function msUntil(ok: () => boolean, ms: number, what: string): Promise<number> {
  const start = Date.now();
  while (!ok()) {
    if (Date.now() - start > ms) throw new Error(`${what}: not within ${ms} ms\n${agent?.log ?? ""}`);
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
  ws.editSpec("local", (t) =>
    t.concat(`\nagent:\n  image: registry.acme.io/platform/agent:0.1.0\n  repo: ${source.bare}\n`),
  );
  source.init("the platform with its agent");
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
  source.commitAndPush("drive local through an exec credential plugin");
});

afterAll(async () => {
  await AgentProcess.stopAll();
  await ws.platform(["cluster", "down"]);
  ws.remove();
  source.remove();
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
  const agent = await startAgent([
    "--kubeconfig",
    execKubeconfig,
    "--interval",
    "60s",
    "--lease-duration",
    "30s",
  ]);
  const head = source.head();
  await agent.waitFor((s) => s.phase === "Ready" && s.lastAppliedRevision === head, 600_000);
  // the first drift check follows the first apply: measure once the loop is idle
  await agent.waitFor((s) => s.drift.checkedAt !== undefined, 300_000);
  expect(pluginRuns().some((l) => /platform\.js agent/.test(l))).toBe(true); // its own client
  expect(penv().status).toMatchObject({ phase: "Ready", lastAppliedRevision: head });
  await sleep(2000); // idle: the loop sleeps until the next poll

  const suspendAt = Date.now();
  patchSuspend(true);
  await agent.waitFor((x) => x.suspended && x.phase === "Suspended", 5000, 20);
  const tookSuspend = Date.now() - suspendAt;
  await msUntil(() => penv().status?.suspended === true, 5000, "status.suspended on the object");
  const tookObject = Date.now() - suspendAt;

  const resumeAt = Date.now();
  patchSuspend(false);
  await agent.waitFor((x) => !x.suspended && x.phase !== "Suspended", 5000, 20);
  const tookResume = Date.now() - resumeAt;
  process.stdout.write(
    `agent-exec e2e: kubectl patch suspend → agent Suspended ${tookSuspend} ms, on the object ${tookObject} ms; resume ${tookResume} ms\n`,
  );
  expect(tookSuspend).toBeLessThan(2000);
  expect(tookResume).toBeLessThan(2000);
  await agent.stop();
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
