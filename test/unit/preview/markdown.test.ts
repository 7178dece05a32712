import { ChangeModel } from "../../../ops/report/model";
import { code, countsTable, renderMarkdown } from "../../../ops/preview/markdown";
import { errorCause } from "../../../ops/engine/causes";
import { exitCodeOf, PreviewReport, toJson } from "../../../ops/preview/report";

const URN = "urn:pulumi:local::platform::platform:kubernetes:App$kubernetes:apps/v1:Deployment::checkout";

function model(over: Partial<ChangeModel> = {}): ChangeModel {
  return {
    operation: "preview",
    resources: [
      {
        urn: URN,
        type: "kubernetes:apps/v1:Deployment",
        name: "checkout",
        op: "update",
        properties: [
          { path: "spec.replicas", kind: "update", before: 2, after: 3 },
          { path: "data.password", kind: "update", before: "[secret]", after: "[secret]" },
        ],
      },
    ],
    counts: { update: 1, same: 29 },
    policies: [],
    diagnostics: [],
    failed: [],
    ...over,
  };
}

function report(over: Partial<PreviewReport> = {}): PreviewReport {
  return {
    schemaVersion: 1,
    project: "platform",
    stack: "local",
    workdir: ".",
    commit: "0123456789abcdef0123",
    status: "succeeded",
    changes: model(),
    remediation: {},
    ...over,
  };
}

const violation = {
  policyPack: "platform-kubernetes",
  policyName: "k8s-allowed-registries",
  level: "mandatory" as const,
  resourceUrn: URN,
  message: "Images must come from an allowed registry.\nuses ghcr.io",
};

describe("preview markdown", () => {
  test("the counts row, the changed resource and its property path with before and after", () => {
    const md = renderMarkdown(report());
    expect(md).toContain("| 0 | 1 | 0 | 0 | 29 | 0 | 0 |");
    expect(md).toContain("**update** (1)");
    expect(md).toContain("`kubernetes:apps/v1:Deployment` **checkout**");
    expect(md).toContain("`spec.replicas`: `2` → `3`");
    expect(md).toContain("`data.password`: `[secret]` → `[secret]`");
    expect(md).toContain("commit `0123456789ab`");
    expect(md).toMatch(/^### ✅ `local`: preview succeeded \(1 resource to change\)/);
  });

  test("policy violations by severity, with remediation steps", () => {
    const advisory = { ...violation, policyName: "k8s-run-as-non-root", level: "advisory" as const };
    const md = renderMarkdown(
      report({
        status: "failed",
        changes: model({ policies: [advisory, violation] }),
        remediation: { "k8s-allowed-registries": "Mirror the image into an allowed registry." },
      }),
    );
    expect(md).toContain("❌ `local`: 1 mandatory policy violation");
    expect(md.indexOf("**mandatory** (1)")).toBeLessThan(md.indexOf("**advisory** (1)"));
    expect(md).toContain("- `k8s-allowed-registries` (platform-kubernetes) on `Deployment checkout`");
    expect(md).toContain("  - remediation: Mirror the image into an allowed registry.");
    expect(md).toContain("| 0 | 1 | 0 | 0 | 29 | 1 | 1 |");
  });

  test("drift is a separate section", () => {
    const drift = model({
      operation: "refresh-preview",
      resources: [
        {
          ...model().resources[0],
          op: "update",
          properties: [{ path: "spec.replicas", kind: "update", before: 3, after: 5 }],
        },
      ],
    });
    const md = renderMarkdown(report({ drift }));
    const at = md.indexOf("#### Drift since last deploy");
    expect(at).toBeGreaterThan(md.indexOf("#### Changes"));
    expect(md.slice(at)).toContain("`spec.replicas`: `3` → `5`");
    expect(md.slice(0, at)).not.toContain("`3` → `5`");
  });

  test("a failure shows its cause", () => {
    const md = renderMarkdown(report({ status: "failed", error: "error: kubeconfig unreachable" }));
    expect(md).toContain("preview failed");
    expect(md).toContain("```text\nerror: kubeconfig unreachable\n```");
    expect(exitCodeOf(report({ status: "failed" }))).toBe(1);
  });

  test("a huge preview stays under the limit, keeps the summary and says it was cut", () => {
    const resources = Array.from({ length: 3000 }, (_, i) => ({
      ...model().resources[0],
      urn: `${URN}-${i}`,
      name: `checkout-${i}`,
      properties: [
        {
          path: "metadata.annotations.note",
          kind: "update" as const,
          before: "x".repeat(100),
          after: "y".repeat(100),
        },
      ],
    }));
    const md = renderMarkdown(report({ changes: model({ resources, counts: { update: 3000 } }) }), {
      marker: "<!-- m -->",
    });
    expect(md.length).toBeLessThanOrEqual(65_536);
    expect(md.startsWith("<!-- m -->\n### ✅")).toBe(true);
    expect(md).toContain("| 0 | 3000 | 0 | 0 | 0 | 0 | 0 |");
    expect(md).toMatch(
      /Details truncated: \d+ more entries not shown to stay under GitHub's 65,536-character limit/,
    );
  });

  test("code spans survive backticks", () => {
    expect(code("a`b")).toBe("``a`b``");
    expect(code("`x`")).toBe("`` `x` ``");
  });

  test("the counts table lists other ops after the usual ones", () => {
    const [header, , row] = countsTable(model({ counts: { "create-replacement": 1, same: 2 } }), []);
    expect(header).toBe(
      "| create | update | replace | delete | same | create-replacement | policy: mandatory | policy: advisory |",
    );
    expect(row).toBe("| 0 | 0 | 0 | 0 | 2 | 1 | 0 | 0 |");
  });
});

describe("preview JSON", () => {
  test("is versioned and carries the exit code", () => {
    const json = JSON.parse(toJson(report({ changes: model({ policies: [violation] }) })));
    expect(json.schemaVersion).toBe(1);
    expect(json.exitCode).toBe(1);
    expect(json.changes.resources[0].properties[0]).toEqual({
      path: "spec.replicas",
      kind: "update",
      before: 2,
      after: 3,
    });
  });

  test("error causes keep the error lines, not the command line", () => {
    const err = new Error(
      "Command failed with exit code 1: pulumi preview --stack local\ncode: 1\nstdout: x\nerror: preview failed\nerror: preview failed",
    );
    expect(errorCause(err)).toBe("error: preview failed");
  });
});

test("the HTML report's link is kept with the summary, even when details are cut", () => {
  const link = "HTML report: `preview-local.html` in [the run's artifacts](https://x/runs/1#artifacts)";
  const many = model({
    resources: Array.from({ length: 400 }, (_, i) => ({
      urn: `${URN}-${i}`,
      type: "kubernetes:apps/v1:Deployment",
      name: `d-${i}`,
      op: "update",
      properties: [{ path: "spec.replicas", kind: "update" as const, before: 1, after: 2 }],
    })),
  });
  const md = renderMarkdown(report({ changes: many }), { limit: 4000, reportLink: link });
  expect(md).toContain(link);
  expect(md).toContain("Details truncated");
  expect(md.indexOf(link)).toBeLessThan(md.indexOf("| create |"));
});
