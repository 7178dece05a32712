import * as fs from "fs";
import { TestWorkspace } from "./helpers/workspace";

/**
 * Units for real (docs/units.md): the local environment on one control plane, reconciled as a
 * base and one unit per tenant (payments, search), each its own stack on the file backend. A
 * change to one tenant runs only that tenant's unit (the other stacks' update counts do not
 * move); a refused change in one tenant (a privileged Deployment) leaves the other tenant's change
 * applied, and the command names the unit that failed.
 */
jest.setTimeout(1_200_000);

const ws = new TestWorkspace("platform-e2e-units-");
const log = (line: string) => process.stderr.write(`[units] ${line}\n`);
const seconds = (since: number) => ((Date.now() - since) / 1000).toFixed(1);

/** Updates recorded in a stack's history on the workspace's file backend. */
function updates(stack: string): number {
  const dir = ws.file(".platform", "state", ".pulumi", "history", "platform", stack);
  if (!fs.existsSync(dir)) throw new Error(`no history for stack ${stack} at ${dir}`);
  return fs.readdirSync(dir).filter((f) => f.endsWith(".history.json")).length;
}
const STACKS = ["local", "local.payments", "local.search"] as const;
const counts = () => Object.fromEntries(STACKS.map((s) => [s, updates(s)]));

const replicasOf = (name: string, ns: string) =>
  ws.kubectlJson<{ spec: { replicas: number } }>(["get", "deploy", name, "-n", ns]).spec.replicas;

/** The row of a unit in `up`'s per-unit table: `  payments  succeeded  update 1`. */
const row = (stdout: string, unit: string) =>
  stdout
    .split("\n")
    .find((l) => l.trimStart().startsWith(`${unit} `))
    ?.trim()
    .split(/\s{2,}/) ?? [];

async function up(what: string) {
  const started = Date.now();
  const res = await ws.platform(["up", "local", "--yes"], 900_000);
  log(`${what}: exit ${res.code} in ${seconds(started)} s\n${res.stdout.trim()}`);
  return res;
}

const PRIVILEGED = `apiVersion: apps/v1
kind: Deployment
metadata: { name: debug-shell }
spec:
  replicas: 1
  selector: { matchLabels: { app: debug-shell } }
  template:
    metadata: { labels: { app: debug-shell } }
    spec:
      containers:
        - name: shell
          image: registry.k8s.io/pause:3.10
          securityContext: { privileged: true }
`;

beforeAll(async () => {
  // One control plane (catalog moves from local-b to local), and units: (one per tenant).
  ws.editSpec("local", (t) =>
    t
      .replace(
        "  local-b: { kind: local } # a second one beside it (.platform/clusters/local-b/): fan-out runs for real\n",
        "",
      )
      .replace(
        "clusters: [local, local-b] # fanned out (AppSet): one instance per cluster",
        "clusters: [local]",
      )
      .concat("\nunits: {} # a unit per tenant: payments, search\n"),
  );
  const res = await up("first deploy");
  if (res.code !== 0) throw new Error(`up local failed:\n${res.stdout}\n${res.stderr}`);
});

afterAll(async () => {
  await ws.platform(["cluster", "down"]);
  ws.remove();
});

test("the first deploy applies the base and each tenant's unit, each its own stack", () => {
  expect(counts()).toEqual({ local: 1, "local.payments": 1, "local.search": 1 });
  expect(replicasOf("checkout", "payments")).toBe(2);
  expect(replicasOf("catalog", "search")).toBe(1);
  // the units' stack settings stay outside the repository
  expect(fs.readdirSync(ws.file("stacks")).filter((f) => /^Pulumi\.local\..+\.yaml$/.test(f))).toEqual([]);
  expect(fs.existsSync(ws.file(".platform", "units", "local", "Pulumi.local.payments.yaml"))).toBe(true);
});

test("an unchanged revision runs nothing", async () => {
  const before = counts();
  const res = await up("no-op");
  expect(res.code).toBe(0);
  expect(row(res.stdout, "base")).toEqual(["base", "skipped", "unchanged"]);
  expect(row(res.stdout, "payments")).toEqual(["payments", "skipped", "unchanged"]);
  expect(row(res.stdout, "search")).toEqual(["search", "skipped", "unchanged"]);
  expect(counts()).toEqual(before);
});

test("a change to one tenant runs only that tenant's unit", async () => {
  const before = counts();
  ws.editSpec("local", (t) =>
    t.replace("    replicas: 2\n    port: 8080", "    replicas: 1\n    port: 8080"),
  );
  const preview = await ws.platform(["preview", "local"], 600_000);
  log(`preview: exit ${preview.code}\n${preview.stdout.trim()}`);
  expect(preview.code).toBe(0);
  expect(row(preview.stdout, "payments").slice(0, 2)).toEqual(["payments", "succeeded"]);
  expect(row(preview.stdout, "payments")[2]).toMatch(/^would .*update 1/);
  expect(row(preview.stdout, "search")).toEqual(["search", "skipped", "unchanged"]);
  const res = await up("checkout replicas 2 → 1");
  expect(res.code).toBe(0);
  expect(row(res.stdout, "payments").slice(0, 2)).toEqual(["payments", "succeeded"]);
  expect(row(res.stdout, "search")).toEqual(["search", "skipped", "unchanged"]);
  expect(counts()).toEqual({ ...before, "local.payments": before["local.payments"] + 1 });
  expect(replicasOf("checkout", "payments")).toBe(1);
});

test("a refused change in one tenant stalls that unit only: the other tenant's change applies", async () => {
  const before = counts();
  fs.mkdirSync(ws.file("deploy", "payments-debug"), { recursive: true });
  fs.writeFileSync(ws.file("deploy", "payments-debug", "deployment.yaml"), PRIVILEGED);
  // catalog 1 → 2 (search) and a privileged workload for payments
  ws.editSpec("local", (t) =>
    t.replace(
      "    replicas: 1\n\ndrift:",
      "    replicas: 2\n\nworkloads:\n  debug-shell: { kind: manifests, tenant: payments, clusters: [local], path: deploy/payments-debug }\n\ndrift:",
    ),
  );
  const res = await up("payments privileged + search catalog 1 → 2");
  expect(res.code).toBe(1);
  const payments = row(res.stdout, "payments");
  expect(payments.slice(0, 2)).toEqual(["payments", "failed"]);
  expect(payments[2]).toMatch(/privileged/);
  expect(row(res.stdout, "search").slice(0, 2)).toEqual(["search", "succeeded"]);
  expect(row(res.stdout, "base")).toEqual(["base", "skipped", "unchanged"]);
  expect(res.stdout).toContain("local: 1 unit(s) did not apply: payments; the others did");
  expect(replicasOf("catalog", "search")).toBe(2);
  expect(ws.kubectlRaw(["get", "deploy", "debug-shell", "-n", "payments"]).status).not.toBe(0);
  expect(updates("local")).toBe(before.local);
  expect(updates("local.search")).toBe(before["local.search"] + 1);

  // The failed unit runs again on the next revision (its fingerprint was cleared); search does not.
  const again = await up("the same revision again");
  expect(again.code).toBe(1);
  expect(row(again.stdout, "payments").slice(0, 2)).toEqual(["payments", "failed"]);
  expect(row(again.stdout, "search")).toEqual(["search", "skipped", "unchanged"]);
});

test("destroy removes the units' stacks first, then the base", async () => {
  const res = await ws.platform(["destroy", "local", "--yes"], 900_000);
  log(`destroy: exit ${res.code}\n${res.stdout.trim()}`);
  expect(res.code).toBe(0);
  expect(res.stdout).toContain("local: units destroyed: search, payments");
  expect(res.stdout).toContain("local: destroy succeeded");
  for (const [name, ns] of [
    ["checkout", "payments"],
    ["catalog", "search"],
  ])
    expect(ws.kubectlRaw(["get", "deploy", name, "-n", ns]).status).not.toBe(0);
});

// ── drift, history and preview per unit (docs/drift.md, docs/history.md, docs/preview.md: "units")

/** The drift.json `platform drift local` wrote. */
const driftReport = () =>
  JSON.parse(fs.readFileSync(ws.file(".platform", "reports", "local", "drift.json"), "utf8")) as {
    status: string;
    drift: Array<{
      unit?: string;
      name: string;
      properties: Array<{ path: string; state: unknown; live: unknown }>;
    }>;
    units?: Array<{
      unit: string;
      stack: string;
      status: string;
      remediation?: { action: string; result: string };
    }>;
    remediation?: { action: string; result: string };
  };

test("drift checks the base and every unit; remediation (drift.mode: remediate) updates only the unit that drifted", async () => {
  // The previous case destroyed everything: deploy again without the refused workload (and with no
  // webhook to retry against: the spec's placeholder would only add its back-off to the run).
  ws.editSpec("local", (t) =>
    t
      .replace(/\nworkloads:\n {2}debug-shell: [^\n]*\n/, "\n")
      .replace(/ {2}notify:\n {4}- \{ kind: webhook[^\n]*\n/, ""),
  );
  const deployed = await up("deploy again for drift");
  expect(deployed.code).toBe(0);
  const before = counts();
  ws.kubectl(["scale", "deploy", "catalog", "-n", "search", "--replicas=4"]);
  const started = Date.now();
  const res = await ws.platform(["drift", "local"], 600_000);
  log(`drift (3 stacks, remediate): exit ${res.code} in ${seconds(started)} s\n${res.stdout.trim()}`);
  const r = driftReport();
  expect(r.drift.map((d) => [d.unit, d.name, d.properties.map((p) => [p.path, p.state, p.live])])).toEqual([
    ["search", "catalog-local-deployment", [["spec.replicas", 2, 4]]],
  ]);
  expect(r.units?.map((u) => [u.unit, u.stack, u.status])).toEqual([
    ["base", "local", "in-sync"],
    ["payments", "local.payments", "in-sync"],
    ["search", "local.search", "drifted"],
  ]);
  expect(r.units?.find((u) => u.unit === "search")?.remediation).toEqual(
    expect.objectContaining({ action: "remediate", result: "applied" }),
  );
  expect(r.units?.filter((u) => u.remediation).map((u) => u.unit)).toEqual(["search"]);
  expect(r.remediation).toEqual(expect.objectContaining({ action: "remediate", result: "applied" }));
  expect(res.stdout).toContain("units:\n  search: drifted");
  expect(res.stdout).toContain("  in sync: base, payments\n");
  expect(res.stdout).toContain("  unit search:\n");
  expect(res.code).toBe(0);
  // only unit search's stack got an update; the object is back
  expect(counts()).toEqual({ ...before, "local.search": before["local.search"] + 1 });
  expect(replicasOf("catalog", "search")).toBe(2);
});

test("history lists the updates of the base and of each unit, each naming its unit", async () => {
  const res = await ws.platform(["history", "local", "--json"]);
  expect(res.code).toBe(0);
  const h = JSON.parse(res.stdout) as {
    updates: Array<{ unit?: string; kind: string }>;
    units?: Array<{ unit: string; stack: string; updates: number }>;
  };
  const now = counts();
  expect(h.units).toEqual([
    { unit: "base", stack: "local", updates: now.local },
    { unit: "payments", stack: "local.payments", updates: now["local.payments"] },
    { unit: "search", stack: "local.search", updates: now["local.search"] },
  ]);
  expect(h.updates).toHaveLength(now.local + now["local.payments"] + now["local.search"]);
  for (const unit of ["base", "payments", "search"])
    expect(h.updates.filter((u) => u.unit === unit)).toHaveLength(
      now[unit === "base" ? "local" : `local.${unit}`],
    );
  expect(h.updates[0]).toMatchObject({ unit: "search", kind: "remediation" });
  const text = await ws.platform(["history", "local"]);
  expect(text.stdout.split("\n")[0]).toMatch(/^UNIT\s+UPDATE/);
});

test("preview --json and --markdown of an unchanged units revision list every unit as unchanged", async () => {
  const res = await ws.platform(["preview", "local", "--json", "preview.json", "--markdown", "preview.md"]);
  log(`preview --json: exit ${res.code}\n${res.stdout.trim()}`);
  expect(res.code).toBe(0);
  const p = JSON.parse(fs.readFileSync(ws.file("preview.json"), "utf8")) as {
    units: Array<{ unit: string; status: string; report?: unknown }>;
    exitCode: number;
  };
  expect(p.units.map((u) => [u.unit, u.status, u.report])).toEqual([
    ["base", "unchanged", undefined],
    ["payments", "unchanged", undefined],
    ["search", "unchanged", undefined],
  ]);
  expect(fs.readFileSync(ws.file("preview.md"), "utf8")).toContain(
    "| `search` | `local.search` | unchanged |  |",
  );
});
