import { parentTypeOf, setupMocks } from "../helpers/mocks";

const mocks = setupMocks();
type TenantModule = typeof import("../../../components/kubernetes/tenant");
let mod: TenantModule;

beforeAll(async () => {
  mod = await import("../../../components/kubernetes/tenant");
});
beforeEach(() => mocks.reset());

const baseArgs = {
  environment: "staging",
  costCenter: "cc-104",
  owners: ["group:payments-eng", "user:ana@acme.io"],
};

async function build(args: Partial<import("../../../components/kubernetes/tenant").TenantArgs> = {}) {
  const tenant = new mod.Tenant("payments", { ...baseArgs, ...args });
  await mocks.settle();
  return tenant;
}

const NS = "kubernetes:core/v1:Namespace";
const QUOTA = "kubernetes:core/v1:ResourceQuota";
const NETPOL = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const RB = "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding";

describe("Tenant", () => {
  it("registers the component and exactly its six kinds of children", async () => {
    await build();
    const types = mocks.resources.map((r) => r.type);
    expect(types).toContain(mod.TENANT_TYPE);
    expect(new Set(types.filter((t) => t !== mod.TENANT_TYPE))).toEqual(
      new Set([NS, QUOTA, "kubernetes:core/v1:LimitRange", NETPOL, RB]),
    );
    expect(mocks.ofType(NETPOL)).toHaveLength(2);
    expect(mocks.resources).toHaveLength(1 + 1 + 1 + 1 + 2 + 2);
  });

  it("names the namespace after the tenant, with a restricted pod-security level", async () => {
    const tenant = await build();
    const ns = mocks.byName("payments-namespace");
    expect(ns.inputs.metadata.name).toBe("payments");
    expect(ns.inputs.metadata.labels["pod-security.kubernetes.io/enforce"]).toBe("restricted");
    await expect(new Promise((r) => tenant.namespace.apply(r))).resolves.toBe("payments");
  });

  it("uses the tenantName for the namespace when the component name differs", async () => {
    new mod.Tenant("payments-eks-eu", { ...baseArgs, tenantName: "payments" });
    await mocks.settle();
    expect(mocks.byName("payments-eks-eu-namespace").inputs.metadata.name).toBe("payments");
  });

  it("applies the quota defaults: 4 CPU, 8Gi, twice the memory as limit, no CPU limit, 100 pods", async () => {
    await build();
    expect(mocks.ofType(QUOTA)[0].inputs.spec.hard).toEqual({
      "requests.cpu": "4",
      "requests.memory": "8Gi",
      "limits.memory": "16Gi",
      pods: "100",
    });
    // no default CPU limit either, so a quota without limits.cpu admits containers without one
    expect(mocks.ofType("kubernetes:core/v1:LimitRange")[0].inputs.spec.limits[0].default).toEqual({
      memory: "256Mi",
    });
  });

  it("quotas and defaults CPU limits only when asked to", async () => {
    await build({ quota: { cpuLimit: "6" }, containerDefaults: { cpuLimit: "500m" } });
    expect(mocks.ofType(QUOTA)[0].inputs.spec.hard["limits.cpu"]).toBe("6");
    expect(mocks.ofType("kubernetes:core/v1:LimitRange")[0].inputs.spec.limits[0].default.cpu).toBe("500m");
  });

  it("applies a quota override", async () => {
    await build({ quota: { cpu: "500m", memory: "40Gi", pods: 20, memoryLimit: "48Gi" } });
    const hard = mocks.ofType(QUOTA)[0].inputs.spec.hard;
    expect(hard["requests.cpu"]).toBe("500m");
    expect(hard["limits.cpu"]).toBeUndefined();
    expect(hard["limits.memory"]).toBe("48Gi");
    expect(hard.pods).toBe("20");
  });

  it("labels every object with environment, tenant, cost centre and a valid owner", async () => {
    await build();
    const k8sObjects = mocks.resources.filter((r) => r.type.startsWith("kubernetes:"));
    for (const r of k8sObjects) {
      expect(r.inputs.metadata.labels).toMatchObject({
        "app.kubernetes.io/name": "payments",
        "app.kubernetes.io/managed-by": "pulumi",
        "platform.dev/environment": "staging",
        "platform.dev/tenant": "payments",
        "platform.dev/cost-center": "cc-104",
        "platform.dev/owner": "group_payments-eng",
      });
    }
  });

  it("puts every namespaced child in the tenant namespace", async () => {
    await build();
    const namespaced = mocks.resources.filter((r) => r.type.startsWith("kubernetes:") && r.type !== NS);
    expect(namespaced.map((r) => r.inputs.metadata.namespace)).toEqual(namespaced.map(() => "payments"));
  });

  it("denies all ingress and egress by default", async () => {
    await build();
    const deny = mocks.byName("payments-default-deny").inputs.spec;
    expect(deny.podSelector).toEqual({});
    expect(deny.policyTypes).toEqual(["Ingress", "Egress"]);
    expect(deny.ingress).toBeUndefined();
    expect(deny.egress).toBeUndefined();
  });

  it("allows DNS egress to kube-system on port 53 UDP and TCP and traffic inside the namespace", async () => {
    await build();
    const allow = mocks.byName("payments-allow-dns-and-namespace").inputs.spec;
    const dns = allow.egress.find((e: { ports?: unknown[] }) => e.ports);
    expect(dns.to[0].namespaceSelector.matchLabels).toEqual({ "kubernetes.io/metadata.name": "kube-system" });
    expect(dns.ports).toEqual([
      { protocol: "UDP", port: 53 },
      { protocol: "TCP", port: 53 },
    ]);
    expect(allow.ingress).toEqual([{ from: [{ podSelector: {} }] }]);
    expect(allow.egress).toContainEqual({ to: [{ podSelector: {} }] });
  });

  it("binds each owner to ClusterRole edit with the right subject kind", async () => {
    await build();
    const bindings = mocks.ofType(RB);
    expect(bindings).toHaveLength(2);
    expect(bindings.map((b) => b.inputs.subjects[0])).toEqual([
      { apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "payments-eng" },
      { apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "ana@acme.io" },
    ]);
    for (const b of bindings) expect(b.inputs.roleRef).toMatchObject({ kind: "ClusterRole", name: "edit" });
  });

  it("parents every child to the Tenant (URN type chain)", async () => {
    await build();
    const children = mocks.resources.filter((r) => r.type !== mod.TENANT_TYPE);
    const tenantUrn = mocks.byName("payments").urn;
    for (const child of children) {
      expect(child.urn).toContain(`${mod.TENANT_TYPE}$kubernetes:`);
      expect(parentTypeOf(child)).toBe(mod.TENANT_TYPE);
      expect(child.parentUrn).toBe(tenantUrn);
    }
  });

  it("adds the skipAwait annotation to every object only when asked", async () => {
    await build({ skipAwait: true });
    const objects = mocks.resources.filter((r) => r.type.startsWith("kubernetes:"));
    for (const r of objects)
      expect(r.inputs.metadata.annotations).toEqual({ "pulumi.com/skipAwait": "true" });
    mocks.reset();
    await build();
    expect(mocks.byName("payments-namespace").inputs.metadata.annotations).toBeUndefined();
  });

  it.each([
    [{ tenantName: "Payments_Team" }, /DNS-1123 label.*try "payments-team"/],
    [{ owners: ["payments-eng"] }, /owner "payments-eng" is not of the form "group:<name>"/],
    [{ owners: ["team:x"] }, /owner "team:x"/],
    [{ quota: { cpu: "four" } }, /quota.cpu is "four", which is not a Kubernetes quantity/],
    [{ quota: { pods: 0 } }, /quota.pods is 0/],
    [{ tenantName: "kube-system" }, /"kube-system" is a namespace of the cluster or the platform itself/],
    [{ tenantName: "default" }, /"default" is a namespace of the cluster/],
    [{ tenantName: "kube-node-lease" }, /"kube-node-lease" is a namespace of the cluster/],
    [
      { owners: ["group:system:authenticated"] },
      /owner "group:system:authenticated" is a Kubernetes system subject/,
    ],
    [
      { owners: ["group:system:masters"], allowedSystemOwners: ["group:system:serviceaccounts"] },
      /owner "group:system:masters" is a Kubernetes system subject/,
    ],
  ])("rejects %j before creating any child", async (bad, message) => {
    expect(() => new mod.Tenant("bad", { ...baseArgs, ...bad })).toThrow(message);
    await mocks.settle();
    expect(mocks.resources.filter((r) => r.type !== mod.TENANT_TYPE)).toEqual([]);
  });
});

describe("Tenant system owners", () => {
  it("grants a system: owner only when it is listed exactly in allowedSystemOwners", async () => {
    const owner = "group:system:serviceaccounts:ci";
    await build({ owners: [owner], allowedSystemOwners: [owner] });
    expect(mocks.resources.filter((r) => r.type === RB).map((r) => r.inputs.subjects)).toEqual([
      [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "system:serviceaccounts:ci" }],
    ]);
  });
});

describe("parseOwner", () => {
  it("parses groups and users", () => {
    expect(mod.parseOwner("group:sre")).toEqual({ kind: "Group", name: "sre" });
    expect(mod.parseOwner("user:ana@acme.io")).toEqual({ kind: "User", name: "ana@acme.io" });
  });
  it("rejects an empty name", () => {
    expect(() => mod.parseOwner("group:")).toThrow(/group:<name>/);
  });
});
