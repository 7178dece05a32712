import type { ChangeModel, ResourceChange } from "../../../ops/report/model";
import {
  renderUnitsMarkdown,
  unitsExitCode,
  unitsPreviewReport,
  unitsToJson,
} from "../../../ops/preview/units";
import type { UnitsRunResult } from "../../../ops/units/run";

const model = (resources: ResourceChange[]): ChangeModel => {
  const counts: Record<string, number> = {};
  for (const r of resources) counts[r.op] = (counts[r.op] ?? 0) + 1;
  return { operation: "preview", resources, counts, policies: [], diagnostics: [], failed: [] };
};

const app = (name: string, cluster: string, op: string): ResourceChange => ({
  urn: `urn:pulumi:local.payments::platform::platform:kubernetes:AppSet$platform:kubernetes:App::${name}-${cluster}`,
  type: "platform:kubernetes:App",
  name: `${name}-${cluster}`,
  cluster,
  op,
  properties: [],
});

const deployment: ResourceChange = {
  urn: "urn:pulumi:local.payments::platform::kubernetes:apps/v1:Deployment::checkout-local-deployment",
  type: "kubernetes:apps/v1:Deployment",
  name: "checkout-local-deployment",
  cluster: "local",
  op: "update",
  properties: [{ path: "spec.replicas", kind: "update", before: 2, after: 1 }],
};

const provenance = { workdir: ".", commit: "0123456789ab" };
const allow = { flag: false, spec: false };

describe("preview of a units environment", () => {
  const result: UnitsRunResult = {
    base: { unit: "base", status: "skipped", detail: "unchanged" },
    units: [
      { unit: "payments", status: "succeeded", detail: "would update 1" },
      { unit: "search", status: "skipped", detail: "unchanged" },
    ],
    removed: [],
  };
  const previews = new Map([["payments", model([app("checkout", "local", "same"), deployment])]]);
  const report = unitsPreviewReport({ environment: "local", result, previews, provenance, allow });

  test("each unit has a line; only the unit that would run carries a preview report", () => {
    expect(report.units.map((u) => [u.unit, u.stack, u.status, u.detail])).toEqual([
      ["base", "local", "unchanged", "unchanged"],
      ["payments", "local.payments", "previewed", "would update 1"],
      ["search", "local.search", "unchanged", "unchanged"],
    ]);
    expect(report.units[1].report?.changes.resources).toContain(deployment);
    expect(report.units[1].report?.massDeletion?.refused).toBe(false);
    expect(unitsExitCode(report)).toBe(0);
    expect(JSON.parse(unitsToJson(report))).toMatchObject({ stack: "local", exitCode: 0 });
  });

  test("the markdown (the sticky comment's body) lists every unit, the unchanged ones say so", () => {
    const md = renderUnitsMarkdown(report, { marker: "<!-- marker -->" });
    expect(md.split("\n")[0]).toBe("<!-- marker -->");
    expect(md).toContain("`local` (units): 1 of 3 stacks would run");
    expect(md).toContain("| `payments` | `local.payments` | would update 1 | 1 |");
    expect(md).toContain("| `search` | `local.search` | unchanged |  |");
    expect(md).toContain("checkout-local-deployment");
  });

  test("stays under the comment limit with many units", () => {
    const many = new Map(
      Array.from({ length: 50 }, (_, i) => [
        `t${i}`,
        model(
          Array.from({ length: 60 }, (_, j) => ({
            ...deployment,
            urn: `${deployment.urn}${j}`,
            name: `d${j}`,
          })),
        ),
      ]),
    );
    const big = unitsPreviewReport({
      environment: "local",
      result: {
        base: result.base,
        units: [...many.keys()].map((unit) => ({
          unit,
          status: "succeeded" as const,
          detail: "would update 60",
        })),
        removed: [],
      },
      previews: many,
      provenance,
      allow,
    });
    const md = renderUnitsMarkdown(big, { limit: 65_536 });
    expect(md.length).toBeLessThanOrEqual(65_536);
    expect(md).toContain("| `t49` | `local.t49` | would update 60 | 60 |");
  });

  test("a unit whose preview deletes every instance of an app is refused by the mass-deletion check", () => {
    const refused: UnitsRunResult = {
      ...result,
      units: [
        {
          unit: "payments",
          status: "failed",
          reason: "MassDeletion",
          message: "refused by the mass-deletion check",
        },
        result.units[1],
      ],
    };
    const gone = new Map([["payments", model([app("checkout", "local", "delete")])]]);
    const r = unitsPreviewReport({
      environment: "local",
      result: refused,
      previews: gone,
      provenance,
      allow,
    });
    const payments = r.units[1];
    expect(payments.status).toBe("failed");
    expect(payments.report?.massDeletion?.refused).toBe(true);
    expect(payments.report?.massDeletion?.findings[0]).toMatchObject({
      reason: "every-instance-of-app",
      app: "checkout",
    });
    expect(unitsExitCode(r)).toBe(1);
    expect(renderUnitsMarkdown(r)).toContain("mass deletion refused");
    // allowed by the flag: the same preview's decision says so
    const allowed = unitsPreviewReport({
      environment: "local",
      result,
      previews: gone,
      provenance,
      allow: { flag: true, spec: false },
    });
    expect(allowed.units[1].report?.massDeletion).toMatchObject({
      refused: false,
      allowed: true,
      allowedBy: "flag",
    });
  });
});
