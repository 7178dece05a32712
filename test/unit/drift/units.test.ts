import { DriftReport, DriftedResource } from "../../../ops/drift/model";
import { combineRemediations, mergeUnitReports, worstStatus } from "../../../ops/drift/unitReport";
import { renderMarkdown, renderTerminal } from "../../../ops/drift/render";
import { renderDriftHtml } from "../../../ops/drift/html";

/** A single stack's report, in sync unless told otherwise. */
function stackReport(over: Partial<DriftReport> = {}): DriftReport {
  return {
    schemaVersion: 1,
    environment: "local",
    status: "in-sync",
    generatedAt: "2026-01-02T03:04:05.000Z",
    durationSeconds: 1,
    counts: { resources: 3, drifted: 0, modified: 0, deleted: 0, pending: 0, ignored: 0 },
    drift: [],
    pendingChanges: [],
    resources: [],
    clusters: { local: { status: "in-sync", resources: 3, drifted: 0, errors: [] } },
    errors: [],
    warnings: [],
    ...over,
  };
}

const scaled: DriftedResource = {
  urn: "urn:pulumi:local.search::platform::platform:kubernetes:AppSet$platform:kubernetes:App$kubernetes:apps/v1:Deployment::catalog-local-deployment",
  type: "kubernetes:apps/v1:Deployment",
  name: "catalog-local-deployment",
  cluster: "local",
  change: "modified",
  properties: [{ path: "spec.replicas", kind: "update", state: 2, live: 5 }],
};

const searchDrifted = stackReport({
  status: "drifted",
  counts: { resources: 9, drifted: 1, modified: 1, deleted: 0, pending: 0, ignored: 0 },
  drift: [scaled],
  resources: [{ urn: scaled.urn, type: scaled.type, name: scaled.name }],
  clusters: { local: { status: "drifted", resources: 9, drifted: 1, errors: [] } },
  lastUpdate: { time: "2026-01-02T00:00:00.000Z", kind: "update", result: "succeeded" },
});

const parts = [
  {
    unit: "base",
    stack: "local",
    report: stackReport({
      counts: { resources: 75, drifted: 0, modified: 0, deleted: 0, pending: 0, ignored: 0 },
      lastUpdate: { time: "2026-01-01T00:00:00.000Z", kind: "update", result: "succeeded" },
    }),
  },
  { unit: "payments", stack: "local.payments", report: stackReport() },
  { unit: "search", stack: "local.search", report: searchDrifted },
];

describe("a units environment's drift report", () => {
  const merged = mergeUnitReports({ environment: "local", parts, now: new Date(0) });

  test("sums the counts, takes the worst status and names each row's unit", () => {
    expect(merged.status).toBe("drifted");
    expect(merged.counts).toEqual({
      resources: 87,
      drifted: 1,
      modified: 1,
      deleted: 0,
      pending: 0,
      ignored: 0,
    });
    expect(merged.drift).toEqual([{ ...scaled, unit: "search" }]);
    expect(merged.resources?.[0].unit).toBe("search");
    expect(merged.clusters?.local).toEqual({
      status: "drifted",
      resources: 3 + 3 + 9,
      drifted: 1,
      errors: [],
    });
    expect(merged.lastUpdate?.time).toBe("2026-01-02T00:00:00.000Z");
  });

  test("keeps a per-unit summary, base first", () => {
    expect(merged.units?.map((u) => [u.unit, u.stack, u.status, u.counts.drifted])).toEqual([
      ["base", "local", "in-sync", 0],
      ["payments", "local.payments", "in-sync", 0],
      ["search", "local.search", "drifted", 1],
    ]);
  });

  test("one unit that could not be read makes the whole unknown and says which", () => {
    const broken = stackReport({ status: "unknown", errors: ["the preview-only refresh did not run"] });
    const r = mergeUnitReports({
      environment: "local",
      parts: [parts[0], { unit: "payments", stack: "local.payments", report: broken }, parts[2]],
    });
    expect(r.status).toBe("unknown");
    expect(r.errors).toEqual(["payments: the preview-only refresh did not run"]);
    expect(r.units?.find((u) => u.unit === "search")?.status).toBe("drifted");
  });

  test("the run's own errors (before any stack) count", () => {
    expect(mergeUnitReports({ environment: "local", parts, errors: ["no kubeconfig"] }).status).toBe(
      "unknown",
    );
  });

  test("the terminal leads with the unit that drifted, folds the rest, and groups drift under its unit", () => {
    const text = renderTerminal(merged);
    expect(text).toContain(
      "units:\n  search: drifted (9 resources, 1 drifted, 0 pending)\n  in sync: base, payments\n",
    );
    expect(text).toContain(
      "drift (live world vs state):\n  unit search:\n    ~ [local] kubernetes:apps/v1:Deployment",
    );
  });

  test("drift.md lists the units, the one that drifted first, and each drift row's unit", () => {
    const md = renderMarkdown(merged);
    const units = md.slice(md.indexOf("### Units"));
    expect(units.indexOf("`search`")).toBeLessThan(units.indexOf("`base`"));
    expect(md).toContain("(unit search) | modified | `spec.replicas` | `2` | `5` |");
  });

  test("drift.html shows the unit that drifted and folds the units in sync in a collapsed <details>", () => {
    const html = renderDriftHtml(merged);
    expect(html).toMatch(/<details class="in-sync"><summary>2 unit\(s\) in sync: base, payments<\/summary>/);
    expect(html).not.toMatch(/<details[^>]* open/);
    expect(html).toContain("unit <strong>search</strong>: ");
  });
});

describe("drift.html of a single stack folds what is in sync", () => {
  const app = (name: string) => `urn:pulumi:local::platform::platform:kubernetes:AppSet::${name}`;
  const child = (name: string) =>
    `urn:pulumi:local::platform::platform:kubernetes:AppSet$kubernetes:apps/v1:Deployment::${name}-deployment`;
  const names = Array.from({ length: 100 }, (_, i) => `app${String(i).padStart(3, "0")}`);
  const report = stackReport({
    status: "drifted",
    counts: { resources: 200, drifted: 1, modified: 1, deleted: 0, pending: 0 },
    resources: names.flatMap((n) => [
      { urn: app(n), type: "platform:kubernetes:AppSet", name: n },
      { urn: child(n), type: "kubernetes:apps/v1:Deployment", name: `${n}-deployment`, parent: app(n) },
    ]),
    drift: [
      {
        urn: child("app042"),
        type: "kubernetes:apps/v1:Deployment",
        name: "app042-deployment",
        change: "modified",
        properties: [{ path: "spec.replicas", kind: "update", state: 1, live: 3 }],
      },
    ],
  });
  const html = renderDriftHtml(report);
  const resources = html.slice(html.indexOf('id="resources"'));

  test("the drifted component comes first, open; the 99 in sync are in one collapsed <details>", () => {
    const open = resources.slice(0, resources.indexOf("<details"));
    expect(open).toContain("app: app042 (1 drifted)");
    expect(open).not.toContain("app: app000");
    expect(resources).toContain("<summary>99 component(s) in sync (198 resources)</summary>");
    expect(resources.indexOf("app: app000")).toBeGreaterThan(resources.indexOf("<details"));
  });

  test("a report with everything in sync has nothing open in the resource list", () => {
    const quiet = renderDriftHtml(stackReport({ resources: report.resources }));
    const list = quiet.slice(quiet.indexOf('id="resources"'));
    expect(list.indexOf("<h3>")).toBeGreaterThan(list.indexOf("<details"));
  });
});

describe("remediation across units", () => {
  test("failed wins over refused over applied; each reason names its unit", () => {
    const applied = {
      action: "remediate" as const,
      result: "applied" as const,
      reasons: ["up --refresh succeeded"],
    };
    const refused = { action: "remediate" as const, result: "refused" as const, reasons: ["locked"] };
    expect(combineRemediations([{ unit: "search", outcome: applied }])).toEqual({
      action: "remediate",
      result: "applied",
      reasons: ["search: up --refresh succeeded"],
    });
    expect(
      combineRemediations([
        { unit: "search", outcome: applied },
        { unit: "payments", outcome: refused },
      ])?.result,
    ).toBe("refused");
    expect(
      combineRemediations([
        { unit: "payments", outcome: refused },
        { unit: "search", outcome: { ...applied, result: "failed" } },
      ])?.result,
    ).toBe("failed");
    expect(combineRemediations([])).toBeUndefined();
  });

  test("the worst status", () => {
    expect(worstStatus([])).toBe("in-sync");
    expect(worstStatus(["in-sync", "drifted"])).toBe("drifted");
    expect(worstStatus(["drifted", "unknown", "in-sync"])).toBe("unknown");
  });
});
