import type { EngineEvent } from "@pulumi/pulumi/automation";
import { ChangeCollector } from "../../../ops/report/collector";
import type { ChangeModel } from "../../../ops/report/model";
import { buildDriftReport, exitCodeFor, lastUpdateFrom, DriftReport } from "../../../ops/drift/model";
import { renderTerminal } from "../../../ops/drift/render";
import recorded from "./fixtures/refresh-four-drifts.json";

/** Events recorded from the real engine after scale, label overwrite, ConfigMap delete, port patch. */
function refreshModel(): ChangeModel {
  const c = new ChangeCollector("refresh-preview");
  (recorded as unknown as EngineEvent[]).forEach(c.onEvent);
  return c.model();
}

const finished = (operation: ChangeModel["operation"], extra: Partial<ChangeModel> = {}): ChangeModel => ({
  operation,
  resources: [],
  counts: {},
  policies: [],
  diagnostics: [],
  failed: [],
  summary: { durationSeconds: 1, resourceChanges: {}, policyPacks: {} },
  ...extra,
});

describe("buildDriftReport on recorded engine events", () => {
  const report = buildDriftReport({
    environment: "local",
    refresh: refreshModel(),
    preview: finished("preview"),
    now: new Date("2026-01-02T03:04:05Z"),
  });

  test("reports exactly the four out-of-band changes with state and live values", () => {
    expect(report.status).toBe("drifted");
    expect(report.schemaVersion).toBe(1);
    const byName = Object.fromEntries(report.drift.map((d) => [d.name, d]));
    expect(Object.keys(byName).sort()).toEqual([
      "catalog-local-service",
      "checkout-local-deployment",
      "checkout-local-env",
      "checkout-local-service",
    ]);
    expect(byName["checkout-local-deployment"].properties).toEqual([
      { path: "spec.replicas", kind: "update", state: 2, live: 4 },
    ]);
    expect(byName["checkout-local-service"].properties).toEqual([
      { path: "spec.ports[0].port", kind: "update", state: 80, live: 9090 },
    ]);
    expect(byName["catalog-local-service"].properties).toEqual([
      {
        path: 'metadata.labels["app.kubernetes.io/part-of"]',
        kind: "update",
        state: "platform",
        live: "other",
      },
    ]);
    expect(byName["checkout-local-env"]).toMatchObject({ change: "deleted", properties: [] });
    expect(report.counts).toMatchObject({ drifted: 4, modified: 3, deleted: 1, pending: 0 });
    expect(report.generatedAt).toBe("2026-01-02T03:04:05.000Z");
  });

  test("the $PATH provider warning is not reported", () => {
    expect(report.warnings.join("\n")).not.toMatch(/from \$PATH/);
    expect(report.errors).toEqual([]);
  });

  test("drift exits 4", () => {
    expect(exitCodeFor(report)).toBe(4);
  });
});

describe("status", () => {
  const base = { environment: "e", preview: finished("preview") };

  test("pending operations of an interrupted update are counted and warned about, not drift", () => {
    const r = buildDriftReport({ ...base, refresh: finished("refresh-preview"), pendingOperations: 2 });
    expect(r).toMatchObject({ status: "in-sync", pendingOperations: 2 });
    expect(r.warnings).toEqual([
      "the last update was interrupted: 2 operation(s) never finished; nothing is remediated until `platform recover e` resolves them",
    ]);
    expect(renderTerminal(r)).toContain("warnings:\n  the last update was interrupted: 2 operation(s)");
    const clean = buildDriftReport({ ...base, refresh: finished("refresh-preview"), pendingOperations: 0 });
    expect(clean).toMatchObject({ pendingOperations: 0, warnings: [] });
    expect(buildDriftReport({ ...base, refresh: finished("refresh-preview") })).not.toHaveProperty(
      "pendingOperations",
    );
  });

  test("in sync when the refresh finished with no change: exit 0", () => {
    const r = buildDriftReport({ ...base, refresh: finished("refresh-preview") });
    expect(r.status).toBe("in-sync");
    expect(exitCodeFor(r)).toBe(0);
  });

  test.each<[string, Partial<Parameters<typeof buildDriftReport>[0]>]>([
    ["no refresh at all", { refresh: undefined }],
    [
      "an engine error",
      { refresh: finished("refresh-preview"), errors: ["the preview-only refresh failed: boom"] },
    ],
    ["a refresh without summary", { refresh: { ...finished("refresh-preview"), summary: undefined } }],
    ["a failed step", { refresh: finished("refresh-preview", { failed: ["urn:x"] }) }],
    [
      "a resource never read back",
      {
        refresh: finished("refresh-preview", {
          resources: [
            { urn: "u::ns", type: "kubernetes:core/v1:Namespace", name: "ns", op: "refresh", properties: [] },
          ],
        }),
      },
    ],
    [
      "an unreachable-cluster warning",
      {
        refresh: finished("refresh-preview", {
          diagnostics: [
            { severity: "warning", urn: "u::ns", message: "configured Kubernetes cluster is unreachable" },
          ],
        }),
      },
    ],
    ["a preview that did not run", { refresh: finished("refresh-preview"), preview: undefined }],
  ])("unknown (exit 1), never in sync, with %s", (_name, facts) => {
    const r = buildDriftReport({ ...base, ...facts });
    expect(r.status).toBe("unknown");
    expect(r.errors.length).toBeGreaterThan(0);
    expect(exitCodeFor(r)).toBe(1);
  });

  test("identical diagnostics of many resources become one error naming them", () => {
    const diagnostics = ["a", "b", "c", "d"].map((n) => ({
      severity: "error" as const,
      urn: `urn:pulumi:s::p::t::${n}`,
      message: "cluster is unreachable",
    }));
    const r = buildDriftReport({ ...base, refresh: finished("refresh-preview", { diagnostics }) });
    expect(r.errors).toEqual(["cluster is unreachable (4 resource(s): a, b, c, ...)"]);
  });

  test("pending code changes are kept apart and are not drift", () => {
    const preview = finished("preview", {
      resources: [
        {
          urn: "u::d",
          type: "kubernetes:apps/v1:Deployment",
          name: "d",
          op: "update",
          properties: [{ path: "spec.replicas", kind: "update", before: 2, after: 3 }],
        },
        { urn: "u::s", type: "kubernetes:core/v1:Service", name: "s", op: "same", properties: [] },
      ],
    });
    const r = buildDriftReport({ ...base, refresh: finished("refresh-preview"), preview });
    expect(r.status).toBe("in-sync");
    expect(r.pendingChanges).toEqual([
      {
        urn: "u::d",
        type: "kubernetes:apps/v1:Deployment",
        name: "d",
        op: "update",
        properties: [{ path: "spec.replicas", kind: "update", state: 2, desired: 3 }],
      },
    ]);
  });
});

describe("exit codes after acting", () => {
  const drifted = { status: "drifted" } as DriftReport;

  test.each([
    [undefined, 4],
    [{ action: "remediate", result: "applied", reasons: [] }, 0],
    [{ action: "remediate", result: "refused", reasons: [] }, 4],
    [{ action: "remediate", result: "failed", reasons: [] }, 1],
    [{ action: "accept", result: "applied", reasons: [] }, 0],
  ] as const)("remediation %j exits %d", (remediation, code) => {
    expect(
      exitCodeFor({ ...drifted, remediation: remediation ? { ...remediation, reasons: [] } : undefined }),
    ).toBe(code);
  });
});

describe("lastUpdateFrom", () => {
  test("reads commit and author from the audit message", () => {
    const u = lastUpdateFrom({
      endTime: new Date("2026-01-01T00:00:00Z"),
      kind: "update",
      result: "succeeded",
      message: "platform up local · commit 0123456789ab · by Ana <ana@acme.io> · PR #12",
    });
    expect(u).toMatchObject({
      time: "2026-01-01T00:00:00.000Z",
      commit: "0123456789ab",
      author: "Ana <ana@acme.io>",
    });
  });

  test("falls back to the stack tags, and to nothing without history", () => {
    const u = lastUpdateFrom({ message: "manual" }, { "platform:commit": "abc", "platform:author": "Bo" });
    expect(u).toMatchObject({ commit: "abc", author: "Bo" });
    expect(lastUpdateFrom(undefined)).toBeUndefined();
  });
});
