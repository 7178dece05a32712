import { spawn } from "child_process";
import * as fs from "fs";
import { descendants, TestWorkspace } from "./helpers/workspace";
import { PRIVILEGED_DEPLOYMENT } from "./helpers/units";

/**
 * Units for real (docs/units.md): the local environment on one control plane, first deployed as
 * one stack, then moved into a base and one unit per tenant (payments, search) by `platform units
 * migrate` (killed midway, finished by `platform recover --finish-migration`) with no replacement:
 * the apps' objects keep their uids. Each unit is its own stack on the file backend. A
 * change to one tenant runs only that tenant's unit (the other stacks' update counts do not
 * move); a refused change in one tenant (a privileged Deployment) leaves the other tenant's change
 * applied, and the command names the unit that failed.
 */
jest.setTimeout(1_200_000);

const ws = new TestWorkspace("platform-e2e-units-");
const log = (line: string) => process.stderr.write(`[units] ${line}\n`);
const seconds = (since: number) => ((Date.now() - since) / 1000).toFixed(1);

/** Updates recorded in a stack's history on the workspace's file backend. */
function updates(stack: string): number {
  const dir = ws.file(".platform", "state", ".pulumi", "history", "platform", stack);
  if (!fs.existsSync(dir)) throw new Error(`no history for stack ${stack} at ${dir}`);
  return fs.readdirSync(dir).filter((f) => f.endsWith(".history.json")).length;
}
const STACKS = ["local", "local.payments", "local.search"] as const;
const counts = () => Object.fromEntries(STACKS.map((s) => [s, updates(s)]));

const replicasOf = (name: string, ns: string) =>
  ws.kubectlJson<{ spec: { replicas: number } }>(["get", "deploy", name, "-n", ns]).spec.replicas;

/** The row of a unit in `up`'s per-unit table: `  payments  succeeded  update 1`. */
const row = (stdout: string, unit: string) =>
  stdout
    .split("\n")
    .find((l) => l.trimStart().startsWith(`${unit} `))
    ?.trim()
    .split(/\s{2,}/) ?? [];

async function up(what: string) {
  const started = Date.now();
  const res = await ws.platform(["up", "local", "--yes"], 900_000);
  log(`${what}: exit ${res.code} in ${seconds(started)} s\n${res.stdout.trim()}`);
  return res;
}

/** The uid of a Kubernetes object: unchanged when the object was never replaced. */
const uidOf = (kind: string, name: string, ns: string) =>
  ws.kubectlJson<{ metadata: { uid: string } }>(["get", kind, name, "-n", ns]).metadata.uid;
const APP_OBJECTS = [
  ["deploy", "checkout", "payments"],
  ["service", "checkout", "payments"],
  ["deploy", "catalog", "search"],
  ["service", "catalog", "search"],
] as const;
const uids = () => Object.fromEntries(APP_OBJECTS.map(([k, n, ns]) => [`${k}/${ns}/${n}`, uidOf(k, n, ns)]));
let oneStackUids: Record<string, string> = {};
/** Updates of each stack once the one-stack layout was deployed (the units' stacks have none). */
let oneStackUpdates = 0;

const JOURNAL = () => ws.file(".platform", "units", "local", "migration.json");
const journalUnits = (): { unit: string; state: string }[] => {
  try {
    const doc = JSON.parse(fs.readFileSync(JOURNAL(), "utf8")) as {
      units: { unit: string; state: string }[];
    };
    return doc.units.map(({ unit, state }) => ({ unit, state }));
  } catch {
    return []; // not written yet
  }
};
/** URNs in a stack's checkpoint on the workspace's file backend. */
const urnsOf = (stack: string): string[] => {
  const file = ws.file(".platform", "state", ".pulumi", "stacks", "platform", `${stack}.json`);
  if (!fs.existsSync(file)) return [];
  const doc = JSON.parse(fs.readFileSync(file, "utf8")) as {
    checkpoint?: { latest?: { resources?: { urn: string }[] } };
  };
  return (doc.checkpoint?.latest?.resources ?? []).map((r) => r.urn);
};
const alive = (pid: number) => {
  try {
    return !/\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false; // gone
  }
};

const commandLine = (pid: number) => {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
  } catch {
    return "";
  }
};

/**
 * `platform units migrate local --yes`, killed with SIGKILL (the platform process only, as an
 * OOM kill of it would) while the journal says unit `unit` is moving: its `pulumi state move`
 * runs on, orphaned, and finishes. Resolves once that child is gone too.
 */
function killMigrationWhileMoving(unit: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [ws.file("bin", "platform.js"), "units", "migrate", "local", "--yes"],
      {
        cwd: ws.root,
        env: ws.env,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("exit", (code) => {
      clearInterval(poll);
      if (!killed)
        reject(
          new Error(`the migration ended (exit ${code}) before unit ${unit} was seen moving:\n${output}`),
        );
    });
    let killed = false;
    const poll = setInterval(() => {
      if (killed || !journalUnits().some((u) => u.unit === unit && u.state === "moving")) return;
      // the kill lands once `pulumi state move` runs (it is spawned right after the journal write)
      const orphans = descendants(child.pid as number);
      if (!orphans.some((pid) => commandLine(pid).includes("state\0move"))) return;
      child.kill("SIGKILL");
      killed = true;
      clearInterval(poll);
      log(`killed the migration while ${unit} was moving; ${orphans.length} child process(es) run on`);
      const wait = setInterval(() => {
        if (orphans.some(alive)) return;
        clearInterval(wait);
        resolve();
      }, 100);
    }, 20);
  });
}

/** The rows of a per-unit table that name a replacement or a delete. */
const replacesOrDeletes = (stdout: string) =>
  ["base", "payments", "search"].map((u) => row(stdout, u)).filter((r) => /replace|delete/.test(r[2] ?? ""));

beforeAll(async () => {
  // One control plane (catalog moves from local-b to local), deployed the old way: one stack.
  ws.oneCluster();
  const res = await up("first deploy, one stack");
  if (res.code !== 0) throw new Error(`up local failed:\n${res.stdout}\n${res.stderr}`);
  oneStackUids = uids();
  oneStackUpdates = updates("local");
});

afterAll(async () => {
  await ws.platform(["cluster", "down"]);
  ws.remove();
});

test("units: added to a one-stack environment: migrate moves its state, killed midway it finishes, nothing is replaced", async () => {
  ws.editSpec("local", (t) => t.concat("\nunits: {} # a unit per tenant: payments, search\n"));

  // Before the move, a units run would create the apps anew in their units: refused, named.
  const refused = await ws.platform(["preview", "local"], 600_000);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain(
    "local was deployed as one stack: its state still holds the resources of unit(s) payments, search",
  );
  expect(refused.stderr).toContain("platform units migrate local --dry-run");

  let started = Date.now();
  const dry = await ws.platform(["units", "migrate", "local", "--dry-run"], 600_000);
  log(
    `migrate --dry-run: exit ${dry.code} in ${seconds(started)} s\n${dry.stdout.trim().split("\n").slice(0, 4).join("\n")}`,
  );
  expect(dry.code).toBe(0);
  expect(dry.stdout).toMatch(/^ {2}payments {2}\d+ resource\(s\) → local\.payments$/m);
  expect(dry.stdout).toMatch(/^ {2}search {4}\d+ resource\(s\) → local\.search$/m);
  expect(dry.stdout).toContain("local: dry run: nothing was moved");
  expect(fs.existsSync(JOURNAL())).toBe(false);
  expect(urnsOf("local.payments")).toEqual([]);
  const planned = (unit: string) =>
    Number(new RegExp(`^ {2}${unit} +(\\d+) resource`, "m").exec(dry.stdout)?.[1]);
  const before = urnsOf("local").length;

  // kill -9 while the first unit moves: the journal says "moving". Its orphaned `pulumi state
  // move` either finished both writes or died on its closed output before writing (SIGPIPE):
  // never half (a kill between its two writes would leave both copies, named by the next run).
  started = Date.now();
  await killMigrationWhileMoving("payments");
  expect(journalUnits()).toEqual([
    { unit: "payments", state: "moving" },
    { unit: "search", state: "pending" },
  ]);
  const paymentsMoved = urnsOf("local.payments").length > 0;
  log(`after the kill, payments' resources are in ${paymentsMoved ? "local.payments" : "local"}`);
  expect(urnsOf("local.payments").length).toBe(paymentsMoved ? planned("payments") + 2 : 0);
  expect(urnsOf("local").length).toBe(paymentsMoved ? before - planned("payments") : before);
  const explained = await ws.platform(["recover", "local"]);
  expect(explained.stdout).toContain(
    "units migration: unfinished\n  local: a units migration was interrupted (0 of 2 unit(s) moved;",
  );
  const blocked = await ws.platform(["up", "local", "--yes"], 600_000);
  expect(blocked.code).toBe(1);
  expect(blocked.stderr).toContain("finish it first: platform units migrate local --yes");

  const finished = await ws.platform(["recover", "local", "--finish-migration"], 600_000);
  log(
    `recover --finish-migration: exit ${finished.code} in ${seconds(started)} s (kill included)\n${finished.stdout.trim()}`,
  );
  expect(finished.code).toBe(0);
  expect(finished.stdout).toContain("finishing the migration interrupted since");
  // only what is left moves: nothing twice
  expect(finished.stdout).toContain(
    paymentsMoved
      ? `  payments: nothing left to move (${planned("payments")} in local.payments)`
      : `  payments: moved ${planned("payments")} resource(s) to local.payments`,
  );
  expect(finished.stdout).toMatch(
    new RegExp(`^ {2}search: moved ${planned("search")} resource\\(s\\) to local\\.search`, "m"),
  );
  expect(urnsOf("local").length).toBe(before - planned("payments") - planned("search"));
  // a copy of the provider k8s-local goes with each unit, and each stack gets its root
  expect(urnsOf("local.payments").length).toBe(planned("payments") + 2);
  expect(urnsOf("local.search").length).toBe(planned("search") + 2);
  const again = await ws.platform(["units", "migrate", "local", "--yes"], 600_000);
  expect(again.code).toBe(0);
  expect(again.stdout).toContain("local: already migrated to units");

  // The first preview and up after the move: no replace, no delete, in any stack.
  started = Date.now();
  const preview = await ws.platform(["preview", "local"], 600_000);
  log(`preview after the move: exit ${preview.code} in ${seconds(started)} s\n${preview.stdout.trim()}`);
  expect(preview.code).toBe(0);
  expect(replacesOrDeletes(preview.stdout)).toEqual([]);
  // stronger: the same URNs, provider and inputs in their new stacks, so nothing changes at all
  for (const unit of ["base", "payments", "search"])
    expect(row(preview.stdout, unit)).toEqual([unit, "succeeded", "would no changes"]);
  const res = await up("first up after the move");
  expect(res.code).toBe(0);
  expect(replacesOrDeletes(res.stdout)).toEqual([]);
  for (const unit of ["base", "payments", "search"])
    expect(row(res.stdout, unit)).toEqual([unit, "succeeded", "no changes"]);
  expect(uids()).toEqual(oneStackUids);
});

test("after the move, each stack has run once as a base or a unit, the settings outside the repository", () => {
  expect(counts()).toEqual({ local: oneStackUpdates + 1, "local.payments": 1, "local.search": 1 });
  expect(replicasOf("checkout", "payments")).toBe(2);
  expect(replicasOf("catalog", "search")).toBe(1);
  // the units' stack settings stay outside the repository
  expect(fs.readdirSync(ws.file("stacks")).filter((f) => /^Pulumi\.local\..+\.yaml$/.test(f))).toEqual([]);
  expect(fs.existsSync(ws.file(".platform", "units", "local", "Pulumi.local.payments.yaml"))).toBe(true);
});

test("an unchanged revision runs nothing", async () => {
  const before = counts();
  const res = await up("no-op");
  expect(res.code).toBe(0);
  expect(row(res.stdout, "base")).toEqual(["base", "skipped", "unchanged"]);
  expect(row(res.stdout, "payments")).toEqual(["payments", "skipped", "unchanged"]);
  expect(row(res.stdout, "search")).toEqual(["search", "skipped", "unchanged"]);
  expect(counts()).toEqual(before);
});

test("a change to one tenant runs only that tenant's unit", async () => {
  const before = counts();
  ws.editSpec("local", (t) =>
    t.replace("    replicas: 2\n    port: 8080", "    replicas: 1\n    port: 8080"),
  );
  const preview = await ws.platform(["preview", "local"], 600_000);
  log(`preview: exit ${preview.code}\n${preview.stdout.trim()}`);
  expect(preview.code).toBe(0);
  expect(row(preview.stdout, "payments").slice(0, 2)).toEqual(["payments", "succeeded"]);
  expect(row(preview.stdout, "payments")[2]).toMatch(/^would .*update 1/);
  expect(row(preview.stdout, "search")).toEqual(["search", "skipped", "unchanged"]);
  const res = await up("checkout replicas 2 → 1");
  expect(res.code).toBe(0);
  expect(row(res.stdout, "payments").slice(0, 2)).toEqual(["payments", "succeeded"]);
  expect(row(res.stdout, "search")).toEqual(["search", "skipped", "unchanged"]);
  expect(counts()).toEqual({ ...before, "local.payments": before["local.payments"] + 1 });
  expect(replicasOf("checkout", "payments")).toBe(1);
});

test("a refused change in one tenant stalls that unit only: the other tenant's change applies", async () => {
  const before = counts();
  fs.mkdirSync(ws.file("deploy", "payments-debug"), { recursive: true });
  fs.writeFileSync(ws.file("deploy", "payments-debug", "deployment.yaml"), PRIVILEGED_DEPLOYMENT);
  // catalog 1 → 2 (search) and a privileged workload for payments
  ws.editSpec("local", (t) =>
    t.replace(
      "    replicas: 1\n\ndrift:",
      "    replicas: 2\n\nworkloads:\n  debug-shell: { kind: manifests, tenant: payments, clusters: [local], path: deploy/payments-debug }\n\ndrift:",
    ),
  );
  const res = await up("payments privileged + search catalog 1 → 2");
  expect(res.code).toBe(1);
  const payments = row(res.stdout, "payments");
  expect(payments.slice(0, 2)).toEqual(["payments", "failed"]);
  expect(payments[2]).toMatch(/privileged/);
  expect(row(res.stdout, "search").slice(0, 2)).toEqual(["search", "succeeded"]);
  expect(row(res.stdout, "base")).toEqual(["base", "skipped", "unchanged"]);
  expect(res.stdout).toContain("local: 1 unit(s) did not apply: payments; the others did");
  expect(replicasOf("catalog", "search")).toBe(2);
  expect(ws.kubectlRaw(["get", "deploy", "debug-shell", "-n", "payments"]).status).not.toBe(0);
  expect(updates("local")).toBe(before.local);
  expect(updates("local.search")).toBe(before["local.search"] + 1);

  // The failed unit runs again on the next revision (its fingerprint was cleared); search does not.
  const again = await up("the same revision again");
  expect(again.code).toBe(1);
  expect(row(again.stdout, "payments").slice(0, 2)).toEqual(["payments", "failed"]);
  expect(row(again.stdout, "search")).toEqual(["search", "skipped", "unchanged"]);
});

test("destroy removes the units' stacks first, then the base", async () => {
  const res = await ws.platform(["destroy", "local", "--yes"], 900_000);
  log(`destroy: exit ${res.code}\n${res.stdout.trim()}`);
  expect(res.code).toBe(0);
  expect(res.stdout).toContain("local: units destroyed: search, payments");
  expect(res.stdout).toContain("local: destroy succeeded");
  for (const [name, ns] of [
    ["checkout", "payments"],
    ["catalog", "search"],
  ])
    expect(ws.kubectlRaw(["get", "deploy", name, "-n", ns]).status).not.toBe(0);
});

// ── drift, history and preview per unit (docs/drift.md, docs/history.md, docs/preview.md: "units")

/** The drift.json `platform drift local` wrote. */
const driftReport = () =>
  JSON.parse(fs.readFileSync(ws.file(".platform", "reports", "local", "drift.json"), "utf8")) as {
    status: string;
    drift: Array<{
      unit?: string;
      name: string;
      properties: Array<{ path: string; state: unknown; live: unknown }>;
    }>;
    units?: Array<{
      unit: string;
      stack: string;
      status: string;
      remediation?: { action: string; result: string };
    }>;
    remediation?: { action: string; result: string };
  };

test("drift checks the base and every unit; remediation (drift.mode: remediate) updates only the unit that drifted", async () => {
  // The previous case destroyed everything: deploy again without the refused workload (and with no
  // webhook to retry against: the spec's placeholder would only add its back-off to the run).
  ws.editSpec("local", (t) =>
    t
      .replace(/\nworkloads:\n {2}debug-shell: [^\n]*\n/, "\n")
      .replace(/ {2}notify:\n {4}- \{ kind: webhook[^\n]*\n/, ""),
  );
  const deployed = await up("deploy again for drift");
  expect(deployed.code).toBe(0);
  const before = counts();
  ws.kubectl(["scale", "deploy", "catalog", "-n", "search", "--replicas=4"]);
  const started = Date.now();
  const res = await ws.platform(["drift", "local"], 600_000);
  log(`drift (3 stacks, remediate): exit ${res.code} in ${seconds(started)} s\n${res.stdout.trim()}`);
  const r = driftReport();
  expect(r.drift.map((d) => [d.unit, d.name, d.properties.map((p) => [p.path, p.state, p.live])])).toEqual([
    ["search", "catalog-local-deployment", [["spec.replicas", 2, 4]]],
  ]);
  expect(r.units?.map((u) => [u.unit, u.stack, u.status])).toEqual([
    ["base", "local", "in-sync"],
    ["payments", "local.payments", "in-sync"],
    ["search", "local.search", "drifted"],
  ]);
  expect(r.units?.find((u) => u.unit === "search")?.remediation).toEqual(
    expect.objectContaining({ action: "remediate", result: "applied" }),
  );
  expect(r.units?.filter((u) => u.remediation).map((u) => u.unit)).toEqual(["search"]);
  expect(r.remediation).toEqual(expect.objectContaining({ action: "remediate", result: "applied" }));
  expect(res.stdout).toContain("units:\n  search: drifted");
  expect(res.stdout).toContain("  in sync: base, payments\n");
  expect(res.stdout).toContain("  unit search:\n");
  expect(res.code).toBe(0);
  // only unit search's stack got an update; the object is back
  expect(counts()).toEqual({ ...before, "local.search": before["local.search"] + 1 });
  expect(replicasOf("catalog", "search")).toBe(2);
});

test("history lists the updates of the base and of each unit, each naming its unit", async () => {
  const res = await ws.platform(["history", "local", "--json"]);
  expect(res.code).toBe(0);
  const h = JSON.parse(res.stdout) as {
    updates: Array<{ unit?: string; kind: string }>;
    units?: Array<{ unit: string; stack: string; updates: number }>;
  };
  const now = counts();
  expect(h.units).toEqual([
    { unit: "base", stack: "local", updates: now.local },
    { unit: "payments", stack: "local.payments", updates: now["local.payments"] },
    { unit: "search", stack: "local.search", updates: now["local.search"] },
  ]);
  expect(h.updates).toHaveLength(now.local + now["local.payments"] + now["local.search"]);
  for (const unit of ["base", "payments", "search"])
    expect(h.updates.filter((u) => u.unit === unit)).toHaveLength(
      now[unit === "base" ? "local" : `local.${unit}`],
    );
  expect(h.updates[0]).toMatchObject({ unit: "search", kind: "remediation" });
  const text = await ws.platform(["history", "local"]);
  expect(text.stdout.split("\n")[0]).toMatch(/^UNIT\s+UPDATE/);
});

test("preview --json and --markdown of an unchanged units revision list every unit as unchanged", async () => {
  const res = await ws.platform(["preview", "local", "--json", "preview.json", "--markdown", "preview.md"]);
  log(`preview --json: exit ${res.code}\n${res.stdout.trim()}`);
  expect(res.code).toBe(0);
  const p = JSON.parse(fs.readFileSync(ws.file("preview.json"), "utf8")) as {
    units: Array<{ unit: string; status: string; report?: unknown }>;
    exitCode: number;
  };
  expect(p.units.map((u) => [u.unit, u.status, u.report])).toEqual([
    ["base", "unchanged", undefined],
    ["payments", "unchanged", undefined],
    ["search", "unchanged", undefined],
  ]);
  expect(fs.readFileSync(ws.file("preview.md"), "utf8")).toContain(
    "| `search` | `local.search` | unchanged |  |",
  );
});

test("regrouping two tenants' units into one: up refuses, units migrate moves the state, nothing is replaced", async () => {
  const before = uids();
  ws.editSpec("local", (t) =>
    t.replace(
      /\nunits: \{\}[^\n]*\n/,
      "\nunits: { perTenant: false, groups: { shop: { tenants: [payments, search] } } }\n",
    ),
  );
  // Before the move: the apps' state is in local.payments and local.search, the spec puts it in local.shop.
  const refused = await up("regrouped, not moved");
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain(
    "local: some apps and workloads are deployed in another stack than the spec's units put them in",
  );
  expect(refused.stderr).toContain("  local.payments → local.shop: checkout (AppSet)");
  expect(refused.stderr).toContain("  local.search → local.shop: catalog (AppSet)");
  expect(uids()).toEqual(before);

  const started = Date.now();
  const moved = await ws.platform(["units", "migrate", "local", "--yes"], 600_000);
  log(`units migrate (regroup): exit ${moved.code} in ${seconds(started)} s\n${moved.stdout.trim()}`);
  expect(moved.code).toBe(0);
  expect(moved.stdout).toContain(
    "local: the spec regrouped apps or workloads between units; their state moves:",
  );
  expect(moved.stdout).toMatch(/moved \d+ resource\(s\) from local\.payments to local\.shop/);

  const res = await up("after the regroup move");
  expect(res.code).toBe(0);
  // the group ran once on its new state and changed nothing
  expect(row(res.stdout, "shop")).toEqual(["shop", "succeeded", "no changes"]);
  expect(uids()).toEqual(before);
});
