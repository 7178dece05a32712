/** Kubernetes access rules: RBAC wildcards, cluster-admin bindings, TLS on ingresses. */
import { UNKNOWN, list, str, strings } from "../../lib/read";
import { PlatformPolicy, describe, resourceRule } from "../../lib/rule";

const noWildcardRbac = resourceRule({
  name: "k8s-no-wildcard-rbac",
  description: "Roles must not grant wildcard verbs, resources or API groups.",
  level: "mandatory",
  severity: "high",
  mirrors: "Kyverno restrict-wildcard-verbs, restrict-wildcard-resources",
  remediationSteps: "List the exact apiGroups, resources and verbs the subject needs instead of *.",
  configSchema: {
    properties: { allowedRoles: { type: "array", items: { type: "string" }, default: [] } },
  },
  appliesTo: [
    "kubernetes:rbac.authorization.k8s.io/v1:Role",
    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
  ],
  validate: (props, args, report) => {
    const { allowedRoles } = args.getConfig<{ allowedRoles: string[] }>();
    const roleName = str(props, "metadata", "name");
    if (typeof roleName === "string" && allowedRoles.includes(roleName)) return;
    const rules = list(props, "rules");
    if (rules === UNKNOWN) return;
    rules.forEach((rule, i) => {
      for (const field of ["verbs", "resources", "apiGroups"]) {
        const values = strings(rule, field);
        if (values !== UNKNOWN && values.includes("*")) {
          report(
            `${describe(args.type, args.name)} grants "*" in rules[${i}].${field}; list the exact ${field} instead.`,
          );
        }
      }
    });
  },
});

const ingressTls = resourceRule({
  name: "k8s-ingress-tls",
  description: "Ingresses must terminate TLS for every host they serve.",
  level: "advisory",
  severity: "medium",
  mirrors: "Gatekeeper k8shttpsonly",
  remediationSteps:
    "Add spec.tls entries (with a cert-manager certificate secret) whose hosts cover every spec.rules[].host.",
  appliesTo: ["kubernetes:networking.k8s.io/v1:Ingress"],
  validate: (props, args, report) => {
    const tls = list(props, "spec", "tls");
    const rules = list(props, "spec", "rules");
    if (tls === UNKNOWN || rules === UNKNOWN) return;
    if (tls.length === 0) {
      report(
        `${describe(args.type, args.name)} has no spec.tls, so it serves plain HTTP; add a tls entry for its hosts.`,
      );
      return;
    }
    const covered = tls.flatMap((entry) => {
      const hosts = strings(entry, "hosts");
      return hosts === UNKNOWN ? ["*"] : hosts;
    });
    const matches = (host: string) =>
      covered.some(
        (c) =>
          c === "*" ||
          c === host ||
          (c.startsWith("*.") && host.endsWith(c.slice(1)) && !host.slice(0, -c.length + 1).includes(".")),
      );
    for (const rule of rules) {
      const host = str(rule, "host");
      if (typeof host === "string" && !matches(host)) {
        report(
          `${describe(args.type, args.name)} serves host "${host}" without TLS; add it to spec.tls[].hosts.`,
        );
      }
    }
  },
});

const noClusterAdminBinding = resourceRule({
  name: "k8s-no-cluster-admin-binding",
  description: "Nobody but the allowed subjects may be bound to cluster-admin.",
  level: "mandatory",
  severity: "critical",
  mirrors: "Kyverno restrict-binding-clusteradmin",
  remediationSteps:
    "Bind a narrower ClusterRole or Role; break-glass access goes through the allowed subjects only.",
  configSchema: {
    properties: {
      allowedSubjects: { type: "array", items: { type: "string" }, default: ["Group:system:masters"] },
    },
  },
  appliesTo: [
    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
    "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
  ],
  validate: (props, args, report) => {
    if (str(props, "roleRef", "name") !== "cluster-admin") return;
    const { allowedSubjects } = args.getConfig<{ allowedSubjects: string[] }>();
    const subjects = list(props, "subjects");
    if (subjects === UNKNOWN) return;
    for (const subject of subjects) {
      const id = `${String(str(subject, "kind"))}:${String(str(subject, "name"))}`;
      if (!allowedSubjects.includes(id)) {
        report(
          `${describe(args.type, args.name)} binds ${id} to cluster-admin (roleRef.name); bind a narrower role instead.`,
        );
      }
    }
  },
});

export const accessRules: PlatformPolicy[] = [noWildcardRbac, ingressTls, noClusterAdminBinding];

/** The CEL (admission) forms of these rules and of k8s-external-secrets-v1: ./access.cel.ts */
export { accessCel } from "./access.cel";
