import { createHmac } from "crypto";
import type { Server } from "http";
import type { AddressInfo } from "net";
import { AgentMetrics, parseListen, startServer, verifySignature } from "../../../ops/agent/server";
import { conditions, EnvironmentStatus } from "../../../ops/agent/status";

const SECRET = "unit-hook-secret";
const SHA = "0123456789abcdef0123456789abcdef01234567";
const env: EnvironmentStatus = {
  name: "local",
  phase: "Ready",
  lastAppliedRevision: SHA,
  lastAttemptedRevision: SHA,
  lastAppliedAt: "2026-01-01T00:00:00.000Z",
  conditions: conditions("Ready", "Applied", `revision ${SHA} applied`),
  drift: { status: "in-sync", checkedAt: "2026-01-01T00:01:00.000Z", drifted: 0 },
  suspended: false,
};

let server: Server;
let base = "";
let pushes = 0;
let ready = false;

beforeAll(async () => {
  server = await startServer({
    listen: "127.0.0.1:0",
    status: () => [env],
    ready: () => ready,
    metrics: new AgentMetrics(),
    webhookSecret: SECRET,
    onPush: () => pushes++,
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const sign = (body: string, secret = SECRET) =>
  `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;

function hook(body: string, signature?: string) {
  const headers: Record<string, string> = {};
  if (signature !== undefined) headers["x-hub-signature-256"] = signature;
  return fetch(`${base}/hooks/git`, { method: "POST", body, headers });
}

describe("POST /hooks/git", () => {
  const body = JSON.stringify({ ref: "refs/heads/main", after: SHA });

  test("a good signature is 202 and triggers a poll", async () => {
    const before = pushes;
    expect((await hook(body, sign(body))).status).toBe(202);
    expect(pushes).toBe(before + 1);
  });

  test.each<[string, string | undefined]>([
    ["missing", undefined],
    ["of another body", sign(`${body} `)],
    ["with another secret", sign(body, "not-the-secret")],
    ["of the wrong length", sign(body).slice(0, -2)],
    ["without the sha256= prefix", sign(body).slice("sha256=".length)],
    ["not hex", `sha256=${"z".repeat(64)}`],
  ])("a signature %s is 401 and triggers nothing", async (_name, signature) => {
    const before = pushes;
    const res = await hook(body, signature);
    expect(res.status).toBe(401);
    expect(await res.text()).not.toContain(SECRET);
    expect(pushes).toBe(before);
  });
});

test("verifySignature refuses everything without a secret", () => {
  const body = Buffer.from("{}");
  expect(verifySignature(undefined, body, sign("{}"))).toBe(false);
  expect(verifySignature(SECRET, body, sign("{}"))).toBe(true);
});

test("GET /status has the documented shape with full commit ids", async () => {
  const res = await fetch(`${base}/status`);
  expect(res.headers.get("content-type")).toBe("application/json");
  const body = (await res.json()) as { environments: EnvironmentStatus[] };
  expect(Object.keys(body)).toEqual(["environments"]);
  const [e] = body.environments;
  expect(Object.keys(e).sort()).toEqual(
    [
      "conditions",
      "drift",
      "lastAppliedAt",
      "lastAppliedRevision",
      "lastAttemptedRevision",
      "name",
      "phase",
      "suspended",
    ].sort(),
  );
  expect(e.lastAppliedRevision).toMatch(/^[0-9a-f]{40}$/);
  // kstatus as Flux writes it: Reconciling and Stalled only while they hold
  expect(e.conditions.map((c) => [c.type, c.status])).toEqual([["Ready", "True"]]);
  expect(Object.keys(e.drift).sort()).toEqual(["checkedAt", "drifted", "status"]);
});

test("GET /metrics is Prometheus text with the agent's gauges and counters", async () => {
  const res = await fetch(`${base}/metrics`);
  expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  expect(text).toMatch(/^# TYPE platform_agent_environment_ready gauge$/m);
  expect(text).toMatch(/^platform_agent_environment_ready\{environment="local"\} 1$/m);
  expect(text).toMatch(/^platform_agent_environment_stalled\{environment="local"\} 0$/m);
  expect(text).toMatch(/^platform_agent_last_applied_timestamp_seconds\{environment="local"\} 1767225600$/m);
  expect(text).toMatch(/^platform_agent_webhooks_total\{result="accepted"\} \d+$/m);
});

test("/healthz is 200; /readyz is 503 until the first pass, then 200; others 404", async () => {
  expect((await fetch(`${base}/healthz`)).status).toBe(200);
  ready = false;
  expect((await fetch(`${base}/readyz`)).status).toBe(503);
  ready = true;
  expect((await fetch(`${base}/readyz`)).status).toBe(200);
  expect((await fetch(`${base}/nope`)).status).toBe(404);
});

test("a port in use is an error naming --listen", async () => {
  const port = (server.address() as AddressInfo).port;
  const listen = `127.0.0.1:${port}`;
  await expect(
    startServer({
      listen,
      status: () => [],
      ready: () => true,
      metrics: new AgentMetrics(),
      webhookSecret: undefined,
      onPush: () => {},
    }),
  ).rejects.toThrow(`--listen ${listen}: the port is in use`);
});

test.each(["8080", "host:", ":80", "h:99999"])("parseListen refuses %p", (raw) => {
  expect(() => parseListen(raw)).toThrow(/--listen takes HOST:PORT/);
});
