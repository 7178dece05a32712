/**
 * CEL forms (ValidatingAdmissionPolicy) of the access rules in ./access.ts (RBAC wildcards,
 * cluster-admin bindings, ingress TLS) and of k8s-external-secrets-v1 (./objects.ts): same names,
 * same messages. Each judges one object, so the API server can enforce it.
 */
import { CelRule, SUBJECT, cel, configStrings } from "../cel/lib";

const RBAC_FIELDS = ["verbs", "resources", "apiGroups"];

export const accessCel: CelRule[] = [
  {
    name: "k8s-no-wildcard-rbac",
    message: "Roles must not grant wildcard verbs, resources or API groups.",
    match: "roles",
    variables: (config) => [
      SUBJECT,
      {
        name: "findings",
        expression:
          // A Role without rules arrives with rules null (has() is true for it).
          `object.metadata.name in ${cel(configStrings(config, "allowedRoles"))} || !has(object.rules) || object.rules == null ? [] : ` +
          RBAC_FIELDS.map(
            (f) =>
              `object.rules.transformList(i, r, has(r.${f}) && '*' in r.${f}, variables.subject + ' grants "*" in rules[' + string(i) + '].${f}; list the exact ${f} instead.')`,
          ).join(" + "),
      },
    ],
  },
  {
    name: "k8s-ingress-tls",
    message: "Ingresses must terminate TLS for every host they serve.",
    match: "ingresses",
    variables: () => [
      SUBJECT,
      {
        name: "covered",
        expression: "has(object.spec.tls) ? object.spec.tls.map(t, has(t.hosts) ? t.hosts : []) : []",
      },
      {
        // covered is a list of lists (one per tls entry): a host is served with TLS when an entry
        // names it, or a wildcard entry covers exactly one more label, as matches() in access.ts.
        name: "findings",
        expression:
          "!has(object.spec.tls) || size(object.spec.tls) == 0 ? [variables.subject + ' has no spec.tls, so it serves plain HTTP; add a tls entry for its hosts.'] : " +
          "!has(object.spec.rules) ? [] : object.spec.rules.filter(r, has(r.host) && !variables.covered.exists(l, l.exists(c, " +
          "c == '*' || c == r.host || (c.startsWith('*.') && r.host.endsWith(c.substring(1)) && !r.host.substring(0, size(r.host) - size(c) + 1).contains('.'))" +
          "))).map(r, variables.subject + ' serves host \"' + r.host + '\" without TLS; add it to spec.tls[].hosts.')",
      },
    ],
  },
  {
    name: "k8s-no-cluster-admin-binding",
    message: "Nobody but the allowed subjects may be bound to cluster-admin.",
    match: "role-bindings",
    variables: (config) => [
      SUBJECT,
      {
        name: "findings",
        expression:
          `object.roleRef.name != 'cluster-admin' || !has(object.subjects) || object.subjects == null ? [] : ` +
          `object.subjects.filter(s, !((s.kind + ':' + s.name) in ${cel(configStrings(config, "allowedSubjects"))})).map(s, variables.subject + ' binds ' + s.kind + ':' + s.name + ' to cluster-admin (roleRef.name); bind a narrower role instead.')`,
      },
    ],
  },
  {
    // Matched with matchPolicy Exact on the unserved versions only (admission/index.ts), so a
    // request for external-secrets.io/v1 is never converted into one this rule sees.
    name: "k8s-external-secrets-v1",
    message: "External Secrets resources must use the served external-secrets.io/v1 API.",
    match: "external-secrets-unserved",
    variables: () => [
      SUBJECT,
      {
        name: "findings",
        expression:
          "object.apiVersion.startsWith('external-secrets.io/v1beta1') || object.apiVersion.startsWith('external-secrets.io/v1alpha1') ? " +
          "[variables.subject + ' uses the unserved API ' + object.apiVersion + '; change apiVersion to external-secrets.io/v1.'] : []",
      },
    ],
  },
];
