import type { EngineEvent } from "@pulumi/pulumi/automation";
import { checkSpec } from "../../../model/load";
import { applyIgnoreRules, globMatches, pathCovered, ruleCovers } from "../../../ops/drift/ignore";
import { decideAccept, decideRemediation } from "../../../ops/drift/gate";
import { buildDriftReport } from "../../../ops/drift/model";
import { renderMarkdown } from "../../../ops/drift/render";
import { ChangeCollector } from "../../../ops/report/collector";
import type { ChangeModel } from "../../../ops/report/model";
import { ignoreTransform } from "../../../program/run";
import type { DriftIgnoreRule } from "../../../model/types";
import recorded from "./fixtures/refresh-four-drifts.json";
import { BASE } from "../model/fixtures";

/** Events recorded from the real engine after scale, label overwrite, ConfigMap delete, port patch. */
function refreshModel(): ChangeModel {
  const c = new ChangeCollector("refresh-preview");
  (recorded as unknown as EngineEvent[]).forEach(c.onEvent);
  return c.model();
}
const preview: ChangeModel = {
  operation: "preview",
  resources: [],
  counts: {},
  policies: [],
  diagnostics: [],
  failed: [],
  summary: { durationSeconds: 1, resourceChanges: {}, policyPacks: {} },
};
const replicasRule: DriftIgnoreRule = {
  kind: "Deployment",
  name: "check*",
  namespace: "payments",
  paths: ["spec.replicas"],
};

test.each([
  ["check*", "checkout", true],
  ["check?ut", "checkout", true],
  ["checkout", "checkout-2", false],
  ["*", "", true],
  ["a.b", "axb", false],
  ["(x)", "(x)", true],
])("glob %j against %j: %j", (glob, value, expected) => {
  expect(globMatches(glob, value)).toBe(expected);
});

test.each([
  ["spec.replicas", "spec.replicas", true],
  ["spec", "spec.template.spec.containers[0].image", true],
  ["metadata.labels", 'metadata.labels["app.kubernetes.io/part-of"]', true],
  ['metadata.labels["team"]', 'metadata.labels["app.kubernetes.io/part-of"]', false],
  ["spec.replicas", "spec", false],
  ["spec.rep", "spec.replicas", false],
])("ignored path %j covers %j: %j", (ignored, p, expected) => {
  expect(pathCovered(ignored, p)).toBe(expected);
});

test("a rule covers by kind exactly, name and namespace as globs", () => {
  expect(ruleCovers(replicasRule, { kind: "Deployment", name: "checkout", namespace: "payments" })).toBe(
    true,
  );
  expect(ruleCovers(replicasRule, { kind: "Deployment", name: "checkout", namespace: "search" })).toBe(false);
  expect(ruleCovers(replicasRule, { kind: "StatefulSet", name: "checkout", namespace: "payments" })).toBe(
    false,
  );
  expect(
    ruleCovers({ ...replicasRule, namespace: undefined }, { kind: "Deployment", name: "checkout" }),
  ).toBe(true);
  expect(ruleCovers(replicasRule, undefined)).toBe(false);
});

describe("a report with ignore rules, on recorded engine events", () => {
  const base = {
    environment: "local",
    refresh: refreshModel(),
    preview,
    now: new Date("2026-01-02T03:04:05Z"),
  };

  test("an ignored kubectl scale is not drift and is counted; the other drifts stay", () => {
    const without = buildDriftReport(base);
    const report = buildDriftReport({ ...base, ignoreRules: [replicasRule] });
    expect(without.counts).toMatchObject({ drifted: 4, ignored: 0 });
    expect(report.counts).toMatchObject({ drifted: 3, ignored: 1 });
    expect(report.drift.map((d) => d.name)).not.toContain("checkout-local-deployment");
    expect(report.warnings).toEqual(without.warnings);
    expect(renderMarkdown(report)).toContain(
      "Ignored by `drift.ignore`: 1 property (not drift, not remediated).",
    );
  });

  test("a rule that matches nothing is a warning naming it", () => {
    const report = buildDriftReport({
      ...base,
      ignoreRules: [replicasRule, { kind: "Deployment", name: "nosuch", paths: ["spec"] }],
    });
    expect(report.warnings).toContain(
      "drift.ignore[1] (Deployment nosuch) matches no resource of the stack: fix its kind, name or namespace, or remove it",
    );
  });

  test("a deleted object is never ignored, even under a rule covering everything", () => {
    const all = refreshModel().resources;
    const { kept } = applyIgnoreRules(
      all.filter((r) => r.op !== "same"),
      all,
      [{ kind: "ConfigMap", name: "*", paths: ["data", "metadata"] }],
    );
    expect(kept.some((r) => r.op === "delete" && r.type === "kubernetes:core/v1:ConfigMap")).toBe(true);
  });
});

describe("drift.ignore in the spec", () => {
  const spec = (ignore: string) => BASE.replace(/^drift:\n/m, `drift:\n  ignore:\n${ignore}\n`);
  test("a valid rule loads", () => {
    const { spec: loaded, problems } = checkSpec(
      spec("    - { kind: Deployment, name: checkout, paths: [spec.replicas] }"),
      "stacks/staging/platform.yaml",
    );
    expect(problems).toEqual([]);
    expect(loaded?.drift?.ignore).toEqual([
      { kind: "Deployment", name: "checkout", paths: ["spec.replicas"] },
    ]);
  });
  test.each([
    ["    - { kind: Deployment, name: checkout }", "drift.ignore[0]", /paths/],
    ["    - { kind: deployment, name: x, paths: [spec] }", "drift.ignore[0].kind", /Kubernetes kind/],
    [
      '    - { kind: Deployment, name: x, paths: ["spec..x"] }',
      "drift.ignore[0].paths[0]",
      /not a property path/,
    ],
    [
      "    - { kind: Deployment, name: x, paths: [spec] }\n    - { kind: Deployment, name: x, paths: [metadata] }",
      "drift.ignore[1]",
      /repeats drift\.ignore\[0\]/,
    ],
  ])("%s is refused at %s", (rules, at, message) => {
    const { problems } = checkSpec(spec(rules), "stacks/staging/platform.yaml");
    const p = problems.find((x) => x.path === at);
    expect(p?.message).toMatch(message);
    expect(p?.line).toBeGreaterThan(1);
  });
});

test("the program turns covering rules into ignoreChanges, and leaves other resources alone", () => {
  const t = ignoreTransform([replicasRule]);
  const args = (type: string, name: string, namespace: string, ignoreChanges?: string[]) => ({
    custom: true,
    type,
    name,
    props: { metadata: { name, namespace } },
    opts: ignoreChanges ? { ignoreChanges } : {},
  });
  expect(t(args("kubernetes:apps/v1:Deployment", "checkout", "payments", ["x"]))).toMatchObject({
    opts: { ignoreChanges: ["x", "spec.replicas"] },
  });
  expect(t(args("kubernetes:apps/v1:Deployment", "checkout", "search"))).toBeUndefined();
  expect(t(args("kubernetes:core/v1:Service", "checkout", "payments"))).toBeUndefined();
});

test("a rollback's suspension stops remediation but not accept", () => {
  const facts = {
    status: "drifted" as const,
    pendingChanges: 0,
    pendingOperations: 0,
    locks: [],
    suspended: "rollback commit=…",
  };
  expect(decideRemediation(facts).reasons.join("\n")).toContain("suspended by a rollback");
  expect(decideAccept(facts).run).toBe(true);
});
