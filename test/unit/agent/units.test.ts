import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { ChildRunner, ReconcilerDeps } from "../../../ops/agent/reconciler";
import { reconcile } from "../../../ops/agent/reconciler";
import { pendingStatus, PersistedStatus, publicStatus } from "../../../ops/agent/status";
import { fromCrStatus, toCrStatus } from "../../../ops/agent/kube/crStatus";
import { AgentMetrics } from "../../../ops/agent/server";
import { renderStatus } from "../../../ops/history/status";
import {
  byAttention,
  failureOfUnits,
  stallRetrying,
  unitsAfter,
  unitsFrom,
  UnitStatus,
} from "../../../ops/agent/units";
import type { UnitResultEntry } from "../../../ops/result";
import { resultEntries } from "../../../ops/units/run";

const A = "a".repeat(40);
const B = "b".repeat(40);
const C = "c".repeat(40);
const NOW = Date.parse("2026-12-01T10:00:00.000Z");

const readyAt = (name: string, sha: string): UnitStatus => ({
  name,
  phase: "Ready",
  lastAppliedRevision: sha,
  lastAttemptedRevision: sha,
  reason: "Applied",
  message: `revision ${sha} applied: create 1`,
});

const refused: UnitResultEntry = {
  name: "payments",
  status: "failed",
  reason: "PolicyViolation",
  message: "policy k8s-no-privileged refused Deployment: checkout-local: privileged. Nothing was applied.",
};

describe("unitsAfter", () => {
  const before = [readyAt("base", A), readyAt("payments", A), readyAt("search", A)];

  test("applied units get the revision; a refused one is Stalled keeping its older revision; a skipped one keeps its record", () => {
    const after = unitsAfter(
      before,
      [
        { name: "base", status: "skipped", message: "unchanged" },
        refused,
        { name: "search", status: "succeeded", message: "update 1" },
      ],
      B,
    );
    expect(
      after.map((u) => [u.name, u.phase, u.reason, u.lastAppliedRevision, u.lastAttemptedRevision]),
    ).toEqual([
      ["payments", "Stalled", "PolicyViolation", A, B],
      ["base", "Ready", "Applied", A, A],
      ["search", "Ready", "Applied", B, B],
    ]);
    expect(after[0].message).toContain("k8s-no-privileged");
  });

  test.each([
    ["EngineError", "Retrying"],
    ["LockHeld", "Retrying"],
    ["SpecInvalid", "Stalled"],
    ["NotAReason", "Retrying"], // read as EngineError, never cast
  ])("a unit failed with %s is %s", (reason, phase) => {
    const [u] = unitsAfter(before, [{ name: "payments", status: "failed", reason, message: "x" }], B);
    expect(u).toMatchObject({ phase, lastAppliedRevision: A });
  });

  test("a blocked unit takes its blocker's reason; a unit with no record and no success has no applied revision", () => {
    const after = unitsAfter(
      [],
      [
        refused,
        {
          name: "shop",
          status: "blocked",
          reason: "PolicyViolation",
          blockedBy: "payments",
          message: "waits",
        },
      ],
      B,
    );
    expect(after.map((u) => [u.name, u.phase, u.reason, u.lastAppliedRevision])).toEqual([
      ["payments", "Stalled", "PolicyViolation", undefined],
      ["shop", "Stalled", "PolicyViolation", undefined],
    ]);
  });

  test("a skipped unit with no record (a fresh agent) is Ready at this revision; removed units are dropped", () => {
    const after = unitsAfter(
      [readyAt("gone", A)],
      [{ name: "search", status: "skipped", message: "unchanged" }],
      B,
    );
    expect(after).toEqual([
      {
        name: "search",
        phase: "Ready",
        lastAppliedRevision: B,
        lastAttemptedRevision: B,
        reason: "Applied",
        message: `unchanged at revision ${B}`,
      },
    ]);
  });
});

test("failureOfUnits names the units that did not apply; terminal only when every failed unit's reason is", () => {
  const search = { name: "search", status: "succeeded" as const, message: "update 1" };
  const terminal = failureOfUnits([refused, search], B);
  expect(terminal).toMatchObject({ reason: "PolicyViolation", permanent: true });
  expect(terminal?.message).toContain("1 unit(s) did not apply: payments (PolicyViolation)");
  expect(terminal?.message).toContain("applied or unchanged: search");
  const mixed = failureOfUnits(
    [refused, { name: "search", status: "failed", reason: "ApiServerUnavailable", message: "no answer" }],
    B,
  );
  expect(mixed).toMatchObject({ reason: "ApiServerUnavailable", permanent: false });
  expect(failureOfUnits([search], B)).toBeUndefined();
});

test("byAttention: Stalled, Retrying, ... Ready; the base first among equals", () => {
  const units: UnitStatus[] = [
    readyAt("search", A),
    readyAt("base", A),
    { ...readyAt("shop", A), phase: "Retrying", reason: "EngineError" },
    { ...readyAt("payments", A), phase: "Stalled", reason: "PolicyViolation" },
  ];
  expect(byAttention(units).map((u) => u.name)).toEqual(["payments", "shop", "base", "search"]);
});

test("stallRetrying turns retrying units Stalled (RetriesExhausted), leaves the others", () => {
  const out = stallRetrying([
    readyAt("base", A),
    { ...readyAt("shop", A), phase: "Retrying", reason: "EngineError" },
  ]);
  expect(out?.map((u) => [u.name, u.phase, u.reason])).toEqual([
    ["shop", "Stalled", "RetriesExhausted"],
    ["base", "Ready", "Applied"],
  ]);
});

test("unitsFrom keeps records with the API's phase and reason only", () => {
  expect(
    unitsFrom([
      readyAt("base", A),
      { name: "x", phase: "Bogus", reason: "Applied" },
      { name: "y", phase: "Ready", reason: "Bogus" },
      { phase: "Ready", reason: "Applied" },
    ]),
  ).toEqual([readyAt("base", A)]);
  expect(unitsFrom(undefined)).toBeUndefined();
});

test("resultEntries lists base and units; a blocked unit carries the root failure's reason", () => {
  const entries = resultEntries({
    base: { unit: "base", status: "skipped", detail: "unchanged" },
    units: [
      {
        unit: "payments",
        status: "failed",
        reason: "PolicyViolation",
        message: "refused\nNothing was applied.",
      },
      { unit: "shop", status: "blocked", blockedBy: "payments" },
      { unit: "cart", status: "blocked", blockedBy: "shop" },
      { unit: "search", status: "succeeded", detail: "update 1" },
    ],
    removed: [],
  });
  expect(entries).toEqual([
    { name: "base", status: "skipped", message: "unchanged" },
    {
      name: "payments",
      status: "failed",
      reason: "PolicyViolation",
      message: "refused Nothing was applied.",
    },
    {
      name: "shop",
      status: "blocked",
      blockedBy: "payments",
      reason: "PolicyViolation",
      message: "waits for unit payments, which did not apply",
    },
    {
      name: "cart",
      status: "blocked",
      blockedBy: "shop",
      reason: "PolicyViolation",
      message: "waits for unit shop, which did not apply",
    },
    { name: "search", status: "succeeded", message: "update 1" },
  ]);
});

test("the units survive the object's status both ways (a restarted agent with an empty disk reads them back)", () => {
  const s: PersistedStatus = {
    ...pendingStatus("local"),
    units: [{ ...readyAt("payments", A), phase: "Stalled", reason: "PolicyViolation" }, readyAt("search", B)],
  };
  const cr = toCrStatus(s, { generation: 1, identity: "a", lease: "l", now: "2026-12-01T10:00:00Z" });
  expect(cr.units).toEqual(s.units);
  expect(fromCrStatus("local", JSON.parse(JSON.stringify(cr)))?.units).toEqual(s.units);
});

describe("the reconciler over units", () => {
  let home: string;
  let trees: string;
  beforeEach(() => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), "units-home-"));
    trees = fs.mkdtempSync(path.join(os.tmpdir(), "units-trees-"));
  });
  afterEach(() => {
    fs.rmSync(home, { recursive: true, force: true });
    fs.rmSync(trees, { recursive: true, force: true });
  });

  function deps(result: (sha: string) => { code: number; result: object }, runs: string[]): ReconcilerDeps {
    const child: ChildRunner = async (_args, o) => {
      const sha = path.basename(o.root);
      runs.push(sha);
      const r = result(sha);
      fs.mkdirSync(path.dirname(o.logFile), { recursive: true });
      if (o.resultFile) fs.writeFileSync(o.resultFile, JSON.stringify(r.result));
      return { code: r.code, output: "" };
    };
    return {
      source: {
        verify: async () => undefined,
        worktree: async (sha) => {
          const root = path.join(trees, sha);
          fs.mkdirSync(path.join(root, "stacks", "local"), { recursive: true });
          fs.writeFileSync(path.join(root, "stacks", "local", "platform.yaml"), "environment: local\n");
          return root;
        },
      },
      child,
      home,
      publish: () => undefined,
      log: () => undefined,
      now: () => NOW,
    };
  }

  test("a revision refused in one unit: that unit Stalled, the other applied, the environment Stalled and not retried", async () => {
    const runs: string[] = [];
    const d = deps(
      (sha) =>
        sha === A
          ? {
              code: 0,
              result: {
                outcome: "succeeded",
                units: [
                  { name: "base", status: "succeeded", message: "create 75" },
                  { name: "payments", status: "succeeded", message: "create 10" },
                  { name: "search", status: "succeeded", message: "create 9" },
                ],
              },
            }
          : {
              code: 1,
              result: {
                outcome: "failed",
                reason: "PolicyViolation",
                message: `unit payments: ${refused.message}`,
                units: [
                  { name: "base", status: "skipped", message: "unchanged" },
                  refused,
                  { name: "search", status: "succeeded", message: "update 1" },
                ],
              },
            },
      runs,
    );
    const first = await reconcile(
      { record: pendingStatus("local"), head: A, suspended: false, checkDrift: false },
      d,
    );
    expect(first.status.phase).toBe("Ready");
    expect(first.status.units?.map((u) => [u.name, u.lastAppliedRevision])).toEqual([
      ["base", A],
      ["payments", A],
      ["search", A],
    ]);

    const second = await reconcile({ record: first.status, head: B, suspended: false, checkDrift: false }, d);
    const s = second.status;
    expect(s.phase).toBe("Stalled");
    expect(s.lastAppliedRevision).toBe(A); // the environment as a whole applied A last
    expect(s.lastFailure).toMatchObject({ revision: B, reason: "PolicyViolation", terminal: true });
    const ready = s.conditions.find((c) => c.type === "Ready");
    expect(ready).toMatchObject({ status: "False", reason: "PolicyViolation" });
    expect(ready?.message).toContain("did not apply: payments (PolicyViolation)");
    expect(publicStatus(s).units?.map((u) => [u.name, u.phase, u.reason, u.lastAppliedRevision])).toEqual([
      ["payments", "Stalled", "PolicyViolation", A],
      ["base", "Ready", "Applied", A],
      ["search", "Ready", "Applied", B],
    ]);

    // the same head again: not re-run (terminal), the units as they were
    const third = await reconcile({ record: s, head: B, suspended: false, checkDrift: false }, d);
    expect(runs).toEqual([A, B]);
    expect(third.status.units).toEqual(s.units);
    expect(third.status.phase).toBe("Stalled");

    // a restarted agent with an empty disk: the object's status is the record
    const cr = toCrStatus(third.status, {
      generation: 1,
      identity: "a",
      lease: "l",
      now: "2026-12-01T10:00:00Z",
    });
    const restored = {
      ...fromCrStatus("local", JSON.parse(JSON.stringify(cr)))!,
      recordFrom: "cluster" as const,
    };
    const fourth = await reconcile({ record: restored, head: B, suspended: false, checkDrift: false }, d);
    expect(runs).toEqual([A, B]);
    expect(fourth.status.units).toEqual(s.units);

    // the fix lands: every unit Ready, the environment Ready at C
    const fixed = deps(
      () => ({
        code: 0,
        result: {
          outcome: "succeeded",
          units: [
            { name: "base", status: "skipped", message: "unchanged" },
            { name: "payments", status: "succeeded", message: "update 1" },
            { name: "search", status: "skipped", message: "unchanged" },
          ],
        },
      }),
      runs,
    );
    const fifth = await reconcile(
      { record: fourth.status, head: C, suspended: false, checkDrift: false },
      fixed,
    );
    expect(fifth.status.phase).toBe("Ready");
    expect(fifth.status.lastAppliedRevision).toBe(C);
    expect(fifth.status.units?.map((u) => [u.name, u.phase, u.lastAppliedRevision])).toEqual([
      ["base", "Ready", A],
      ["payments", "Ready", C],
      ["search", "Ready", B],
    ]);
  });

  test("a transient unit failure is retried with backoff; the unit Retrying; a pre-flight refusal keeps the units", async () => {
    const runs: string[] = [];
    const record: PersistedStatus = {
      ...pendingStatus("local"),
      phase: "Ready",
      lastAppliedRevision: A,
      lastAttemptedRevision: A,
      units: [readyAt("base", A), readyAt("search", A)],
    };
    const d = deps(
      () => ({
        code: 1,
        result: {
          outcome: "failed",
          reason: "EngineError",
          message: "unit search: boom",
          units: [
            { name: "base", status: "skipped", message: "unchanged" },
            { name: "search", status: "failed", reason: "EngineError", message: "boom" },
          ],
        },
      }),
      runs,
    );
    const out = await reconcile({ record, head: B, suspended: false, checkDrift: false }, d);
    expect(out.status.phase).toBe("Retrying");
    expect(out.requeueAfter).toBe(10_000);
    expect(out.status.units?.[0]).toMatchObject({
      name: "search",
      phase: "Retrying",
      lastAppliedRevision: A,
    });

    const preflight = deps(
      () => ({ code: 1, result: { outcome: "failed", reason: "LockHeld", message: "locked" } }),
      runs,
    );
    const later = await reconcile(
      { record: { ...out.status, lastFailure: undefined }, head: C, suspended: false, checkDrift: false },
      preflight,
    );
    expect(later.status.units).toEqual(out.status.units);
  });
});

describe("where the units are shown", () => {
  const env = {
    ...publicStatus({
      ...pendingStatus("local"),
      units: [
        readyAt("search", B),
        readyAt("base", A),
        { ...readyAt("payments", A), phase: "Stalled", reason: "PolicyViolation", message: "refused" },
      ],
    }),
  };

  test("/metrics: one platform_agent_unit_ready series per unit, payments first; a removed unit's series goes", async () => {
    const metrics = new AgentMetrics();
    metrics.observe([env]);
    const lines = (await metrics.registry.metrics())
      .split("\n")
      .filter((l) => l.startsWith("platform_agent_unit_ready{"));
    expect(lines).toEqual([
      'platform_agent_unit_ready{environment="local",unit="payments",phase="Stalled"} 0',
      'platform_agent_unit_ready{environment="local",unit="base",phase="Ready"} 1',
      'platform_agent_unit_ready{environment="local",unit="search",phase="Ready"} 1',
    ]);
    metrics.observe([{ ...env, units: [readyAt("base", A)] }]);
    expect((await metrics.registry.metrics()).match(/platform_agent_unit_ready\{/g)).toHaveLength(1);
  });

  test("platform status: a units block, the ones needing attention first with their reason", () => {
    const text = renderStatus({
      schemaVersion: 1,
      environment: "local",
      state: { inspected: false, locks: [], locksListed: false, pendingOperations: 0, notes: ["no backend"] },
      agent: env,
    });
    const lines = text.split("\n");
    const at = lines.indexOf("  units (1 of 3 need attention):");
    expect(at).toBeGreaterThan(0);
    expect(lines.slice(at + 1, at + 4)).toEqual([
      `    payments  Stalled   applied ${A.slice(0, 12)}  PolicyViolation: refused`,
      `    base      Ready     applied ${A.slice(0, 12)}  Applied`,
      `    search    Ready     applied ${B.slice(0, 12)}  Applied`,
    ]);
  });
});

test("the branch reset to the last wholly applied revision while a unit is Stalled at a later one: applied once, not looped", async () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "units-reset-"));
  const runs: string[] = [];
  let code = 1;
  const d: ReconcilerDeps = {
    source: {
      verify: async () => undefined,
      worktree: async (sha) => {
        const root = path.join(home, "trees", sha);
        fs.mkdirSync(path.join(root, "stacks", "local"), { recursive: true });
        fs.writeFileSync(path.join(root, "stacks", "local", "platform.yaml"), "environment: local\n");
        return root;
      },
    },
    child: async (_args, o) => {
      runs.push(path.basename(o.root));
      fs.mkdirSync(path.dirname(o.logFile), { recursive: true });
      const units =
        code === 0
          ? [{ name: "payments", status: "succeeded" }]
          : [{ name: "payments", status: "failed", reason: "PolicyViolation", message: "refused" }];
      fs.writeFileSync(
        o.resultFile!,
        JSON.stringify({ outcome: code === 0 ? "succeeded" : "failed", units }),
      );
      return { code, output: "" };
    },
    home,
    publish: () => undefined,
    log: () => undefined,
    now: () => NOW,
  };
  const stalledAtB: PersistedStatus = {
    ...pendingStatus("local"),
    phase: "Stalled",
    lastAppliedRevision: A,
    lastAttemptedRevision: B,
    lastFailure: {
      revision: B,
      reason: "PolicyViolation",
      message: "x",
      count: 1,
      at: new Date(NOW).toISOString(),
      terminal: true,
    },
    units: [
      { ...readyAt("payments", A), phase: "Stalled", reason: "PolicyViolation", lastAttemptedRevision: B },
    ],
  };
  // head back at A: applied again (not "up to date"), and a failure of it is not looped
  const once = await reconcile({ record: stalledAtB, head: A, suspended: false, checkDrift: false }, d);
  expect(runs).toEqual([A]);
  expect(once.status.phase).toBe("Stalled");
  const again = await reconcile({ record: once.status, head: A, suspended: false, checkDrift: false }, d);
  expect(runs).toEqual([A]);
  expect(again.status.phase).toBe("Stalled");
  // and when it applies, Ready
  code = 0;
  const ok = await reconcile({ record: stalledAtB, head: A, suspended: false, checkDrift: false }, d);
  expect(ok.status.phase).toBe("Ready");
  expect(ok.status.units?.[0]).toMatchObject({ name: "payments", phase: "Ready", lastAppliedRevision: A });
  fs.rmSync(home, { recursive: true, force: true });
});
