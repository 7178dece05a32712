import { check, checkStack, expectStackVerdict, expectVerdict, variant } from "./harness";
import { LABELS } from "./k8s-workloads";

const meta = (extra: Record<string, unknown> = {}) => ({
  name: "x",
  namespace: "team-a",
  labels: { ...LABELS },
  ...extra,
});

type Case = [string, string, { type: string; props: Record<string, unknown> }, RegExp | null];
const obj = (type: string, props: Record<string, unknown>) => ({ type, props });
const SA = "kubernetes:core/v1:ServiceAccount";
const SVC = "kubernetes:core/v1:Service";
const SECRET = "kubernetes:core/v1:Secret";
const ROLE = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole";
const CRB = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding";
const ING = "kubernetes:networking.k8s.io/v1:Ingress";
const CM = "kubernetes:core/v1:ConfigMap";

const goodIngress = {
  metadata: meta(),
  spec: { tls: [{ hosts: ["*.acme.io"], secretName: "tls" }], rules: [{ host: "shop.acme.io" }] },
};

/** [rule, case, resource, expected message (null: passes)] */
const CASES: Case[] = [
  ["k8s-required-labels", "all labels", obj(CM, { metadata: meta() }), null],
  [
    "k8s-required-labels",
    "missing name label",
    obj(CM, {
      metadata: variant(meta(), (m) => delete (m.labels as Record<string, string>)["app.kubernetes.io/name"]),
    }),
    /missing the label\(s\) app.kubernetes.io\/name/,
  ],
  [
    "k8s-required-labels",
    "no labels at all",
    obj("kubernetes:core/v1:Namespace", { metadata: { name: "x" } }),
    /app.kubernetes.io\/part-of/,
  ],
  ["k8s-no-default-namespace", "tenant namespace", obj(CM, { metadata: meta() }), null],
  [
    "k8s-no-default-namespace",
    "default namespace",
    obj(CM, { metadata: meta({ namespace: "default" }) }),
    /sets metadata.namespace to "default"/,
  ],
  [
    "k8s-no-default-namespace",
    "unset namespace",
    obj(CM, { metadata: { name: "x" } }),
    /does not set metadata.namespace/,
  ],
  [
    "k8s-no-default-namespace",
    "cluster-scoped kind",
    obj(ROLE, { metadata: { name: "x" } }),
    /not applicable/,
  ],
  [
    "k8s-no-automount-sa-token",
    "SA with false",
    obj(SA, { metadata: meta(), automountServiceAccountToken: false }),
    null,
  ],
  [
    "k8s-no-automount-sa-token",
    "SA unset",
    obj(SA, { metadata: meta() }),
    /does not set automountServiceAccountToken to false/,
  ],
  [
    "k8s-no-automount-sa-token",
    "SA opted in",
    obj(SA, { metadata: meta({ annotations: { "platform.dev/automount-service-account-token": "true" } }) }),
    null,
  ],
  ["k8s-service-types", "ClusterIP", obj(SVC, { metadata: meta(), spec: { type: "ClusterIP" } }), null],
  ["k8s-service-types", "NodePort", obj(SVC, { metadata: meta(), spec: { type: "NodePort" } }), /NodePort/],
  [
    "k8s-service-types",
    "LoadBalancer in tenant ns",
    obj(SVC, { metadata: meta(), spec: { type: "LoadBalancer" } }),
    /LoadBalancer in namespace "team-a"/,
  ],
  [
    "k8s-service-types",
    "LoadBalancer in ingress ns",
    obj(SVC, { metadata: meta({ namespace: "ingress-nginx" }), spec: { type: "LoadBalancer" } }),
    null,
  ],
  [
    "k8s-external-secrets-v1",
    "v1",
    obj("kubernetes:external-secrets.io/v1:ExternalSecret", { metadata: meta() }),
    /not applicable/,
  ],
  [
    "k8s-external-secrets-v1",
    "v1beta1 ExternalSecret",
    obj("kubernetes:external-secrets.io/v1beta1:ExternalSecret", { metadata: meta() }),
    /unserved API external-secrets.io\/v1beta1/,
  ],
  [
    "k8s-external-secrets-v1",
    "v1beta1 SecretStore",
    obj("kubernetes:external-secrets.io/v1beta1:ClusterSecretStore", {}),
    /external-secrets.io\/v1/,
  ],
  ["k8s-no-plaintext-secret", "no data", obj(SECRET, { metadata: meta() }), null],
  [
    "k8s-no-plaintext-secret",
    "stringData",
    obj(SECRET, { metadata: meta(), stringData: { password: "x" } }),
    /literal stringData \(password\)/,
  ],
  [
    "k8s-no-plaintext-secret",
    "data",
    obj(SECRET, { metadata: meta(), data: { token: "eA==" } }),
    /literal data/,
  ],
  [
    "k8s-no-plaintext-secret",
    "SA token type",
    obj(SECRET, { metadata: meta(), type: "kubernetes.io/service-account-token", data: { token: "eA==" } }),
    null,
  ],
  [
    "k8s-no-wildcard-rbac",
    "exact rules",
    obj(ROLE, { metadata: { name: "r" }, rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get"] }] }),
    null,
  ],
  [
    "k8s-no-wildcard-rbac",
    "wildcard verbs",
    obj(ROLE, { metadata: { name: "r" }, rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["*"] }] }),
    /rules\[0\].verbs/,
  ],
  [
    "k8s-no-wildcard-rbac",
    "wildcard resources",
    obj(ROLE, { metadata: { name: "r" }, rules: [{ apiGroups: ["apps"], resources: "*", verbs: ["get"] }] }),
    /rules\[0\].resources/,
  ],
  [
    "k8s-no-cluster-admin-binding",
    "view binding",
    obj(CRB, { roleRef: { name: "view" }, subjects: [{ kind: "Group", name: "dev" }] }),
    null,
  ],
  [
    "k8s-no-cluster-admin-binding",
    "cluster-admin to a group",
    obj(CRB, { roleRef: { name: "cluster-admin" }, subjects: [{ kind: "Group", name: "dev" }] }),
    /binds Group:dev to cluster-admin/,
  ],
  [
    "k8s-no-cluster-admin-binding",
    "cluster-admin to masters",
    obj(CRB, { roleRef: { name: "cluster-admin" }, subjects: [{ kind: "Group", name: "system:masters" }] }),
    null,
  ],
  ["k8s-ingress-tls", "wildcard cert covers host", obj(ING, goodIngress), null],
  [
    "k8s-ingress-tls",
    "no tls",
    obj(
      ING,
      variant(goodIngress, (i) => delete (i.spec as Record<string, unknown>).tls),
    ),
    /has no spec.tls/,
  ],
  [
    "k8s-ingress-tls",
    "host not covered",
    obj(
      ING,
      variant(goodIngress, (i) => (i.spec.rules[0].host = "a.b.acme.io")),
    ),
    /serves host "a.b.acme.io" without TLS/,
  ],
];

describe("Kubernetes object rules", () => {
  it.each(CASES)("%s: %s", (name, _case, subject, expected) => {
    const messages = check(name, subject);
    expectVerdict(messages, expected);
  });
});

const DEPLOY = "kubernetes:apps/v1:Deployment";
const PDB = "kubernetes:policy/v1:PodDisruptionBudget";
const podLabels = { "app.kubernetes.io/name": "web", tier: "frontend" };
const deployment = (replicas: number) => ({
  type: DEPLOY,
  name: "web",
  props: {
    metadata: { name: "web", namespace: "team-a" },
    spec: { replicas, template: { metadata: { labels: podLabels } } },
  },
});
const pdb = (spec: Record<string, unknown>, namespace = "team-a") => ({
  type: PDB,
  name: "web-pdb",
  props: {
    metadata: { name: "web", namespace },
    spec: { selector: { matchLabels: { "app.kubernetes.io/name": "web" } }, ...spec },
  },
});

describe("k8s-pdb-for-replicated (stack)", () => {
  it.each([
    ["a single replica needs no PDB", [deployment(1)], null],
    ["maxUnavailable 1", [deployment(3), pdb({ maxUnavailable: 1 })], null],
    ["minAvailable below replicas", [deployment(3), pdb({ minAvailable: 2 })], null],
    ["maxUnavailable 50%", [deployment(2), pdb({ maxUnavailable: "50%" })], null],
    [
      "matchExpressions selector",
      [
        deployment(2),
        pdb({
          selector: { matchExpressions: [{ key: "tier", operator: "In", values: ["frontend"] }] },
          maxUnavailable: 1,
        }),
      ],
      null,
    ],
    ["no PDB", [deployment(2)], /no PodDisruptionBudget selects its pods/],
    [
      "PDB in another namespace",
      [deployment(2), pdb({ maxUnavailable: 1 }, "other")],
      /no PodDisruptionBudget/,
    ],
    [
      "PDB selecting other pods",
      [deployment(2), pdb({ selector: { matchLabels: { "app.kubernetes.io/name": "api" } } })],
      /no PodDisruptionBudget/,
    ],
    ["minAvailable equal to replicas", [deployment(2), pdb({ minAvailable: 2 })], /allows no disruption/],
    ["maxUnavailable 0", [deployment(3), pdb({ maxUnavailable: 0 })], /allows no disruption/],
    ["minAvailable 100%", [deployment(3), pdb({ minAvailable: "100%" })], /allows no disruption/],
  ] as [string, { type: string; props: Record<string, unknown> }[], RegExp | null][])(
    "%s",
    (_case, resources, expected) => {
      const out = checkStack("k8s-pdb-for-replicated", resources);
      expectStackVerdict(out, expected, DEPLOY);
    },
  );
});

describe("k8s-network-policy-per-namespace (stack)", () => {
  const ns = (name: string) => ({
    type: "kubernetes:core/v1:Namespace",
    name,
    props: { metadata: { name } },
  });
  const np = (namespace: string) => ({
    type: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    props: { metadata: { namespace } },
  });
  it("flags a namespace without any NetworkPolicy and accepts a covered one", () => {
    const out = checkStack("k8s-network-policy-per-namespace", [
      ns("team-a"),
      ns("team-b"),
      np("team-a"),
      ns("kube-system"),
    ]);
    expect(out.map((o) => o.message)).toEqual([
      expect.stringMatching(/Namespace "team-b" .* has no NetworkPolicy/),
    ]);
  });
});
