/**
 * `units:` of the spec: the plan (which unit holds each app and workload, in dependency order)
 * and the grouping mistakes refused with `line:col path: message`.
 */
import { checkSpec } from "../../../model/load";
import { findCycle, planUnits, specHolding, topologicalOrder, unitPlan } from "../../../model/units";
import type { PlatformSpec } from "../../../model/types";
import { edit } from "./fixtures";

/** A local environment with three tenants, four apps, a tenant and a platform workload. */
const SPEC = `environment: local
tier: development
clusters:
  local: { kind: local }
tenants:
  payments: { owners: [group:payments-eng], costCenter: cc-104 }
  search: { owners: [group:search-eng], costCenter: cc-220 }
  ads: { owners: [group:ads-eng], costCenter: cc-300 }
apps:
  checkout: { tenant: payments, image: registry.k8s.io/pause, tag: "3.10", clusters: [local] }
  refunds: { tenant: payments, image: registry.k8s.io/pause, tag: "3.10", clusters: [local] }
  catalog: { tenant: search, image: registry.k8s.io/pause, tag: "3.10", clusters: [local] }
  banner: { tenant: ads, image: registry.k8s.io/pause, tag: "3.10", clusters: [local] }
workloads:
  indexer: { kind: manifests, tenant: search, clusters: [local], path: deploy/indexer }
  ingress: { kind: manifests, platform: true, clusters: [local], path: deploy/ingress }
units:
  groups:
    shop:
      tenants: [payments]
      apps: [banner]
`;

const problems = (text: string) =>
  checkSpec(text, "spec.yaml").problems.map((p) => `${p.line}:${p.col} ${p.path}: ${p.message}`);
const specOf = (text: string): PlatformSpec => {
  const { spec, problems: found } = checkSpec(text, "spec.yaml");
  if (!spec) throw new Error(found.map((p) => p.message).join("\n"));
  return spec;
};

describe("the unit plan", () => {
  it("puts grouped apps in their group, the rest in their tenant's unit, platform workloads in the base", () => {
    expect(problems(SPEC)).toEqual([]);
    const plan = unitPlan(specOf(SPEC));
    expect(plan.base).toEqual({ apps: [], workloads: ["ingress"] });
    expect(plan.units).toEqual([
      {
        name: "search",
        origin: "tenant",
        apps: ["catalog"],
        workloads: ["indexer"],
        dependsOn: [],
        baseOutputs: ["namespaces", "kubeconfigs", "appIdentities"],
      },
      {
        name: "shop",
        origin: "group",
        apps: ["banner", "checkout", "refunds"],
        workloads: [],
        dependsOn: [],
        baseOutputs: ["namespaces", "kubeconfigs", "appIdentities"],
      },
    ]);
  });

  it("orders units after those they depend on and adds the base outputs a unit reads", () => {
    const text = edit(
      SPEC,
      "      apps: [banner]\n",
      "      apps: [banner]\n      dependsOn: [search]\n      baseOutputs: [databases]\n",
    );
    expect(problems(text)).toEqual([]);
    const plan = unitPlan(specOf(text));
    expect(plan.units.map((u) => u.name)).toEqual(["search", "shop"]);
    const shop = plan.units.find((u) => u.name === "shop");
    expect(shop?.dependsOn).toEqual(["search"]);
    expect(shop?.baseOutputs).toEqual(["namespaces", "kubeconfigs", "appIdentities", "databases"]);
  });

  it("a platform workload listed in a group leaves the base", () => {
    const text = edit(SPEC, "      apps: [banner]\n", "      apps: [banner]\n      workloads: [ingress]\n");
    const plan = unitPlan(specOf(text));
    expect(plan.base.workloads).toEqual([]);
    expect(plan.units.find((u) => u.name === "shop")?.workloads).toEqual(["ingress"]);
  });

  it("specHolding keeps only a unit's apps and workloads", () => {
    const held = specHolding(specOf(SPEC), { apps: ["catalog"], workloads: ["indexer"] });
    expect(Object.keys(held.apps ?? {})).toEqual(["catalog"]);
    expect(Object.keys(held.workloads ?? {})).toEqual(["indexer"]);
    expect(Object.keys(held.tenants)).toEqual(["payments", "search", "ads"]);
  });

  it("a spec without units: has no unit findings and the same problems as before", () => {
    const text = SPEC.slice(0, SPEC.indexOf("units:"));
    expect(problems(text)).toEqual([]);
    expect(planUnits(specOf(text)).findings).toEqual([]);
  });
});

describe("groupings refused, each at its line", () => {
  it.each<[string, string, string, string[]]>([
    [
      "an app in two units",
      "      apps: [banner]\n",
      "      apps: [banner]\n    more:\n      apps: [checkout]\n",
      [
        '23:14 units.groups.more.apps[0]: app "checkout" is in two units, "shop" (units.groups.shop.tenants.0) and "more": an app belongs to exactly one unit; remove it from one of them',
      ],
    ],
    [
      "an app in no unit (perTenant: false)",
      "units:\n",
      "units:\n  perTenant: false\n",
      [
        '12:3 apps.catalog: app "catalog" is in no unit (units.perTenant is false): list it, or its tenant "search", under a group of units.groups',
        '15:3 workloads.indexer: workload "indexer" is in no unit (units.perTenant is false): list it, or its tenant "search", under a group of units.groups',
      ],
    ],
    [
      "unknown app, tenant and workload names",
      "      tenants: [payments]\n      apps: [banner]\n",
      "      tenants: [payment]\n      apps: [banner, nope]\n      workloads: [gone]\n",
      [
        '20:17 units.groups.shop.tenants[0]: unknown tenant "payment"; declared: payments, search, ads',
        '21:22 units.groups.shop.apps[1]: unknown app "nope"; declared: checkout, refunds, catalog, banner',
        '22:19 units.groups.shop.workloads[0]: unknown workload "gone"; declared: indexer, ingress',
      ],
    ],
    [
      "a dependency on an unknown unit",
      "      apps: [banner]\n",
      "      apps: [banner]\n      dependsOn: [billing]\n",
      ['22:19 units.groups.shop.dependsOn[0]: unknown unit "billing"; declared: shop, search'],
    ],
    [
      "a cycle between units",
      "      apps: [banner]\n",
      "      apps: [banner]\n      dependsOn: [search]\n    search:\n      tenants: [search]\n      dependsOn: [shop]\n",
      [
        "25:19 units.groups.search.dependsOn[0]: units search → shop → search depend on each other in a cycle: a unit cannot run before itself; remove one of these dependsOn entries",
      ],
    ],
    [
      "a base output the base does not export",
      "      apps: [banner]\n",
      "      apps: [banner]\n      baseOutputs: [namespaces, vpcId]\n",
      [
        '22:33 units.groups.shop.baseOutputs[1]: the base does not export "vpcId"; it exports environment, namespaces, apps, clusterEndpoints, databases, buckets, kubeconfigs, appIdentities: read one of those or move what you need into the base',
      ],
    ],
    [
      "a group named base",
      "    shop:\n",
      "    base:\n",
      [
        '19:5 units.groups.base: "base" is the base unit\'s name (clusters, tenants, admission, the agent): name this unit otherwise',
      ],
    ],
    [
      "a group named like a tenant that keeps apps of its own",
      "    shop:\n      tenants: [payments]\n      apps: [banner]\n",
      "    shop:\n      tenants: [payments]\n    ads:\n      apps: [checkout2]\n",
      [
        '22:14 units.groups.ads.apps[0]: unknown app "checkout2"; declared: checkout, refunds, catalog, banner',
        '21:5 units.groups.ads: unit "ads" has the name of tenant "ads"\'s own unit, which would hold app "banner": list the tenant under this group (tenants: [ads]) or name the group otherwise',
        '21:5 units.groups.ads: unit "ads" holds no app or workload: list some, or remove it',
      ],
    ],
  ])("%s", (_name, from, to, expected) => {
    expect(problems(edit(SPEC, from, to)).sort()).toEqual([...expected].sort());
  });

  it("an app with secrets is in its unit like any other (here the group that lists it)", () => {
    const text = edit(
      SPEC,
      '  banner: { tenant: ads, image: registry.k8s.io/pause, tag: "3.10", clusters: [local] }\n',
      '  banner: { tenant: ads, image: registry.k8s.io/pause, tag: "3.10", clusters: [local], secrets: { DB_URL: { source: vault, path: ads/db } } }\n',
    ).replace(
      "tenants:\n  payments",
      'secretSources:\n  vault: { kind: vault, address: "https://vault.acme.internal", kvMount: platform }\ntenants:\n  payments',
    );
    expect(problems(text)).toEqual([]);
    expect(unitPlan(specOf(text)).units.find((u) => u.apps.includes("banner"))?.name).toBe("shop");
  });

  it("unitPlan throws naming the environment and every problem", () => {
    const spec = specOf(SPEC);
    spec.units = { groups: { shop: { apps: ["checkout"] }, more: { apps: ["checkout"] } } };
    expect(() => unitPlan(spec)).toThrow(
      /^local: units: units.groups.more.apps.0: app "checkout" is in two units/,
    );
  });
});

describe("graph helpers", () => {
  const graph: Record<string, string[]> = { a: ["b"], b: ["c"], c: [], d: ["a", "c"] };
  it("orders every node after its dependencies", () => {
    expect(topologicalOrder(Object.keys(graph), (n) => graph[n])).toEqual(["c", "b", "a", "d"]);
  });
  it("finds a cycle and none where there is none", () => {
    expect(findCycle(Object.keys(graph), (n) => graph[n])).toBeUndefined();
    expect(findCycle(["x", "y", "z"], (n) => ({ x: ["y"], y: ["z"], z: ["y"] })[n] ?? [])).toEqual([
      "y",
      "z",
      "y",
    ]);
  });
});
