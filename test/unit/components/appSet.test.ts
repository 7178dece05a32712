import * as pulumi from "@pulumi/pulumi";
import type * as k8sTypes from "@pulumi/kubernetes";
import { setupMocks, valueOf } from "../helpers/mocks";

const mocks = setupMocks();
let k8s: typeof k8sTypes;
let mod: typeof import("../../../components/kubernetes/appSet");
type AppArgs = import("../../../components/kubernetes/app").AppArgs;

beforeAll(async () => {
  k8s = await import("@pulumi/kubernetes");
  mod = await import("../../../components/kubernetes/appSet");
});
beforeEach(() => mocks.reset());

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const app: AppArgs = {
  namespace: "payments",
  environment: "production",
  tenant: "payments",
  costCenter: "cc-104",
  image: "registry.acme.io/payments/checkout",
  tag: "2.8.1",
  replicas: 3,
  env: { LOG_LEVEL: "info", REGION_ROLE: "primary" },
};

function providers(...clusters: string[]): Record<string, k8sTypes.Provider> {
  return Object.fromEntries(
    clusters.map((c) => [c, new k8s.Provider(`k8s-${c}`, { kubeconfig: pulumi.secret("apiVersion: v1") })]),
  );
}

/** The Deployment registered under the App of `cluster`. */
function deploymentOn(cluster: string) {
  return mocks.byName(`checkout-${cluster}-deployment`);
}

describe("AppSet", () => {
  it("creates one App per cluster, named after the set and the cluster", async () => {
    new mod.AppSet("checkout", {
      app,
      clusters: ["eks-eu", "gke-eu"],
      providers: providers("eks-eu", "gke-eu"),
    });
    await mocks.settle();
    const apps = mocks.ofType("platform:kubernetes:App");
    expect(apps.map((a) => a.name).sort()).toEqual(["checkout-eks-eu", "checkout-gke-eu"]);
    const setUrn = mocks.byName("checkout").urn;
    for (const a of apps) expect(a.parentUrn).toBe(setUrn);
    expect(mocks.ofType(DEPLOYMENT)).toHaveLength(2);
  });

  it("deploys each cluster's objects through that cluster's provider", async () => {
    new mod.AppSet("checkout", {
      app,
      clusters: ["eks-eu", "gke-eu"],
      providers: providers("eks-eu", "gke-eu"),
    });
    await mocks.settle();
    for (const cluster of ["eks-eu", "gke-eu"]) {
      const providerUrn = mocks.byName(`k8s-${cluster}`).urn;
      const objects = mocks.resources.filter((r) => r.custom && r.name.startsWith(`checkout-${cluster}-`));
      expect(objects.length).toBeGreaterThanOrEqual(6);
      for (const o of objects) expect(o.provider).toBe(`${providerUrn}::k8s-${cluster}_id`);
    }
  });

  it("keeps the app's physical name on every cluster", async () => {
    const set = new mod.AppSet("checkout", {
      app,
      clusters: ["eks-eu", "gke-eu"],
      providers: providers("eks-eu", "gke-eu"),
    });
    await mocks.settle();
    expect(deploymentOn("eks-eu").inputs.metadata.name).toBe("checkout");
    expect(deploymentOn("gke-eu").inputs.metadata.name).toBe("checkout");
    expect(await valueOf(set.urls)).toEqual({
      "eks-eu": "http://checkout.payments.svc.cluster.local",
      "gke-eu": "http://checkout.payments.svc.cluster.local",
    });
  });

  it("applies an override only to its cluster: replicas, tag, env merged, ingress", async () => {
    new mod.AppSet("checkout", {
      app,
      clusters: ["eks-eu", "gke-eu"],
      providers: providers("eks-eu", "gke-eu"),
      overrides: {
        "gke-eu": {
          replicas: 5,
          tag: "2.9.0",
          env: { REGION_ROLE: "secondary" },
          ingress: { host: "gke.acme.io" },
        },
      },
    });
    await mocks.settle();
    const gke = deploymentOn("gke-eu").inputs.spec;
    const eks = deploymentOn("eks-eu").inputs.spec;
    expect(gke.replicas).toBe(5);
    expect(eks.replicas).toBe(3);
    expect(gke.template.spec.containers[0].image).toBe("registry.acme.io/payments/checkout:2.9.0");
    expect(eks.template.spec.containers[0].image).toBe("registry.acme.io/payments/checkout:2.8.1");
    expect(mocks.byName("checkout-gke-eu-env").inputs.data).toEqual({
      LOG_LEVEL: "info",
      REGION_ROLE: "secondary",
    });
    expect(mocks.byName("checkout-eks-eu-env").inputs.data).toEqual({
      LOG_LEVEL: "info",
      REGION_ROLE: "primary",
    });
    const ingresses = mocks.ofType("kubernetes:networking.k8s.io/v1:Ingress");
    expect(ingresses.map((i) => i.name)).toEqual(["checkout-gke-eu-ingress"]);
  });

  it("rejects an override of a cluster the app does not run on, before creating any App", async () => {
    expect(
      () =>
        new mod.AppSet("checkout", {
          app,
          clusters: ["eks-eu"],
          providers: providers("eks-eu", "gke-eu"),
          overrides: { "gke-west": { replicas: 1 } },
        }),
    ).toThrow(
      /overrides name cluster\(s\) gke-west, which the app does not run on; the app runs on \[eks-eu\]/,
    );
    await mocks.settle();
    expect(mocks.ofType("platform:kubernetes:App")).toEqual([]);
  });

  it("rejects a cluster without a provider", () => {
    expect(
      () =>
        new mod.AppSet("checkout", { app, clusters: ["eks-eu", "gke-eu"], providers: providers("eks-eu") }),
    ).toThrow(/no Kubernetes provider for cluster\(s\) gke-eu; providers are given for \[eks-eu\]/);
  });

  it("rejects an empty or repeated cluster list", () => {
    expect(() => new mod.AppSet("a", { app, clusters: [], providers: {} })).toThrow(/no clusters are given/);
    expect(() => new mod.AppSet("b", { app, clusters: ["x", "x"], providers: providers("x") })).toThrow(
      /x are listed twice/,
    );
  });

  it("computes per-cluster args without touching the base", () => {
    const digestApp = { ...app, tag: undefined, digest: `sha256:${"c".repeat(64)}` };
    const merged = mod.appArgsForCluster(digestApp, { tag: "3.0.0" });
    expect(merged.tag).toBe("3.0.0");
    expect(merged.digest).toBeUndefined();
    expect(digestApp.digest).toBeDefined();
    expect(mod.appArgsForCluster(app, undefined)).toBe(app);
  });
});
