import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { KubeObject, TestWorkspace, toolchainBin } from "./helpers/workspace";

/**
 * Two local control planes for real: the `local` environment fans catalog out over `local` and
 * `local-b`; drift is per cluster (one cluster down is `unknown` there only); the mass-deletion
 * check refuses dropping every instance of an app until allowed, and lets one cluster of an app
 * that still runs elsewhere go.
 */
jest.setTimeout(1_200_000);

const ws = new TestWorkspace("platform-e2e-clusters-");
const kubeconfigOf = (cluster: string) =>
  cluster === "local" ? ws.kubeconfig : ws.file(".platform", "clusters", cluster, "kubeconfig");
const kubectlOn = (cluster: string, args: string[]) =>
  spawnSync(path.join(toolchainBin(), "kubectl"), ["--kubeconfig", kubeconfigOf(cluster), ...args], {
    encoding: "utf8",
    timeout: 60_000,
  });
const deploymentsOn = (cluster: string): string[] => {
  const res = kubectlOn(cluster, ["get", "deploy", "-A", "-o", "json"]);
  if (res.status !== 0) throw new Error(`kubectl on ${cluster}: ${res.stderr}`);
  return (JSON.parse(res.stdout) as { items: KubeObject[] }).items
    .map((d) => `${d.metadata.namespace}/${d.metadata.name}`)
    .filter((n) => !n.startsWith("kube-system/"))
    .sort();
};
interface ClusterEntry {
  status: string;
  drifted: number;
  errors: string[];
}
const report = () =>
  JSON.parse(fs.readFileSync(ws.file(".platform", "reports", "local", "drift.json"), "utf8")) as {
    status: string;
    clusters: Record<string, ClusterEntry>;
    drift: Array<{ name: string; cluster?: string }>;
  };
const drift = () => ws.platform(["drift", "local", "--report-only", "--dry-run"]);
const seconds = (since: number) => ((Date.now() - since) / 1000).toFixed(1);
const log = (line: string) => process.stderr.write(`[clusters] ${line}\n`);

/** Resident memory (VmRSS, MiB) of the processes a control plane recorded. */
function rssMiB(cluster: string): number {
  const dir =
    cluster === "local" ? ws.file(".platform", "cluster") : ws.file(".platform", "clusters", cluster);
  const state = JSON.parse(fs.readFileSync(path.join(dir, "cluster.json"), "utf8")) as {
    processes: Array<{ pid: number }>;
  };
  let kib = 0;
  for (const p of state.processes) {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${p.pid}/status`, "utf8"));
    kib += m ? Number(m[1]) : 0;
  }
  return Math.round(kib / 1024);
}

beforeAll(() => {
  // A second app on local-b only, so that dropping catalog there leaves local-b with an app.
  ws.editSpec("local", (t) =>
    t.replace(
      "\ndrift:",
      '  inventory:\n    tenant: search\n    image: registry.k8s.io/pause\n    tag: "3.10"\n    clusters: [local-b]\n    replicas: 1\n\ndrift:',
    ),
  );
});

afterAll(async () => {
  await ws.platform(["cluster", "down"]);
  ws.remove();
});

test("bad --name values are usage errors naming the flag", async () => {
  const bad = await ws.platform(["cluster", "up", "--name", "Bad_Name"]);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain('--name "Bad_Name" is not a cluster name');
  const undeclared = await ws.platform(["cluster", "status", "--name", "local-z"]);
  expect(undeclared.code).toBe(2);
  expect(undeclared.stderr).toContain('--name "local-z" is not declared');
  expect(undeclared.stderr).toContain("declared: local, local-b");
});

test("up local starts both control planes and fans catalog out over both", async () => {
  const started = Date.now();
  const res = await ws.platform(["up", "local", "--yes"]);
  log(`up local (two clusters, first deploy): ${seconds(started)} s`);
  expect(res.stderr).not.toMatch(/error:/i);
  expect(res.code).toBe(0);
  const ready = /local clusters ready \(local, local-b\) in ([\d.]+) s/.exec(res.stderr);
  expect(ready).not.toBeNull();
  log(`both control planes started side by side in ${ready?.[1]} s`);
  log(`RSS: local ${rssMiB("local")} MiB, local-b ${rssMiB("local-b")} MiB`);

  expect(deploymentsOn("local")).toEqual(["payments/checkout", "search/catalog"]);
  expect(deploymentsOn("local-b")).toEqual(["search/catalog", "search/inventory"]);
  for (const cluster of ["local", "local-b"]) {
    const vaps = kubectlOn(cluster, ["get", "validatingadmissionpolicies", "-o", "name"]);
    expect(vaps.status).toBe(0);
    expect(vaps.stdout.trim().split("\n").length).toBeGreaterThan(3);
  }
  expect(fs.statSync(ws.file(".platform", "clusters", "local-b", "kubeconfig")).mode & 0o777).toBe(0o600);

  const status = await ws.platform(["cluster", "status"]);
  expect(status.code).toBe(0);
  expect(status.stdout).toContain("local cluster: ready");
  expect(status.stdout).toContain("local-b cluster: ready");
});

test("a port another cluster records is refused, naming the flag", async () => {
  const local = JSON.parse(fs.readFileSync(ws.file(".platform", "cluster", "cluster.json"), "utf8")) as {
    ports: { apiserver: number };
  };
  const res = await ws.platform([
    "cluster",
    "up",
    "--name",
    "local-b",
    "--apiserver-port",
    String(local.ports.apiserver),
  ]);
  expect(res.code).toBe(2);
  expect(res.stderr).toContain(
    `--apiserver-port ${local.ports.apiserver} is already the apiserver port of cluster "local"`,
  );
});

test("kubectl scale on local-b is drift on local-b only", async () => {
  const scaled = kubectlOn("local-b", ["scale", "deploy", "catalog", "-n", "search", "--replicas=3"]);
  expect(scaled.status).toBe(0);
  const res = await drift();
  expect(res.code).toBe(4);
  const r = report();
  expect(r.clusters["local-b"]).toMatchObject({ status: "drifted", drifted: 1 });
  expect(r.clusters.local).toMatchObject({ status: "in-sync", drifted: 0 });
  expect(r.drift.map((d) => [d.cluster, d.name])).toEqual([["local-b", "catalog-local-b-deployment"]]);
  expect(res.stdout).toContain("[local-b] kubernetes:apps/v1:Deployment catalog-local-b-deployment");
});

test("with local-b stopped, drift says local-b unknown and local in sync", async () => {
  const down = await ws.platform(["cluster", "down", "--name", "local-b"]);
  expect(down.code).toBe(0);
  expect(down.stdout).toContain("stopped 5 process(es)");
  expect(deploymentsOn("local")).toContain("search/catalog"); // the other one still runs
  const res = await drift();
  expect(res.code).toBe(1);
  const r = report();
  expect(r.status).toBe("unknown");
  expect(r.clusters["local-b"].status).toBe("unknown");
  expect(r.clusters["local-b"].errors.length).toBeGreaterThan(0);
  expect(r.clusters.local).toMatchObject({ status: "in-sync", errors: [] });
  // never read as "no longer there"
  expect(r.drift.filter((d) => (d as { change?: string }).change === "deleted")).toEqual([]);
  const up = await ws.platform(["cluster", "up", "--name", "local-b"]);
  expect(up.code).toBe(0);
});

test("dropping one cluster of an app that runs elsewhere removes exactly that instance", async () => {
  ws.editSpec("local", (t) => t.replace(/clusters: \[local, local-b\].*\n/, "clusters: [local]\n"));
  const started = Date.now();
  const res = await ws.platform(["up", "local", "--yes"]);
  log(`up local dropping catalog from local-b: ${seconds(started)} s`);
  expect(res.stderr).not.toContain("refused by the mass-deletion check");
  expect(res.code).toBe(0);
  expect(deploymentsOn("local-b")).toEqual(["search/inventory"]);
  expect(deploymentsOn("local")).toEqual(["payments/checkout", "search/catalog"]);
});

test("dropping every instance of an app is refused as a mass deletion until allowed", async () => {
  ws.editSpec("local", (t) => t.replace(/ {2}inventory:\n(?: {4}.*\n)+/, ""));
  const preview = await ws.platform(["preview", "local", "--json", "out/p.json", "--markdown", "out/p.md"]);
  expect(preview.code).toBe(1);
  const md = fs.readFileSync(ws.file("out", "p.md"), "utf8").split("\n");
  expect(md[0]).toContain("mass deletion refused");
  expect(md[1]).toContain("**Mass deletion: refused.**");
  const json = JSON.parse(fs.readFileSync(ws.file("out", "p.json"), "utf8"));
  expect(json.massDeletion).toMatchObject({
    check: "mass-deletion",
    refused: true,
    deletes: ["inventory@local-b"],
  });
  expect(json.massDeletion.findings.map((f: { reason: string }) => f.reason).sort()).toEqual([
    "every-app-on-cluster",
    "every-instance-of-app",
  ]);

  const refused = await ws.platform(["up", "local", "--yes"]);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain("refused by the mass-deletion check");
  expect(refused.stderr).toContain("--allow-mass-deletion");
  expect(refused.stderr).toContain("allowMassDeletion: true");
  expect(deploymentsOn("local-b")).toEqual(["search/inventory"]); // nothing applied

  const started = Date.now();
  const allowed = await ws.platform(["up", "local", "--yes", "--allow-mass-deletion"]);
  log(`up local with --allow-mass-deletion: ${seconds(started)} s`);
  expect(allowed.code).toBe(0);
  expect(allowed.stderr).toContain("mass deletion allowed by --allow-mass-deletion: inventory@local-b");
  expect(deploymentsOn("local-b")).toEqual([]);
  expect(deploymentsOn("local")).toEqual(["payments/checkout", "search/catalog"]);
});
