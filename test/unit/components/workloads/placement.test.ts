/**
 * The tenancy lockdown of workloads, tested on the pure functions the resource transform wraps
 * (mocks do not run transforms): placement, labels, refusals and duplicate claims.
 */
import {
  CLUSTER_SCOPED_KINDS,
  ObjectClaims,
  WorkloadPlacement,
  WorkloadRefusedError,
  objectIdentity,
  placeObject,
  workloadLabels,
  workloadTransform,
} from "../../../../components/kubernetes/workloads/placement";
import type * as pulumi from "@pulumi/pulumi";

const tenantPlacement: WorkloadPlacement = {
  environment: "local",
  workload: "web",
  cluster: "local-b",
  source: "helm chart oci://127.0.0.1:5000/charts/web 0.1.0",
  tenant: "payments",
  costCenter: "cc-104",
  namespace: "payments",
};
const platformPlacement: WorkloadPlacement = {
  environment: "local",
  workload: "ingress",
  cluster: "local",
  source: "helm chart folder charts/ingress",
  namespace: "ingress",
};

const deployment = (metadata: Record<string, unknown> = {}) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", labels: { "app.kubernetes.io/name": "web" }, ...metadata },
  spec: { replicas: 1 },
});

describe("placeObject for a tenant workload", () => {
  it("puts a namespaced object without namespace into the tenant's namespace and labels it", () => {
    const placed = placeObject(deployment(), tenantPlacement);
    expect(placed.metadata).toEqual({
      name: "web",
      namespace: "payments",
      labels: {
        "app.kubernetes.io/name": "web",
        "platform.dev/environment": "local",
        "platform.dev/workload": "web",
        "platform.dev/tenant": "payments",
        "platform.dev/owner": "payments",
        "platform.dev/cost-center": "cc-104",
      },
    });
    expect(placed.spec).toEqual({ replicas: 1 });
  });

  it("keeps an object already in the tenant's namespace", () => {
    expect(placeObject(deployment({ namespace: "payments" }), tenantPlacement).metadata?.namespace).toBe(
      "payments",
    );
  });

  it("refuses an object aimed at another namespace, naming workload, origin, kind and the fix", () => {
    expect(() =>
      placeObject(deployment({ namespace: "kube-system" }), tenantPlacement, "templates/web.yaml"),
    ).toThrow(
      new WorkloadRefusedError(
        'local: workload "web" (helm chart oci://127.0.0.1:5000/charts/web 0.1.0) on cluster "local-b" renders Deployment "web" (templates/web.yaml) in namespace "kube-system"; a workload of tenant "payments" may only create objects in its namespace "payments": remove the namespace from the object (it is put into "payments") or set it to "payments"',
      ),
    );
  });

  it.each([
    "ClusterRoleBinding",
    "ClusterRole",
    "CustomResourceDefinition",
    "Namespace",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "PriorityClass",
    "StorageClass",
    "APIService",
    "ClusterSecretStore",
  ])("refuses the cluster-scoped kind %s", (kind) => {
    const object = { apiVersion: "v1", kind, metadata: { name: "x" } };
    expect(() => placeObject(object, tenantPlacement)).toThrow(
      `renders ${kind} "x", a cluster-scoped kind; a workload of tenant "payments" may only create objects in its namespace "payments"`,
    );
  });

  it("takes a kind it does not know (a CRD's) as namespaced and places it", () => {
    const object = {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "ServiceMonitor",
      metadata: { name: "web" },
    };
    expect(placeObject(object, tenantPlacement).metadata?.namespace).toBe("payments");
  });

  it("the platform's label keys win over the object's own", () => {
    const placed = placeObject(deployment({ labels: { "platform.dev/tenant": "search" } }), tenantPlacement);
    expect(placed.metadata?.labels?.["platform.dev/tenant"]).toBe("payments");
  });

  it("does not change the object it was given", () => {
    const object = deployment();
    placeObject(object, tenantPlacement);
    expect(object.metadata).toEqual({ name: "web", labels: { "app.kubernetes.io/name": "web" } });
  });
});

describe("placeObject for a platform workload", () => {
  it("allows cluster-scoped objects, without a namespace", () => {
    const placed = placeObject(
      { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: "r" } },
      platformPlacement,
    );
    expect(placed.metadata?.namespace).toBeUndefined();
    expect(placed.metadata?.labels).toEqual({
      "platform.dev/environment": "local",
      "platform.dev/workload": "ingress",
      "platform.dev/owner": "platform",
      "platform.dev/cost-center": "platform",
    });
  });

  it("allows any namespace and defaults to its own", () => {
    expect(placeObject(deployment({ namespace: "kube-system" }), platformPlacement).metadata?.namespace).toBe(
      "kube-system",
    );
    expect(placeObject(deployment(), platformPlacement).metadata?.namespace).toBe("ingress");
  });
});

describe("workloadLabels", () => {
  it("turns any name into a valid label value", () => {
    expect(
      workloadLabels({ ...platformPlacement, workload: "a".repeat(70) })["platform.dev/workload"],
    ).toHaveLength(63);
  });
});

describe("CLUSTER_SCOPED_KINDS", () => {
  it("holds no namespaced kind", () => {
    for (const kind of [
      "Deployment",
      "Service",
      "ConfigMap",
      "Secret",
      "Role",
      "RoleBinding",
      "Ingress",
      "NetworkPolicy",
    ])
      expect(CLUSTER_SCOPED_KINDS.has(kind)).toBe(false);
  });
});

describe("ObjectClaims", () => {
  const object = placeObject(deployment(), tenantPlacement);

  it("names the object by group, kind, namespace and name", () => {
    expect(objectIdentity(object)).toBe("apps/Deployment payments/web");
    expect(objectIdentity({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" } })).toBe(
      "core/ConfigMap c",
    );
  });

  it("refuses a second workload holding the same object on the same cluster", () => {
    const claims = new ObjectClaims();
    claims.claim("local", object, "web", "web-local:payments/web");
    expect(() => claims.claim("local", object, "other", "other-local:payments/web")).toThrow(
      'apps/Deployment payments/web on cluster "local": workload "web" and workload "other" both render it; one object can have one owner: remove it from one of them (or rename it)',
    );
  });

  it("allows the same object on another cluster, and the same resource claiming again", () => {
    const claims = new ObjectClaims();
    claims.claim("local", object, "web", "r1");
    expect(() => claims.claim("local-b", object, "web", "r2")).not.toThrow();
    expect(() => claims.claim("local", object, "web", "r1")).not.toThrow();
    expect(() => claims.claim("local", object, "web", "r3")).toThrow('workload "web" renders it twice');
  });
});

describe("workloadTransform", () => {
  const args = (
    type: string,
    props: Record<string, unknown>,
    custom = true,
  ): pulumi.ResourceTransformArgs => ({
    type,
    name: "web-local:web",
    custom,
    props,
    opts: {},
  });

  it("places Kubernetes objects and leaves components alone", async () => {
    const transform = workloadTransform(
      tenantPlacement,
      new ObjectClaims(),
      () => "templates/deployment.yaml",
    );
    const result = await transform(args("kubernetes:apps/v1:Deployment", deployment()));
    expect(result?.props.metadata.namespace).toBe("payments");
    expect(await transform(args("kubernetes:helm.sh/v4:Chart", { chart: "x" }, false))).toBeUndefined();
  });

  it("throws the refusal with the origin it is told", async () => {
    const transform = workloadTransform(tenantPlacement, new ObjectClaims(), () => "manifests/rbac.yaml:3");
    expect(() =>
      transform(
        args("kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding", {
          apiVersion: "rbac.authorization.k8s.io/v1",
          kind: "ClusterRoleBinding",
          metadata: { name: "admin" },
        }),
      ),
    ).toThrow('renders ClusterRoleBinding "admin" (manifests/rbac.yaml:3), a cluster-scoped kind');
  });
});
