import * as fs from "fs";
import type { Server } from "http";
import type { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import { AgentMetrics, startServer } from "../../../ops/agent/server";
import { conditions, EnvironmentStatus } from "../../../ops/agent/status";
import { CONTENT_SECURITY_POLICY, dashboardRoutes } from "../../../ops/dashboard/routes";
import { sampleReport } from "./fixtures";

const home = fs.mkdtempSync(path.join(os.tmpdir(), "dashboard-unit-"));
const env: EnvironmentStatus = {
  name: "local",
  phase: "Ready",
  conditions: conditions("Ready", "Applied", "ok"),
  drift: { status: "drifted", drifted: 2, checkedAt: "2026-01-01T00:01:00.000Z" },
  suspended: false,
};
const driftDir = path.join(home, "agent", "local", "drift");
const stop = new AbortController();
let server: Server;
let base = "";

beforeAll(async () => {
  fs.mkdirSync(driftDir, { recursive: true });
  fs.writeFileSync(path.join(driftDir, "drift.json"), JSON.stringify(sampleReport()));
  server = await startServer({
    listen: "127.0.0.1:0",
    status: () => [env],
    ready: () => true,
    metrics: new AgentMetrics(),
    webhookSecret: undefined,
    onPush: () => undefined,
    routes: dashboardRoutes({
      home,
      repo: "/nowhere",
      mirror: path.join(home, "agent", "mirror"),
      revisionRoot: (sha) => path.join(home, "agent", "revisions", sha),
      status: () => [env],
      processEnv: {},
      signal: stop.signal,
      pollMs: 50,
    }),
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  stop.abort();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  fs.rmSync(home, { recursive: true, force: true });
});

test("the overview and an environment page: HTML with the CSP; /status is still the agent's", async () => {
  const res = await fetch(`${base}/`);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
  expect(res.headers.get("content-security-policy")).toBe(CONTENT_SECURITY_POLICY);
  expect(CONTENT_SECURITY_POLICY).toMatch(/default-src 'none'.*script-src 'self'/);
  expect(await res.text()).toContain("drifted: 2 resource(s)");
  const page = await fetch(`${base}/environments/local`);
  const html = await page.text();
  expect(page.status).toBe(200);
  expect(html).toContain("data[&quot;PAYMENTS_MODE&quot;]");
  expect(html).not.toContain("<script>window");
  const status = (await (await fetch(`${base}/status`)).json()) as { environments: EnvironmentStatus[] };
  expect(status.environments[0].name).toBe("local");
});

test.each([
  ["POST", "/", 405],
  ["DELETE", "/environments/local", 405],
  ["GET", "/environments/nosuch", 404],
  ["GET", "/environments/%E0%A4%A", 404],
  ["GET", "/assets/nothing", 404],
])("%s %s is %i", async (method, url, code) => {
  const res = await fetch(`${base}${url}`, { method });
  expect(res.status).toBe(code);
  expect(res.headers.get("content-security-policy")).toBe(CONTENT_SECURITY_POLICY);
});

test("assets: the stylesheet and the live-update script, same origin", async () => {
  const css = await fetch(`${base}/assets/dashboard.css`);
  expect(css.headers.get("content-type")).toBe("text/css; charset=utf-8");
  const js = await fetch(`${base}/assets/live.js`);
  expect(js.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
  expect(await js.text()).toContain('new EventSource("/events")');
});

test("/events sends a message when a drift report changes", async () => {
  const ac = new AbortController();
  const res = await fetch(`${base}/events`, { signal: ac.signal });
  expect(res.headers.get("content-type")).toBe("text/event-stream");
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let seen = "";
  await new Promise((r) => setTimeout(r, 120));
  const later = new Date(Date.now() + 5000);
  fs.utimesSync(path.join(driftDir, "drift.json"), later, later);
  while (!seen.includes("event: message")) {
    const { value, done } = await reader.read();
    if (done) break;
    seen += decoder.decode(value);
  }
  ac.abort();
  expect(seen).toContain("retry: 2000");
  expect(seen).toMatch(/event: message\ndata: \{"at":"/);
});
