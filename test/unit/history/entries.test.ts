import {
  auditOf,
  entryOf,
  HistoryEntry,
  kindOf,
  mergeUnitHistories,
  renderHistory,
} from "../../../ops/history/entries";
import { numbered } from "../../../ops/history/read";

describe("kindOf: the platform's marker wins over the engine's kind", () => {
  test.each([
    ["platform up local · commit abc1234 · by A", "update", "up"],
    ["platform destroy local · commit abc1234 · by A", "destroy", "destroy"],
    ["platform drift --remediate local · commit abc1234 · by A", "update", "remediation"],
    ["platform drift --accept local · commit abc1234 · by A", "refresh", "accept"],
    ["platform rollback --now local · commit abc1234 · by A · from def5678", "update", "rollback"],
    ["platform recover local --refresh", "refresh", "refresh"],
    ["", "refresh", "refresh"],
    ["", "update", "up"],
    ["", "import", "import"],
    ["by hand", "rename", "other"],
  ])("%j (%s) is %s", (message, engine, kind) => {
    expect(kindOf(message, engine)).toBe(kind);
  });
});

describe("auditOf reads what ops/engine/audit.ts writes", () => {
  test("commit, dirty, author, PR and run URL", () => {
    expect(
      auditOf(
        "platform up staging · commit 0123456789ab+dirty · by Ada <ada@acme.io> · PR #42 · https://github.com/acme/p/actions/runs/7",
      ),
    ).toEqual({
      commit: "0123456789ab",
      dirty: true,
      author: "Ada <ada@acme.io>",
      pr: "42",
      runUrl: "https://github.com/acme/p/actions/runs/7",
    });
  });
  test("the workloads an up changed (the part `up` writes from its preview)", () => {
    expect(
      auditOf("platform up local · commit 0123456789ab · by A · workloads invoices, web-oci").workloads,
    ).toEqual(["invoices", "web-oci"]);
    expect(auditOf("platform up local · commit 0123456789ab · by A").workloads).toBeUndefined();
    expect(
      entryOf({
        kind: "update",
        startTime: "2026-12-01T10:00:00Z",
        result: "succeeded",
        message: "platform up local · commit 0123456789ab · by A · workloads web-oci",
      }).workloads,
    ).toEqual(["web-oci"]);
  });

  test("an unknown commit and a message not written by the platform give nothing", () => {
    expect(auditOf("platform up local · commit unknown · by me")).toEqual({ dirty: false, author: "me" });
    expect(auditOf("commit 0123456789ab · by someone")).toEqual({ dirty: false });
  });
});

describe("entryOf", () => {
  const base = {
    kind: "update",
    startTime: new Date("2026-12-01T10:00:00Z"),
    endTime: new Date("2026-12-01T10:00:12.5Z"),
    result: "succeeded",
    resourceChanges: { same: 10, update: 1 },
  };
  test("the engine's full git.head replaces the recorded short id when it starts with it", () => {
    const head = "0123456789abcdef0123456789abcdef01234567";
    const e = entryOf({
      ...base,
      version: 3,
      message: "platform up local · commit 0123456789ab · by A",
      environment: { "git.head": head },
    });
    expect(e).toMatchObject({ version: 3, kind: "up", commit: head, durationSeconds: 12.5, dirty: false });
    expect(e.endTime).toBe("2026-12-01T10:00:12.500Z");
  });
  test("a rollback records its target, not the checkout's head: the repository expands it", () => {
    const target = "fedcba9876543210fedcba9876543210fedcba98";
    const e = entryOf(
      {
        ...base,
        message: "platform rollback --now local · commit fedcba987654 · by A · from 0123456789ab",
        environment: { "git.head": "0123456789abcdef0123456789abcdef01234567" },
      },
      (short) => (target.startsWith(short) ? target : undefined),
    );
    expect(e).toMatchObject({ kind: "rollback", commit: target });
    expect(e.version).toBeUndefined();
  });
  test("in progress: no end time, no duration", () => {
    const e = entryOf({ ...base, result: "in-progress", message: "" });
    expect(e.endTime).toBeUndefined();
    expect(e.durationSeconds).toBeUndefined();
  });
});

test("numbered numbers by position, oldest 1, when the backend did not", () => {
  const e = (t: string) => entryOf({ kind: "update", startTime: t, endTime: t, result: "succeeded" });
  const all = numbered([e("2026-12-01T10:02:00Z"), e("2026-12-01T10:01:00Z"), e("2026-12-01T10:00:00Z")]);
  expect(all.map((x) => x.version)).toEqual([3, 2, 1]);
});

test("renderHistory: one line per update, short commits, changes without same", () => {
  const text = renderHistory({
    schemaVersion: 1,
    environment: "local",
    updates: [
      entryOf({
        version: 2,
        kind: "update",
        startTime: "2026-12-01T10:00:00Z",
        endTime: "2026-12-01T10:00:05Z",
        result: "failed",
        message: "platform up local · commit 0123456789abcdef · by A · PR #7",
        resourceChanges: { same: 3, update: 1 },
      }),
    ],
  });
  const [head, row] = text.trim().split("\n");
  expect(head).toMatch(/^UPDATE\s+TIME\s+KIND\s+RESULT\s+COMMIT/);
  expect(row).toMatch(
    /^#2\s+2026-12-01T10:00:05.000Z\s+up\s+failed\s+0123456789ab\s+A\s+PR #7\s+5.0s\s+update 1$/,
  );
  expect(renderHistory({ schemaVersion: 1, environment: "x", updates: [] })).toContain("no updates yet");
  const withWorkloads = renderHistory({
    schemaVersion: 1,
    environment: "local",
    updates: [
      entryOf({
        kind: "update",
        startTime: "2026-12-01T10:00:00Z",
        endTime: "2026-12-01T10:00:05Z",
        result: "succeeded",
        message: "platform up local · commit 0123456789abcdef · by A · workloads invoices, web-oci",
        resourceChanges: { same: 3, update: 4 },
      }),
    ],
  });
  expect(withWorkloads.trim().split("\n")[1]).toMatch(/update 4 \(workloads: invoices, web-oci\)$/);
});

describe("entryOf keeps no update config", () => {
  test("an update's config (which may hold secrets) is not in the entry", () => {
    const e = entryOf({
      kind: "update",
      result: "failed",
      message: "m",
      startTime: new Date(0),
      config: { "platform:x": { value: "plaintext-canary", secret: true } },
    } as unknown as Parameters<typeof entryOf>[0]);
    expect(JSON.stringify(e)).not.toContain("plaintext-canary");
  });
});

test("an update from an OCI artifact: the entry and the table show the digest beside the commit", () => {
  const digest = `sha256:${"0123456789ab".repeat(5)}0123`;
  const commit = "d".repeat(40);
  const entry = entryOf({
    kind: "update",
    startTime: "2026-12-06T07:00:00Z",
    endTime: "2026-12-06T07:00:30Z",
    result: "succeeded",
    message: `platform up local · commit ${commit.slice(0, 12)} · artifact ${digest} · by agent`,
    environment: { "git.head": commit },
  });
  expect(entry).toMatchObject({ kind: "up", commit, artifact: digest });
  expect(renderHistory({ schemaVersion: 1, environment: "local", updates: [entry] })).toContain(
    `${commit.slice(0, 12)} (oci sha256:0123456789ab)`,
  );
});

describe("a units environment's history", () => {
  const at = (iso: string, changes: Record<string, number>): HistoryEntry => ({
    kind: "up",
    engineKind: "update",
    result: "succeeded",
    startTime: iso,
    endTime: iso,
    dirty: false,
    resourceChanges: changes,
    message: "platform up local",
  });
  const report = mergeUnitHistories("local", [
    {
      unit: "base",
      stack: "local",
      updates: 1,
      entries: [{ ...at("2026-01-01T00:00:00.000Z", { create: 75 }), version: 1 }],
    },
    {
      unit: "payments",
      stack: "local.payments",
      updates: 2,
      entries: [
        { ...at("2026-01-03T00:00:00.000Z", { update: 1 }), version: 2 },
        { ...at("2026-01-01T00:01:00.000Z", { create: 10 }), version: 1 },
      ],
    },
    { unit: "search", stack: "local.search", updates: 0, entries: [] },
  ]);

  test("every entry names its unit, newest first over all stacks, and each stack counts its updates", () => {
    expect(report.updates.map((u) => [u.unit, u.version])).toEqual([
      ["payments", 2],
      ["payments", 1],
      ["base", 1],
    ]);
    expect(report.units).toEqual([
      { unit: "base", stack: "local", updates: 1 },
      { unit: "payments", stack: "local.payments", updates: 2 },
      { unit: "search", stack: "local.search", updates: 0 },
    ]);
  });

  test("--limit keeps the newest over all stacks; the counts stay whole", () => {
    const two = mergeUnitHistories(
      "local",
      [
        { unit: "base", stack: "local", updates: 1, entries: [at("2026-01-01T00:00:00.000Z", {})] },
        { unit: "search", stack: "local.search", updates: 1, entries: [at("2026-01-02T00:00:00.000Z", {})] },
      ],
      1,
    );
    expect(two.updates.map((u) => u.unit)).toEqual(["search"]);
    expect(two.units?.map((u) => u.updates)).toEqual([1, 1]);
  });

  test("the table has a UNIT column and a line of updates per stack", () => {
    const text = renderHistory(report);
    expect(text.split("\n")[0]).toMatch(/^UNIT\s+UPDATE\s+TIME/);
    expect(text.split("\n")[1]).toMatch(/^payments\s+#2\s/);
    expect(text).toContain("updates per stack: base 1, payments 2, search 0\n");
  });
});
