/**
 * The agent's RBAC for what the environment's workloads render (Helm charts, Kustomize folders,
 * manifests), as a pure function of the rendered, placed objects: no wildcard, and a Secret only
 * by the names the workloads render. See docs/workloads.md "The agent's RBAC" for the choices.
 */
import type { ClaimedObject } from "../workloads/placement";
import { PolicyRule, READ_VERBS, WRITE_VERBS } from "./rbac";

/** The agent's rules for the workloads of one cluster. */
export interface WorkloadRules {
  /** Rules added to the agent's Role in each tenant namespace (keyed by namespace). */
  namespaced: Record<string, PolicyRule[]>;
  /** Rules added to the agent's ClusterRole. */
  cluster: PolicyRule[];
}

/** No workload on the cluster: nothing added. */
export const NO_WORKLOAD_RULES: WorkloadRules = { namespaced: {}, cluster: [] };

/** Verbs on an object the rules name (`resourceNames` cannot restrict `create`). */
const NAMED_VERBS = ["get", "update", "patch", "delete"];
/** A Secret is read only by name: a list or watch of a kind returns every object's data. */
const NAMED_SECRET_VERBS = ["get", "list", "watch", "update", "patch", "delete"];

/**
 * Resource (plural) names of kinds whose plural is not the API server's guess
 * ({@link kindToResource}).
 */
const IRREGULAR_RESOURCES: Readonly<Record<string, string>> = {
  Endpoints: "endpoints",
  PodMetrics: "pods",
  NodeMetrics: "nodes",
};

/**
 * The resource (plural) of a kind, as the API server guesses it (`meta.UnsafeGuessKindToResource`:
 * lower case, `s` → `ses`, `y` → `ies`, else `+s`), which is what built-in kinds and nearly every
 * CRD use (`NetworkPolicy` → `networkpolicies`, `Ingress` → `ingresses`).
 */
export function kindToResource(kind: string): string {
  const irregular = IRREGULAR_RESOURCES[kind];
  if (irregular) return irregular;
  const lower = kind.toLowerCase();
  if (lower.endsWith("s")) return `${lower}es`;
  if (lower.endsWith("y")) return `${lower.slice(0, -1)}ies`;
  return `${lower}s`;
}

/** The API group of an `apiVersion` (`apps/v1` → `apps`, `v1` → the core group `""`). */
export function apiGroupOf(apiVersion: string): string {
  return apiVersion.includes("/") ? apiVersion.slice(0, apiVersion.indexOf("/")) : "";
}

/** Collects rules as (group, resource) → open verbs and per-verb-set names, then emits them sorted. */
class RuleSet {
  private readonly open = new Map<string, Set<string>>();
  private readonly named = new Map<string, Set<string>>();

  /** `verbs` on every object of the kind (in the Role's namespace, or cluster-wide). */
  allow(group: string, resource: string, verbs: string[]): void {
    const key = `${group}\u0000${resource}`;
    const set = this.open.get(key) ?? new Set<string>();
    for (const v of verbs) set.add(v);
    this.open.set(key, set);
  }

  /** `verbs` on the object called `name` only. */
  allowNamed(group: string, resource: string, verbs: string[], name: string): void {
    const key = `${group}\u0000${resource}\u0000${verbs.join(",")}`;
    const set = this.named.get(key) ?? new Set<string>();
    set.add(name);
    this.named.set(key, set);
  }

  rules(): PolicyRule[] {
    const out: PolicyRule[] = [];
    for (const key of [...this.open.keys()].sort()) {
      const [group, resource] = key.split("\u0000");
      const verbs = [...this.open.get(key)!];
      out.push({ apiGroups: [group], resources: [resource], verbs: orderVerbs(verbs) });
    }
    for (const key of [...this.named.keys()].sort()) {
      const [group, resource, verbs] = key.split("\u0000");
      out.push({
        apiGroups: [group],
        resources: [resource],
        verbs: verbs.split(","),
        resourceNames: [...this.named.get(key)!].sort(),
      });
    }
    return out;
  }

  get empty(): boolean {
    return this.open.size === 0 && this.named.size === 0;
  }
}

const VERB_ORDER = [...WRITE_VERBS, "escalate", "bind"];
function orderVerbs(verbs: string[]): string[] {
  return [...verbs].sort((a, b) => VERB_ORDER.indexOf(a) - VERB_ORDER.indexOf(b));
}

const RBAC_GROUP = "rbac.authorization.k8s.io";

/**
 * The RBAC grants an RBAC object needs beyond writing it: the API server refuses a Role or
 * ClusterRole granting more than its writer holds unless it may `escalate` that role, and a
 * binding unless it may `bind` the role it names. Both are given by name only.
 */
function rbacGrants(object: ClaimedObject, into: RuleSet): void {
  switch (object.kind) {
    case "Role":
      into.allowNamed(RBAC_GROUP, "roles", ["escalate"], object.name);
      return;
    case "ClusterRole":
      into.allowNamed(RBAC_GROUP, "clusterroles", ["escalate"], object.name);
      return;
    case "RoleBinding":
    case "ClusterRoleBinding":
      if (object.roleRef)
        into.allowNamed(
          RBAC_GROUP,
          object.roleRef.kind === "ClusterRole" ? "clusterroles" : "roles",
          ["bind"],
          object.roleRef.name,
        );
      return;
    default:
      return;
  }
}

/**
 * What the agent needs to apply, refresh and delete `objects` (the placed objects of every workload
 * on one cluster, see `ObjectClaims.objectsOn`):
 * - in a tenant namespace (where the agent has a Role): every verb on each rendered kind, but a
 *   Secret by name;
 * - anywhere else (a platform workload's namespaced objects in its own namespaces, and its
 *   cluster-scoped objects), in the ClusterRole: `create`, `list`, `watch` of the kind and the
 *   other verbs by the rendered names only (a Secret: `create`, all else by name), plus what the
 *   provider's await logic reads (pods, replica sets, endpoints, events) when a namespaced object
 *   lands outside the tenant namespaces;
 * - for a rendered Role, ClusterRole or binding: `escalate`/`bind` of exactly that role.
 * Sorted, so an unchanged render gives unchanged rules (no diff on the agent's roles).
 */
export function workloadRules(objects: ClaimedObject[], tenantNamespaces: string[]): WorkloadRules {
  const tenantNs = new Set(tenantNamespaces);
  const perNamespace = new Map<string, RuleSet>();
  const cluster = new RuleSet();
  let outsideTenants = false;
  for (const object of objects) {
    const group = apiGroupOf(object.apiVersion);
    const resource = kindToResource(object.kind);
    const secret = group === "" && object.kind === "Secret";
    if (object.namespace !== undefined && tenantNs.has(object.namespace)) {
      const rules = perNamespace.get(object.namespace) ?? new RuleSet();
      perNamespace.set(object.namespace, rules);
      if (secret) {
        rules.allow(group, resource, ["create"]);
        rules.allowNamed(group, resource, NAMED_SECRET_VERBS, object.name);
      } else rules.allow(group, resource, WRITE_VERBS);
      rbacGrants(object, rules);
      continue;
    }
    if (object.namespace !== undefined) outsideTenants = true;
    if (secret) {
      cluster.allow(group, resource, ["create"]);
      cluster.allowNamed(group, resource, NAMED_SECRET_VERBS, object.name);
    } else {
      cluster.allow(group, resource, ["create", "list", "watch"]);
      cluster.allowNamed(group, resource, NAMED_VERBS, object.name);
    }
    rbacGrants(object, cluster);
  }
  if (outsideTenants) {
    cluster.allow("", "pods", READ_VERBS);
    cluster.allow("", "events", READ_VERBS);
    cluster.allow("", "endpoints", READ_VERBS);
    cluster.allow("", "persistentvolumeclaims", READ_VERBS);
    cluster.allow("apps", "replicasets", READ_VERBS);
    cluster.allow("discovery.k8s.io", "endpointslices", READ_VERBS);
    cluster.allow("events.k8s.io", "events", READ_VERBS);
  }
  return {
    namespaced: Object.fromEntries(
      [...perNamespace.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([ns, r]) => [ns, r.rules()]),
    ),
    cluster: cluster.empty ? [] : cluster.rules(),
  };
}
