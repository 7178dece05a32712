/**
 * A units environment's program under strict mocks: the base and the units together register
 * exactly the resources of the single-stack program, with the same URNs (so state can move
 * between stacks with no replacement), each in one stack only; a unit fails naming what the
 * base's outputs lack.
 */
import type { PlatformSpec } from "../../../model/types";
import { setupMocks } from "../helpers/mocks";
import type { StateResource } from "../../../ops/units/migration";

const mocks = setupMocks();
let program: typeof import("../../../program/program");
let units: typeof import("../../../program/units");
let model: typeof import("../../../model/units");

beforeAll(async () => {
  program = await import("../../../program/program");
  units = await import("../../../program/units");
  model = await import("../../../model/units");
});
beforeEach(() => mocks.reset());

const app = (tenant: string, clusters: string[], extra: object = {}) => ({
  tenant,
  image: "registry.k8s.io/pause",
  tag: "3.10",
  clusters,
  ...extra,
});

const SPEC: PlatformSpec = {
  environment: "local",
  tier: "development",
  clusters: { local: { kind: "local" }, "local-b": { kind: "local" } },
  tenants: {
    payments: { owners: ["group:payments-eng"], costCenter: "cc-104" },
    search: { owners: ["group:search-eng"], costCenter: "cc-220" },
  },
  apps: {
    checkout: app("payments", ["local"], { allowFrom: ["search"] }),
    catalog: app("search", ["local", "local-b"], { replicas: 1 }),
  },
  units: {},
};
const ctx = {
  kubeconfigFor: () => "apiVersion: v1\n",
  repositoryRoot: process.cwd(),
  sopsValue: () => "decrypted-value",
};

/** SPEC with an app reading a vault secret (a store in the base) and one reading a SOPS file. */
const WITH_SECRETS: PlatformSpec = {
  ...SPEC,
  secretSources: { vault: { kind: "vault", address: "http://127.0.0.1:8200", kvMount: "platform" } },
  apps: {
    checkout: app("payments", ["local"], {
      allowFrom: ["search"],
      secrets: { DB_PASSWORD: { source: "sops", file: "secrets/payments.enc.yaml", key: "db.password" } },
    }),
    catalog: app("search", ["local", "local-b"], {
      replicas: 1,
      secrets: { API_KEY: { source: "vault", path: "search/catalog", key: "api-key" } },
    }),
  },
};
const BASE_VALUES = { namespaces: { local: ["payments", "search"], "local-b": ["search"] }, kubeconfigs: {} };

const isProvider = (type: string) => type.startsWith("pulumi:providers:");
async function urns(build: () => void): Promise<string[]> {
  mocks.reset();
  build();
  await mocks.settle();
  return mocks.resources.map((r) => r.urn).sort();
}

describe("the units program", () => {
  it("base + units = the single-stack program, resource for resource, each in one stack", async () => {
    const single: PlatformSpec = { ...SPEC, units: undefined };
    const whole = await urns(() => program.createPlatform(single, ctx));
    const plan = model.unitPlan(SPEC);
    const base = await urns(() => program.createPlatform(SPEC, ctx, plan.base));
    const perUnit: Record<string, string[]> = {};
    for (const unit of plan.units)
      perUnit[unit.name] = await urns(() => units.createUnit(SPEC, ctx, unit, BASE_VALUES));

    expect(Object.keys(perUnit)).toEqual(["payments", "search"]);
    const owned = [base, ...Object.values(perUnit)].flatMap((list) =>
      list.filter((u) => !isProvider(u.split("::")[2])),
    );
    expect(new Set(owned).size).toBe(owned.length); // nothing in two stacks
    expect(owned.sort()).toEqual(whole.filter((u) => !isProvider(u.split("::")[2])));
    // each unit's providers are the base's own (same name and type), for the clusters it uses
    const providers = (list: string[]) => list.filter((u) => isProvider(u.split("::")[2]));
    expect(providers(perUnit.payments)).toEqual(providers(whole).filter((u) => u.endsWith("::k8s-local")));
    expect(providers(perUnit.search)).toEqual(providers(whole).filter((u) => /::k8s-local(-b)?$/.test(u)));
    expect(base.some((u) => u.includes("checkout"))).toBe(false);
  });

  it("apps with secrets: their ExternalSecret and SOPS Secret move into the unit, the stores stay in the base", async () => {
    const single: PlatformSpec = { ...WITH_SECRETS, units: undefined };
    const whole = await urns(() => program.createPlatform(single, ctx));
    const plan = model.unitPlan(WITH_SECRETS);
    const base = await urns(() => program.createPlatform(WITH_SECRETS, ctx, plan.base));
    const perUnit: Record<string, string[]> = {};
    for (const unit of plan.units)
      perUnit[unit.name] = await urns(() => units.createUnit(WITH_SECRETS, ctx, unit, BASE_VALUES));
    const owned = [base, ...Object.values(perUnit)].flatMap((list) =>
      list.filter((u) => !isProvider(u.split("::")[2])),
    );
    expect(new Set(owned).size).toBe(owned.length);
    expect(owned.sort()).toEqual(whole.filter((u) => !isProvider(u.split("::")[2])));
    const named = (list: string[], type: string) =>
      list.filter((u) => u.split("::")[2].endsWith(type)).map((u) => u.split("::")[3]);
    expect(named(perUnit.payments, "platform:kubernetes:AppSopsSecret")).toEqual(["checkout-local-sops"]);
    expect(named(perUnit.search, "platform:kubernetes:AppExternalSecret").sort()).toEqual([
      "catalog-local",
      "catalog-local-b",
    ]);
    expect(named(base, "platform:kubernetes:SecretStore").sort()).toEqual([
      "search-vault-local",
      "search-vault-local-b",
    ]);
    expect(named(base, "platform:kubernetes:AppExternalSecret")).toEqual([]);
    expect(named(base, "platform:kubernetes:AppSopsSecret")).toEqual([]);
  });

  it("a unit's ExternalSecret and SOPS Secret have the single stack's inputs exactly (no diff after a move)", async () => {
    const inputsOf = async (build: () => void) => {
      mocks.reset();
      build();
      await mocks.settle();
      return [
        ...mocks.ofType("kubernetes:external-secrets.io/v1:ExternalSecret"),
        ...mocks.ofType("kubernetes:core/v1:Secret"),
      ]
        .map((r) => ({ name: r.name, inputs: r.inputs }))
        .sort((a, b) => (a.name < b.name ? -1 : 1));
    };
    const whole = await inputsOf(() => program.createPlatform({ ...WITH_SECRETS, units: undefined }, ctx));
    const plan = model.unitPlan(WITH_SECRETS);
    const fromUnits = [];
    for (const unit of plan.units)
      fromUnits.push(...(await inputsOf(() => units.createUnit(WITH_SECRETS, ctx, unit, BASE_VALUES))));
    expect(whole.map((r) => r.name)).toEqual([
      "catalog-local-b-external-secret",
      "catalog-local-external-secret",
      "checkout-local-sops-secret",
    ]);
    expect(fromUnits.sort((a, b) => (a.name < b.name ? -1 : 1))).toEqual(whole);
    const external = whole[1].inputs as {
      metadata: { namespace: string };
      spec: { secretStoreRef: unknown };
    };
    expect(external.metadata.namespace).toBe("search");
    expect(external.spec.secretStoreRef).toEqual({ name: "vault", kind: "SecretStore" });
  });

  it("a unit's app takes its service account's annotations from the base's appIdentities", async () => {
    const search = model.unitPlan(WITH_SECRETS).units.find((u) => u.name === "search")!;
    mocks.reset();
    units.createUnit(WITH_SECRETS, ctx, search, {
      ...BASE_VALUES,
      appIdentities: { catalog: { local: { "eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/x" } } },
    });
    await mocks.settle();
    const accounts = mocks.ofType("kubernetes:core/v1:ServiceAccount");
    const annotations = accounts.map(
      (a) => (a.inputs as { metadata: { annotations?: Record<string, string> } }).metadata.annotations ?? {},
    );
    expect(
      annotations.filter((a) => a["eks.amazonaws.com/role-arn"] === "arn:aws:iam::1:role/x"),
    ).toHaveLength(1);
  });

  it("a unit's apps use the tenants' namespaces the base's outputs name, allowFrom included", async () => {
    const [payments] = model.unitPlan(SPEC).units;
    mocks.reset();
    units.createUnit(SPEC, ctx, payments, BASE_VALUES);
    await mocks.settle();
    const deployments = mocks.ofType("kubernetes:apps/v1:Deployment");
    expect(deployments.map((d) => (d.inputs.metadata as { namespace: string }).namespace)).toEqual([
      "payments",
    ]);
    const policies = mocks.ofType("kubernetes:networking.k8s.io/v1:NetworkPolicy");
    expect(JSON.stringify(policies.map((p) => p.inputs))).toContain("search");
  });

  it("fails naming the unit, tenant, cluster and the fix when the base's outputs lack a namespace", () => {
    const [, search] = model.unitPlan(SPEC).units;
    expect(() =>
      units.createUnit(SPEC, ctx, search, { namespaces: { local: ["search"] }, kubeconfigs: {} }),
    ).toThrow(
      'local: unit "search" needs tenant "search"\'s namespace on cluster "local-b", which the base\'s outputs (namespaces) do not list: apply the base first (platform up local)',
    );
  });

  it("fails naming the cluster when an EKS cluster's kubeconfig is not among the base's outputs", () => {
    const spec: PlatformSpec = {
      ...SPEC,
      tier: "staging",
      clouds: { aws: { region: "eu-west-1" } },
      clusters: {
        eks: {
          kind: "eks",
          cloud: "aws",
          version: "1.37",
          nodePools: [{ name: "g", size: "m6i.large", min: 1, max: 2 }],
        },
      },
      apps: { checkout: app("payments", ["eks"]) },
    };
    const [unit] = model.unitPlan(spec).units;
    expect(() =>
      units.createUnit(spec, ctx, unit, { namespaces: { eks: ["payments"] }, kubeconfigs: {} }),
    ).toThrow(
      /unit "payments" runs on cluster "eks" \(eks\), whose kubeconfig is not among the base's outputs \(kubeconfigs\)/,
    );
  });
});

describe("migration from one stack", () => {
  it("moves to each unit exactly the resources its stack registers, parents first; the rest stays", async () => {
    const { planMigration } = await import("../../../ops/units/migration");
    const single: PlatformSpec = { ...SPEC, units: undefined };
    mocks.reset();
    program.createPlatform(single, ctx);
    await mocks.settle();
    const state: StateResource[] = [
      { urn: "urn:pulumi:unit::platform::pulumi:pulumi:Stack::platform-unit", type: "pulumi:pulumi:Stack" },
      ...mocks.resources.map((r) => ({
        urn: r.urn,
        type: r.type,
        parent: r.parentUrn ?? "urn:pulumi:unit::platform::pulumi:pulumi:Stack::platform-unit",
      })),
    ];
    const plan = model.unitPlan(SPEC);
    const migration = planMigration(SPEC, plan, state);
    expect(migration.missing).toEqual([]);
    for (const unit of plan.units) {
      const registered = await urns(() => units.createUnit(SPEC, ctx, unit, BASE_VALUES));
      const own = registered.filter((u) => !isProvider(u.split("::")[2]));
      expect([...migration.moves[unit.name]].sort()).toEqual(own);
      const moves = migration.moves[unit.name];
      const childBeforeParent = moves.filter((urn, i) => {
        const parent = state.find((s) => s.urn === urn)?.parent;
        return parent !== undefined && moves.includes(parent) && moves.indexOf(parent) > i;
      });
      expect(childBeforeParent).toEqual([]);
    }
    const moved = Object.values(migration.moves).flat().length;
    expect(migration.stays).toBe(state.length - moved);
    expect(moved).toBeGreaterThan(0);
  });

  it("moves an app's ExternalSecret and SOPS Secret with it; the secret stores stay", async () => {
    const { planMigration } = await import("../../../ops/units/migration");
    mocks.reset();
    program.createPlatform({ ...WITH_SECRETS, units: undefined }, ctx);
    await mocks.settle();
    const root = "urn:pulumi:unit::platform::pulumi:pulumi:Stack::platform-unit";
    const state: StateResource[] = [
      { urn: root, type: "pulumi:pulumi:Stack" },
      ...mocks.resources.map((r) => ({ urn: r.urn, type: r.type, parent: r.parentUrn ?? root })),
    ];
    const plan = model.unitPlan(WITH_SECRETS);
    const migration = planMigration(WITH_SECRETS, plan, state);
    expect(migration.missing).toEqual([]);
    for (const unit of plan.units) {
      const registered = await urns(() => units.createUnit(WITH_SECRETS, ctx, unit, BASE_VALUES));
      expect([...migration.moves[unit.name]].sort()).toEqual(
        registered.filter((u) => !isProvider(u.split("::")[2])),
      );
    }
    expect(
      Object.values(migration.moves)
        .flat()
        .some((u) => u.includes("SecretStore")),
    ).toBe(false);
  });

  it("lists what the units hold that the state never had", async () => {
    const { planMigration } = await import("../../../ops/units/migration");
    const migration = planMigration(SPEC, model.unitPlan(SPEC), []);
    expect(migration.missing).toEqual(["payments: checkout", "search: catalog"]);
    expect(migration.moves).toEqual({ payments: [], search: [] });
  });
});

describe("state in the wrong stack (regrouping, a first units: on a single stack)", () => {
  /** The state a program registers, as one stack's export (`root` its stack resource). */
  async function stateOf(stack: string, build: () => void): Promise<StateResource[]> {
    mocks.reset();
    build();
    await mocks.settle();
    const root = `urn:pulumi:${stack}::platform::pulumi:pulumi:Stack::platform-${stack}`;
    return [
      { urn: root, type: "pulumi:pulumi:Stack" },
      ...mocks.resources.map((r) => ({ urn: r.urn, type: r.type, parent: r.parentUrn ?? root })),
    ];
  }

  it("a single stack gaining units: its apps' trees go from the base to their units", async () => {
    const relocation = await import("../../../ops/units/relocation");
    const { planMigration } = await import("../../../ops/units/migration");
    const single = await stateOf("local", () => program.createPlatform({ ...SPEC, units: undefined }, ctx));
    const plan = model.unitPlan(SPEC);
    const moves = relocation.planRelocations(SPEC, plan, { base: single, payments: [], search: [] });
    const expected = planMigration(SPEC, plan, single).moves;
    expect(moves.map((m) => [m.from, m.to])).toEqual([
      ["base", "payments"],
      ["base", "search"],
    ]);
    expect(moves[0].urns).toEqual(expected.payments);
    expect(relocation.movedComponents(moves[0])).toEqual(["checkout (AppSet)"]);
    expect(relocation.relocationMessage("local", moves, "platform units migrate local")).toBe(
      "local: some apps and workloads are deployed in another stack than the spec's units put them in; " +
        "an update now would delete their objects there and create them again. Nothing was run.\n" +
        "  local (the base) → local.payments: checkout (AppSet)\n" +
        "  local (the base) → local.search: catalog (AppSet)\n" +
        "Move their state first (no object is touched): platform units migrate local --dry-run, then platform units migrate local --yes",
    );
  });

  it("two tenants' units regrouped into one: both trees move to the group; nothing for a deleted app", async () => {
    const relocation = await import("../../../ops/units/relocation");
    const before = model.unitPlan(SPEC);
    const payments = await stateOf("local.payments", () =>
      units.createUnit(SPEC, ctx, before.units[0], BASE_VALUES),
    );
    const search = await stateOf("local.search", () =>
      units.createUnit(SPEC, ctx, before.units[1], BASE_VALUES),
    );
    const grouped: PlatformSpec = {
      ...SPEC,
      units: { groups: { shop: { tenants: ["payments", "search"] } } },
    };
    const moves = relocation.planRelocations(grouped, model.unitPlan(grouped), {
      payments,
      search,
      shop: [],
    });
    expect(moves.map((m) => [m.from, m.to, relocation.movedComponents(m)])).toEqual([
      ["payments", "shop", ["checkout (AppSet)"]],
      ["search", "shop", ["catalog (AppSet)"]],
    ]);
    // checkout deleted from the spec: its unit's next update deletes it; nothing moves
    const gone: PlatformSpec = { ...SPEC, apps: { catalog: SPEC.apps!.catalog } };
    expect(relocation.planRelocations(gone, model.unitPlan(gone), { payments, search })).toEqual([]);
  });

  it("the holdings hash ignores order, and each stack of the plan has its holdings", async () => {
    const relocation = await import("../../../ops/units/relocation");
    expect(relocation.holdsHash({ apps: ["b", "a"], workloads: [] })).toBe(
      relocation.holdsHash({ apps: ["a", "b"], workloads: [] }),
    );
    expect(relocation.holdsHash({ apps: ["a"], workloads: [] })).not.toBe(
      relocation.holdsHash({ apps: [], workloads: ["a"] }),
    );
    expect(relocation.holdsByStack(model.unitPlan(SPEC))).toEqual({
      base: { apps: [], workloads: [] },
      payments: { apps: ["checkout"], workloads: [] },
      search: { apps: ["catalog"], workloads: [] },
    });
  });

  it("reads a file backend checkpoint and a stack export alike", async () => {
    const { stateResources } = await import("../../../ops/units/relocation");
    const r = { urn: "urn:a", type: "t", parent: "urn:p", inputs: { x: 1 } };
    expect(stateResources({ checkpoint: { latest: { resources: [r] } } })).toEqual([
      { urn: "urn:a", type: "t", parent: "urn:p" },
    ]);
    expect(stateResources({ version: 3, deployment: { resources: [r] } })).toEqual([
      { urn: "urn:a", type: "t", parent: "urn:p" },
    ]);
    expect(stateResources({})).toEqual([]);
  });
});
