import { DriftReport } from "../../../ops/drift/model";
import { headline, renderJson, renderMarkdown, renderTerminal } from "../../../ops/drift/render";

const report: DriftReport = {
  schemaVersion: 1,
  environment: "staging",
  status: "drifted",
  generatedAt: "2026-01-02T03:04:05.000Z",
  durationSeconds: 2.5,
  lastUpdate: {
    time: "2026-01-01T00:00:00.000Z",
    kind: "update",
    result: "succeeded",
    commit: "abc123",
    author: "Ana",
  },
  counts: { resources: 30, drifted: 2, modified: 1, deleted: 1, pending: 1 },
  drift: [
    {
      urn: "urn:pulumi:staging::platform::kubernetes:apps/v1:Deployment::api",
      type: "kubernetes:apps/v1:Deployment",
      name: "api",
      change: "modified",
      properties: [
        { path: "spec.replicas", kind: "update", state: 2, live: 5 },
        { path: 'data["token"]', kind: "update", state: "[secret]", live: "[secret]" },
      ],
    },
    { urn: "urn:x::cm", type: "kubernetes:core/v1:ConfigMap", name: "cm", change: "deleted", properties: [] },
  ],
  pendingChanges: [
    {
      urn: "urn:x::svc",
      type: "kubernetes:core/v1:Service",
      name: "svc",
      op: "update",
      properties: [{ path: "spec.type", kind: "update", state: "ClusterIP", desired: "NodePort" }],
    },
  ],
  errors: [],
  warnings: [],
};

test("drift.json round-trips the report with its schema version", () => {
  const parsed = JSON.parse(renderJson(report)) as DriftReport;
  expect(parsed).toEqual(report);
  expect(parsed.schemaVersion).toBe(1);
});

test("drift.md has a drift table row per property, deleted resources, and pending changes apart", () => {
  const md = renderMarkdown(report);
  const rows = md.split("\n").filter((l) => l.startsWith("| `kubernetes:"));
  expect(rows).toHaveLength(3);
  expect(rows[0]).toContain("`spec.replicas`");
  expect(rows[0]).toMatch(/`2` \| `5` \|$/);
  expect(rows[2]).toContain("deleted");
  const driftAt = md.indexOf("### Drift");
  const pendingAt = md.indexOf("### Pending code changes");
  expect(driftAt).toBeGreaterThan(0);
  expect(pendingAt).toBeGreaterThan(driftAt);
  expect(md.slice(pendingAt)).toContain("kubernetes:core/v1:Service svc");
  expect(md.slice(driftAt, pendingAt)).not.toContain("svc");
  expect(md).toContain("commit abc123 by Ana");
});

test("secret values stay masked in every rendering", () => {
  for (const text of [renderMarkdown(report), renderTerminal(report), renderJson(report)]) {
    expect(text).toContain("[secret]");
  }
});

test("the terminal summary says what drifted and how", () => {
  const out = renderTerminal(report);
  expect(out.split("\n")[0]).toBe(headline(report));
  expect(out).toContain("spec.replicas: state 2 → live 5");
  expect(out).toContain("kubernetes:core/v1:ConfigMap cm: deleted out of band");
  expect(out).toContain("spec.type: state ClusterIP → code NodePort");
});

test("unknown says unknown and lists the errors", () => {
  const unknown = { ...report, status: "unknown" as const, errors: ["cluster is unreachable"] };
  expect(renderTerminal(unknown)).toMatch(/status unknown[\s\S]*errors:\n {2}cluster is unreachable/);
  expect(renderMarkdown(unknown)).toContain("**Status: unknown.**");
});

test("a pipe in a value does not break the markdown table", () => {
  const piped: DriftReport = {
    ...report,
    drift: [{ ...report.drift[0], properties: [{ path: "x", kind: "update", state: "a|b", live: "c" }] }],
  };
  const row = renderMarkdown(piped)
    .split("\n")
    .find((l) => l.startsWith("| `kubernetes:"))!;
  expect(row.split(/(?<!\\)\|/).length).toBe(7);
});
