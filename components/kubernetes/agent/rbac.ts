/**
 * Least-privilege RBAC of the agent, as a pure function of what the environment manages on one
 * cluster: the kinds the platform's components create (tenants, apps, admission policies), in
 * the namespaces they live in, and the agent's own objects. No wildcard, and no Secret but the
 * `<app>-sops` Secrets the stack writes from SOPS files, each by name: External Secrets writes
 * the others, and the kubelet, not the agent, reads the Secrets its pod loads.
 */

/** One RBAC rule (the shape of `rbac.authorization.k8s.io/v1` PolicyRule). */
export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

/** What an environment's stack manages on one cluster, derived from its spec. */
export interface AgentScope {
  /** Tenant namespaces the stack creates on the cluster (and fills with apps). */
  namespaces: string[];
  /** Some app has an ingress. @default false */
  ingress?: boolean;
  /** Some app autoscales (HorizontalPodAutoscaler). @default false */
  autoscaling?: boolean;
  /** Some app has secrets (ExternalSecret/SecretStore objects). @default false */
  externalSecrets?: boolean;
  /** The stack installs the ValidatingAdmissionPolicies of the cluster. @default false */
  admissionPolicies?: boolean;
  /** The stack installs CustomResourceDefinitions (local External Secrets CRDs). @default false */
  crds?: boolean;
  /**
   * Per tenant namespace, the Secrets the stack writes there from SOPS files (`<app>-sops`): the
   * only Secrets the agent may touch, each by name. @default none
   */
  sopsSecrets?: Record<string, string[]>;
}

/**
 * What the engine does to a Secret it writes by name: reads it, server-side applies it (a PATCH
 * that also creates it, so a name can scope it) and deletes it. No list or watch.
 */
export const NAMED_SECRET_VERBS = ["get", "patch", "update", "delete"];

/** Everything a `platform up` needs to change an object: the engine reads, diffs and patches. */
export const WRITE_VERBS = ["get", "list", "watch", "create", "update", "patch", "delete"];
/** What the engine's await logic and the drift check only read. */
export const READ_VERBS = ["get", "list", "watch"];

const rule = (apiGroups: string[], resources: string[], verbs: string[], names?: string[]): PolicyRule => ({
  apiGroups,
  resources,
  verbs,
  ...(names ? { resourceNames: names } : {}),
});

/**
 * What the Kubernetes provider's await logic watches while a Deployment rolls out or a Service
 * gets endpoints (ReplicaSets, Pods, PVCs, Endpoints/EndpointSlices, Events): without them an
 * update under the agent's identity waits until its timeout (seen in the e2e: a remediation hung).
 */
const AWAIT_READS: PolicyRule[] = [
  rule([""], ["pods", "endpoints", "events", "persistentvolumeclaims"], READ_VERBS),
  rule(["apps"], ["replicasets"], READ_VERBS),
  rule(["discovery.k8s.io"], ["endpointslices"], READ_VERBS),
  rule(["events.k8s.io"], ["events"], READ_VERBS),
];

/** The names of the agent's own objects (its RBAC can touch those by name only). */
export interface AgentOwnNames {
  /** The agent's namespace. */
  namespace: string;
  /** Its ClusterRole and ClusterRoleBinding. */
  clusterRole: string;
  /** Its CustomResourceDefinition (`<plural>.<group>`). */
  crd: string;
}

/**
 * Rules in each tenant namespace: the kinds Tenant and App create, and what the engine's await
 * logic reads (pods, replica sets, endpoints, events).
 */
export function tenantNamespaceRules(
  scope: AgentScope,
  /** The namespace the rules are for (its `<app>-sops` Secrets, by name). @default no Secret */
  namespace?: string,
): PolicyRule[] {
  const rules = [
    rule([""], ["configmaps", "services", "serviceaccounts", "resourcequotas", "limitranges"], WRITE_VERBS),
    rule(["apps"], ["deployments"], WRITE_VERBS),
    rule(["policy"], ["poddisruptionbudgets"], WRITE_VERBS),
    rule(
      ["networking.k8s.io"],
      scope.ingress ? ["networkpolicies", "ingresses"] : ["networkpolicies"],
      WRITE_VERBS,
    ),
    // roles: the agent's own Role here (RBAC refuses any Role granting more than it holds)
    rule(["rbac.authorization.k8s.io"], ["roles", "rolebindings"], WRITE_VERBS),
    ...AWAIT_READS,
  ];
  if (scope.autoscaling) rules.push(rule(["autoscaling"], ["horizontalpodautoscalers"], WRITE_VERBS));
  if (scope.externalSecrets)
    rules.push(rule(["external-secrets.io"], ["externalsecrets", "secretstores"], WRITE_VERBS));
  const sopsSecrets = namespace === undefined ? [] : (scope.sopsSecrets?.[namespace] ?? []);
  if (sopsSecrets.length) rules.push(rule([""], ["secrets"], NAMED_SECRET_VERBS, [...sopsSecrets].sort()));
  return rules;
}

/** Rules in the agent's own namespace: its Deployment, Service, ServiceAccount, policy and roles. */
export function ownNamespaceRules(): PolicyRule[] {
  return [
    rule([""], ["services", "serviceaccounts"], WRITE_VERBS),
    rule(["apps"], ["deployments"], WRITE_VERBS),
    rule(["networking.k8s.io"], ["networkpolicies"], WRITE_VERBS),
    rule(["rbac.authorization.k8s.io"], ["roles", "rolebindings"], WRITE_VERBS),
    ...AWAIT_READS,
  ];
}

/**
 * Cluster-wide rules: the tenant namespaces (by name, create has no name to check), the binding
 * of the built-in `edit` ClusterRole to tenant owners, admission policies and CRDs when the stack
 * has them, and the agent's own cluster-scoped objects by name.
 */
export function clusterRules(scope: AgentScope, own: AgentOwnNames): PolicyRule[] {
  const namespaces = [...new Set([...scope.namespaces, own.namespace])].sort();
  const rules = [
    rule([""], ["namespaces"], ["create"]),
    rule([""], ["namespaces"], ["get", "update", "patch", "delete"], namespaces),
    rule([""], ["namespaces"], ["list", "watch"]),
    rule(["rbac.authorization.k8s.io"], ["clusterroles"], ["bind"], ["edit"]),
    rule(["rbac.authorization.k8s.io"], ["clusterroles", "clusterrolebindings"], ["create", "list", "watch"]),
    rule(
      ["rbac.authorization.k8s.io"],
      ["clusterroles", "clusterrolebindings"],
      ["get", "update", "patch", "delete"],
      [own.clusterRole],
    ),
    rule(["apiextensions.k8s.io"], ["customresourcedefinitions"], ["create", "list", "watch"]),
    rule(
      ["apiextensions.k8s.io"],
      ["customresourcedefinitions"],
      ["get", "update", "patch", "delete"],
      [own.crd],
    ),
  ];
  if (scope.admissionPolicies)
    rules.push(
      rule(
        ["admissionregistration.k8s.io"],
        ["validatingadmissionpolicies", "validatingadmissionpolicybindings"],
        WRITE_VERBS,
      ),
    );
  if (scope.crds) rules.push(rule(["apiextensions.k8s.io"], ["customresourcedefinitions"], WRITE_VERBS));
  return rules;
}
