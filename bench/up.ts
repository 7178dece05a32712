/**
 * What policy enforcement costs a deploy. In one run, on the local stack (its own control plane,
 * started by the first `up`):
 * - a no-op `platform up local --yes` and `platform preview local`, each with the policy pack and
 *   without it, alternating (the order flips every round), 5 rounds: medians and their ratio;
 * - `platform policy check local --manifests` over 100 / 1,000 / 10,000 generated Kubernetes
 *   objects of mixed kinds, start-up included (the median of 3 runs each).
 * "Without the pack" sets PLATFORM_BENCH_WITHOUT_POLICY_PACK=1 in the command's environment, a
 * switch that ops/engine/policyPacks.ts honours for `local` only and that only this bench uses.
 * The last line reads `up ratio R, preview ratio P` (median with the pack over median without).
 *
 *   npx tsx bench/up.ts [rounds, default 5; 0: only the policy checks]
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { BENCH_WITHOUT_POLICY_PACK } from "../ops/engine/policyPacks";

const root = path.resolve(__dirname, "..");
const rounds = Number(process.argv[2] ?? 5);
const cli = path.join(root, "bin", "platform.js");
const log = (l: string) => process.stderr.write(`[bench] ${l}\n`);

/** GNU time, when the machine has it: the CPU a command used, next to its wall time. */
const TIME = fs.existsSync("/usr/bin/time") ? "/usr/bin/time" : undefined;
const timeFile = path.join(os.tmpdir(), `platform-bench-up-${process.pid}.time`);

/**
 * Runs `platform <args>`; returns its wall time and, with GNU time, its CPU time (user + sys) in
 * ms. Fails the bench on an unexpected exit code.
 */
function platform(
  args: string[],
  opts: { withPack: boolean; okCodes?: number[] },
): { ms: number; cpu?: number } {
  const env = { ...process.env };
  if (opts.withPack) delete env[BENCH_WITHOUT_POLICY_PACK];
  else env[BENCH_WITHOUT_POLICY_PACK] = "1";
  const command = [process.execPath, cli, ...args];
  const [file, ...argv] = TIME ? [TIME, "-o", timeFile, "-f", "%U %S", ...command] : command;
  const started = performance.now();
  const res = spawnSync(file, argv, { cwd: root, env, encoding: "utf8", maxBuffer: 64 << 20 });
  const ms = performance.now() - started;
  if (!(opts.okCodes ?? [0]).includes(res.status ?? -1)) {
    throw new Error(`platform ${args.join(" ")} exited ${res.status}:\n${res.stdout}\n${res.stderr}`);
  }
  if (!TIME) return { ms };
  const [user, sys] = fs.readFileSync(timeFile, "utf8").trim().split("\n").pop()!.split(" ").map(Number);
  return { ms, cpu: (user + sys) * 1000 };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

// --- Generated manifests: workloads that pass and fail, services, config, RBAC, namespaces.
const labels = (i: number) => ({
  "app.kubernetes.io/name": `app-${i}`,
  "app.kubernetes.io/part-of": "platform",
  "platform.dev/owner": "team-a",
});

function container(i: number) {
  return {
    name: "app",
    image: i % 7 === 0 ? "nginx:latest" : `registry.acme.io/app-${i % 50}:1.${i % 9}.0`,
    resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "256Mi" } },
    securityContext: {
      allowPrivilegeEscalation: i % 11 === 0,
      privileged: i % 29 === 0,
      runAsNonRoot: true,
      readOnlyRootFilesystem: i % 3 !== 0,
      capabilities: { drop: ["ALL"] },
    },
    readinessProbe: { httpGet: { path: "/ready", port: 8080 } },
    livenessProbe: { httpGet: { path: "/healthz", port: 8080 } },
  };
}

const podSpec = (i: number) => ({
  securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
  automountServiceAccountToken: false,
  containers: [container(i)],
  ...(i % 13 === 0 ? { hostNetwork: true } : {}),
});

const meta = (kind: string, i: number) => ({
  name: `${kind.toLowerCase()}-${i}`,
  namespace: i % 17 === 0 ? "default" : "team-a",
  labels: labels(i),
});

const makers: ((i: number) => Record<string, unknown>)[] = [
  (i) => ({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: meta("Deployment", i),
    spec: {
      replicas: 1 + (i % 3),
      selector: { matchLabels: labels(i) },
      template: { metadata: { labels: labels(i) }, spec: podSpec(i) },
    },
  }),
  (i) => ({ apiVersion: "v1", kind: "Pod", metadata: meta("Pod", i), spec: podSpec(i) }),
  (i) => ({
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: meta("StatefulSet", i),
    spec: {
      serviceName: `sts-${i}`,
      selector: { matchLabels: labels(i) },
      template: { metadata: { labels: labels(i) }, spec: podSpec(i) },
    },
  }),
  (i) => ({
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: meta("CronJob", i),
    spec: {
      schedule: "0 * * * *",
      jobTemplate: { spec: { template: { spec: { ...podSpec(i), restartPolicy: "Never" } } } },
    },
  }),
  (i) => ({
    apiVersion: "v1",
    kind: "Service",
    metadata: meta("Service", i),
    spec: { type: i % 5 === 0 ? "NodePort" : "ClusterIP", ports: [{ port: 80, targetPort: 8080 }] },
  }),
  (i) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: meta("ConfigMap", i), data: { level: "info" } }),
  (i) => ({
    apiVersion: "v1",
    kind: "Secret",
    metadata: meta("Secret", i),
    type: "Opaque",
    stringData: { token: `not-a-real-token-${i}` },
  }),
  (i) => ({ apiVersion: "v1", kind: "ServiceAccount", metadata: meta("ServiceAccount", i) }),
  (i) => ({
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "Role",
    metadata: meta("Role", i),
    rules: [{ apiGroups: [""], resources: ["pods"], verbs: i % 4 === 0 ? ["*"] : ["get", "list"] }],
  }),
  (i) => ({ apiVersion: "v1", kind: "Namespace", metadata: { name: `ns-${i}`, labels: labels(i) } }),
];

/** `count` objects in one multi-document YAML file. */
function manifests(count: number, dir: string): string {
  const docs: string[] = [];
  for (let i = 0; i < count; i++)
    docs.push(stringify(makers[i % makers.length](i), { aliasDuplicateObjects: false }));
  const file = path.join(dir, `mixed-${count}.yaml`);
  fs.writeFileSync(file, docs.join("---\n"));
  return file;
}

// --- The run.
const runStarted = performance.now();
if (rounds > 0) {
  log("first `up local`: toolchain, control plane and the stack itself (not timed)");
  platform(["up", "local", "--yes"], { withPack: true });
  platform(["up", "local", "--yes"], { withPack: false });
}

const times: Record<string, number[]> = {
  "up, with pack": [],
  "up, without": [],
  "preview, with pack": [],
  "preview, without": [],
};
for (let r = 0; r < rounds; r++) {
  const order = r % 2 === 0 ? [true, false] : [false, true];
  for (const verb of ["up", "preview"] as const) {
    for (const withPack of order) {
      const args = verb === "up" ? ["up", "local", "--yes"] : ["preview", "local"];
      const { ms } = platform(args, { withPack });
      times[`${verb}, ${withPack ? "with pack" : "without"}`].push(ms);
      log(`round ${r + 1}: ${verb} ${withPack ? "with the pack" : "without it"} ${sec(ms)}`);
    }
  }
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "platform-bench-manifests-"));
const checks: { count: number; ms: number; cpu?: number }[] = [];
for (const count of [100, 1_000, 10_000]) {
  const file = manifests(count, dir);
  const runs = [0, 1, 2].map(() =>
    // exit 1: the generated objects include mandatory violations on purpose
    platform(["policy", "check", "local", "--manifests", file], { withPack: true, okCodes: [1] }),
  );
  const cpus = runs.flatMap((r) => (r.cpu === undefined ? [] : [r.cpu]));
  checks.push({ count, ms: median(runs.map((r) => r.ms)), cpu: cpus.length ? median(cpus) : undefined });
  log(`policy check of ${count}: ${runs.map((r) => sec(r.ms)).join(", ")}`);
}
fs.rmSync(dir, { recursive: true, force: true });
fs.rmSync(timeFile, { force: true });

const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
console.log(
  `no-op runs of the local stack, ${rounds} rounds alternating, ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)}:`,
);
console.log("| run | with the pack | without | ratio |");
console.log("|---|---|---|---|");
const upRatio = m["up, with pack"] / m["up, without"];
const previewRatio = m["preview, with pack"] / m["preview, without"];
console.log(
  `| \`platform up local\`, no changes | ${sec(m["up, with pack"])} | ${sec(m["up, without"])} | ${upRatio.toFixed(2)}× |`,
);
console.log(
  `| \`platform preview local\` | ${sec(m["preview, with pack"])} | ${sec(m["preview, without"])} | ${previewRatio.toFixed(2)}× |`,
);
console.log("");
console.log("`platform policy check local --manifests`, start-up included (median of 3):");
console.log("| objects | wall | CPU (user + sys) |");
console.log("|---|---|---|");
for (const c of checks)
  console.log(
    `| ${c.count.toLocaleString("en")} | ${sec(c.ms)} | ${c.cpu === undefined ? "n/a" : sec(c.cpu)} |`,
  );
console.log("");
console.log(`whole bench: ${sec(performance.now() - runStarted)}`);
console.log(`up ratio ${upRatio.toFixed(2)}, preview ratio ${previewRatio.toFixed(2)}`);
