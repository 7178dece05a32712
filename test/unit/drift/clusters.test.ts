import type { ChangeModel, ResourceChange } from "../../../ops/report/model";
import { buildDriftReport } from "../../../ops/drift/model";
import { renderMarkdown, renderTerminal } from "../../../ops/drift/render";

const res = (name: string, cluster: string, op = "same"): ResourceChange => ({
  urn: `urn:pulumi:local::platform::kubernetes:apps/v1:Deployment::${name}`,
  type: "kubernetes:apps/v1:Deployment",
  name,
  cluster,
  op,
  properties: op === "update" ? [{ path: "spec.replicas", kind: "update", before: 1, after: 3 }] : [],
});
const model = (operation: ChangeModel["operation"], extra: Partial<ChangeModel> = {}): ChangeModel => ({
  operation,
  resources: [],
  counts: {},
  policies: [],
  diagnostics: [],
  failed: [],
  summary: { durationSeconds: 1, resourceChanges: {}, policyPacks: {} },
  ...extra,
});
const report = (refresh: ChangeModel | undefined, errors: string[] = []) =>
  buildDriftReport({
    environment: "local",
    clusters: ["local", "local-b"],
    refresh,
    preview: model("preview"),
    errors,
  });

describe("drift per cluster: each cluster's status is its own", () => {
  test("drift on one cluster leaves the other in sync", () => {
    const r = report(
      model("refresh-preview", {
        resources: [res("a-local", "local"), res("a-local-b", "local-b", "update")],
      }),
    );
    expect(r.status).toBe("drifted");
    expect(r.clusters).toEqual({
      local: { status: "in-sync", resources: 1, drifted: 0, errors: [] },
      "local-b": { status: "drifted", resources: 1, drifted: 1, errors: [] },
    });
    expect(r.drift[0]).toMatchObject({ cluster: "local-b", name: "a-local-b" });
    expect(renderTerminal(r)).toContain("~ [local-b] kubernetes:apps/v1:Deployment a-local-b:");
    // the clusters in sync are folded into one line after the ones that need attention
    expect(renderTerminal(r)).toMatch(/  local-b: drifted \(1 resources, 1 drifted\)\n  in sync: local\n/);
    expect(renderMarkdown(r)).toContain("| `local-b` | drifted | 1 | 1 |  |");
  });

  test("an unreachable cluster is unknown there only, never the other one's, and never 'deleted'", () => {
    const b = res("a-local-b", "local-b", "refresh");
    const r = report(
      model("refresh-preview", {
        resources: [res("a-local", "local"), b],
        failed: [b.urn],
        diagnostics: [
          { severity: "error", urn: b.urn, message: "configured Kubernetes cluster is unreachable" },
        ],
      }),
      ["the preview-only refresh failed: exit 255"],
    );
    expect(r.status).toBe("unknown");
    expect(r.clusters?.local).toEqual({ status: "in-sync", resources: 1, drifted: 0, errors: [] });
    expect(r.clusters?.["local-b"].status).toBe("unknown");
    expect(r.clusters?.["local-b"].errors).toContain("configured Kubernetes cluster is unreachable");
    expect(r.drift).toEqual([]);
  });

  test("a provider's own diagnostic is its cluster's", () => {
    const r = report(
      model("refresh-preview", {
        resources: [res("a-local", "local"), res("a-local-b", "local-b")],
        diagnostics: [
          {
            severity: "error",
            urn: "urn:pulumi:local::platform::pulumi:providers:kubernetes::k8s-local-b",
            message: "connection refused",
          },
        ],
      }),
    );
    expect(r.clusters?.["local-b"].status).toBe("unknown");
    expect(r.clusters?.local.status).toBe("in-sync");
  });

  test("no refresh at all: every cluster is unknown; a cluster with nothing read while errors exist too", () => {
    expect(Object.values(report(undefined).clusters ?? {}).map((c) => c.status)).toEqual([
      "unknown",
      "unknown",
    ]);
    const r = report(model("refresh-preview", { resources: [res("a-local", "local")] }), ["engine failed"]);
    expect(r.clusters?.local.status).toBe("in-sync");
    expect(r.clusters?.["local-b"]).toMatchObject({ status: "unknown", resources: 0 });
  });
});
