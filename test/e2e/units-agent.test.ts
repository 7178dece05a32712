import * as fs from "fs";
import type { UnitStatus } from "../../model/agentApi";
import { AgentProcess, GitSource, sleep } from "./helpers/agent";
import { KubeObject, TestWorkspace } from "./helpers/workspace";
import { PRIVILEGED_DEPLOYMENT } from "./helpers/units";

/**
 * The agent over units (docs/units.md, "Status per unit"): the local environment on one control
 * plane with `units: {}` (a base and one unit per tenant, payments and search), followed by an
 * agent from a bare Git repository on disk. The agent applies the first revision; then one pushed
 * commit makes payments refused (a privileged Deployment) and changes search (catalog replicas
 * 1 → 2): search's change is on the cluster, the PlatformEnvironment's `status.units` says
 * payments `Stalled` PolicyViolation at the older revision and search Ready at the new one, the
 * environment is not Ready, `/status`, `platform status` and the metrics list payments first, and
 * the refused revision is not run again.
 */
jest.setTimeout(900_000);

const ws = new TestWorkspace("platform-e2e-units-agent-").oneCluster();
const source = new GitSource(ws, "Units Agent E2E");
const NS = "platform-system";
const log = (line: string) => process.stderr.write(`[units-agent] ${line}\n`);
const seconds = (since: number) => ((Date.now() - since) / 1000).toFixed(1);

const penv = () => ws.kubectlJson<KubeObject>(["get", "penv", "local", "-n", NS]);
const replicasOf = (name: string, ns: string) =>
  ws.kubectlJson<{ spec: { replicas: number } }>(["get", "deploy", name, "-n", ns]).spec.replicas;
const unitsOf = (units: UnitStatus[] | undefined) =>
  (units ?? []).map((u) => [u.name, u.phase, u.reason, u.lastAppliedRevision, u.lastAttemptedRevision]);

let agent: AgentProcess;
let first = "";

beforeAll(async () => {
  ws.editSpec("local", (t) => t.concat("\nunits: {} # a unit per tenant: payments, search\n"));
  first = source.init("the platform in units, as the agent will follow it");
  // only the control plane: the agent applies the first revision itself
  const up = await ws.platform(["cluster", "up"], 300_000);
  if (up.code !== 0) throw new Error(`cluster up failed:\n${up.stdout}\n${up.stderr}`);
});

afterAll(async () => {
  await AgentProcess.stopAll();
  await ws.platform(["cluster", "down"]);
  ws.remove();
  source.remove();
});

test("the agent applies the first revision: the base and every unit Ready at it", async () => {
  const started = Date.now();
  agent = await AgentProcess.start(ws, source, ["--interval", "2s", "--drift-interval", "10m"]);
  const s = await agent.waitFor((x) => x.phase === "Ready" && x.lastAppliedRevision === first, 400_000);
  log(`first revision applied by the agent in ${seconds(started)} s`);
  expect(unitsOf(s.units)).toEqual([
    ["base", "Ready", "Applied", first, first],
    ["payments", "Ready", "Applied", first, first],
    ["search", "Ready", "Applied", first, first],
  ]);
  expect(replicasOf("catalog", "search")).toBe(1);
});

test("a commit refused in payments and changing search: search applies, payments Stalled at the older revision, the environment not Ready", async () => {
  fs.mkdirSync(ws.file("deploy", "payments-debug"), { recursive: true });
  fs.writeFileSync(ws.file("deploy", "payments-debug", "deployment.yaml"), PRIVILEGED_DEPLOYMENT);
  ws.editSpec("local", (t) =>
    t.replace(
      "    replicas: 1\n\ndrift:",
      "    replicas: 2\n\nworkloads:\n  debug-shell: { kind: manifests, tenant: payments, clusters: [local], path: deploy/payments-debug }\n\ndrift:",
    ),
  );
  const second = source.commitAndPush(
    "payments: a privileged debug shell (refused); search: catalog 2 replicas",
  );
  const pushed = Date.now();
  const s = await agent.waitFor(
    (x) => x.lastAttemptedRevision === second && x.phase !== "Reconciling",
    300_000,
  );
  log(`push to per-unit status in ${seconds(pushed)} s`);

  // the environment: Stalled (a terminal refusal: this revision is not retried), Ready False naming payments
  expect(s.phase).toBe("Stalled");
  expect(s.lastAppliedRevision).toBe(first);
  const ready = s.conditions.find((c) => c.type === "Ready");
  expect(ready).toMatchObject({ status: "False", reason: "PolicyViolation" });
  expect(ready?.message).toContain("did not apply: payments (PolicyViolation)");
  // per unit, the one needing attention first
  expect(unitsOf(s.units)).toEqual([
    ["payments", "Stalled", "PolicyViolation", first, second],
    ["base", "Ready", "Applied", first, first],
    ["search", "Ready", "Applied", second, second],
  ]);
  expect(s.units?.[0].message).toMatch(/k8s-no-privileged/);

  // the cluster: search's change is in, payments' refused Deployment is not
  expect(replicasOf("catalog", "search")).toBe(2);
  expect(ws.kubectlRaw(["get", "deploy", "debug-shell", "-n", "payments"]).status).not.toBe(0);

  // the object's status says the same (written through the status subresource)
  for (let i = 0; i < 40 && penv().status?.units?.[0]?.phase !== "Stalled"; i++) await sleep(250);
  const obj = penv();
  expect(unitsOf(obj.status?.units as UnitStatus[])).toEqual(unitsOf(s.units));
  expect(obj.status?.conditions?.find((c: KubeObject) => c.type === "Ready")?.status).toBe("False");

  // the metrics list the units, payments first
  const metrics = (await agent.metrics())
    .split("\n")
    .filter((l) => l.startsWith("platform_agent_unit_ready{"));
  expect(metrics).toEqual([
    'platform_agent_unit_ready{environment="local",unit="payments",phase="Stalled"} 0',
    'platform_agent_unit_ready{environment="local",unit="base",phase="Ready"} 1',
    'platform_agent_unit_ready{environment="local",unit="search",phase="Ready"} 1',
  ]);

  // the refused revision is not run again: a few polls later, still one apply of it
  await sleep(7_000);
  const applies = agent.log.split("\n").filter((l) => l.includes(`applying ${second}`));
  expect(applies).toHaveLength(1);
  expect((await agent.status()).phase).toBe("Stalled");

  // platform status lists the units, payments first
  const status = await ws.platform(["status", "local"], 120_000);
  expect(status.code).toBe(0);
  const lines = status.stdout.split("\n");
  const at = lines.findIndex((l) => l.includes("units (1 of 3 need attention)"));
  expect(at).toBeGreaterThan(0);
  expect(lines[at + 1]).toMatch(/^\s+payments\s+Stalled\s+applied [0-9a-f]{12}\s+PolicyViolation: /);
  expect(lines[at + 1]).toContain(`applied ${first.slice(0, 12)}`);
  expect(lines[at + 3]).toMatch(/^\s+search\s+Ready\s+/);
});
