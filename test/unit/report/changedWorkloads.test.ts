import { changedWorkloads, workloadComponentNames } from "../../../ops/report/changedWorkloads";
import type { ChangeModel, ResourceChange } from "../../../ops/report/model";

const STACK = "urn:pulumi:local::platform::pulumi:pulumi:Stack::platform-local";
const urn = (chain: string, name: string) => `urn:pulumi:local::platform::${chain}::${name}`;
const HELM = "platform:kubernetes:HelmWorkload";
const CHART = `${HELM}$kubernetes:helm.sh/v4:Chart`;
const DEPLOY = `${CHART}$kubernetes:apps/v1:Deployment`;

/** A workload component on `cluster`, its chart and its Deployment with `op`. */
function helmWorkload(component: string, cluster: string, op: string): ResourceChange[] {
  const w = urn(HELM, component);
  const c = urn(CHART, `${component}-chart`);
  return [
    { urn: w, type: HELM, name: component, cluster, op: "same", properties: [], parent: STACK },
    {
      urn: c,
      type: "kubernetes:helm.sh/v4:Chart",
      name: `${component}-chart`,
      cluster,
      op: "same",
      properties: [],
      parent: w,
    },
    {
      urn: urn(DEPLOY, `${component}-chart:payments/web`),
      type: "kubernetes:apps/v1:Deployment",
      name: `${component}-chart:payments/web`,
      cluster,
      op,
      properties: [],
      parent: c,
    },
  ];
}

const model = (resources: ResourceChange[]): ChangeModel => ({
  operation: "preview",
  resources,
  counts: {},
  policies: [],
  diagnostics: [],
  failed: [],
});

const names = workloadComponentNames({
  "web-oci": { clusters: ["local", "local-b"] },
  invoices: { clusters: ["local"] },
});

describe("changedWorkloads", () => {
  test("names each workload with a changed object once, across its clusters, sorted", () => {
    const m = model([
      ...helmWorkload("web-oci-local", "local", "update"),
      ...helmWorkload("web-oci-local-b", "local-b", "update"),
      ...helmWorkload("invoices-local", "local", "create"),
    ]);
    expect(changedWorkloads(m, names)).toEqual(["invoices", "web-oci"]);
  });

  test("an unchanged workload, and changes outside any workload, name nothing", () => {
    const app = {
      urn: urn("platform:kubernetes:AppSet$kubernetes:apps/v1:Deployment", "checkout"),
      type: "kubernetes:apps/v1:Deployment",
      name: "checkout",
      op: "update",
      properties: [],
    };
    expect(changedWorkloads(model([...helmWorkload("web-oci-local", "local", "same"), app]), names)).toEqual(
      [],
    );
  });

  test("a workload no longer in the spec is named without its cluster suffix", () => {
    expect(changedWorkloads(model(helmWorkload("old-web-local-b", "local-b", "delete")), names)).toEqual([
      "old-web",
    ]);
  });

  test("the component names of a spec's workloads: <workload>-<cluster>", () => {
    expect([...names.entries()]).toEqual([
      ["web-oci-local", "web-oci"],
      ["web-oci-local-b", "web-oci"],
      ["invoices-local", "invoices"],
    ]);
  });
});
