import { spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as path from "path";
import type { DriftReport } from "../../ops/drift/model";
import { groupResources } from "../../ops/drift/components";
import type { HistoryReport } from "../../ops/history/entries";
import { writeServiceAccountKubeconfig } from "../../ops/cluster/serviceAccountKubeconfig";
import { AgentProcess, GitSource } from "./helpers/agent";
import { LocalRegistry } from "./helpers/registry";
import { KubeObject, REPO_ROOT, TestWorkspace, toolchainBin } from "./helpers/workspace";

/**
 * Workloads for real: one deployed `local` environment (two local control planes) shared by every
 * case. A chart pushed with the helm CLI to Debian's docker-registry on loopback (OCI), the same
 * chart from a static http:// chart repository and from its folder, a Kustomize overlay and a
 * manifests folder are deployed; then a privileged chart and an escalating overlay are refused
 * before anything is applied, and a scaled chart Deployment is reported as drift under its
 * workload and put back. Last, the agent (its component deployed by the stack, run as a process
 * with its ServiceAccount's token, so with the RBAC derived from what the workloads render)
 * applies a pushed chart version bump, history and the dashboard name the workload, a pushed
 * privileged chart is refused (Stalled, PolicyViolation) and `rollback --now` restores 0.1.0.
 */
jest.setTimeout(1_800_000);

const ws = new TestWorkspace("platform-e2e-workloads-");
const FIXTURES = path.join(REPO_ROOT, "test", "e2e", "fixtures", "workloads");
const scratch = fs.mkdtempSync(path.join(ws.root, ".workloads-e2e-"));
const seconds = (since: number) => ((Date.now() - since) / 1000).toFixed(1);
const log = (line: string) => process.stderr.write(`[workloads] ${line}\n`);

const kubeconfigOf = (cluster: string) =>
  cluster === "local" ? ws.kubeconfig : ws.file(".platform", "clusters", cluster, "kubeconfig");
function kubectlOn<T = { items: KubeObject[] }>(cluster: string, args: string[]): T {
  const res = spawnSync(
    path.join(toolchainBin(), "kubectl"),
    ["--kubeconfig", kubeconfigOf(cluster), ...args, "-o", "json"],
    {
      encoding: "utf8",
      timeout: 60_000,
    },
  );
  if (res.status !== 0) throw new Error(`kubectl on ${cluster} ${args.join(" ")}: ${res.stderr}`);
  return JSON.parse(res.stdout) as T;
}
const namesOn = (cluster: string, kind: string, selector: string) =>
  kubectlOn(cluster, ["get", kind, "-A", "-l", selector]).items.map(
    (o) => `${o.metadata.namespace ?? ""}/${o.metadata.name}`,
  );

/** A free TCP port on loopback. */
/** The pinned helm CLI of the toolchain, with its config, cache and data in the scratch folder. */
function helm(args: string[]): string {
  const res = spawnSync(path.join(toolchainBin(), "helm"), args, {
    encoding: "utf8",
    timeout: 120_000,
    env: {
      ...process.env,
      HELM_CONFIG_HOME: path.join(scratch, "helm", "config"),
      HELM_CACHE_HOME: path.join(scratch, "helm", "cache"),
      HELM_DATA_HOME: path.join(scratch, "helm", "data"),
    },
  });
  if (res.status !== 0) throw new Error(`helm ${args.join(" ")} failed (${res.status}): ${res.stderr}`);
  return res.stdout + res.stderr;
}

const registry = new LocalRegistry(scratch);
const source = new GitSource(ws, "Workloads E2E");
let chartRepo: http.Server | undefined;
let chartRepoPort = 0;
/** Receives the drift notifications of remediation (the spec's webhook is a placeholder). */
let receiverUrl = "";
const notifications: string[] = [];
const receiver = http.createServer((req, res) => {
  let body = "";
  req.on("data", (d) => (body += d));
  req.on("end", () => {
    notifications.push(body);
    res.writeHead(200).end();
  });
});

/** A static http:// chart repository: index.yaml and the packaged chart, served from a folder. */
async function startChartRepo(folder: string): Promise<void> {
  chartRepo = http.createServer((req, res) => {
    const file = path.join(folder, path.basename(req.url ?? "/"));
    if (!fs.existsSync(file) || !fs.statSync(file).isFile()) return void res.writeHead(404).end();
    res.writeHead(200).end(fs.readFileSync(file));
  });
  await new Promise<void>((resolve) => chartRepo!.listen(0, "127.0.0.1", resolve));
  chartRepoPort = (chartRepo.address() as net.AddressInfo).port;
  helm(["repo", "index", folder, "--url", `http://127.0.0.1:${chartRepoPort}`]);
}

/** The spec's workloads: every kind, on one or both clusters, for two tenants. */
const workloadsYaml = () => `
workloads:
  web-oci:
    kind: helm
    tenant: payments
    clusters: [local, local-b]
    chart: oci://${registry.host}/charts/web
    version: "0.1.0"
    values: { greeting: from-oci }
  web-http:
    kind: helm
    tenant: search
    clusters: [local-b]
    chart: web
    repo: http://127.0.0.1:${chartRepoPort}
    version: "0.1.0"
  web-folder:
    kind: helm
    tenant: search
    clusters: [local]
    path: charts/web
  invoices:
    kind: kustomize
    tenant: payments
    clusters: [local, local-b]
    path: clusters/staging/apps/invoices
  common-configs:
    kind: manifests
    tenant: search
    clusters: [local]
    path: base/common-configs
`;

const SPEC = ws.file("stacks", "local", "platform.yaml");
let deployed = "";
/** Puts the deployed spec back after a case that changed it. */
const restoreSpec = () => fs.writeFileSync(SPEC, deployed);

beforeAll(async () => {
  for (const folder of ["charts", "base", "clusters"])
    fs.cpSync(path.join(FIXTURES, folder), ws.file(folder), { recursive: true });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as net.AddressInfo).port}/drift`;
  let started = Date.now();
  await registry.start();
  const packages = path.join(scratch, "packages");
  fs.mkdirSync(packages);
  helm(["package", ws.file("charts", "web"), "--destination", packages]);
  helm(["push", path.join(packages, "web-0.1.0.tgz"), `oci://${registry.host}/charts`, "--plain-http"]);
  await startChartRepo(packages);
  log(`registry up and chart pushed (OCI + http repository) in ${seconds(started)} s`);

  // the agent's component too (its image is never pulled: pods are simulated); the last case runs it
  ws.editSpec("local", (t) =>
    t
      .replace("\ndrift:", `${workloadsYaml()}\ndrift:`)
      .concat(`\nagent:\n  image: registry.acme.io/platform/agent:0.1.0\n  repo: ${source.bare}\n`),
  );
  deployed = fs.readFileSync(SPEC, "utf8");
  started = Date.now();
  const up = await ws.platform(["up", "local", "--yes"]);
  log(`up local with five workloads (two clusters, first deploy): ${seconds(started)} s`);
  if (up.code !== 0) throw new Error(`up local failed (${up.code}):\n${up.stdout}\n${up.stderr}`);
});

afterAll(async () => {
  await AgentProcess.stopAll();
  await ws.platform(["cluster", "down"]);
  source.remove();
  registry.stop();
  await new Promise((r) => (chartRepo ? chartRepo.close(r) : r(undefined)));
  await new Promise((r) => receiver.close(r));
  ws.remove();
});

const WORKLOAD = "platform.dev/workload";

test("every rendered object is there, on each of its clusters, labelled, in its tenant's namespace", () => {
  const on = (cluster: string, workload: string) => [
    ...namesOn(cluster, "deploy,svc,cm,sa", `${WORKLOAD}=${workload}`),
  ];
  // helm (OCI), fanned out over both clusters
  for (const cluster of ["local", "local-b"])
    expect(on(cluster, "web-oci").sort()).toEqual([
      "payments/web-oci",
      "payments/web-oci",
      "payments/web-oci-settings",
    ]);
  const settings = kubectlOn<KubeObject>("local-b", ["get", "cm", "web-oci-settings", "-n", "payments"]);
  expect(settings.data).toEqual({ GREETING: "from-oci" });
  expect(settings.metadata.labels).toMatchObject({
    "platform.dev/environment": "local",
    "platform.dev/tenant": "payments",
    "platform.dev/workload": "web-oci",
    "platform.dev/cost-center": "cc-104",
    "app.kubernetes.io/managed-by": "Helm",
  });
  // helm (http:// repository) on local-b only, helm (folder) on local only
  expect(on("local-b", "web-http").sort()).toEqual([
    "search/web-http",
    "search/web-http",
    "search/web-http-settings",
  ]);
  expect(on("local", "web-http")).toEqual([]);
  expect(on("local", "web-folder").sort()).toEqual([
    "search/web-folder",
    "search/web-folder",
    "search/web-folder-settings",
  ]);
  expect(on("local-b", "web-folder")).toEqual([]);
  // kustomize: the staging overlay (1 replica, pause 3.10), on both clusters
  for (const cluster of ["local", "local-b"]) {
    expect(on(cluster, "invoices").sort()).toEqual(["payments/invoices", "payments/invoices"]);
    const d = kubectlOn<KubeObject>(cluster, ["get", "deploy", "invoices", "-n", "payments"]);
    expect(d.spec.replicas).toBe(1);
    expect(d.spec.template.spec.containers[0].image).toBe("registry.k8s.io/pause:3.10");
    expect(d.metadata.labels).toMatchObject({
      "app.kubernetes.io/part-of": "invoices",
      [WORKLOAD]: "invoices",
    });
  }
  // manifests: a --- stream (two ConfigMaps) and a List (a ConfigMap and a ServiceAccount), nested
  expect(on("local", "common-configs").sort()).toEqual([
    "search/common-features",
    "search/common-limits",
    "search/common-reader",
    "search/common-settings",
  ]);
  expect(on("local-b", "common-configs")).toEqual([]);
});

test("a chart rendering a privileged Deployment is refused at preview naming k8s-no-privileged, the chart and the object; nothing changes", async () => {
  ws.editSpec("local", (t) =>
    t.replace("    path: charts/web\n", "    path: charts/web\n    values: { privileged: true }\n"),
  );
  const started = Date.now();
  const res = await ws.platform(["preview", "local"]);
  log(`preview refusing the privileged chart: ${seconds(started)} s`);
  restoreSpec();
  const out = res.stdout + res.stderr;
  expect(res.code).not.toBe(0);
  expect(out).toContain("k8s-no-privileged");
  expect(out).toMatch(/web-folder/);
  expect(out).toMatch(/Deployment/);
  const live = kubectlOn<KubeObject>("local", ["get", "deploy", "web-folder", "-n", "search"]);
  expect(live.spec.template.spec.containers[0].securityContext.privileged).toBe(false);
});

test("a tenant overlay adding a ClusterRoleBinding is refused before anything is applied", async () => {
  ws.editSpec("local", (t) =>
    t.replace(
      "\ndrift:",
      "  invoices-admin:\n    kind: kustomize\n    tenant: payments\n    clusters: [local]\n    path: clusters/staging/apps/invoices-admin\n\ndrift:",
    ),
  );
  const checkpoint = ws.file(".platform", "state", ".pulumi", "stacks", "platform", "local.json");
  const before = fs.readFileSync(checkpoint, "utf8");
  const started = Date.now();
  const res = await ws.platform(["up", "local", "--yes"]);
  log(`up refusing the escalating overlay: ${seconds(started)} s`);
  restoreSpec();
  const out = res.stdout + res.stderr;
  expect(res.code).not.toBe(0);
  expect(out).toContain('workload "invoices-admin" (kustomize folder clusters/staging/apps/invoices-admin)');
  expect(out).toContain('renders ClusterRoleBinding "admin-invoices-admin", a cluster-scoped kind');
  // nothing of the overlay was applied: neither the binding nor its namespaced objects
  expect(
    kubectlOn("local", ["get", "clusterrolebindings", "-l", `${WORKLOAD}=invoices-admin`]).items,
  ).toEqual([]);
  expect(namesOn("local", "deploy,svc", `${WORKLOAD}=invoices-admin`)).toEqual([]);
  const bindings = kubectlOn("local", ["get", "clusterrolebindings"]).items.map(
    (b) => b.metadata.name as string,
  );
  expect(bindings).not.toContain("admin-invoices-admin");
  // the refusal came at up's own preview, so no update ran: the state is exactly as it was
  expect(fs.readFileSync(checkpoint, "utf8")).toBe(before);
});

test("kubectl scale on a chart's Deployment is drift under its workload; remediation puts it back", async () => {
  const scaled = spawnSync(
    path.join(toolchainBin(), "kubectl"),
    ["--kubeconfig", kubeconfigOf("local-b"), "scale", "deploy", "web-oci", "-n", "payments", "--replicas=3"],
    { encoding: "utf8" },
  );
  expect(scaled.status).toBe(0);
  let started = Date.now();
  const res = await ws.platform(["drift", "local", "--report-only", "--dry-run"]);
  log(`drift with a scaled chart Deployment: ${seconds(started)} s`);
  expect(res.code).toBe(4);
  const report = JSON.parse(
    fs.readFileSync(ws.file(".platform", "reports", "local", "drift.json"), "utf8"),
  ) as DriftReport;
  // drift only: no pending code change (a chart re-rendered the same is no change)
  expect({
    drift: report.drift.length,
    pendingChanges: report.pendingChanges,
    errors: report.errors,
  }).toEqual({
    drift: 1,
    pendingChanges: [],
    errors: [],
  });
  const [drifted] = report.drift;
  expect(drifted).toMatchObject({
    type: "kubernetes:apps/v1:Deployment",
    cluster: "local-b",
    change: "modified",
  });
  expect(drifted.properties).toContainEqual(
    expect.objectContaining({ path: "spec.replicas", state: 1, live: 3 }),
  );
  const group = groupResources(report).find((g) => g.rows.some((r) => r.urn === drifted.urn));
  expect(group?.component).toEqual({
    family: "workload",
    type: "platform:kubernetes:HelmWorkload",
    name: "web-oci-local-b",
  });
  expect(res.stdout).toContain("web-oci");

  started = Date.now();
  const fixed = await ws.platform(["drift", "local", "--remediate", "--webhook-url", receiverUrl]);
  log(`drift --remediate of the chart Deployment: ${seconds(started)} s`);
  expect(fixed.stderr).not.toMatch(/error:/i);
  expect({ code: fixed.code, stdout: fixed.stdout }).toMatchObject({ code: 0 });
  expect(notifications.join("\n")).toContain("web-oci");
  expect(kubectlOn<KubeObject>("local-b", ["get", "deploy", "web-oci", "-n", "payments"]).spec.replicas).toBe(
    1,
  );
});

/** Packages the fixture chart as `version` (privileged by default when asked) and pushes it. */
function pushChart(version: string, privileged = false): void {
  const folder = path.join(scratch, `web-${version}`);
  fs.cpSync(ws.file("charts", "web"), folder, { recursive: true });
  if (privileged) {
    const values = path.join(folder, "values.yaml");
    fs.writeFileSync(
      values,
      fs.readFileSync(values, "utf8").replace("privileged: false", "privileged: true"),
    );
  }
  const packages = path.join(scratch, "packages");
  helm(["package", folder, "--version", version, "--destination", packages]);
  helm(["push", path.join(packages, `web-${version}.tgz`), `oci://${registry.host}/charts`, "--plain-http"]);
}
const chartLabel = (cluster: string) =>
  kubectlOn<KubeObject>(cluster, ["get", "deploy", "web-oci", "-n", "payments"]).metadata.labels?.[
    "helm.sh/chart"
  ];
const setOciVersion = (from: string, to: string) =>
  ws.editSpec("local", (t) =>
    t.replace(
      `version: "${from}"\n    values: { greeting: from-oci }`,
      `version: "${to}"\n    values: { greeting: from-oci }`,
    ),
  );

test("the agent applies a pushed chart bump (history and the dashboard name the workload), refuses a privileged chart keeping the cluster, rollback restores", async () => {
  const saKubeconfig = ws.file(".platform", "agent-sa.kubeconfig");
  writeServiceAccountKubeconfig({
    root: ws.root,
    env: ws.env,
    namespace: "platform-system",
    serviceAccount: "platform-agent-local",
    out: saKubeconfig,
  });
  // from here on `local` is driven with the agent's identity (local-b keeps its own kubeconfig)
  fs.appendFileSync(
    ws.file("stacks", "Pulumi.local.yaml"),
    `config:\n  platform:kubeconfig:\n    local: ${saKubeconfig}\n`,
  );
  source.init();
  fs.appendFileSync(ws.file(".gitignore"), `${path.basename(scratch)}\n`);
  const base = source.commitAndPush("workloads, followed by the agent");
  const agent = await AgentProcess.start(ws, source, ["--interval", "2s", "--drift-interval", "10m"], {
    detached: true,
  });
  let started = Date.now();
  await agent.waitFor((s) => s.phase === "Ready" && s.lastAppliedRevision === base, 300_000);
  log(`agent: first pass (its own identity) ready: ${seconds(started)} s`);

  pushChart("0.2.0");
  setOciVersion("0.1.0", "0.2.0");
  const bump = source.commitAndPush("web-oci: chart 0.2.0");
  started = Date.now();
  const applied = await agent.waitFor(
    (s) => s.lastAppliedRevision === bump || s.phase === "Stalled",
    300_000,
  );
  log(`agent: chart bump applied: ${seconds(started)} s`);
  expect({ phase: applied.phase, lastAppliedRevision: applied.lastAppliedRevision }).toEqual({
    phase: "Ready",
    lastAppliedRevision: bump,
  });
  for (const cluster of ["local", "local-b"]) expect(chartLabel(cluster)).toBe("web-0.2.0");
  const history = await ws.platform(["history", "local", "--json"]);
  const [newest] = (JSON.parse(history.stdout) as HistoryReport).updates;
  expect(newest).toMatchObject({ kind: "up", result: "succeeded", commit: bump, workloads: ["web-oci"] });
  const page = await (await fetch(`${agent.base}/environments/local`)).text();
  expect(page).toContain("workloads changed");
  expect(page).toMatch(/<td data-label="workloads changed">web-oci<\/td>/);

  pushChart("0.3.0", true);
  setOciVersion("0.2.0", "0.3.0");
  const privileged = source.commitAndPush("web-oci: chart 0.3.0 (privileged: must be refused)");
  started = Date.now();
  const stalled = await agent.waitFor(
    (s) => s.lastAttemptedRevision === privileged && s.phase === "Stalled",
    300_000,
  );
  log(`agent: privileged chart refused: ${seconds(started)} s`);
  const condition = stalled.conditions.find((c) => c.type === "Stalled");
  expect(condition).toMatchObject({ status: "True", reason: "PolicyViolation" });
  expect(condition?.message).toContain("k8s-no-privileged");
  expect(condition?.message).toMatch(/Deployment: web-oci-local(-b)?-chart:payments\/web-oci/);
  expect(stalled.lastAppliedRevision).toBe(bump);
  for (const cluster of ["local", "local-b"]) {
    expect(chartLabel(cluster)).toBe("web-0.2.0");
    const live = kubectlOn<KubeObject>(cluster, ["get", "deploy", "web-oci", "-n", "payments"]);
    expect(live.spec.template.spec.containers[0].securityContext.privileged).toBe(false);
  }
  expect(await agent.stop()).toBe(0);

  started = Date.now();
  const rollback = await ws.platform(["rollback", "local", "--to", base, "--now", "--yes"]);
  log(`rollback --now to chart 0.1.0: ${seconds(started)} s`);
  expect({ code: rollback.code, stderr: rollback.code === 0 ? "" : rollback.stderr }).toEqual({
    code: 0,
    stderr: "",
  });
  for (const cluster of ["local", "local-b"]) expect(chartLabel(cluster)).toBe("web-0.1.0");
});
