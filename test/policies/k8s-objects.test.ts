import { check, checkStack, expectStackVerdict, expectVerdict } from "./harness";
import { OBJECT_CASES } from "./k8s-object-cases";

describe("Kubernetes object rules", () => {
  it.each(OBJECT_CASES)("$rule: $case", ({ rule, subject, expected }) => {
    const messages = check(rule, subject);
    expectVerdict(messages, expected);
  });
});

describe("k8s-no-plaintext-secret and the SOPS Secret type", () => {
  const sopsSecret = {
    type: "kubernetes:core/v1:Secret",
    name: "checkout-sops",
    props: {
      metadata: { name: "checkout-sops", namespace: "payments" },
      type: "platform.dev/sops",
      data: { DB_PASSWORD: "eA==" },
    },
  };
  it("lets the platform's AppSopsSecret carry data (the only writer of the type)", () => {
    const parents = ["platform:kubernetes:App", "platform:kubernetes:AppSopsSecret"];
    expect(check("k8s-no-plaintext-secret", sopsSecret, { parents })).toEqual([]);
  });
  it.each([
    ["no parent", []],
    ["a chart's Secret", ["platform:kubernetes:HelmWorkload", "kubernetes:helm.sh/v4:Chart"]],
    ["a component named like it", ["platform:kubernetes:AppSopsSecretX"]],
  ])("refuses the reserved type anywhere else: %s", (_case, parents) => {
    const messages = check("k8s-no-plaintext-secret", sopsSecret, { parents });
    expect(messages).toEqual([expect.stringMatching(/has type platform\.dev\/sops, which is reserved/)]);
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
