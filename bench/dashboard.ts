/**
 * Dashboard benchmark: page weight and render time of a 500-resource environment page in
 * headless Chromium (Debian's, through playwright-core), served by the agent's own routes
 * (ops/dashboard/routes.ts on the agent's server) from a synthetic drift report: 50 apps of 9
 * resources and 10 tenants of 5, 25 of them drifted with 2 properties each, 10 pending changes.
 * Also the static drift.html of the same report, opened from disk. Prints the figures beside the
 * goals (page < 300 KB, first render < 1 s).
 *
 *   npx tsx bench/dashboard.ts [resources, default 500] [rounds, default 5]
 */
import * as fs from "fs";
import type { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import { chromium } from "playwright-core";
import { AgentMetrics, startServer } from "../ops/agent/server";
import { conditions, EnvironmentStatus } from "../ops/agent/status";
import { renderDriftHtml } from "../ops/drift/html";
import { dashboardRoutes } from "../ops/dashboard/routes";
import type { DriftReport, ResourceEntry } from "../ops/drift/model";

const total = Number(process.argv[2] ?? 500);
const rounds = Number(process.argv[3] ?? 5);
const U = "urn:pulumi:bench::platform::";
const STACK = `${U}pulumi:pulumi:Stack::platform-bench`;

/** A synthetic report of `n` resources shaped like the platform's (apps, tenants, a provider). */
function syntheticReport(n: number): DriftReport {
  const resources: ResourceEntry[] = [{ urn: STACK, type: "pulumi:pulumi:Stack", name: "platform-bench" }];
  const kinds = ["apps/v1:Deployment", "core/v1:Service", "core/v1:ConfigMap", "core/v1:ServiceAccount"];
  resources.push({
    urn: `${U}pulumi:providers:kubernetes::k8s`,
    type: "pulumi:providers:kubernetes",
    name: "k8s",
    parent: STACK,
  });
  for (let i = 0; resources.length < n + 1; i++) {
    const tenant = i % 6 === 0;
    const comp = tenant ? `platform:kubernetes:Tenant` : `platform:kubernetes:AppSet`;
    const name = tenant ? `tenant-${i}` : `app-${i}`;
    const top = `${U}${comp}::${name}`;
    resources.push({ urn: top, type: comp, name, parent: STACK });
    for (let k = 0; k < (tenant ? 4 : 8) && resources.length < n + 1; k++) {
      const type = `kubernetes:${kinds[k % kinds.length]}`;
      const child = `${name}-${k}`;
      resources.push({ urn: `${U}${comp}$${type}::${child}`, type, name: child, parent: top });
    }
  }
  const leaves = resources.filter((r) => r.type.startsWith("kubernetes:"));
  const drift = leaves.slice(0, 25).map((r, i) => ({
    urn: r.urn,
    type: r.type,
    name: r.name,
    change: i % 5 === 0 ? ("deleted" as const) : ("modified" as const),
    properties:
      i % 5 === 0
        ? []
        : [
            { path: "spec.replicas", kind: "update" as const, state: 2, live: 4 },
            {
              path: 'metadata.labels["app.kubernetes.io/part-of"]',
              kind: "update" as const,
              state: "platform",
              live: "other",
            },
          ],
  }));
  const pendingChanges = leaves.slice(100, 110).map((r) => ({
    urn: r.urn,
    type: r.type,
    name: r.name,
    op: "update",
    properties: [{ path: 'data["MODE"]', kind: "update", state: "sandbox", desired: "[secret]" }],
  }));
  return {
    schemaVersion: 1,
    environment: "bench",
    status: "drifted",
    generatedAt: new Date().toISOString(),
    durationSeconds: 12.3,
    counts: {
      resources: resources.length,
      drifted: drift.length,
      modified: 20,
      deleted: 5,
      pending: pendingChanges.length,
    },
    drift,
    pendingChanges,
    resources,
    errors: [],
    warnings: [],
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "platform-bench-dashboard-"));
  const report = syntheticReport(total);
  fs.mkdirSync(path.join(home, "agent", "bench", "drift"), { recursive: true });
  fs.writeFileSync(path.join(home, "agent", "bench", "drift", "drift.json"), JSON.stringify(report));
  const staticFile = path.join(home, "drift.html");
  fs.writeFileSync(staticFile, renderDriftHtml(report));
  const status: EnvironmentStatus = {
    name: "bench",
    phase: "Ready",
    conditions: conditions("Ready", "Applied", "revision applied"),
    drift: { status: "drifted", drifted: report.counts.drifted, checkedAt: report.generatedAt },
    suspended: false,
  };
  const stop = new AbortController();
  const server = await startServer({
    listen: "127.0.0.1:0",
    status: () => [status],
    ready: () => true,
    metrics: new AgentMetrics(),
    webhookSecret: undefined,
    onPush: () => undefined,
    routes: dashboardRoutes({
      home,
      repo: "/bench",
      mirror: path.join(home, "agent", "mirror"),
      revisionRoot: (sha) => path.join(home, sha),
      status: () => [status],
      processEnv: {},
      signal: stop.signal,
    }),
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
  const measure = async (url: string, js: boolean) => {
    const fcp: number[] = [];
    const load: number[] = [];
    let bytes = 0;
    for (let i = 0; i < rounds; i++) {
      const context = await browser.newContext({ javaScriptEnabled: js });
      const page = await context.newPage();
      let weight = 0;
      page.on(
        "response",
        (r) =>
          void r
            .body()
            .then((b) => (weight += b.length))
            .catch(() => undefined),
      );
      await page.goto(url, { waitUntil: "load" });
      await page.waitForFunction(`performance.getEntriesByName("first-contentful-paint").length > 0`);
      const t = await page.evaluate<{ fcp: number; load: number }>(
        `(() => { const p = performance.getEntriesByName("first-contentful-paint")[0];
          const n = performance.getEntriesByType("navigation")[0];
          return { fcp: p ? p.startTime : NaN, load: n.loadEventEnd }; })()`,
      );
      await page.waitForTimeout(100);
      fcp.push(t.fcp);
      load.push(t.load);
      bytes = weight;
      await context.close();
    }
    return { bytes, fcp: median(fcp), load: median(load) };
  };
  const page = await measure(`${base}/environments/bench`, true);
  const file = await measure(`file://${staticFile}`, false);
  await browser.close();
  stop.abort();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  fs.rmSync(home, { recursive: true, force: true });
  const kb = (b: number) => `${(b / 1024).toFixed(1)} KB`;
  const ms = (x: number) => `${x.toFixed(0)} ms`;
  console.log(
    `dashboard bench: ${report.counts.resources - 1} resources, ${report.counts.drifted} drifted, median of ${rounds}, Chromium headless`,
  );
  console.log(`| page | weight (goal < 300 KB) | first contentful paint (goal < 1 s) | load event |`);
  console.log(`| --- | ---: | ---: | ---: |`);
  console.log(
    `| agent /environments/bench (HTML + CSS + live.js) | ${kb(page.bytes)} | ${ms(page.fcp)} | ${ms(page.load)} |`,
  );
  console.log(
    `| drift.html from disk, JavaScript off | ${kb(file.bytes)} | ${ms(file.fcp)} | ${ms(file.load)} |`,
  );
  console.log(
    `ratios to the goals: weight ${(page.bytes / (300 * 1024)).toFixed(2)}x and ${(file.bytes / (300 * 1024)).toFixed(2)}x; first render ${(page.fcp / 1000).toFixed(2)}x and ${(file.fcp / 1000).toFixed(2)}x`,
  );
}

void main();
