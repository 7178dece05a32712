import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { openStack } from "../../ops/engine/workspace";
import { loadEnvironment } from "../../model/environment";
import { AgentProcess, GitSource } from "./helpers/agent";
import { launchChromium } from "./helpers/browser";
import { TestWorkspace } from "./helpers/workspace";

/**
 * The dashboard in a real browser (Debian's Chromium through playwright-core): the local stack
 * deployed, `platform agent` following a bare repository on disk, drift made with kubectl. The
 * overview and the environment page show the revision and the drifted properties, update without
 * a reload after a new drift, read with JavaScript off and at phone width; a `<script>` env value
 * is text; a planted secret is nowhere in the DOM; the static drift.html and preview HTML are
 * opened from disk with JavaScript disabled.
 */
jest.setTimeout(1_200_000);

const ws = new TestWorkspace("platform-e2e-dashboard-").oneCluster(); // not about fan-out: one control plane
const source = new GitSource(ws, "Dashboard E2E");
const shots = fs.mkdtempSync(path.join(os.tmpdir(), "platform-e2e-dashboard-shots-"));
const CANARY = "dashboard-canary-7d41c9e2b5"; // a stack config secret: must appear on no page
const SCRIPT = "<script>window.__pwned=1</script>";
ws.env.PLATFORM_NOTIFY_RETRIES = "0";
ws.env.PLATFORM_NOTIFY_TIMEOUT_MS = "2000";

let agent: AgentProcess;
let base = "";
let head = "";
let browser: Browser;

/** A full-page screenshot and one of the viewport only (small enough for docs/). */
async function shot(page: Page, name: string): Promise<void> {
  for (const [file, fullPage] of [
    [path.join(shots, `${name}.png`), true],
    [path.join(shots, `${name}-view.png`), false],
  ] as const) {
    await page.screenshot({ path: file, fullPage });
    console.log(`dashboard e2e: screenshot ${file} (${fs.statSync(file).size} bytes)`);
  }
}

/** Browser contexts of a test, closed after it whatever happened (an open page holds /events). */
const contexts: BrowserContext[] = [];
const newContext = async (opts: Parameters<Browser["newContext"]>[0]) => {
  const c = await browser.newContext(opts);
  contexts.push(c);
  return c;
};
afterEach(async () => {
  for (const c of contexts.splice(0)) await c.close();
});

/** Everything a page holds: its HTML and the values of every attribute and form field. */
const domText = (page: Page) =>
  page.evaluate<string>("document.documentElement.outerHTML + document.documentElement.innerText");

/** A global of the page (`window[name]`), to tell whether a script ran. */
const pageGlobal = (page: Page, name: string) => page.evaluate<unknown>(`window[${JSON.stringify(name)}]`);

const configMapName = () =>
  ws
    .kubectlJson(["get", "cm", "-n", "payments"])
    .items.map((c) => c.metadata.name as string)
    .find((n) => n.startsWith("checkout-local-env")) as string;

beforeAll(async () => {
  browser = await launchChromium(); // first: a missing Chromium fails here, loudly
  // Drift is reported, not put back (local remediates by default), and a value to escape.
  ws.editSpec("local", (t) =>
    t
      .replace("mode: remediate", "mode: alert")
      .replace("PAYMENTS_MODE: sandbox", `PAYMENTS_MODE: "${SCRIPT}"`),
  );
  const stack = await openStack(
    loadEnvironment("local", { root: ws.root, processEnv: ws.env }),
    async () => ({}),
  );
  await stack.setConfig("platform:dashboardCanary", { value: CANARY, secret: true });
  if (!/dashboardCanary:\s+secure:/.test(fs.readFileSync(ws.file("stacks", "Pulumi.local.yaml"), "utf8")))
    throw new Error("the canary is not in stacks/Pulumi.local.yaml as a secure value");
  head = source.init("the platform, as the agent will follow it");
  const up = await ws.platform(["up", "local", "--yes"]);
  if (up.code !== 0) throw new Error(`up local failed:\n${up.stdout}\n${up.stderr}`);
  agent = await AgentProcess.start(ws, source, ["--interval", "5s", "--drift-interval", "5s"], {
    pollMs: 500,
  });
  base = agent.base;
  await agent.waitFor((s) => s.phase === "Ready" && s.drift.status === "in-sync", 300_000);
});

afterAll(async () => {
  await browser?.close();
  await AgentProcess.stopAll();
  await ws.platform(["cluster", "down"]);
  ws.remove();
  source.remove();
  console.log(`dashboard e2e: screenshots kept in ${shots}`);
});

test("overview and environment page show the revision and the drift; a new drift appears without a reload", async () => {
  ws.kubectl(["scale", "deploy", "checkout", "-n", "payments", "--replicas=4"]);
  ws.kubectl([
    "patch",
    "configmap",
    configMapName(),
    "-n",
    "payments",
    "--type=merge",
    "-p",
    '{"data":{"PAYMENTS_MODE":"live"}}',
  ]);
  const drifted = await agent.waitFor((s) => s.drift.status === "drifted" && s.drift.drifted === 2, 300_000);
  expect(drifted.lastAppliedRevision).toBe(head);

  const context = await newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  const res = await page.goto(`${base}/`);
  expect(res?.headers()["content-security-policy"]).toContain("default-src 'none'");
  const overview = page.getByRole("row", { name: /local/ });
  await expect(overview.innerText()).resolves.toMatch(/Ready/);
  const row = await overview.innerText();
  expect(row).toContain(head.slice(0, 12));
  expect(row).toContain("the platform, as the agent will follow it");
  expect(row).toContain("Dashboard E2E");
  expect(row).toContain("drifted: 2 resource(s)");
  await shot(page, "overview");

  const t0 = Date.now();
  await page.getByRole("link", { name: "local" }).click();
  await page.waitForURL(/\/environments\/local$/);
  console.log(`dashboard e2e: environment page loaded in ${Date.now() - t0} ms`);
  await expect(page.getByRole("heading", { level: 1 }).innerText()).resolves.toBe("Environment local");
  const replicas = page.getByRole("row", { name: /spec\.replicas/ }).first();
  const cells = await replicas.locator("td").allInnerTexts();
  expect(cells).toEqual(expect.arrayContaining(["spec.replicas", "2", "4"]));
  expect(cells.indexOf("2")).toBeLessThan(cells.indexOf("4")); // state, then live
  const mode = page.getByRole("row", { name: /PAYMENTS_MODE/ }).first();
  expect(await mode.locator("td").allInnerTexts()).toEqual(expect.arrayContaining([SCRIPT, "live"]));
  expect(await pageGlobal(page, "__pwned")).toBeUndefined();
  // the update history through the Automation API: the agent's adopting up of the head
  const history = await page.locator("h2:has-text('Update history') + div table").innerText();
  expect(history).toContain(head.slice(0, 12));
  expect(await domText(page)).not.toContain(CANARY);
  await shot(page, "environment-drifted");

  // a new drift, seen by the open page without reloading it
  await page.evaluate("window.__marker = 42");
  ws.kubectl(["label", "--overwrite", "svc/catalog", "-n", "search", "app.kubernetes.io/part-of=other"]);
  const seenAt = Date.now();
  // a locator, not a function: the page's CSP (no 'unsafe-eval') refuses evaluated strings
  await page
    .locator("#drift + .table-wrap", { hasText: "app.kubernetes.io/part-of" })
    .waitFor({ timeout: 300_000 });
  console.log(`dashboard e2e: new drift on the open page after ${Date.now() - seenAt} ms`);
  expect(await pageGlobal(page, "__marker")).toBe(42);
  expect(await page.evaluate<string | undefined>("document.body.dataset.updated")).toBeTruthy();
  expect(await domText(page)).not.toContain(CANARY);
  expect(errors).toEqual([]);

  // phone width: nothing wider than the screen
  await page.setViewportSize({ width: 390, height: 844 });
  expect(await page.evaluate<number>("document.documentElement.scrollWidth")).toBeLessThanOrEqual(390);
  await shot(page, "environment-phone");
  await context.close();
});

test("with JavaScript off the pages read the same", async () => {
  const context = await newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(`${base}/environments/local`);
  const text = await page.locator("main").innerText();
  expect(text).toContain("spec.replicas");
  expect(text).toContain("app.kubernetes.io/part-of");
  expect(text).toContain(SCRIPT);
  expect(text).toContain(head.slice(0, 12));
  expect(await domText(page)).not.toContain(CANARY);
  await context.close();
});

/** Opens a file from disk with JavaScript disabled; the page's text and DOM. */
async function openStatic(
  file: string,
): Promise<{ text: string; dom: string; page: Page; close: () => Promise<void> }> {
  const context = await newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  const requests: string[] = [];
  page.on("request", (r) => requests.push(r.url()));
  await page.goto(`file://${file}`);
  expect(requests).toEqual([`file://${file}`]); // self-contained: nothing else is fetched
  return {
    text: await page.locator("main").innerText(),
    dom: await domText(page),
    page,
    close: () => context.close(),
  };
}

test("the agent's drift.html, opened from disk with JavaScript off", async () => {
  const file = ws.file(".platform", "agent", "local", "drift", "drift.html");
  const { text, dom, page, close } = await openStatic(file);
  expect(text).toContain("Status: drifted");
  expect(text).toContain("spec.replicas");
  expect(text).toContain("app.kubernetes.io/part-of");
  expect(text).toContain(SCRIPT);
  expect(dom).not.toContain(CANARY);
  expect(await pageGlobal(page, "__pwned")).toBeUndefined();
  await shot(page, "drift-html");
  await close();
});

test("platform preview --html: one file, opened from disk with JavaScript off", async () => {
  await agent.stop();
  ws.editSpec("local", (t) => t.replace("replicas: 2\n    port: 8080", "replicas: 3\n    port: 8080"));
  const out = ws.file(".platform", "preview.html");
  const res = await ws.platform(["preview", "local", "--html", out]);
  expect({ code: res.code, stderr: res.code === 0 ? "" : res.stderr }).toEqual({ code: 0, stderr: "" });
  const { text, dom, page, close } = await openStatic(out);
  expect(text).toContain("Result: succeeded");
  expect(text).toContain("spec.replicas");
  expect(dom).not.toContain(CANARY);
  expect(await pageGlobal(page, "__pwned")).toBeUndefined();
  await shot(page, "preview-html");
  await close();
});
