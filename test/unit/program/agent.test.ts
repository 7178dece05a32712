/** The spec's `agent:` section through createPlatform under strict mocks, and the scope its RBAC comes from. */
import type { ClusterSpec, PlatformSpec } from "../../../model/types";
import { AWS_INVOKES, setupCloudMocks } from "../cloud/mocks";

const mocks = setupCloudMocks({ invokes: AWS_INVOKES, stack: "local" });
let program: typeof import("../../../program/program");
let agent: typeof import("../../../program/agent");

beforeAll(async () => {
  program = await import("../../../program/program");
  agent = await import("../../../program/agent");
});
beforeEach(() => mocks.reset());

const ctx = { kubeconfigFor: (name: string, _c: ClusterSpec) => `apiVersion: v1\n# ${name}\n` };
const spec: PlatformSpec = {
  environment: "local",
  tier: "development",
  clusters: { local: { kind: "local" }, other: { kind: "local", admissionPolicies: false } },
  tenants: {
    payments: { owners: ["group:payments-eng"], costCenter: "cc-104" },
    search: { owners: ["group:search-eng"], costCenter: "cc-220" },
  },
  apps: {
    checkout: {
      tenant: "payments",
      image: "registry.acme.io/payments/checkout",
      tag: "2.8.1",
      clusters: ["local"],
      autoscaling: { min: 2, max: 4 },
    },
    catalog: {
      tenant: "search",
      image: "registry.acme.io/search/catalog",
      tag: "1.0.0",
      clusters: ["other"],
    },
  },
  agent: { image: "registry.acme.io/platform/agent:0.1.0", repo: "https://git.acme.io/platform.git" },
};

test("agentScope: the tenants placed on the cluster and the kinds its apps use", () => {
  expect(agent.agentScope(spec, "local")).toEqual({
    namespaces: ["payments"],
    ingress: false,
    autoscaling: true,
    externalSecrets: false,
    admissionPolicies: true,
    crds: false,
  });
  expect(agent.agentScope(spec, "other")).toMatchObject({
    namespaces: ["search"],
    autoscaling: false,
    admissionPolicies: false,
  });
});

test("an agent on the first cluster by default, its Roles only in that cluster's tenant namespaces", async () => {
  program.createPlatform(spec, ctx);
  await mocks.settle();
  const deployments = mocks
    .ofType("kubernetes:apps/v1:Deployment")
    .filter((r) => r.name.startsWith("agent-"));
  expect(deployments.map((d) => d.name)).toEqual(["agent-local-deployment"]);
  expect(deployments[0].inputs.spec.template.spec.containers[0].args.slice(0, 4)).toEqual([
    "agent",
    "local",
    "--repo",
    "https://git.acme.io/platform.git",
  ]);
  const roles = mocks.ofType("kubernetes:rbac.authorization.k8s.io/v1:Role");
  expect(roles.map((r) => r.inputs.metadata.namespace).sort()).toEqual(["payments", "platform-system"]);
  expect(mocks.byName("agent-local-deployment").provider).toMatch(/local/);
});

test("agent.clusters picks the clusters; an undeclared one is an error naming it", async () => {
  program.createPlatform({ ...spec, agent: { ...spec.agent!, clusters: ["local", "other"] } }, ctx);
  await mocks.settle();
  expect(
    mocks.ofType("kubernetes:apps/v1:Deployment").filter((r) => r.name.startsWith("agent-")),
  ).toHaveLength(2);
  expect(() => agent.agentClusters({ ...spec, agent: { ...spec.agent!, clusters: ["nope"] } })).toThrow(
    /agent.clusters names cluster "nope", which is not declared/,
  );
});

test("without an agent: section, no agent", async () => {
  program.createPlatform({ ...spec, agent: undefined }, ctx);
  await mocks.settle();
  expect(mocks.resources.filter((r) => r.type.startsWith("platform:kubernetes:Agent"))).toHaveLength(0);
});
