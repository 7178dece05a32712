import * as fs from "fs";
import * as path from "path";
import { writeServiceAccountKubeconfig } from "../../ops/cluster/serviceAccountKubeconfig";
import { AgentProcess, GitSource, sleep } from "./helpers/agent";
import { KubeObject, TestWorkspace } from "./helpers/workspace";

/**
 * The cluster object is the agent's record, for real: the local stack with the agent's component
 * (its CRD, ServiceAccount and RBAC), the agent run as a process with that ServiceAccount's token,
 * a bare Git repository on disk as the source. A pushed commit with an invalid spec is `Stalled`
 * `SpecInvalid` at once (file:line:col), recorded on the PlatformEnvironment status; the agent's
 * home is deleted and the agent restarted: it goes on from the object's status, stays `Stalled`
 * with the same reason, applies nothing and runs no adopting `up`.
 */
jest.setTimeout(1_200_000);

const ws = new TestWorkspace("platform-e2e-agent-record-").oneCluster(); // not about fan-out: one control plane
const source = new GitSource(ws, "Agent Record E2E");
const saKubeconfig = ws.file(".platform", "agent-sa.kubeconfig");
const agentHome = ws.file(".platform", "agent");
const NS = "platform-system";

let agent: AgentProcess;

/** Starts `platform agent local` under the ServiceAccount's kubeconfig; resolves once it listens. */
async function startAgent(flags: string[] = []): Promise<void> {
  agent = await AgentProcess.start(ws, source, [
    "--interval",
    "2s",
    ...flags,
    "--drift-interval",
    "10m",
    "--kubeconfig",
    saKubeconfig,
  ]);
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
  // the agent's component in the stack: its CRD, ServiceAccount and RBAC (image never pulled)
  ws.editSpec("local", (t) =>
    t.concat(`\nagent:\n  image: registry.acme.io/platform/agent:0.1.0\n  repo: ${source.bare}\n`),
  );
  source.init("the platform with its agent");
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
  applied = source.commitAndPush("drive local with the agent's ServiceAccount");
});

afterAll(async () => {
  await AgentProcess.stopAll();
  await ws.platform(["cluster", "down"]);
  ws.remove();
  source.remove();
});

test("an invalid spec pushed is Stalled SpecInvalid at once, file:line:col in the message, recorded on the object", async () => {
  await startAgent();
  await agent.waitFor((s) => s.phase === "Ready" && s.lastAppliedRevision === applied, 300_000);
  ws.editSpec("local", (t) => t.replace("replicas: 2\n", 'replicas: "lots"\n'));
  refused = source.commitAndPush('checkout: replicas "lots" (must be refused)');
  const pushedAt = Date.now();
  const stalled = await agent.waitFor(
    (s) => s.lastAttemptedRevision === refused && s.phase !== "Reconciling",
    300_000,
  );
  console.log(`agent-record e2e: push of an invalid spec to Stalled: ${Date.now() - pushedAt} ms`);
  expect(stalled.phase).toBe("Stalled");
  expect(stalledOf(stalled)).toMatchObject({ status: "True", reason: "SpecInvalid" });
  expect(stalledOf(stalled)?.message).toMatch(/stacks\/local\/platform\.yaml:\d+:\d+ /);
  expect(stalled.lastAppliedRevision).toBe(applied);
  expect(replicas()).toBe(2);
  expect(agent.log).not.toMatch(/EngineError/);
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
  expect((await agent.status()).lastFailure?.count).toBe(1);
});

test("the agent's home deleted while Stalled, restarted: it goes on from the object, stays Stalled, applies nothing", async () => {
  const before = penv().status;
  expect(await agent.stop()).toBe(0);
  fs.rmSync(agentHome, { recursive: true, force: true });
  await startAgent(["--log-format", "json"]);
  await agent.waitFor((s) => s.lastAttemptedRevision === refused, 60_000);
  // several polls of the same head
  await sleep(8_000);
  const s = await agent.status();
  expect(s.phase).toBe("Stalled");
  expect(stalledOf(s)).toMatchObject({ status: "True", reason: "SpecInvalid" });
  expect(s.lastAppliedRevision).toBe(applied);
  expect(s.lastFailure).toMatchObject({ revision: refused, reason: "SpecInvalid", count: 1 });
  expect(agent.log).toMatch(/local: going on from the cluster record \(Stalled\)/);
  expect(agent.log).not.toMatch(/applying/);
  expect(agent.log).not.toMatch(/Adopting/);
  expect(fs.existsSync(path.join(agentHome, "local", "logs"))).toBe(false); // no `up` ran
  expect(replicas()).toBe(2);
  const after = penv().status;
  expect(after.lastFailure).toEqual(before.lastFailure);
  expect(stalledOf(after)).toMatchObject({ reason: "SpecInvalid" });
  // --log-format json: one pino object a line, with the key/value fields
  // the drift check of the restart (from the last applied revision), newer than the one recorded
  await agent.waitFor(
    (x) => x.drift.checkedAt !== undefined && x.drift.checkedAt !== before.drift?.checkedAt,
    300_000,
  );
  const lines = agent.log
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
  const fixed = source.commitAndPush("checkout: 3 replicas");
  await agent.waitFor((s) => s.phase === "Ready" && s.lastAppliedRevision === fixed, 300_000);
  expect(replicas()).toBe(3);
  for (let i = 0; i < 40 && penv().status?.lastAppliedRevision !== fixed; i++) await sleep(250);
  const obj = penv();
  expect(obj.status.lastFailure).toBeUndefined();
  expect(obj.status.conditions.map((c: KubeObject) => c.type)).toEqual(["Ready"]);
  expect(await agent.stop()).toBe(0);
});
