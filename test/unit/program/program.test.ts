import * as pulumi from "@pulumi/pulumi";
import type { ClusterSpec, PlatformSpec } from "../../../model/types";
import { AWS_INVOKES, setupCloudMocks } from "../cloud/mocks";
import { isSecretInput, plainInput, valueOf } from "../helpers/mocks";
import { k8sInventory as inventoryByCluster } from "./inventory";

const mocks = setupCloudMocks({ invokes: AWS_INVOKES, stack: "production" });
let program: typeof import("../../../program/program");

beforeAll(async () => {
  program = await import("../../../program/program");
});
beforeEach(() => mocks.reset());

const kubeconfigOf = (cluster: string) => `apiVersion: v1\n# KUBECONFIG-OF-${cluster}-DO-NOT-LEAK\n`;
const calls: [string, ClusterSpec][] = [];
const ctx = {
  kubeconfigFor: (name: string, cluster: ClusterSpec) => {
    calls.push([name, cluster]);
    return kubeconfigOf(name);
  },
};

const tenants: PlatformSpec["tenants"] = {
  payments: { owners: ["group:payments-eng"], costCenter: "cc-104", quota: { cpu: "12", memory: "24Gi" } },
  search: { owners: ["group:search-eng", "user:ana@acme.io"], costCenter: "cc-220" },
};
const image = { image: "registry.acme.io/payments/checkout", tag: "2.8.1" };
const nodePools = [{ name: "general", size: "m6i.large", min: 2, max: 6 }];

const localSpec: PlatformSpec = {
  environment: "local",
  tier: "development",
  clusters: { local: { kind: "local" } },
  tenants,
  apps: {
    checkout: { tenant: "payments", ...image, clusters: ["local"], replicas: 2 },
    catalog: { tenant: "search", ...image, clusters: ["local"], replicas: 1 },
  },
};

const aws = { region: "eu-west-1" };
const gcp = { project: "acme-test", region: "europe-west1" };

const stagingSpec: PlatformSpec = {
  environment: "staging",
  tier: "staging",
  clouds: { aws },
  secretSources: { vault: { kind: "vault", address: "https://vault.example", kvMount: "kv" } },
  clusters: { "eks-eu": { kind: "eks", cloud: "aws", version: "1.37", nodePools } },
  tenants,
  apps: {
    checkout: {
      tenant: "payments",
      ...image,
      clusters: ["eks-eu"],
      ingress: { host: "checkout.staging.acme.io" },
      autoscaling: { min: 2, max: 6 },
      secrets: { DATABASE_URL: { source: "vault", path: "payments/checkout/db" } },
    },
    catalog: { tenant: "search", ...image, clusters: ["eks-eu"], replicas: 1, allowFrom: ["payments"] },
  },
};

const productionSpec: PlatformSpec = {
  environment: "production",
  tier: "production",
  clouds: { aws, gcp },
  clusters: {
    "eks-eu": { kind: "eks", cloud: "aws", version: "1.37", nodePools },
    "gke-eu": { kind: "gke", cloud: "gcp", version: "1.37", nodePools },
  },
  tenants: { ...tenants, ops: { owners: ["group:sre"], costCenter: "cc-001" } },
  apps: {
    checkout: {
      tenant: "payments",
      ...image,
      clusters: ["eks-eu", "gke-eu"],
      replicas: 3,
      ingress: { host: "checkout.acme.io" },
      overrides: { "gke-eu": { replicas: 1, tag: "2.8.2" } },
    },
    ledger: { tenant: "payments", ...image, clusters: ["eks-eu"], replicas: 2 },
    catalog: { tenant: "search", ...image, clusters: ["gke-eu"], replicas: 2, allowFrom: ["payments"] },
  },
};

async function run(spec: PlatformSpec) {
  const outputs = program.createPlatform(spec, ctx);
  await mocks.settle();
  return outputs;
}

/** The production-like run, made once and replayed into the record for each test that reads it. */
let production:
  | {
      outputs: import("../../../program/program").PlatformOutputs;
      record: typeof mocks.resources;
      calls: typeof calls;
    }
  | undefined;
async function runProduction() {
  if (!production) {
    mocks.reset();
    calls.length = 0;
    const outputs = await run(productionSpec);
    production = { outputs, record: [...mocks.resources], calls: [...calls] };
  }
  mocks.reset();
  mocks.resources.push(...production.record);
  return production.outputs;
}

describe("createPlatform", () => {
  it("builds the local-like inventory on one cluster", async () => {
    await run(localSpec);
    expect(inventoryByCluster(mocks.resources)).toEqual({
      local: {
        Namespace: 2,
        ResourceQuota: 2,
        LimitRange: 2,
        NetworkPolicy: 2 * 2 + 2,
        RoleBinding: 3,
        ServiceAccount: 2,
        ValidatingAdmissionPolicy: 29,
        ValidatingAdmissionPolicyBinding: 29,
        ConfigMap: 2,
        Deployment: 2,
        Service: 2,
        PodDisruptionBudget: 1,
      },
    });
  });

  it("installs no admission policies on a cluster whose admission another environment owns", async () => {
    await run({ ...localSpec, clusters: { local: { kind: "local", admissionPolicies: false } } });
    const local = inventoryByCluster(mocks.resources).local;
    expect(local.ValidatingAdmissionPolicy).toBeUndefined();
    expect(local.ValidatingAdmissionPolicyBinding).toBeUndefined();
    expect(local.Deployment).toBe(2);
    expect(mocks.resources.some((r) => r.type === "platform:kubernetes:AdmissionPolicies")).toBe(false);
  });

  it("builds the staging-like inventory on its EKS cluster", async () => {
    await run(stagingSpec);
    expect(inventoryByCluster(mocks.resources)).toEqual({
      "eks-eu": {
        // the two tenants' and the External Secrets Operator's (its chart renders the rest)
        Namespace: 3,
        ResourceQuota: 2,
        LimitRange: 2,
        // 2 per tenant, 1 per app, 1 egress policy in payments for catalog's caller
        NetworkPolicy: 4 + 2 + 1,
        RoleBinding: 3,
        ServiceAccount: 2,
        ValidatingAdmissionPolicy: 29,
        ValidatingAdmissionPolicyBinding: 29,
        ConfigMap: 2,
        Deployment: 2,
        Service: 2,
        Ingress: 1,
        HorizontalPodAutoscaler: 1,
        PodDisruptionBudget: 1,
        // checkout's secrets: the payments store for vault and the ExternalSecret (the operator's
        // objects are rendered by its helm.v4.Chart, a component the provider fills at deploy)
        SecretStore: 1,
        ExternalSecret: 1,
      },
    });
  });

  it("builds the production-like inventory over EKS and GKE", async () => {
    await runProduction();
    const inventory = inventoryByCluster(mocks.resources);
    // eks: payments (checkout, ledger) and ops (no app: everywhere); search has no app there.
    expect(inventory["eks-eu"]).toEqual({
      Namespace: 2,
      ResourceQuota: 2,
      LimitRange: 2,
      NetworkPolicy: 4 + 2,
      RoleBinding: 2,
      ServiceAccount: 2,
      ValidatingAdmissionPolicy: 29,
      ValidatingAdmissionPolicyBinding: 29,
      ConfigMap: 2,
      Deployment: 2,
      Service: 2,
      Ingress: 1,
      PodDisruptionBudget: 2,
    });
    // gke: payments (checkout, 1 replica), search (catalog), ops; catalog admits payments.
    expect(inventory["gke-eu"]).toEqual({
      Namespace: 3,
      ResourceQuota: 3,
      LimitRange: 3,
      NetworkPolicy: 6 + 2 + 1,
      RoleBinding: 4,
      ServiceAccount: 2,
      ValidatingAdmissionPolicy: 29,
      ValidatingAdmissionPolicyBinding: 29,
      ConfigMap: 2,
      Deployment: 2,
      Service: 2,
      Ingress: 1,
      PodDisruptionBudget: 1,
    });
    expect(mocks.ofType("platform:kubernetes:AppSet")).toHaveLength(3);
  });

  it("applies the override only on its cluster", async () => {
    await runProduction();
    const image = (cluster: string) =>
      mocks.byName(`checkout-${cluster}-deployment`).inputs.spec.template.spec.containers[0].image;
    expect(image("eks-eu")).toBe("registry.acme.io/payments/checkout:2.8.1");
    expect(image("gke-eu")).toBe("registry.acme.io/payments/checkout:2.8.2");
    expect(mocks.byName("checkout-gke-eu-deployment").inputs.spec.replicas).toBe(1);
    expect(mocks.byName("checkout-eks-eu-deployment").inputs.spec.replicas).toBe(3);
  });

  it("uses the providers of the EKS and GKE clusters and never asks the context for their kubeconfig", async () => {
    await runProduction();
    const providers = mocks.ofType("pulumi:providers:kubernetes");
    expect(providers.map((p) => p.typeChain).sort()).toEqual([
      "platform:aws:EksCluster$pulumi:providers:kubernetes",
      "platform:gcp:GkeCluster$pulumi:providers:kubernetes",
    ]);
    for (const p of providers) expect(isSecretInput(p.inputs.kubeconfig)).toBe(true);
    expect(production?.calls).toEqual([]);
  });

  it("creates a server-side-apply provider for a local cluster with its kubeconfig as a secret", async () => {
    calls.length = 0;
    await run(localSpec);
    const [provider] = mocks.ofType("pulumi:providers:kubernetes");
    expect(provider.name).toBe("k8s-local");
    expect(isSecretInput(provider.inputs.kubeconfig)).toBe(true);
    expect(plainInput(provider.inputs.kubeconfig)).toBe(kubeconfigOf("local"));
    expect(provider.inputs.enableServerSideApply).toBe("true");
    expect(calls.map(([name, spec]) => [name, spec.kind])).toEqual([["local", "local"]]);
  });

  it("returns namespaces and app endpoints per cluster, and never a kubeconfig", async () => {
    const outputs = await runProduction();
    const resolved = {
      environment: outputs.environment,
      namespaces: await valueOf(outputs.namespaces),
      apps: await valueOf(outputs.apps),
    };
    expect(resolved.environment).toBe("production");
    expect(resolved.namespaces).toEqual({
      "eks-eu": ["payments", "ops"],
      "gke-eu": ["payments", "search", "ops"],
    });
    expect(resolved.apps.checkout).toEqual({
      "eks-eu": { service: "checkout", url: "http://checkout.payments.svc.cluster.local" },
      "gke-eu": { service: "checkout", url: "http://checkout.payments.svc.cluster.local" },
    });
    expect(Object.keys(resolved.apps.ledger)).toEqual(["eks-eu"]);
    expect(JSON.stringify(resolved)).not.toMatch(/KUBECONFIG-OF|apiVersion/);
    expect(await pulumi.isSecret(outputs.kubeconfigs)).toBe(true);
  });

  it("passes skipAwait to every Kubernetes object", async () => {
    program.createPlatform(localSpec, { ...ctx, skipAwait: true });
    await mocks.settle();
    const objects = mocks.resources.filter((r) => r.custom && r.type.startsWith("kubernetes:"));
    expect(objects.length).toBeGreaterThan(10);
    for (const o of objects)
      expect(o.inputs.metadata.annotations).toEqual({ "pulumi.com/skipAwait": "true" });
  });

  it("places tenants on the clusters that host their apps, or everywhere without apps", () => {
    expect(program.tenantPlacement(productionSpec)).toEqual({
      payments: ["eks-eu", "gke-eu"],
      search: ["gke-eu"],
      ops: ["eks-eu", "gke-eu"],
    });
  });

  it("rejects an app on an undeclared cluster, naming it", () => {
    const bad: PlatformSpec = {
      ...localSpec,
      apps: { checkout: { tenant: "payments", ...image, clusters: ["nowhere"] } },
    };
    expect(() => program.createPlatform(bad, ctx)).toThrow(/app "checkout" names cluster "nowhere"/);
  });
});
