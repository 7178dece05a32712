/**
 * What a chart and an overlay cost against the same objects as plain manifests, measured side by
 * side in one run, offline (the toolchain's helm and kubectl, no cluster, no engine):
 * - render: a 200-object chart (`helm template`), a 200-object kustomization (`kubectl
 *   kustomize`) and the same 200 objects as a manifests folder (read and parsed), each as the
 *   offline check renders a workload (placement included);
 * - offline check: render + placement + every Kubernetes and platform rule, per kind;
 * - the offline check of 1,000 rendered objects (a manifests workload of 1,000 objects).
 * Medians of `rounds` runs; the ratios compare each kind with its plain manifests.
 *
 * Then the real engine: `platform preview local` (policy packs included, against the local
 * control plane, started by a first preview that is not counted) of the 200-object chart and of
 * the same objects as a manifests folder, alternating (the order flips every round), medians of
 * `previewRounds` each, and their ratio (the issue's goal: at most 1.2x).
 *
 *   npx tsx bench/workloads.ts [rounds, default 5] [previewRounds, default 3; 0: offline only]
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadEnvironment } from "../model/environment";
import { evaluate } from "../ops/policy/evaluate";
import { renderWorkloads, workloadResources } from "../ops/policy/workloads";
import { toolchainBinDir } from "../ops/toolchain/install";
import { REPO_ROOT, TestWorkspace } from "../test/e2e/helpers/workspace";

const rounds = Number(process.argv[2] ?? 5);
const previewRounds = Number(process.argv[3] ?? 3);
const log = (l: string) => process.stderr.write(`[bench] ${l}\n`);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "platform-bench-workloads-"));
const config = JSON.parse(
  fs.readFileSync(path.join(REPO_ROOT, "policies/config/local.json"), "utf8"),
) as object;

/** 50 each of Deployment, Service, ConfigMap, ServiceAccount: 200 objects per set. */
const SETS = 50;
const labels = `app.kubernetes.io/part-of: bench
    app.kubernetes.io/managed-by: platform`;
function objects(i: number, name: (k: string) => string): string[] {
  return [
    `apiVersion: v1
kind: ServiceAccount
metadata:
  name: ${name("sa")}
  labels:
    app.kubernetes.io/name: ${name("app")}
    ${labels}
automountServiceAccountToken: false`,
    `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name("cfg")}
  labels:
    app.kubernetes.io/name: ${name("app")}
    ${labels}
data:
  INDEX: "${i}"`,
    `apiVersion: v1
kind: Service
metadata:
  name: ${name("svc")}
  labels:
    app.kubernetes.io/name: ${name("app")}
    ${labels}
spec:
  selector: { app.kubernetes.io/name: ${name("app")} }
  ports: [{ port: 80, targetPort: 8080 }]`,
    `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name("app")}
  labels:
    app.kubernetes.io/name: ${name("app")}
    ${labels}
spec:
  replicas: 1
  selector: { matchLabels: { app.kubernetes.io/name: ${name("app")} } }
  template:
    metadata: { labels: { app.kubernetes.io/name: ${name("app")} } }
    spec:
      automountServiceAccountToken: false
      securityContext: { runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: RuntimeDefault } }
      containers:
        - name: app
          image: registry.k8s.io/pause:3.10
          resources: { requests: { cpu: 10m, memory: 16Mi }, limits: { cpu: 50m, memory: 32Mi } }
          readinessProbe: { tcpSocket: { port: 8080 } }
          livenessProbe: { tcpSocket: { port: 8080 } }
          securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: [ALL] } }`,
  ];
}

/** The repository: a chart looping over SETS, a kustomization of 200 files, their rendered manifests, and 1,000 objects. */
function repository(): string {
  const root = path.join(tmp, "repo");
  fs.mkdirSync(path.join(root, "stacks/local"), { recursive: true });
  fs.copyFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), path.join(root, "Pulumi.yaml"));
  const chart = path.join(root, "deploy/chart");
  fs.mkdirSync(path.join(chart, "templates"), { recursive: true });
  fs.writeFileSync(path.join(chart, "Chart.yaml"), "apiVersion: v2\nname: bench\nversion: 1.0.0\n");
  fs.writeFileSync(path.join(chart, "values.yaml"), `sets: ${SETS}\n`);
  const template = objects(0, (k) => `${k}-{{ $i }}`)
    .join("\n---\n")
    .replace('INDEX: "0"', 'INDEX: "{{ $i }}"');
  fs.writeFileSync(
    path.join(chart, "templates/objects.yaml"),
    `{{- range $i := until (int .Values.sets) }}\n---\n${template}\n{{- end }}\n`,
  );
  const overlay = path.join(root, "deploy/kustomize");
  fs.mkdirSync(overlay, { recursive: true });
  const files: string[] = [];
  for (let i = 0; i < SETS; i++) {
    objects(i, (k) => `${k}-${i}`).forEach((doc, j) => {
      const file = `o-${i}-${j}.yaml`;
      fs.writeFileSync(path.join(overlay, file), `${doc}\n`);
      files.push(file);
    });
  }
  fs.writeFileSync(
    path.join(overlay, "kustomization.yaml"),
    `resources:\n${files.map((f) => `  - ${f}`).join("\n")}\n`,
  );
  const manifests = path.join(root, "deploy/manifests");
  fs.mkdirSync(manifests, { recursive: true });
  const rendered = spawnSync(
    path.join(toolchainBinDir(process.env), "helm"),
    ["template", "bench", chart, "--namespace", "payments"],
    { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
  );
  if (rendered.status !== 0) throw new Error(`helm template: ${rendered.stderr}`);
  fs.writeFileSync(path.join(manifests, "objects.yaml"), rendered.stdout);
  const thousand = path.join(root, "deploy/thousand");
  fs.mkdirSync(thousand, { recursive: true });
  for (let i = 0; i < 250; i++)
    fs.writeFileSync(
      path.join(thousand, `set-${i}.yaml`),
      `${objects(i, (k) => `${k}-${i}`).join("\n---\n")}\n`,
    );
  return root;
}

function spec(root: string, workload: string): void {
  fs.writeFileSync(path.join(root, "stacks/local/platform.yaml"), specText(workload));
}

function specText(workload: string): string {
  return `environment: local
tier: development
clusters: { local: { kind: local } }
tenants: { payments: { owners: [group:payments-eng], costCenter: cc-104 } }
workloads:
  ${workload}
`;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Median milliseconds of rendering, and of rendering + the check, for one workload entry. */
function measure(root: string, workload: string): { objects: number; renderMs: number; checkMs: number } {
  spec(root, workload);
  const environment = loadEnvironment("local", { root, processEnv: process.env });
  const render: number[] = [];
  const checked: number[] = [];
  let objects = 0;
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    const workloads = renderWorkloads(environment, { env: process.env });
    const t1 = performance.now();
    const failed = workloads.find((w) => w.error);
    if (failed) throw new Error(failed.error);
    evaluate(workloadResources(workloads), { env: "local", config, packs: ["kubernetes", "platform"] });
    const t2 = performance.now();
    render.push(t1 - t0);
    checked.push(t2 - t0);
    objects = workloads[0].objects.length;
  }
  return { objects, renderMs: median(render), checkMs: median(checked) };
}

const root = repository();
log(`repository in ${root}; ${rounds} rounds each`);
const owner = "tenant: payments, clusters: [local]";
const results = {
  manifests: measure(root, `plain: { kind: manifests, path: deploy/manifests, ${owner} }`),
  chart: measure(root, `chart: { kind: helm, path: deploy/chart, ${owner} }`),
  overlay: measure(root, `overlay: { kind: kustomize, path: deploy/kustomize, ${owner} }`),
  thousand: measure(root, `many: { kind: manifests, path: deploy/thousand, ${owner} }`),
};
const fmt = (ms: number) => `${ms.toFixed(0).padStart(6)} ms`;
const lines = [
  `kind                     objects   render   render+check   vs manifests (render+check)`,
  ...(["manifests", "chart", "overlay", "thousand"] as const).map((k) => {
    const r = results[k];
    const label = {
      manifests: "manifests folder",
      chart: "helm chart folder",
      overlay: "kustomize folder",
      thousand: "manifests, 1,000 objects",
    }[k];
    const ratio =
      k === "chart" || k === "overlay" ? `${(r.checkMs / results.manifests.checkMs).toFixed(2)}x` : "-";
    return `${label.padEnd(24)} ${String(r.objects).padStart(7)} ${fmt(r.renderMs)} ${fmt(r.checkMs)}       ${ratio}`;
  }),
  `offline check of 1,000 rendered objects: ${(results.thousand.checkMs / 1000).toFixed(2)} s (${(results.thousand.checkMs / results.thousand.objects).toFixed(2)} ms per object)`,
];
process.stdout.write(`${lines.join("\n")}\n`);

/**
 * The real engine's preview of each workload, in a workspace of its own (its own local control
 * plane): medians of wall time of `platform preview local`, alternating.
 */
async function enginePreviews(): Promise<void> {
  const ws = new TestWorkspace("platform-bench-workloads-engine-");
  try {
    for (const folder of ["chart", "manifests"])
      fs.cpSync(path.join(root, "deploy", folder), ws.file("deploy", folder), { recursive: true });
    const variants = {
      manifests: `plain: { kind: manifests, path: deploy/manifests, ${owner} }`,
      chart: `chart: { kind: helm, path: deploy/chart, ${owner} }`,
    };
    const preview = async (kind: keyof typeof variants): Promise<number> => {
      fs.writeFileSync(ws.file("stacks", "local", "platform.yaml"), specText(variants[kind]));
      const t0 = performance.now();
      const res = await ws.platform(["preview", "local"], 1_200_000);
      const ms = performance.now() - t0;
      if (res.code !== 0)
        throw new Error(`preview of the ${kind} failed (${res.code}):\n${res.stdout}\n${res.stderr}`);
      const creates = /(\d+) to create/.exec(res.stdout + res.stderr)?.[1];
      log(`preview ${kind}: ${(ms / 1000).toFixed(1)} s${creates ? ` (${creates} to create)` : ""}`);
      return ms;
    };
    log("first preview (starts the local control plane; not counted)");
    await preview("manifests");
    const times: Record<keyof typeof variants, number[]> = { manifests: [], chart: [] };
    for (let r = 0; r < previewRounds; r++) {
      const order: (keyof typeof variants)[] = r % 2 ? ["chart", "manifests"] : ["manifests", "chart"];
      for (const kind of order) times[kind].push(await preview(kind));
    }
    const m = median(times.manifests);
    const c = median(times.chart);
    process.stdout.write(
      [
        `real engine, platform preview local (policy packs, local control plane), median of ${previewRounds}:`,
        `  200 objects as a manifests folder: ${(m / 1000).toFixed(1)} s`,
        `  the same 200 objects as a helm chart folder: ${(c / 1000).toFixed(1)} s`,
        `  chart / manifests: ${(c / m).toFixed(2)}x (goal: at most 1.2x)`,
      ].join("\n") + "\n",
    );
  } finally {
    await ws.platform(["cluster", "down"]);
    ws.remove();
  }
}

(previewRounds > 0 ? enginePreviews() : Promise.resolve())
  .catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  })
  .finally(() => fs.rmSync(tmp, { recursive: true, force: true }));
