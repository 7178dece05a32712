/**
 * The object rules' fixture table, one row per object with the TypeScript verdict:
 * k8s-objects.test.ts asserts it, and cel-cases.ts sends the rows of the rules with a CEL form to
 * the API server for the admission conformance test.
 */
import { variant } from "./harness";
import { LABELS } from "./k8s-workloads";

/** A resource as the rules see it: its Pulumi type token and its props (the manifest's fields). */
export interface ObjectSubject {
  type: string;
  props: Record<string, unknown>;
}

/** One object fixture and what the rule says of it. */
export interface ObjectCase {
  rule: string;
  case: string;
  subject: ObjectSubject;
  /** A fragment of the expected message, or null when the object complies. */
  expected: RegExp | null;
  /**
   * The verdict the admission conformance test expects instead, where it differs: there a rule
   * that does not apply admits, and tenant fixtures move from team-a to a namespace of their own.
   */
  admission?: RegExp | null;
  /** False when the API server refuses the object outright, so admission never sees it. @default true */
  admissible?: boolean;
}

const meta = (extra: Record<string, unknown> = {}) => ({
  name: "x",
  namespace: "team-a",
  labels: { ...LABELS },
  ...extra,
});
const obj = (type: string, props: Record<string, unknown>): ObjectSubject => ({ type, props });
const SA = "kubernetes:core/v1:ServiceAccount";
const SECRET = "kubernetes:core/v1:Secret";
const ROLE = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole";
const CRB = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding";
const ING = "kubernetes:networking.k8s.io/v1:Ingress";
const CM = "kubernetes:core/v1:ConfigMap";
const NS_ROLE = "kubernetes:rbac.authorization.k8s.io/v1:Role";
const RB = "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding";
/** Cluster-scoped metadata (labelled, so k8s-required-labels admits it at admission too). */
const cmeta = (name: string) => ({ name, labels: { ...LABELS } });
const RBAC_GROUP = "rbac.authorization.k8s.io";
const roleRef = (name: string) => ({ apiGroup: RBAC_GROUP, kind: "ClusterRole", name });
const group = (name: string) => ({ kind: "Group", apiGroup: RBAC_GROUP, name });
const binding = (type: string, role: string, subjects: Record<string, string>[], namespaced = false) =>
  obj(type, { metadata: namespaced ? meta() : cmeta("b"), roleRef: roleRef(role), subjects });
const role = (rules: Record<string, unknown>[], type = ROLE) =>
  obj(type, { metadata: type === ROLE ? cmeta("r") : meta(), rules });
/** A Service of `type` (with the port the API server requires). */
const svc = (type: string, namespace = "team-a") =>
  obj("kubernetes:core/v1:Service", { metadata: meta({ namespace }), spec: { type, ports: [{ port: 80 }] } });

const goodIngress = {
  metadata: meta(),
  spec: { tls: [{ hosts: ["*.acme.io"], secretName: "tls" }], rules: [{ host: "shop.acme.io" }] },
};

/** The object rules' cases. */
export const OBJECT_CASES: ObjectCase[] = [
  { rule: "k8s-required-labels", case: "all labels", subject: obj(CM, { metadata: meta() }), expected: null },
  {
    rule: "k8s-required-labels",
    case: "missing name label",
    subject: obj(CM, {
      metadata: variant(meta(), (m) => delete (m.labels as Record<string, string>)["app.kubernetes.io/name"]),
    }),
    expected: /missing the label\(s\) app.kubernetes.io\/name/,
  },
  {
    rule: "k8s-required-labels",
    case: "no labels at all",
    subject: obj("kubernetes:core/v1:Namespace", { metadata: { name: "x" } }),
    expected: /app.kubernetes.io\/part-of/,
  },
  {
    rule: "k8s-no-default-namespace",
    case: "tenant namespace",
    subject: obj(CM, { metadata: meta() }),
    expected: null,
  },
  {
    rule: "k8s-no-default-namespace",
    case: "default namespace",
    subject: obj(CM, { metadata: meta({ namespace: "default" }) }),
    expected: /sets metadata.namespace to "default"/,
  },
  {
    rule: "k8s-no-default-namespace",
    case: "unset namespace",
    subject: obj(CM, { metadata: { name: "x" } }),
    expected: /does not set metadata.namespace/,
  },
  {
    rule: "k8s-no-default-namespace",
    case: "cluster-scoped kind",
    subject: obj(ROLE, { metadata: { name: "x", labels: { ...LABELS } } }),
    expected: /not applicable/,
    admission: null,
  },
  {
    rule: "k8s-no-automount-sa-token",
    case: "SA with false",
    subject: obj(SA, { metadata: meta(), automountServiceAccountToken: false }),
    expected: null,
  },
  {
    rule: "k8s-no-automount-sa-token",
    case: "SA unset",
    subject: obj(SA, { metadata: meta() }),
    expected: /does not set automountServiceAccountToken to false/,
  },
  {
    rule: "k8s-no-automount-sa-token",
    case: "SA opted in",
    subject: obj(SA, {
      metadata: meta({ annotations: { "platform.dev/automount-service-account-token": "true" } }),
    }),
    expected: null,
  },
  { rule: "k8s-service-types", case: "ClusterIP", subject: svc("ClusterIP"), expected: null },
  { rule: "k8s-service-types", case: "NodePort", subject: svc("NodePort"), expected: /NodePort/ },
  {
    rule: "k8s-service-types",
    case: "LoadBalancer in tenant ns",
    subject: svc("LoadBalancer"),
    expected: /LoadBalancer in namespace "team-a"/,
    admission: /LoadBalancer in namespace/,
  },
  {
    rule: "k8s-service-types",
    case: "LoadBalancer in ingress ns",
    subject: svc("LoadBalancer", "ingress-nginx"),
    expected: null,
  },
  {
    rule: "k8s-external-secrets-v1",
    case: "v1",
    subject: obj("kubernetes:external-secrets.io/v1:ExternalSecret", { metadata: meta() }),
    expected: /not applicable/,
  },
  {
    rule: "k8s-external-secrets-v1",
    case: "v1beta1 ExternalSecret",
    subject: obj("kubernetes:external-secrets.io/v1beta1:ExternalSecret", { metadata: meta() }),
    expected: /unserved API external-secrets.io\/v1beta1/,
  },
  {
    rule: "k8s-external-secrets-v1",
    case: "v1beta1 SecretStore",
    subject: obj("kubernetes:external-secrets.io/v1beta1:ClusterSecretStore", { metadata: cmeta("s") }),
    expected: /external-secrets.io\/v1/,
  },
  {
    rule: "k8s-no-plaintext-secret",
    case: "no data",
    subject: obj(SECRET, { metadata: meta() }),
    expected: null,
  },
  {
    rule: "k8s-no-plaintext-secret",
    case: "stringData",
    subject: obj(SECRET, { metadata: meta(), stringData: { password: "x" } }),
    expected: /literal stringData \(password\)/,
  },
  {
    rule: "k8s-no-plaintext-secret",
    case: "data",
    subject: obj(SECRET, { metadata: meta(), data: { token: "eA==" } }),
    expected: /literal data/,
  },
  {
    rule: "k8s-no-plaintext-secret",
    case: "SA token type",
    subject: obj(SECRET, {
      metadata: meta({ annotations: { "kubernetes.io/service-account.name": "default" } }),
      type: "kubernetes.io/service-account-token",
      data: { token: "eA==" },
    }),
    expected: null,
  },
  {
    rule: "k8s-no-wildcard-rbac",
    case: "exact rules",
    subject: role([{ apiGroups: [""], resources: ["pods"], verbs: ["get"] }]),
    expected: null,
  },
  {
    rule: "k8s-no-wildcard-rbac",
    case: "wildcard verbs",
    subject: role([{ apiGroups: [""], resources: ["pods"], verbs: ["*"] }]),
    expected: /rules\[0\].verbs/,
  },
  {
    rule: "k8s-no-wildcard-rbac",
    case: "wildcard resources as a bare string",
    subject: role([{ apiGroups: ["apps"], resources: "*", verbs: ["get"] }]),
    expected: /rules\[0\].resources/,
    admissible: false,
  },
  {
    rule: "k8s-no-wildcard-rbac",
    case: "wildcard resources in the second rule",
    subject: role([
      { apiGroups: [""], resources: ["pods"], verbs: ["get"] },
      { apiGroups: ["apps"], resources: ["*"], verbs: ["get"] },
    ]),
    expected: /grants "\*" in rules\[1\].resources; list the exact resources instead/,
  },
  {
    rule: "k8s-no-wildcard-rbac",
    case: "wildcard apiGroups in a namespaced Role",
    subject: role([{ apiGroups: ["*"], resources: ["pods"], verbs: ["get"] }], NS_ROLE),
    expected: /Role "test" grants "\*" in rules\[0\].apiGroups/,
    admission: /grants "\*" in rules\[0\].apiGroups/,
  },
  {
    rule: "k8s-no-wildcard-rbac",
    case: "non-resource URLs only",
    subject: role([{ nonResourceURLs: ["/healthz"], verbs: ["get"] }]),
    expected: null,
  },
  {
    rule: "k8s-no-cluster-admin-binding",
    case: "view binding",
    subject: binding(CRB, "view", [group("dev")]),
    expected: null,
  },
  {
    rule: "k8s-no-cluster-admin-binding",
    case: "cluster-admin to a group",
    subject: binding(CRB, "cluster-admin", [group("dev")]),
    expected: /binds Group:dev to cluster-admin/,
  },
  {
    rule: "k8s-no-cluster-admin-binding",
    case: "cluster-admin to masters",
    subject: binding(CRB, "cluster-admin", [group("system:masters")]),
    expected: null,
  },
  {
    rule: "k8s-no-cluster-admin-binding",
    case: "cluster-admin to a service account in a RoleBinding",
    subject: binding(
      RB,
      "cluster-admin",
      [group("system:masters"), { kind: "ServiceAccount", name: "ci", namespace: "team-a" }],
      true,
    ),
    expected: /RoleBinding "test" binds ServiceAccount:ci to cluster-admin \(roleRef.name\)/,
    admission: /binds ServiceAccount:ci to cluster-admin/,
  },
  {
    rule: "k8s-ingress-tls",
    case: "wildcard cert covers host",
    subject: obj(ING, goodIngress),
    expected: null,
  },
  {
    rule: "k8s-ingress-tls",
    case: "no tls",
    subject: obj(
      ING,
      variant(goodIngress, (i) => delete (i.spec as Record<string, unknown>).tls),
    ),
    expected: /has no spec.tls/,
  },
  {
    rule: "k8s-ingress-tls",
    case: "host not covered",
    subject: obj(
      ING,
      variant(goodIngress, (i) => (i.spec.rules[0].host = "a.b.acme.io")),
    ),
    expected: /serves host "a.b.acme.io" without TLS/,
  },
  {
    rule: "k8s-ingress-tls",
    case: "second host not covered",
    subject: obj(
      ING,
      variant(goodIngress, (i) => i.spec.rules.push({ host: "acme.io" })),
    ),
    expected: /serves host "acme.io" without TLS/,
  },
  {
    rule: "k8s-ingress-tls",
    case: "exact host in a second tls entry",
    subject: obj(
      ING,
      variant(goodIngress, (i) => {
        i.spec.rules.push({ host: "acme.io" });
        i.spec.tls.push({ hosts: ["acme.io"], secretName: "apex" });
      }),
    ),
    expected: null,
  },
];
