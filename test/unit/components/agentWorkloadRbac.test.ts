import { apiGroupOf, kindToResource, workloadRules } from "../../../components/kubernetes/agent/workloadRbac";
import { ObjectClaims, placeObject } from "../../../components/kubernetes/workloads/placement";
import type { ClaimedObject } from "../../../components/kubernetes/workloads/placement";

type Rule = { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] };
/** Every grant as `group/resource:verb` (unnamed) or `group/resource:verb@name`. */
const grants = (rules: Rule[]) =>
  new Set(
    rules.flatMap((r) =>
      r.apiGroups.flatMap((g) =>
        r.resources.flatMap((res) =>
          r.verbs.flatMap((v) =>
            r.resourceNames ? r.resourceNames.map((n) => `${g}/${res}:${v}@${n}`) : [`${g}/${res}:${v}`],
          ),
        ),
      ),
    ),
  );

const obj = (
  apiVersion: string,
  kind: string,
  name: string,
  namespace?: string,
  extra: Partial<ClaimedObject> = {},
): ClaimedObject => ({
  apiVersion,
  kind,
  name,
  ...(namespace ? { namespace } : {}),
  workload: "w",
  ...extra,
});

describe("kindToResource / apiGroupOf", () => {
  test.each([
    ["Deployment", "deployments"],
    ["NetworkPolicy", "networkpolicies"],
    ["Ingress", "ingresses"],
    ["Endpoints", "endpoints"],
    ["ServiceMonitor", "servicemonitors"],
    ["Prometheus", "prometheuses"],
    ["ConfigMap", "configmaps"],
  ])("%s → %s (the API server's guess)", (kind, resource) => {
    expect(kindToResource(kind)).toBe(resource);
  });

  test.each([
    ["apps/v1", "apps"],
    ["v1", ""],
    ["monitoring.coreos.com/v1", "monitoring.coreos.com"],
  ])("%s → group %j", (apiVersion, group) => {
    expect(apiGroupOf(apiVersion)).toBe(group);
  });
});

describe("workloadRules", () => {
  test("a tenant workload's kinds are written in its namespace only, and nothing cluster-wide", () => {
    const rules = workloadRules(
      [
        obj("apps/v1", "StatefulSet", "db", "payments"),
        obj("batch/v1", "CronJob", "report", "payments"),
        obj("monitoring.coreos.com/v1", "ServiceMonitor", "db", "payments"),
      ],
      ["payments", "search"],
    );
    expect(rules.cluster).toEqual([]);
    expect(Object.keys(rules.namespaced)).toEqual(["payments"]);
    const payments = grants(rules.namespaced.payments);
    for (const g of ["apps/statefulsets", "batch/cronjobs", "monitoring.coreos.com/servicemonitors"])
      for (const v of ["get", "list", "watch", "create", "update", "patch", "delete"])
        expect(payments).toContain(`${g}:${v}`);
    expect(payments).not.toContain("apps/deployments:create"); // not rendered
  });

  test("a Secret only by the names rendered: create, then every other verb by name (no list of all Secrets)", () => {
    const rules = workloadRules(
      [obj("v1", "Secret", "db-auth", "payments"), obj("v1", "Secret", "tls", "payments")],
      ["payments"],
    );
    const payments = grants(rules.namespaced.payments);
    expect(payments).toContain("/secrets:create");
    expect(payments).not.toContain("/secrets:list");
    expect(payments).not.toContain("/secrets:get");
    for (const v of ["get", "list", "watch", "update", "patch", "delete"])
      for (const n of ["db-auth", "tls"]) expect(payments).toContain(`/secrets:${v}@${n}`);
  });

  test("no Secret rule at all when no workload renders one", () => {
    const rules = workloadRules([obj("v1", "ConfigMap", "c", "payments")], ["payments"]);
    for (const r of [...rules.namespaced.payments, ...rules.cluster])
      expect(r.resources).not.toContain("secrets");
  });

  test("a platform workload's cluster-scoped objects: create/list/watch of the kind, the rest by name", () => {
    const rules = workloadRules(
      [
        obj("apiextensions.k8s.io/v1", "CustomResourceDefinition", "certificates.cert-manager.io"),
        obj("admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration", "cert-manager-webhook"),
      ],
      ["payments"],
    );
    expect(rules.namespaced).toEqual({});
    const cluster = grants(rules.cluster);
    expect(cluster).toContain("apiextensions.k8s.io/customresourcedefinitions:create");
    expect(cluster).toContain(
      "apiextensions.k8s.io/customresourcedefinitions:patch@certificates.cert-manager.io",
    );
    expect(cluster).not.toContain("apiextensions.k8s.io/customresourcedefinitions:patch");
    expect(cluster).toContain(
      "admissionregistration.k8s.io/validatingwebhookconfigurations:delete@cert-manager-webhook",
    );
    expect(cluster).not.toContain("/pods:list"); // nothing namespaced outside the tenants
  });

  test("a platform workload's namespaced objects outside the tenants: by name in the ClusterRole, plus the await reads", () => {
    const rules = workloadRules(
      [
        obj("apps/v1", "Deployment", "ingress-nginx-controller", "ingress"),
        obj("v1", "Secret", "webhook-cert", "ingress"),
      ],
      ["payments"],
    );
    const cluster = grants(rules.cluster);
    expect(cluster).toContain("apps/deployments:create");
    expect(cluster).toContain("apps/deployments:update@ingress-nginx-controller");
    expect(cluster).not.toContain("apps/deployments:update");
    expect(cluster).toContain("/secrets:create");
    expect(cluster).toContain("/secrets:get@webhook-cert");
    expect(cluster).not.toContain("/secrets:list");
    expect(cluster).not.toContain("/secrets:get");
    expect(cluster).toContain("/pods:list");
    expect(cluster).toContain("apps/replicasets:watch");
    expect(cluster).not.toContain("/pods:delete");
  });

  test("rendered RBAC: escalate the rendered roles and bind the bound ones, by name only", () => {
    const rules = workloadRules(
      [
        obj("rbac.authorization.k8s.io/v1", "Role", "reader", "payments"),
        obj("rbac.authorization.k8s.io/v1", "RoleBinding", "reader", "payments", {
          roleRef: { kind: "Role", name: "reader" },
        }),
        obj("rbac.authorization.k8s.io/v1", "RoleBinding", "view", "payments", {
          roleRef: { kind: "ClusterRole", name: "view" },
        }),
        obj("rbac.authorization.k8s.io/v1", "ClusterRole", "eso-controller"),
        obj("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "eso-controller", undefined, {
          roleRef: { kind: "ClusterRole", name: "eso-controller" },
        }),
      ],
      ["payments"],
    );
    const payments = grants(rules.namespaced.payments);
    expect(payments).toContain("rbac.authorization.k8s.io/roles:escalate@reader");
    expect(payments).toContain("rbac.authorization.k8s.io/roles:bind@reader");
    expect(payments).toContain("rbac.authorization.k8s.io/clusterroles:bind@view");
    expect(payments).not.toContain("rbac.authorization.k8s.io/roles:escalate");
    const cluster = grants(rules.cluster);
    expect(cluster).toContain("rbac.authorization.k8s.io/clusterroles:escalate@eso-controller");
    expect(cluster).toContain("rbac.authorization.k8s.io/clusterroles:bind@eso-controller");
    expect(cluster).not.toContain("rbac.authorization.k8s.io/clusterroles:escalate");
    expect(cluster).not.toContain("rbac.authorization.k8s.io/clusterroles:bind");
  });

  test("no wildcard anywhere, and the same objects in another order give the same rules", () => {
    const objects = [
      obj("apps/v1", "Deployment", "web", "payments"),
      obj("v1", "Secret", "b", "payments"),
      obj("v1", "Secret", "a", "payments"),
      obj("v1", "Namespace", "ingress"),
      obj("apps/v1", "DaemonSet", "agent", "monitoring"),
    ];
    const rules = workloadRules(objects, ["payments"]);
    for (const r of [...Object.values(rules.namespaced).flat(), ...rules.cluster])
      for (const field of [r.apiGroups, r.resources, r.verbs, r.resourceNames ?? []])
        expect(field).not.toContain("*");
    expect(workloadRules([...objects].reverse(), ["payments"])).toEqual(rules);
  });

  test("fed by ObjectClaims: the placed objects of one cluster, namespaced into the tenant's namespace", () => {
    const claims = new ObjectClaims();
    const placement = {
      environment: "local",
      workload: "web",
      cluster: "local",
      source: "helm chart folder charts/web",
      namespace: "payments",
      tenant: "payments",
    };
    const placed = placeObject(
      { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web" } },
      placement,
    );
    claims.claim("local", placed, "web", "r1");
    claims.claim("local-b", placed, "web", "r2");
    expect(claims.objectsOn("local")).toEqual([
      { apiVersion: "apps/v1", kind: "Deployment", name: "web", namespace: "payments", workload: "web" },
    ]);
    expect(claims.objectsOn("elsewhere")).toEqual([]);
    expect(grants(workloadRules(claims.objectsOn("local"), ["payments"]).namespaced.payments)).toContain(
      "apps/deployments:create",
    );
  });
});
