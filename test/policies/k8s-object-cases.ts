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
    subject: obj("kubernetes:external-secrets.io/v1beta1:ClusterSecretStore", {}),
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
    subject: obj(ROLE, {
      metadata: { name: "r" },
      rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get"] }],
    }),
    expected: null,
  },
  {
    rule: "k8s-no-wildcard-rbac",
    case: "wildcard verbs",
    subject: obj(ROLE, {
      metadata: { name: "r" },
      rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["*"] }],
    }),
    expected: /rules\[0\].verbs/,
  },
  {
    rule: "k8s-no-wildcard-rbac",
    case: "wildcard resources",
    subject: obj(ROLE, {
      metadata: { name: "r" },
      rules: [{ apiGroups: ["apps"], resources: "*", verbs: ["get"] }],
    }),
    expected: /rules\[0\].resources/,
  },
  {
    rule: "k8s-no-cluster-admin-binding",
    case: "view binding",
    subject: obj(CRB, { roleRef: { name: "view" }, subjects: [{ kind: "Group", name: "dev" }] }),
    expected: null,
  },
  {
    rule: "k8s-no-cluster-admin-binding",
    case: "cluster-admin to a group",
    subject: obj(CRB, { roleRef: { name: "cluster-admin" }, subjects: [{ kind: "Group", name: "dev" }] }),
    expected: /binds Group:dev to cluster-admin/,
  },
  {
    rule: "k8s-no-cluster-admin-binding",
    case: "cluster-admin to masters",
    subject: obj(CRB, {
      roleRef: { name: "cluster-admin" },
      subjects: [{ kind: "Group", name: "system:masters" }],
    }),
    expected: null,
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
];
