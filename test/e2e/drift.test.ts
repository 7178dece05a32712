import { createHmac } from "crypto";
import * as fs from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import type { DriftReport } from "../../ops/drift/model";
import { TestWorkspace } from "./helpers/workspace";

/**
 * `platform drift` for real: the local stack is deployed, changed out of band with kubectl, and
 * the drift report, the exit codes, the signed webhook and the remediation are checked against
 * the API server.
 */
jest.setTimeout(900_000);

const ws = new TestWorkspace("platform-e2e-drift-").oneCluster(); // not about fan-out: one control plane
const HMAC_KEY = "e2e-hmac-key-6b1d0c"; // a test value; must never show up in any output
ws.env.DRIFT_E2E_HMAC = HMAC_KEY;
ws.env.PLATFORM_NOTIFY_RETRIES = "2";
ws.env.PLATFORM_NOTIFY_BACKOFF_MS = "50";
ws.env.PLATFORM_NOTIFY_TIMEOUT_MS = "5000";

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}
const received: Received[] = [];
let replyStatus = 200;
const receiver = http.createServer((req, res) => {
  let body = "";
  req.on("data", (d) => (body += d));
  req.on("end", () => {
    received.push({ headers: req.headers, body });
    res.writeHead(replyStatus).end();
  });
});
let hookUrl = "";

const report = (): DriftReport =>
  JSON.parse(fs.readFileSync(ws.file(".platform", "reports", "local", "drift.json"), "utf8")) as DriftReport;

const drift = (...args: string[]) =>
  ws.platform([
    "drift",
    "local",
    "--webhook-url",
    hookUrl,
    "--webhook-secret-env",
    "DRIFT_E2E_HMAC",
    ...args,
  ]);

const configMapName = () =>
  ws
    .kubectlJson(["get", "cm", "-n", "payments"])
    .items.map((c) => c.metadata.name as string)
    .find((n) => n.startsWith("checkout-local-env"));

beforeAll(async () => {
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/drift`;
  const up = await ws.platform(["cluster", "up"]);
  if (up.code !== 0) throw new Error(`cluster up failed (${up.code}):\n${up.stderr}`);
  const deploy = await ws.platform(["up", "local", "--yes"]);
  if (deploy.code !== 0) throw new Error(`up local failed (${deploy.code}):\n${deploy.stderr}`);
});

afterAll(async () => {
  await ws.platform(["cluster", "down"]);
  await new Promise((r) => receiver.close(r));
  ws.remove();
});

test("right after up the environment is in sync: exit 0, nothing sent", async () => {
  const res = await drift("--report-only");
  const r = report();
  // drift, pending changes and errors first, so a failure says what was seen
  expect({ drift: r.drift, pendingChanges: r.pendingChanges, errors: r.errors }).toEqual({
    drift: [],
    pendingChanges: [],
    errors: [],
  });
  expect(res.code).toBe(0);
  expect(r).toMatchObject({ schemaVersion: 1, status: "in-sync" });
  expect(received).toHaveLength(0);
});

test("four out-of-band changes are reported exactly, exit 4, signed webhook", async () => {
  const cm = configMapName();
  expect(cm).toBeDefined();
  ws.kubectl(["scale", "deploy", "checkout", "-n", "payments", "--replicas=4"]);
  ws.kubectl(["label", "--overwrite", "svc/catalog", "-n", "search", "app.kubernetes.io/part-of=other"]);
  ws.kubectl(["delete", "configmap", cm!, "-n", "payments"]);
  const patch = '[{"op":"replace","path":"/spec/ports/0/port","value":9090}]';
  ws.kubectl(["patch", "svc", "checkout", "-n", "payments", "--type=json", "-p", patch]);

  const res = await drift("--report-only");
  expect(res.code).toBe(4);
  const r = report();
  expect(r.status).toBe("drifted");
  const found = r.drift
    .map((d) => ({ name: d.name, change: d.change, properties: d.properties }))
    .sort((a, b) => a.name.localeCompare(b.name));
  expect(found).toEqual([
    {
      name: "catalog-local-service",
      change: "modified",
      properties: [
        {
          path: 'metadata.labels["app.kubernetes.io/part-of"]',
          kind: "update",
          state: "platform",
          live: "other",
        },
      ],
    },
    {
      name: "checkout-local-deployment",
      change: "modified",
      properties: [{ path: "spec.replicas", kind: "update", state: 2, live: 4 }],
    },
    { name: "checkout-local-env", change: "deleted", properties: [] },
    {
      name: "checkout-local-service",
      change: "modified",
      properties: [{ path: "spec.ports[0].port", kind: "update", state: 80, live: 9090 }],
    },
  ]);
  expect(r.pendingChanges).toEqual([]);
  expect(res.stdout).toContain("drift found in 4 resource(s)");
  expect(fs.readFileSync(ws.file(".platform", "reports", "local", "drift.md"), "utf8")).toContain(
    "spec.replicas",
  );

  expect(received).toHaveLength(1);
  const [hook] = received;
  const expected = "sha256=" + createHmac("sha256", HMAC_KEY).update(hook.body).digest("hex");
  expect(hook.headers["x-platform-signature"]).toBe(expected);
  expect(JSON.parse(hook.body)).toMatchObject({
    event: "platform.drift",
    status: "drifted",
    report: { environment: "local" },
  });
  expect(res.stdout + res.stderr).not.toContain(HMAC_KEY);
});

test("drift and a code change together: --remediate stops, a person must decide", async () => {
  ws.editSpec("local", (t) => t.replace("replicas: 1", "replicas: 3"));
  const res = await drift("--remediate");
  ws.editSpec("local", (t) => t.replace("replicas: 3", "replicas: 1"));
  expect(res.code).toBe(4);
  expect(res.stdout).toContain("a person must decide");
  expect(report().remediation).toMatchObject({ action: "remediate", result: "refused" });
  expect(
    ws.kubectlJson<{ spec: { replicas: number } }>(["get", "deploy", "checkout", "-n", "payments"]).spec
      .replicas,
  ).toBe(4);
});

test("--remediate puts the live world back and records it; the next run is in sync", async () => {
  const res = await drift("--remediate");
  expect(res.stderr).not.toMatch(/error:/i);
  expect(res.code).toBe(0);
  expect(report().remediation).toMatchObject({ action: "remediate", result: "applied" });
  expect(
    ws.kubectlJson<{ spec: { replicas: number } }>(["get", "deploy", "checkout", "-n", "payments"]).spec
      .replicas,
  ).toBe(2);
  expect(configMapName()).toBeDefined();
  const svc = ws.kubectlJson<{ spec: { ports: { port: number }[] } }>([
    "get",
    "svc",
    "checkout",
    "-n",
    "payments",
  ]);
  expect(svc.spec.ports.map((p) => p.port)).toEqual([80]);
  const labels = ws.kubectlJson<{ metadata: { labels: Record<string, string> } }>([
    "get",
    "svc",
    "catalog",
    "-n",
    "search",
  ]);
  expect(labels.metadata.labels["app.kubernetes.io/part-of"]).toBe("platform");

  const again = await drift("--report-only");
  expect(again.code).toBe(0);
  expect(report().status).toBe("in-sync");
  expect(report().lastUpdate?.message).toMatch(/^platform drift --remediate local/);
});

test("a change only in platform.yaml is a pending code change, not drift", async () => {
  ws.editSpec("local", (t) => t.replace("replicas: 2", "replicas: 3"));
  const res = await drift("--report-only");
  ws.editSpec("local", (t) => t.replace("replicas: 3", "replicas: 2"));
  expect(res.code).toBe(0);
  const r = report();
  expect(r.status).toBe("in-sync");
  expect(r.drift).toEqual([]);
  expect(r.pendingChanges).toEqual([
    expect.objectContaining({
      name: "checkout-local-deployment",
      op: "update",
      properties: [{ path: "spec.replicas", kind: "update", state: 2, desired: 3 }],
    }),
  ]);
  expect(res.stdout).toContain("pending code changes");
});

test("a receiver answering 500 is retried, then given up on; the report is on disk", async () => {
  ws.kubectl(["scale", "deploy", "catalog", "-n", "search", "--replicas=3"]);
  received.length = 0;
  replyStatus = 500;
  const res = await drift("--report-only");
  replyStatus = 200;
  expect(res.code).toBe(4);
  expect(received).toHaveLength(3); // first attempt + PLATFORM_NOTIFY_RETRIES=2
  expect(res.stderr).toMatch(/not delivered: HTTP 500; gave up after 3 attempts/);
  expect(report()).toMatchObject({
    status: "drifted",
    drift: [expect.objectContaining({ name: "catalog-local-deployment" })],
  });
});

test("with the cluster stopped, drift is unknown and exits 1", async () => {
  const down = await ws.platform(["cluster", "down"]);
  expect(down.code).toBe(0);
  const res = await drift("--report-only");
  expect(res.code).toBe(1);
  expect(res.stdout).toContain("unknown");
  const r = report();
  expect(r.status).toBe("unknown");
  expect(r.errors.join("\n")).toMatch(/unreachable/);
});

test("with its API server unreachable, preview fails naming the cluster (never 'no changes')", async () => {
  const dead = ws.file(".platform", "dead-kubeconfig");
  fs.writeFileSync(dead, fs.readFileSync(ws.kubeconfig, "utf8").replace(/127\.0\.0\.1:\d+/, "127.0.0.1:9"));
  const settingsFile = ws.file("stacks", "Pulumi.local.yaml");
  const settings = fs.readFileSync(settingsFile, "utf8");
  fs.writeFileSync(settingsFile, `${settings}config:\n  platform:kubeconfig: .platform/dead-kubeconfig\n`);
  const json = ws.file(".platform", "preview.json");
  const res = await ws.platform(["preview", "local", "--json", json]);
  fs.writeFileSync(settingsFile, settings);
  expect(res.code).toBe(1);
  expect(res.stderr).toMatch(
    /local: the API server of cluster "local" \(https:\/\/127\.0\.0\.1:9\) is unreachable .*; nothing was run/,
  );
  const report = JSON.parse(fs.readFileSync(json, "utf8")) as { status: string; error: string };
  expect(report.status).toBe("failed");
  expect(report.error).toContain('the API server of cluster "local"');
});
