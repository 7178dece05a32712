import { componentOf, familyOf, groupResources, typeChain } from "../../../ops/drift/components";
import { APP, APPSET, BUCKET, DEPLOY, NS, PROVIDER, sampleReport, STACK, TENANT } from "./fixtures";

const parents = new Map<string, string | undefined>([
  [PROVIDER, STACK],
  [TENANT, STACK],
  [NS, TENANT],
  [APPSET, STACK],
  [APP, APPSET],
  [DEPLOY, APP],
]);

describe("componentOf", () => {
  test.each([
    [DEPLOY, { family: "app", type: "platform:kubernetes:AppSet", name: "checkout" }],
    [APP, { family: "app", type: "platform:kubernetes:AppSet", name: "checkout" }],
    [NS, { family: "tenant", type: "platform:kubernetes:Tenant", name: "payments-local" }],
    [PROVIDER, { family: "cluster", type: "pulumi:providers:kubernetes", name: "k8s-local" }],
    // not in the parent map: the first type of the URN's chain gives the family
    [BUCKET, { family: "cloud", type: "platform:aws:Bucket", name: "Bucket" }],
  ])("%s", (urn, want) => {
    expect(componentOf(urn, parents)).toEqual(want);
  });

  test("a parent loop does not hang", () => {
    const loop = new Map([
      ["a::b::x::1", "a::b::y::2"],
      ["a::b::y::2", "a::b::x::1"],
    ]);
    expect(componentOf("a::b::x::1", loop).name).toMatch(/^[12]$/);
  });

  test.each([
    ["platform:kubernetes:Tenant", "tenant"],
    ["platform:vault:TenantSecrets", "tenant"],
    ["platform:kubernetes:AppSet", "app"],
    ["platform:kubernetes:HelmWorkload", "workload"],
    ["platform:kubernetes:KustomizeWorkload", "workload"],
    ["platform:kubernetes:ManifestsWorkload", "workload"],
    ["platform:aws:EksCluster", "cluster"],
    ["platform:kubernetes:AdmissionPolicies", "cluster"],
    ["platform:gcp:Network", "cloud"],
    ["pulumi:providers:aws", "cloud"],
    ["kubernetes:core/v1:ConfigMap", "other"],
  ])("familyOf(%s) = %s", (type, family) => {
    expect(familyOf(type)).toBe(family);
  });

  test("typeChain splits the parent types", () => {
    expect(typeChain(DEPLOY)).toEqual([
      "platform:kubernetes:AppSet",
      "platform:kubernetes:App",
      "kubernetes:apps/v1:Deployment",
    ]);
  });
});

describe("groupResources", () => {
  test("families in order (tenant, app, cluster, cloud), drifted resources first in a component", () => {
    const groups = groupResources(sampleReport());
    expect(groups.map((g) => `${g.component.family}:${g.component.name}`)).toEqual([
      "tenant:payments-local",
      "app:checkout",
      "cluster:k8s-local",
      "cloud:Bucket",
    ]);
    const app = groups[1];
    expect(app.drifted).toBe(2);
    expect(app.rows.map((r) => `${r.state}:${r.name}`)).toEqual([
      "deleted:checkout-local-sa",
      "modified:checkout-local-env",
      "pending:checkout-local-deployment",
      "in sync:checkout",
      "in sync:checkout-local",
    ]);
    expect(app.rows[2].pendingOp).toBe("update");
    // the stack itself is no resource of a component
    expect(groups.flatMap((g) => g.rows).some((r) => r.urn === STACK)).toBe(false);
  });

  test("a report without the resource list still lists its drifted and pending resources", () => {
    const r = sampleReport();
    delete r.resources;
    const rows = groupResources(r).flatMap((g) => g.rows.map((x) => x.name));
    expect(rows.sort()).toEqual(["checkout-local-deployment", "checkout-local-env", "checkout-local-sa"]);
  });

  test("a drifted component comes before an in-sync one of the same family", () => {
    const r = sampleReport();
    const U = "urn:pulumi:local::platform::";
    r.resources!.push(
      {
        urn: `${U}platform:kubernetes:AppSet::aaa`,
        type: "platform:kubernetes:AppSet",
        name: "aaa",
        parent: STACK,
      },
      {
        urn: `${U}platform:kubernetes:AppSet$kubernetes:core/v1:Service::aaa-svc`,
        type: "kubernetes:core/v1:Service",
        name: "aaa-svc",
        parent: `${U}platform:kubernetes:AppSet::aaa`,
      },
    );
    const apps = groupResources(r).filter((g) => g.component.family === "app");
    expect(apps.map((g) => g.component.name)).toEqual(["checkout", "aaa"]);
  });
});
