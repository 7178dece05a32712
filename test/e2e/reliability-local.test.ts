import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parseDocument } from "yaml";
import type { DriftReport } from "../../ops/drift/model";
import { exportEncrypted, openStack } from "../../ops/engine/workspace";
import { descendants, processesMentioning, TestWorkspace } from "./helpers/workspace";
import { loadEnvironment } from "../../model/environment";

/**
 * Faults of the `local` stack (file backend): an update killed with SIGKILL midway (pending
 * operations and a stale lock), a corrupted checkpoint, malformed settings and spec, an
 * unreachable API server, and a planted secret that must never leak.
 */
jest.setTimeout(600_000);

const ws = new TestWorkspace("platform-e2e-reliability-local-").oneCluster(); // not about fan-out: one control plane
const state = ws.file(".platform", "state");
const checkpointFile = path.join(state, ".pulumi", "stacks", "platform", "local.json");
const SECRET = "reliability-canary-5f0e9b2d71";
const SECRET_REF = "reliability-hmac-canary-93c4a8e6b0";
let resources = 0;

function checkpoint(): { bytes: string; resources: number; pending: number } {
  const bytes = fs.readFileSync(checkpointFile, "utf8");
  const latest = (
    JSON.parse(bytes) as {
      checkpoint: { latest?: { resources?: unknown[]; pending_operations?: unknown[] } };
    }
  ).checkpoint.latest;
  return {
    bytes,
    resources: latest?.resources?.length ?? 0,
    pending: latest?.pending_operations?.length ?? 0,
  };
}

/** Every file under a folder, recursively. */
function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .flatMap((e) => (e.isFile() ? [path.join(e.parentPath, e.name)] : []));
}

/** The command line of a live process, or undefined. */
function commandLine(pid: number): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
  } catch {
    return undefined;
  }
}

/** Policy pack processes started for this workspace that are still running. */
function policyPacksOfThisRun(): number[] {
  const ofThisRun = new Set(processesMentioning(ws.root));
  return processesMentioning("run-policy-pack").filter((pid) => ofThisRun.has(pid));
}

/** The one pending operation of the checkpoint when it is the create of a Deployment, else undefined. */
function pendingDeploymentCreate(): { namespace: string; name: string } | undefined {
  let ops: Array<{
    type: string;
    resource: { type: string; inputs?: { metadata?: Record<string, string> } };
  }>;
  try {
    ops = JSON.parse(fs.readFileSync(checkpointFile, "utf8")).checkpoint.latest?.pending_operations ?? [];
  } catch {
    return undefined; // not written yet
  }
  const [op] = ops;
  if (ops.length !== 1 || op.type !== "creating" || op.resource.type !== "kubernetes:apps/v1:Deployment") {
    return undefined;
  }
  const { namespace, name } = op.resource.inputs?.metadata ?? {};
  return namespace && name ? { namespace, name } : undefined;
}

/**
 * Starts `platform up local --yes --parallel 1` in its own process group and SIGKILLs that group
 * (only that group, as a crash of the process would) while exactly one operation is in flight:
 * the checkpoint records one pending operation, the create of a Deployment, and the Deployment is
 * on the API server, so the provider is waiting for its rollout and nothing is being written.
 * `--parallel 1` makes that create the only operation in flight; watching the checkpoint, not the
 * output, makes the kill land after the engine recorded it (it prints "creating" first). Resolves
 * with the Deployment and the pids of the engine's plugins at the moment of the kill.
 */
function killUpMidway(): Promise<{ deployment: { namespace: string; name: string }; plugins: number[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [ws.file("bin", "platform.js"), "up", "local", "--yes", "--parallel", "1"],
      { cwd: ws.root, env: ws.env, detached: true, stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    let killed: { deployment: { namespace: string; name: string }; plugins: number[] } | undefined;
    child.stdout.on("data", (d: Buffer) => (out += d));
    child.stderr.on("data", (d: Buffer) => (out += d));
    const watch = setInterval(() => {
      const deployment = pendingDeploymentCreate();
      if (!deployment || child.exitCode !== null) return;
      const live = ws.kubectlRaw(["get", "deployment", deployment.name, "-n", deployment.namespace]);
      if (live.status !== 0) return;
      const plugins = descendants(child.pid as number);
      if (pendingDeploymentCreate()?.name !== deployment.name) return; // finished meanwhile
      clearInterval(watch);
      killed = { deployment, plugins };
      process.kill(-(child.pid as number), "SIGKILL");
    }, 50);
    child.on("exit", (code, signal) => {
      clearInterval(watch);
      if (signal === "SIGKILL" && killed) resolve(killed);
      else reject(new Error(`up ended (${code ?? signal}) before the kill:\n${out}`));
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Objects labelled as Pulumi's on the cluster that the stack's state does not track (orphans). */
function untracked(): string[] {
  const state = JSON.parse(checkpoint().bytes).checkpoint.latest.resources as Array<{
    type: string;
    id?: string;
  }>;
  const tracked = new Set(state.map((r) => `${r.type.split(":").pop()}:${r.id}`));
  const kinds = [
    "namespaces",
    "configmaps",
    "services",
    "serviceaccounts",
    "deployments",
    "poddisruptionbudgets",
    "networkpolicies",
    "resourcequotas",
    "limitranges",
    "rolebindings",
    "validatingadmissionpolicies",
    "validatingadmissionpolicybindings",
  ];
  return ws
    .kubectlJson(["get", kinds.join(","), "-A", "-l", "app.kubernetes.io/managed-by=pulumi"])
    .items.map((o) => `${o.kind}:${o.metadata.namespace ? `${o.metadata.namespace}/` : ""}${o.metadata.name}`)
    .filter((key) => !tracked.has(key));
}

beforeAll(async () => {
  const res = await ws.platform(["up", "local", "--yes"]);
  if (res.code !== 0) throw new Error(`up local failed (${res.code}):\n${res.stderr}`);
  resources = checkpoint().resources;
});

afterAll(async () => {
  await ws.platform(["cluster", "down"]);
  ws.remove();
});

test("planted secrets appear in no output, state file, PR comment, report or event", async () => {
  const stack = await openStack(
    loadEnvironment("local", { root: ws.root, processEnv: ws.env }),
    async () => ({}),
  );
  await stack.setConfig("platform:reliabilityCanary", { value: SECRET, secret: true });
  const events: unknown[] = [];
  const res = await ws.platform(["up", "local", "--yes"]);
  expect(res.code).toBe(0);
  // what `pulumi stack export` shows (stack.exportStack() adds --show-secrets)
  const exported = JSON.stringify(await exportEncrypted(stack));
  expect(JSON.parse(exported).deployment.resources.length).toBe(resources);
  const stackWithEvents = await openStack(
    loadEnvironment("local", { root: ws.root, processEnv: ws.env }),
    async () => ({}),
  );
  await stackWithEvents.previewRefresh({ onEvent: (e) => events.push(e) });
  expect(events.length).toBeGreaterThan(0);
  const kubeKey = /client-key-data: (\S+)/.exec(fs.readFileSync(ws.kubeconfig, "utf8"))?.[1] ?? "";
  expect(kubeKey.length).toBeGreaterThan(100);
  expect(fs.readFileSync(ws.file("stacks", "Pulumi.local.yaml"), "utf8")).toMatch(
    /reliabilityCanary:\s+secure:/,
  );
  // The drift webhook's signing key (read from the environment, as CI passes it), and the PR
  // comment (preview markdown and JSON) and the drift report and its signed alert.
  ws.env.DRIFT_HOOK_KEY = SECRET_REF;
  const comment = ws.file(".platform", "comment.md");
  const preview = await ws.platform(["preview", "local", "--markdown", comment, "--json", `${comment}.json`]);
  // drifted, so the webhook is signed and sent (nobody listens there: not delivered)
  ws.kubectl(["label", "--overwrite", "ns", "payments", "app.kubernetes.io/part-of=other"]);
  ws.env.PLATFORM_NOTIFY_RETRIES = "0";
  const drift = await ws.platform([
    "drift",
    "local",
    "--report-only",
    "--webhook-secret-env",
    "DRIFT_HOOK_KEY",
  ]);
  delete ws.env.PLATFORM_NOTIFY_RETRIES;
  delete ws.env.DRIFT_HOOK_KEY;
  ws.kubectl(["label", "--overwrite", "ns", "payments", "app.kubernetes.io/part-of=platform"]);
  expect({ code: preview.code, stderr: preview.code === 0 ? "" : preview.stderr }).toEqual({
    code: 0,
    stderr: "",
  });
  expect(drift.code).toBe(4);
  expect(drift.stderr).toMatch(/notify webhook \S+ \(signed, DRIFT_HOOK_KEY\): not delivered/);
  expect(fs.readFileSync(comment, "utf8")).toContain("`local`");

  const leaks: string[] = [];
  const places: Array<[string, string]> = [
    ["up stdout", res.stdout],
    ["up stderr", res.stderr],
    ["preview stdout", preview.stdout],
    ["preview stderr", preview.stderr],
    ["drift stdout", drift.stdout],
    ["drift stderr", drift.stderr],
    ["stack export", exported],
    ["engine events", JSON.stringify(events)],
    ["Pulumi.local.yaml", fs.readFileSync(ws.file("stacks", "Pulumi.local.yaml"), "utf8")],
    ...filesUnder(ws.file(".platform"))
      .filter((f) => !f.startsWith(ws.file(".platform", "cluster")))
      .map((f): [string, string] => [f, fs.readFileSync(f, "latin1")]),
  ];
  expect(places.some(([f]) => f.endsWith(path.join("reports", "local", "drift.json")))).toBe(true);
  for (const [where, text] of places) {
    if (text.includes(SECRET)) leaks.push(`canary in ${where}`);
    if (text.includes(SECRET_REF)) leaks.push(`referenced secret in ${where}`);
    if (text.includes(kubeKey)) leaks.push(`kubeconfig key in ${where}`);
  }
  expect(places.some(([f]) => f.includes(path.join("state", ".pulumi", "stacks")))).toBe(true);
  expect(leaks).toEqual([]);
  await stack.removeConfig("platform:reliabilityCanary");
});

test("malformed Pulumi.local.yaml and platform.yaml: file:line:col, nothing deployed", async () => {
  const before = checkpoint().bytes;
  const settingsFile = ws.file("stacks", "Pulumi.local.yaml");
  const settings = fs.readFileSync(settingsFile, "utf8");
  fs.writeFileSync(settingsFile, `${settings}\nplatform-broken: [true\n`);
  const badSettings = await ws.platform(["up", "local", "--yes"]);
  fs.writeFileSync(settingsFile, settings);
  expect(badSettings.code).toBe(1);
  expect(badSettings.stderr).toMatch(/stacks\/Pulumi\.local\.yaml:\d+:\d+: not valid YAML/);

  const spec = fs.readFileSync(ws.file("stacks", "local", "platform.yaml"), "utf8");
  ws.editSpec("local", (text) => text.replace("replicas: 2", "replicas: two"));
  const badSpec = await ws.platform(["up", "local", "--yes"]);
  fs.writeFileSync(ws.file("stacks", "local", "platform.yaml"), spec);
  expect(badSpec.code).toBe(1);
  expect(badSpec.stderr).toMatch(/stacks\/local\/platform\.yaml:\d+:\d+ apps\.checkout\.replicas/);
  expect(badSpec.stderr).not.toContain("Updating (local)");
  expect(checkpoint().bytes).toBe(before);
});

test("an unreachable API server: a clear error, exit 1, nothing written", async () => {
  const before = checkpoint().bytes;
  const dead = ws.file(".platform", "dead-kubeconfig");
  fs.writeFileSync(dead, fs.readFileSync(ws.kubeconfig, "utf8").replace(/127\.0\.0\.1:\d+/, "127.0.0.1:9"));
  const settingsFile = ws.file("stacks", "Pulumi.local.yaml");
  const settings = fs.readFileSync(settingsFile, "utf8");
  const doc = parseDocument(settings);
  doc.setIn(["config", "platform:kubeconfig"], ".platform/dead-kubeconfig");
  fs.writeFileSync(settingsFile, doc.toString());
  const res = await ws.platform(["up", "local", "--yes"]);
  fs.writeFileSync(settingsFile, settings);
  expect(res.code).toBe(1);
  expect(res.stderr).toMatch(
    /local: the API server of cluster "local" \(https:\/\/127\.0\.0\.1:9\) is unreachable/,
  );
  expect(checkpoint().bytes).toBe(before);
});

test("a corrupted checkpoint is refused before Pulumi runs, and restored from its backup", async () => {
  const good = checkpoint();
  fs.writeFileSync(checkpointFile, good.bytes.slice(0, good.bytes.length / 2));
  const refused = await ws.platform(["up", "local", "--yes"]);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain("the checkpoint");
  expect(refused.stderr).toContain("is corrupted");
  expect(refused.stderr).toContain("local.json.bak");
  expect(refused.stderr).toContain(path.join(".pulumi", "backups", "platform", "local"));
  expect(refused.stderr).toContain("platform recover local --restore-backup");
  expect(refused.stderr).not.toContain("Updating (local)");

  const restored = await ws.platform(["recover", "local", "--restore-backup"]);
  expect(restored.code).toBe(0);
  expect(restored.stdout).toMatch(
    /restored the checkpoint from .*\(\d+ resources\); the corrupted file is kept as .*local\.json\.corrupt-/,
  );
  expect(fs.readdirSync(path.dirname(checkpointFile)).some((f) => f.startsWith("local.json.corrupt-"))).toBe(
    true,
  );
  expect(checkpoint().resources).toBe(resources);
  const after = await ws.platform(["up", "local", "--yes"]);
  expect(after.code).toBe(0);
  expect(after.stdout).toContain("local: succeeded");
});

test("an update killed midway: stale lock and pending operations are refused, then recovered", async () => {
  expect((await ws.platform(["destroy", "local", "--yes"])).code).toBe(0);
  const { deployment, plugins } = await killUpMidway();
  // The policy packs end by themselves once their engine is gone (policies/exit-with-parent.js):
  // nothing killed them, they run in process groups of their own.
  const deadline = Date.now() + 10_000;
  while (policyPacksOfThisRun().length > 0 && Date.now() < deadline) await sleep(250);
  expect(policyPacksOfThisRun()).toEqual([]);
  // The Kubernetes provider plugin (pulumi-resource-kubernetes 4.25.0) does not notice: it checks
  // its engine's health only every 5 minutes, and a failed check cancels nothing (its gRPC server
  // keeps serving). Killed here, as a crash of the machine would, so it does not outlive the test.
  const providers = plugins.filter((pid) => commandLine(pid)?.includes("pulumi-resource-kubernetes"));
  expect(providers.length).toBeGreaterThan(0);
  for (const pid of providers) process.kill(pid, "SIGKILL");

  const crashed = checkpoint();
  expect(crashed.pending).toBe(1);
  const [pendingOp] = JSON.parse(crashed.bytes).checkpoint.latest.pending_operations;
  expect(pendingOp).toMatchObject({ type: "creating", resource: { type: "kubernetes:apps/v1:Deployment" } });
  // What a kill between the two steps of the file backend's write leaves: an empty metadata file
  // beside the checkpoint, after which the engine cannot read the checkpoint ("EOF").
  const attrs = `${checkpointFile}.attrs`;
  fs.writeFileSync(attrs, "");

  const locked = await ws.platform(["up", "local", "--yes"]);
  expect(locked.code).toBe(1);
  expect(locked.stderr).toMatch(/local is held by a stale lock; nothing was run/);
  expect(locked.stderr).toMatch(/locked by \S+@\S+ \(pid \d+\) since \S+: no longer running \(stale\)/);
  expect(locked.stderr).toContain("platform recover local --break-lock");

  const explained = await ws.platform(["recover", "local"]);
  expect(explained.code).toBe(0);
  expect(explained.stdout).toMatch(/pending operations: 1\n/);
  expect(explained.stdout).toContain(`(id ${deployment.namespace}/${deployment.name})`);
  expect(explained.stdout).toContain(`damaged metadata files: 1`);
  expect(explained.stdout).toContain(attrs);
  for (const choice of ["--break-lock", "--refresh", "--import-pending-creates", "--clear-pending-creates"]) {
    expect(explained.stdout).toContain(`platform recover local ${choice}`);
  }
  const broken = await ws.platform(["recover", "local", "--break-lock"]);
  expect(broken.stdout).toContain("broke stale lock");
  expect(broken.stderr).toContain(`removed ${attrs}`);
  expect(fs.existsSync(attrs)).toBe(false);

  const pending = await ws.platform(["up", "local", "--yes"]);
  expect(pending.code).toBe(1);
  expect(pending.stderr).toMatch(/the last update was interrupted; 1 operation\(s\) never finished/);
  expect(pending.stderr).toContain("platform recover local");
  expect(checkpoint().bytes).toBe(crashed.bytes);

  // Drift sees the interrupted update too: it reports the pending operation and, with drift to
  // put back, refuses to remediate until recover has run.
  const ns = deployment.namespace;
  ws.kubectl(["label", "--overwrite", "ns", ns, "app.kubernetes.io/part-of=other"]);
  const drift = await ws.platform(["drift", "local", "--remediate"]);
  const driftReport = JSON.parse(
    fs.readFileSync(ws.file(".platform", "reports", "local", "drift.json"), "utf8"),
  ) as DriftReport;
  expect({
    code: drift.code,
    status: driftReport.status,
    errors: driftReport.errors,
    pendingOperations: driftReport.pendingOperations,
    remediation: driftReport.remediation?.result,
  }).toEqual({ code: 4, status: "drifted", errors: [], pendingOperations: 1, remediation: "refused" });
  expect(driftReport.remediation?.reasons.join("\n")).toMatch(
    /the checkpoint has 1 pending operation\(s\) from an interrupted update/,
  );
  expect(driftReport.warnings).toContain(
    "the last update was interrupted: 1 operation(s) never finished; nothing is remediated until `platform recover local` resolves them",
  );
  expect(drift.stdout).toContain("the last update was interrupted");
  expect(checkpoint().bytes).toBe(crashed.bytes);
  ws.kubectl(["label", "--overwrite", "ns", ns, "app.kubernetes.io/part-of=platform"]);

  const recovered = await ws.platform(["recover", "local", "--import-pending-creates"]);
  expect(recovered.stderr).not.toMatch(/^error:/m);
  // with its output, so a failure says which pending operation could not be recovered
  expect({ code: recovered.code, stderr: recovered.code === 0 ? "" : recovered.stderr }).toEqual({
    code: 0,
    stderr: "",
  });
  expect(recovered.stdout).toContain("local: pending creates: 1 imported, 0 dropped; refresh succeeded");
  // adopted: the Deployment is a resource of the stack now, with its id
  const adopted = checkpoint();
  expect(adopted.pending).toBe(0);
  expect(adopted.resources).toBe(crashed.resources + 1);
  expect(
    (JSON.parse(adopted.bytes).checkpoint.latest.resources as Array<{ type: string; id?: string }>)
      .filter((r) => r.type === "kubernetes:apps/v1:Deployment")
      .map((r) => r.id),
  ).toContain(`${deployment.namespace}/${deployment.name}`);

  const up = await ws.platform(["up", "local", "--yes"]);
  expect({ code: up.code, stderr: up.code === 0 ? "" : up.stderr }).toEqual({ code: 0, stderr: "" });
  expect(checkpoint().resources).toBe(resources);
  const deploys = ws.kubectlJson(["get", "deploy", "-n", "payments"]).items;
  expect(deploys.map((d) => d.metadata.name)).toEqual(["checkout"]);
  expect(untracked()).toEqual([]);
});

test("a lock whose holder is alive is never broken", async () => {
  const dir = path.join(state, ".pulumi", "locks", "organization", "platform", "local");
  fs.mkdirSync(dir, { recursive: true });
  const lock = path.join(dir, "live-holder.json");
  const hostname = (await import("os")).hostname();
  fs.writeFileSync(
    lock,
    JSON.stringify({ pid: process.pid, username: "e2e", hostname, timestamp: new Date().toISOString() }),
  );
  const res = await ws.platform(["recover", "local", "--break-lock"]);
  expect(res.code).toBe(1);
  expect(res.stderr).toMatch(/refusing to break the lock of local: its holder is not provably gone/);
  expect(res.stderr).toContain(`(pid ${process.pid})`);
  expect(fs.existsSync(lock)).toBe(true);
  fs.rmSync(lock);
});
