import { AgentProcess, GitSource, sleep } from "./helpers/agent";
import { KubeObject, TestWorkspace } from "./helpers/workspace";

/**
 * The agent's Kubernetes side for real: the local stack, a bare Git repository on disk as the
 * source, agents as processes using the local cluster's admin kubeconfig (the environment's own,
 * the agent's default outside a pod). The PlatformEnvironment object and its printer columns,
 * Events, spec.suspend, the reconcile-now annotation, and leader election through a Lease with a
 * kill -9 of the leader.
 */
jest.setTimeout(900_000);

const ws = new TestWorkspace("platform-e2e-agentk-").oneCluster(); // not about fan-out: one control plane
const source = new GitSource(ws, "Agent Cluster E2E");
const NS = "platform-system";
const LEASE_S = 6;
const INTERVAL_S = 3;

type Agent = AgentProcess;
const startAgent = (identity: string, flags: string[]) => AgentProcess.start(ws, source, flags, { identity });

const penv = () => ws.kubectlJson<KubeObject>(["get", "penv", "local", "-n", NS]);
const replicas = () =>
  ws.kubectlJson<{ spec: { replicas: number } }>(["get", "deploy", "checkout", "-n", "payments"]).spec
    .replicas;
const setReplicas = (from: number, to: number) =>
  ws.editSpec("local", (t) =>
    t.replace(`replicas: ${from}\n    port: 8080`, `replicas: ${to}\n    port: 8080`),
  );
const eventsOf = () =>
  ws
    .kubectlJson(["get", "events", "-n", NS, "--field-selector", "involvedObject.name=local"])
    .items.map((e) => ({ reason: e.reason as string, message: e.message as string, type: e.type as string }));
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

const FAST = ["--interval", `${INTERVAL_S}s`, "--lease-duration", `${LEASE_S}s`];

describe("one agent", () => {
  let a: Agent;
  beforeAll(async () => {
    a = await startAgent("agent-a", FAST);
  });
  afterAll(() => a.stop());

  test("adopts: kubectl get penv shows READY True and the head; status and an Applied Event on the object", async () => {
    const head = source.head();
    await a.waitFor((s) => s.phase === "Ready" && s.drift.status === "in-sync", 180_000);
    // the status is written after the drift check: wait for the object to say so
    for (let i = 0; i < 40 && penv().status?.drift?.status !== "in-sync"; i++) await sleep(250);
    const table = ws.kubectl(["get", "penv", "-n", NS]);
    const [header, row] = table.trim().split("\n");
    expect(header.split(/\s+/)).toEqual(["NAME", "READY", "REVISION", "DRIFT", "SUSPENDED", "AGE"]);
    expect(row.split(/\s+/).slice(0, 5)).toEqual(["local", "True", head, "in-sync", "false"]);
    const obj = penv();
    expect(obj.spec).toEqual({ environment: "local", suspend: false });
    expect(obj.status).toMatchObject({
      phase: "Ready",
      lastAppliedRevision: head,
      lastAttemptedRevision: head,
      suspended: false,
      leader: { identity: "agent-a", lease: "platform-agent-local" },
      observedGeneration: obj.metadata.generation,
    });
    expect(obj.status.lastAppliedRevision).toMatch(/^[0-9a-f]{40}$/);
    const ready = obj.status.conditions.find((c: KubeObject) => c.type === "Ready");
    expect(ready).toMatchObject({
      status: "True",
      reason: "Applied",
      observedGeneration: obj.metadata.generation,
    });
    expect(Date.parse(ready.lastTransitionTime)).toBeGreaterThan(0);
    expect(eventsOf()).toContainEqual({
      reason: "Applied",
      type: "Normal",
      message: `revision ${head} applied`,
    });
    const lease = ws.kubectlJson<KubeObject>(["get", "lease", "platform-agent-local", "-n", NS]);
    expect(lease.spec).toMatchObject({ holderIdentity: "agent-a", leaseDurationSeconds: LEASE_S });
    expect(await a.status()).toMatchObject({ leader: true, holder: "agent-a" });
  });

  test("spec.suspend: a pushed commit is not applied while suspended; resuming applies it", async () => {
    const applied = (await a.status()).lastAppliedRevision;
    patchSuspend(true);
    await a.waitFor((s) => s.suspended && s.phase === "Suspended", 30_000);
    setReplicas(2, 3);
    const sha = source.commitAndPush("checkout: 3 replicas (pushed while suspended)");
    await sleep(4 * INTERVAL_S * 1000);
    const held = await a.status();
    expect(held).toMatchObject({ phase: "Suspended", suspended: true, lastAppliedRevision: applied });
    expect(held.lastAttemptedRevision).not.toBe(sha);
    expect(held.conditions.find((c) => c.type === "Ready")).toMatchObject({
      status: "False",
      reason: "Suspended",
    });
    expect(replicas()).toBe(2);
    const obj = penv();
    expect(obj.status).toMatchObject({ phase: "Suspended", suspended: true });
    expect(ws.kubectl(["get", "penv", "-n", NS]).split("\n")[1].split(/\s+/)[4]).toBe("true");

    patchSuspend(false);
    const resumedAt = Date.now();
    await a.waitFor((s) => s.lastAppliedRevision === sha && s.phase === "Ready", 180_000);
    console.log(`agent-cluster e2e: resume to applied: ${Date.now() - resumedAt} ms`);
    expect(replicas()).toBe(3);
    const reasons = eventsOf().map((e) => e.reason);
    expect(reasons).toEqual(expect.arrayContaining(["Suspended", "Resumed"]));
    expect(eventsOf()).toContainEqual({
      reason: "Applied",
      type: "Normal",
      message: `revision ${sha} applied`,
    });
  });
});

test("the requested-at annotation makes a poll and a drift check happen now (10-minute interval)", async () => {
  // the object still shows the last agent's status (Ready, a drift time): wait for this agent's
  // own first pass (it ends with a drift check), else the push below races its first poll
  const previousCheck = penv().status?.drift?.checkedAt as string | undefined;
  const a = await startAgent("agent-c", [
    "--interval",
    "10m",
    "--drift-interval",
    "10m",
    "--lease-duration",
    `${LEASE_S}s`,
  ]);
  const first = await a.waitFor(
    (s) =>
      s.leader === true &&
      s.phase === "Ready" &&
      s.drift.checkedAt !== undefined &&
      s.drift.checkedAt !== previousCheck,
    180_000,
  );
  setReplicas(3, 4);
  const sha = source.commitAndPush("checkout: 4 replicas (picked up by a reconcile request)");
  await sleep(2 * INTERVAL_S * 1000);
  expect((await a.status()).lastAttemptedRevision).toBe(first.lastAppliedRevision);
  const value = new Date().toISOString();
  const requestedAt = Date.now();
  ws.kubectl([
    "annotate",
    "penv",
    "local",
    "-n",
    NS,
    `agent.platform.dev/requested-at=${value}`,
    "--overwrite",
  ]);
  const after = await a.waitFor((s) => s.lastHandledReconcileAt === value, 180_000);
  console.log(`agent-cluster e2e: annotation to reconciled: ${Date.now() - requestedAt} ms`);
  expect(after.lastAppliedRevision).toBe(sha);
  expect(Date.parse(after.drift.checkedAt as string)).toBeGreaterThan(
    Date.parse(first.drift.checkedAt as string),
  );
  expect(replicas()).toBe(4);
  for (let i = 0; i < 40 && penv().status?.lastHandledReconcileAt !== value; i++) await sleep(250);
  expect(penv().status.lastHandledReconcileAt).toBe(value);
  expect(await a.stop()).toBe(0);
});

test("two agents: one leader applies, the standby names it; kill -9 the leader: the standby takes over and applies", async () => {
  await AgentProcess.stopAll(); // none may hold the Lease from before
  const one = await startAgent("agent-one", FAST);
  const two = await startAgent("agent-two", FAST);
  const until = Date.now() + 60_000;
  let leader: Agent | undefined;
  let standby: Agent | undefined;
  while (!leader && Date.now() < until) {
    const [s1, s2] = [await one.status(), await two.status()];
    if (s1.leader && !s2.leader && s2.holder === "agent-one") [leader, standby] = [one, two];
    if (s2.leader && !s1.leader && s1.holder === "agent-two") [leader, standby] = [two, one];
    await sleep(250);
  }
  if (!leader || !standby) throw new Error(`no single leader:\n${one.log}\n${two.log}`);
  await leader.waitFor((s) => s.phase === "Ready", 120_000);

  setReplicas(4, 5);
  const sha = source.commitAndPush("checkout: 5 replicas (applied by the leader only)");
  await leader.waitFor((s) => s.lastAppliedRevision === sha, 180_000);
  expect(replicas()).toBe(5);
  const standbyStatus = await standby.status();
  expect(standbyStatus).toMatchObject({ leader: false, holder: leader.identity });
  expect(standby.log).not.toMatch(/applying/);
  expect(await leader.metrics()).toMatch(
    /platform_agent_applies_total\{environment="local",result="succeeded"\} 1/,
  );
  const standbyMetrics = await standby.metrics();
  expect(standbyMetrics).not.toMatch(/platform_agent_applies_total\{/);
  expect(standbyMetrics).toMatch(/platform_agent_leader\{environment="local"\} 0/);
  expect(standbyMetrics).toContain(
    `platform_agent_lease_holder{environment="local",holder="${leader.identity}"} 1`,
  );

  leader.proc.kill("SIGKILL");
  const killedAt = Date.now();
  setReplicas(5, 6);
  const next = source.commitAndPush("checkout: 6 replicas (after the leader died)");
  await standby.waitFor((s) => s.leader === true, (LEASE_S + INTERVAL_S) * 1000 + 30_000);
  const takeover = Date.now() - killedAt;
  console.log(`agent-cluster e2e: kill -9 to the standby leading: ${takeover} ms (lease ${LEASE_S} s)`);
  // the record must stay unchanged for a whole lease duration as the standby sees it, checked on
  // its renew ticks (a third of the lease): lease + one interval, with one tick of slack
  expect(takeover).toBeLessThanOrEqual((LEASE_S + INTERVAL_S + LEASE_S / 3) * 1000);
  await standby.waitFor((s) => s.lastAppliedRevision === next, 180_000);
  console.log(
    `agent-cluster e2e: kill -9 to the new commit applied by the new leader: ${Date.now() - killedAt} ms`,
  );
  expect(replicas()).toBe(6);
  const lease = ws.kubectlJson<KubeObject>(["get", "lease", "platform-agent-local", "-n", NS]);
  expect(lease.spec.holderIdentity).toBe(standby.identity);
  expect(lease.spec.leaseTransitions).toBeGreaterThanOrEqual(1);
  expect(penv().status.leader.identity).toBe(standby.identity);
  expect(await standby.stop()).toBe(0);
});
