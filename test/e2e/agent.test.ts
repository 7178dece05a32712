import * as fs from "fs";
import type { EnvironmentStatus } from "../../ops/agent/status";
import { AgentProcess, GitSource, setPrivileged, signBody, sleep } from "./helpers/agent";
import { TestWorkspace } from "./helpers/workspace";

/**
 * `platform agent` for real: the local stack, a bare Git repository on disk as the source, the
 * agent as a process. Adoption with --once, a pushed commit applied by polling and by the
 * webhook, a refused (privileged) commit that stalls without touching the cluster, and recovery.
 */
jest.setTimeout(900_000);

const ws = new TestWorkspace("platform-e2e-agent-");
const source = new GitSource(ws, "Agent E2E");
const SECRET = "e2e-agent-hook-secret-93f2"; // a test value: must never show up in the status
ws.env.AGENT_HOOK_SECRET = SECRET;
ws.env.PLATFORM_NOTIFY_RETRIES = "0";
ws.env.PLATFORM_NOTIFY_TIMEOUT_MS = "2000";

let agent: AgentProcess;
const startAgent = async (flags: string[]) => {
  agent = await AgentProcess.start(ws, source, flags);
};
const sign = (body: string) => signBody(body, SECRET);

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

beforeAll(async () => {
  source.init("the platform, as the agent will follow it");
  const res = await ws.platform(["up", "local", "--yes"]);
  if (res.code !== 0) throw new Error(`up local failed:\n${res.stdout}\n${res.stderr}`);
});

afterAll(async () => {
  await AgentProcess.stopAll();
  await ws.platform(["cluster", "down"]);
  ws.remove();
  source.remove();
});

test("--once adopts the deployed stack: no changes, Ready at the head, exit 0", async () => {
  const head = source.head();
  const res = await ws.platform(["agent", "local", "--repo", source.bare, "--once"]);
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
  const before = await agent.waitFor((s) => s.phase === "Ready", 60_000);
  setReplicas(2, 3);
  const sha = source.commitAndPush("checkout: 3 replicas");
  const pushedAt = Date.now();
  const after = await agent.waitFor((s) => s.lastAppliedRevision === sha, 180_000);
  console.log(`agent e2e: push to applied by polling (3 s interval): ${Date.now() - pushedAt} ms`);
  expect(after).toMatchObject({ phase: "Ready", lastAttemptedRevision: sha });
  expect(after.lastAppliedRevision).not.toBe(before.lastAppliedRevision);
  expect(checkout().spec.replicas).toBe(3);
  expect(await agent.stop()).toBe(0);
});

describe("with a 10-minute poll interval, only the webhook triggers", () => {
  let startedAt = 0;
  beforeAll(() => {
    startedAt = Date.now();
    return startAgent(["--interval", "10m", "--webhook-secret-env", "AGENT_HOOK_SECRET"]);
  });

  test("a bad or missing signature is 401 and triggers nothing; a good one applies the push now", async () => {
    // Ready alone may be the previous agent's record on the cluster object: wait for this agent's
    // own first pass (it ends with a drift check), else the push below races its first poll
    const ready = await agent.waitFor(
      (s) =>
        s.phase === "Ready" && s.drift.checkedAt !== undefined && Date.parse(s.drift.checkedAt) >= startedAt,
      300_000,
    );
    setReplicas(3, 4);
    const sha = source.commitAndPush("checkout: 4 replicas");
    const body = JSON.stringify({ ref: "refs/heads/main", after: sha });
    expect((await agent.hook(body, SECRET, null)).status).toBe(401);
    expect((await agent.hook(body, SECRET, sign(body + " "))).status).toBe(401);
    await sleep(4000);
    expect((await agent.status()).lastAttemptedRevision).toBe(ready.lastAppliedRevision);
    const pushedAt = Date.now();
    expect((await agent.hook(body, SECRET)).status).toBe(202);
    await agent.waitFor((s) => s.lastAppliedRevision === sha, 180_000);
    console.log(`agent e2e: push to applied with the webhook: ${Date.now() - pushedAt} ms`);
    expect(checkout().spec.replicas).toBe(4);
    const metrics = await agent.metrics();
    expect(metrics).toMatch(/platform_agent_webhooks_total\{result="unauthorized"\} 2/);
    expect(metrics).toMatch(/platform_agent_environment_ready\{environment="local"\} 1/);
  });

  test("a privileged container is refused: Stalled naming k8s-no-privileged; the cluster keeps the last revision", async () => {
    const applied = (await agent.status()).lastAppliedRevision;
    setPrivileged(ws, true);
    const bad = source.commitAndPush("checkout: privileged (must be refused)");
    const body = JSON.stringify({ after: bad });
    expect((await agent.hook(body, SECRET)).status).toBe(202);
    const stalled = await agent.waitFor(
      (s) => s.lastAttemptedRevision === bad && s.phase === "Stalled",
      180_000,
    );
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

    setPrivileged(ws, false);
    const fixed = source.commitAndPush("checkout: not privileged again");
    const fixBody = JSON.stringify({ after: fixed });
    expect((await agent.hook(fixBody, SECRET)).status).toBe(202);
    const recovered = await agent.waitFor((s) => s.lastAppliedRevision === fixed, 180_000);
    expect(recovered.phase).toBe("Ready");
    // kstatus as Flux writes it: Stalled is removed once it no longer holds
    expect(recovered.conditions.find((c) => c.type === "Stalled")).toBeUndefined();
    expect(await agent.stop()).toBe(0);
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
