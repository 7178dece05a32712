/** Kubernetes rules that need several objects: PodDisruptionBudgets and NetworkPolicies. */
import type { PolicyResource } from "@pulumi/policy";
import { UNKNOWN, get, list, num, rec, str, strings } from "../../lib/read";
import { PlatformPolicy, describe, stackRule } from "../../lib/rule";

const REPLICATED = new Set(["kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet"]);
const PDB = "kubernetes:policy/v1:PodDisruptionBudget";

/** True when a label selector (matchLabels + matchExpressions) selects `labels`. */
export function selectorMatches(selector: unknown, labels: Record<string, unknown>): boolean {
  const matchLabels = rec(selector, "matchLabels");
  const expressions = list(selector, "matchExpressions");
  if (matchLabels === UNKNOWN || expressions === UNKNOWN) return false;
  const hasLabels = matchLabels !== undefined && Object.keys(matchLabels).length > 0;
  if (!hasLabels && expressions.length === 0) return false; // an empty selector selects nothing in policy/v1 PDB terms we trust
  for (const [key, value] of Object.entries(matchLabels ?? {})) if (labels[key] !== value) return false;
  for (const expr of expressions) {
    const key = str(expr, "key");
    const operator = str(expr, "operator");
    const values = strings(expr, "values");
    if (typeof key !== "string" || values === UNKNOWN) return false;
    const present = Object.prototype.hasOwnProperty.call(labels, key);
    const value = labels[key];
    switch (operator as string) {
      case "In":
        if (!present || !values.includes(String(value))) return false;
        break;
      case "NotIn":
        if (present && values.includes(String(value))) return false;
        break;
      case "Exists":
        if (!present) return false;
        break;
      case "DoesNotExist":
        if (present) return false;
        break;
      default:
        return false; // unknown operator, or not known yet: select nothing we cannot prove
    }
  }
  return true;
}

function percent(value: string): number | undefined {
  const m = /^(\d+)%$/.exec(value);
  return m ? Number(m[1]) : undefined;
}

/** True when a PDB spec lets at least one of `replicas` pods be evicted. */
export function allowsDisruption(pdbSpec: unknown, replicas: number): boolean {
  const maxUnavailable = get(pdbSpec, "maxUnavailable");
  const minAvailable = get(pdbSpec, "minAvailable");
  if (maxUnavailable === UNKNOWN || minAvailable === UNKNOWN) return true;
  if (maxUnavailable !== undefined && maxUnavailable !== null) {
    if (typeof maxUnavailable === "number") return maxUnavailable >= 1;
    const p = percent(String(maxUnavailable));
    return p !== undefined && Math.ceil((p * replicas) / 100) >= 1;
  }
  const min = minAvailable === undefined || minAvailable === null ? 1 : minAvailable;
  if (typeof min === "number") return min < replicas;
  const p = percent(String(min));
  return p !== undefined && Math.ceil((p * replicas) / 100) < replicas;
}

const pdbForReplicated = stackRule({
  name: "k8s-pdb-for-replicated",
  description:
    "Deployments and StatefulSets with two or more replicas need a PodDisruptionBudget that allows a disruption.",
  level: "advisory",
  severity: "medium",
  mirrors: "Kyverno require-pdb",
  remediationSteps:
    "Create a policy/v1 PodDisruptionBudget in the same namespace whose selector matches the pod template labels, with maxUnavailable: 1 (or minAvailable below the replica count).",
  validate: (resources, _args, report) => {
    // Index PDBs by one of their matchLabels (`key=value`), so each workload only looks at candidates.
    const byLabel = new Map<string, PolicyResource[]>();
    const unindexed: PolicyResource[] = [];
    let uncertain = false; // a PDB whose selector is not known yet may select any workload
    for (const pdb of resources) {
      if (pdb.type !== PDB) continue;
      const matchLabels = rec(pdb.props, "spec", "selector", "matchLabels");
      if (matchLabels === UNKNOWN || get(pdb.props, "spec", "selector") === UNKNOWN) uncertain = true;
      const first = matchLabels && matchLabels !== UNKNOWN ? Object.entries(matchLabels)[0] : undefined;
      if (first && typeof first[1] === "string") {
        const key = `${first[0]}=${first[1]}`;
        const bucket = byLabel.get(key);
        if (bucket) bucket.push(pdb);
        else byLabel.set(key, [pdb]);
      } else unindexed.push(pdb);
    }
    for (const r of resources) {
      if (!REPLICATED.has(r.type)) continue;
      const replicas = num(r.props, "spec", "replicas");
      if (replicas === UNKNOWN || (replicas ?? 1) < 2) continue;
      const count = replicas as number;
      const labels = rec(r.props, "spec", "template", "metadata", "labels");
      const namespace = str(r.props, "metadata", "namespace");
      if (labels === UNKNOWN || namespace === UNKNOWN) continue;
      const pdbs = [
        ...unindexed,
        ...Object.entries(labels ?? {}).flatMap(([k, v]) => byLabel.get(`${k}=${String(v)}`) ?? []),
      ];
      const matching = pdbs.filter((pdb) => {
        const ns = str(pdb.props, "metadata", "namespace");
        return (
          (ns === UNKNOWN || ns === namespace) &&
          selectorMatches(get(pdb.props, "spec", "selector"), labels ?? {})
        );
      });
      if (matching.length === 0) {
        if (uncertain) continue;
        report(
          `${describe(r.type, r.name)} runs ${count} replicas but no PodDisruptionBudget selects its pods (spec.template.metadata.labels); add one with maxUnavailable: 1.`,
          r.urn,
        );
      } else if (!matching.some((pdb) => allowsDisruption(get(pdb.props, "spec"), count))) {
        report(
          `${describe(r.type, r.name)} runs ${count} replicas but its PodDisruptionBudget allows no disruption, which blocks node drains; set maxUnavailable: 1 or lower minAvailable.`,
          r.urn,
        );
      }
    }
  },
});

const SYSTEM_NAMESPACES = ["kube-system", "kube-public", "kube-node-lease", "default"];

const networkPolicyPerNamespace = stackRule({
  name: "k8s-network-policy-per-namespace",
  description: "Every namespace the stack creates must have at least one NetworkPolicy.",
  level: "advisory",
  severity: "medium",
  mirrors: "Kyverno add-networkpolicy (require)",
  remediationSteps:
    "Create a default-deny NetworkPolicy in the namespace and allow the needed traffic explicitly.",
  configSchema: {
    properties: {
      exemptNamespaces: { type: "array", items: { type: "string" }, default: SYSTEM_NAMESPACES },
    },
  },
  validate: (resources: PolicyResource[], args, report) => {
    const { exemptNamespaces } = args.getConfig<{ exemptNamespaces: string[] }>();
    const covered = new Set<string>();
    for (const r of resources) {
      if (r.type !== "kubernetes:networking.k8s.io/v1:NetworkPolicy") continue;
      const ns = str(r.props, "metadata", "namespace");
      if (ns === UNKNOWN) return; // cannot tell which namespace is covered during preview
      if (typeof ns === "string") covered.add(ns);
    }
    for (const r of resources) {
      if (r.type !== "kubernetes:core/v1:Namespace") continue;
      const name = str(r.props, "metadata", "name");
      if (typeof name !== "string" || exemptNamespaces.includes(name) || covered.has(name)) continue;
      report(
        `Namespace "${name}" (${r.name}) has no NetworkPolicy, so every pod in it accepts all traffic; add a default-deny NetworkPolicy.`,
        r.urn,
      );
    }
  },
});

export const stackRules: PlatformPolicy[] = [pdbForReplicated, networkPolicyPerNamespace];
