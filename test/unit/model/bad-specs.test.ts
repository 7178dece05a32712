/**
 * One broken spec per row, each derived from the valid BASE spec by a single change, with the
 * exact `line:col path: message` problems it must produce (and nothing else).
 */
import { parseSpec, SpecValidationError } from "../../../model/load";
import { BASE, edit, edits, problemsOf } from "./fixtures";

interface Case {
  name: string;
  text: string;
  file?: string;
  expected: string[];
}

const cases: Case[] = [
  {
    name: "unknown key with did-you-mean",
    text: edit(BASE, "    replicas: 2", "    replica: 2"),
    expected: ['23:5 apps.checkout.replica: unknown key "replica"; did you mean "replicas"?'],
  },
  {
    name: "unknown key without hint",
    text: edit(BASE, "    port: 8080", "    port: 8080\n    flavour: vanilla"),
    expected: [
      '25:5 apps.checkout.flavour: unknown key "flavour"; allowed keys here: tenant, image, tag, digest, clusters, replicas, port, env, secrets, resources, probes, ingress, autoscaling, allowFrom, overrides, update',
    ],
  },
  {
    name: "misspelt top-level key",
    text: edit(BASE, "tier: staging", "teir: staging"),
    expected: [
      '1:1 (root): missing required key "tier"',
      '2:1 teir: unknown key "teir"; did you mean "tier"?',
    ],
  },
  {
    name: "wrong type",
    text: edit(BASE, "replicas: 2", "replicas: two"),
    expected: ['23:15 apps.checkout.replicas: must be a whole number (got "two")'],
  },
  {
    name: "number where a string is expected",
    text: edit(BASE, 'version: "1.37"', "version: 1.30"),
    expected: ['9:14 clusters.eks-eu.version: must be a string (got number 1.3); quote it: "1.30"'],
  },
  {
    name: "enum with did-you-mean",
    text: edit(BASE, "kind: eks", "kind: eks2"),
    expected: [
      '7:11 clusters.eks-eu.kind: must be one of "local", "kubeconfig", "eks", "gke" (got "eks2"); did you mean "eks"?',
    ],
  },
  {
    name: "enum without hint",
    text: edit(BASE, "mode: alert", "mode: fix"),
    expected: ['34:9 drift.mode: must be one of "alert", "remediate" (got "fix")'],
  },
  {
    name: "eks on the wrong cloud",
    text: edit(BASE, "    cloud: aws\n", "    cloud: gcp\n"),
    expected: ['8:12 clusters.eks-eu.cloud: must be "aws" (got "gcp")'],
  },
  {
    name: "below minimum",
    text: edit(BASE, "replicas: 2", "replicas: 0"),
    expected: ["23:15 apps.checkout.replicas: must be >= 1 (got 0)"],
  },
  {
    name: "above maximum",
    text: edit(BASE, "port: 8080", "port: 70000"),
    expected: ["24:11 apps.checkout.port: must be <= 65535 (got 70000)"],
  },
  {
    name: "database size below minimum",
    text: edit(BASE, "sizeGiB: 20", "sizeGiB: 0"),
    expected: ["30:85 data.databases.orders.sizeGiB: must be >= 1 (got 0)"],
  },
  {
    name: "YAML syntax error",
    text: edit(BASE, "clusters: [eks-eu]", "clusters: [eks-eu"),
    expected: [
      "23:5 (yaml): YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]",
    ],
  },
  {
    name: "duplicate key",
    text: edit(BASE, "    replicas: 2", "    replicas: 2\n    replicas: 3"),
    expected: [
      '24:5 apps.checkout.replicas: duplicate key "replicas": already defined at line 23; keep only one',
    ],
  },
  {
    name: "missing required key",
    text: edit(BASE, "    tenant: payments\n", ""),
    expected: ['18:3 apps.checkout: missing required key "tenant"'],
  },
  {
    name: "bad DNS name of a map key",
    text: edit(BASE, "  search: {", "  Search_Team: {"),
    expected: [
      "16:3 tenants.Search_Team: name \"Search_Team\" must be a DNS-1123 label: lowercase letters, digits and '-', starting with a letter, ending with a letter or digit, at most 63 characters",
    ],
  },
  {
    name: "bad env var name",
    text: edit(BASE, "LOG_LEVEL: info", "LOG-LEVEL: info"),
    expected: [
      "25:12 apps.checkout.env.LOG-LEVEL: name \"LOG-LEVEL\" must be a valid environment variable name: letters, digits and '_', not starting with a digit",
    ],
  },
  {
    name: "bad digest",
    text: edit(BASE, 'tag: "2.8.1"', "digest: sha256:1234"),
    expected: [
      '21:13 apps.checkout.digest: must be "sha256:" followed by 64 lowercase hex digits (got "sha256:1234")',
    ],
  },
  {
    name: "duplicate cluster in an app",
    text: edit(BASE, "clusters: [eks-eu]", "clusters: [eks-eu, eks-eu]"),
    expected: [
      '22:24 apps.checkout.clusters[1]: duplicate "eks-eu": already listed at [0]; list each entry once',
    ],
  },
  {
    name: "dangling tenant",
    text: edit(BASE, "    tenant: payments", "    tenant: paymnts"),
    expected: ['19:13 apps.checkout.tenant: unknown tenant "paymnts"; did you mean "payments"?'],
  },
  {
    name: "dangling cluster",
    text: edit(BASE, "clusters: [eks-eu]", "clusters: [eks-eu, aks-west]"),
    expected: ['22:24 apps.checkout.clusters[1]: unknown cluster "aks-west"; declared clusters: eks-eu'],
  },
  {
    name: "dangling secret source",
    text: edit(BASE, "source: vault", "source: vualt"),
    expected: [
      '27:31 apps.checkout.secrets.DATABASE_URL.source: unknown secret source "vualt"; did you mean "vault"?',
    ],
  },
  {
    name: "dangling data tenant",
    text: edit(
      BASE,
      "invoices: { cloud: aws, tenant: payments }",
      "invoices: { cloud: aws, tenant: billing }",
    ),
    expected: [
      '32:37 data.buckets.invoices.tenant: unknown tenant "billing"; declared tenants: payments, search',
    ],
  },
  {
    name: "dangling notifier secret source",
    text: edit(BASE, '"vault:platform', '"hashi:platform'),
    expected: [
      '36:37 drift.notify[0].webhookSecret: unknown secret source "hashi"; declared secret sources: vault',
    ],
  },
  {
    name: "dangling allowFrom tenant",
    text: edit(BASE, "    port: 8080", "    port: 8080\n    allowFrom: [search, ads]"),
    expected: ['25:25 apps.checkout.allowFrom[1]: unknown tenant "ads"; declared tenants: payments, search'],
  },
  {
    name: "override for an undeclared cluster",
    text: edit(BASE, "    port: 8080", "    port: 8080\n    overrides: { gke-eu: { replicas: 1 } }"),
    expected: [
      '25:18 apps.checkout.overrides.gke-eu: unknown cluster "gke-eu": overrides are keyed by the app\'s clusters (eks-eu); did you mean "eks-eu"?',
    ],
  },
  {
    name: "latest tag",
    text: edit(BASE, 'tag: "2.8.1"', "tag: latest"),
    expected: [
      '21:10 apps.checkout.tag: tag "latest" is not allowed: it changes under you and cannot be promoted; pin a version (e.g. "1.4.2") or use digest: sha256:…',
    ],
  },
  {
    name: "tag and digest",
    text: edit(BASE, '    tag: "2.8.1"', '    tag: "2.8.1"\n    digest: sha256:' + "ab".repeat(32)),
    expected: ["22:13 apps.checkout.digest: give either tag or digest, not both: remove one of them"],
  },
  {
    name: "neither tag nor digest",
    text: edit(BASE, '    tag: "2.8.1"\n', ""),
    expected: [
      '20:12 apps.checkout.image: the image is not pinned: add tag: "<version>" or digest: sha256:<64 hex>',
    ],
  },
  {
    name: "autoscaling min > max",
    text: edit(BASE, "    port: 8080", "    port: 8080\n    autoscaling: { min: 5, max: 3 }"),
    expected: ["25:25 apps.checkout.autoscaling.min: min (5) must be <= max (3)"],
  },
  {
    name: "replicas outside autoscaling",
    text: edit(BASE, "    port: 8080", "    port: 8080\n    autoscaling: { min: 3, max: 6 }"),
    expected: [
      "23:15 apps.checkout.replicas: 2 is outside autoscaling's range [3, 6]; set replicas between min and max",
    ],
  },
  {
    name: "credential-looking env value",
    text: edit(BASE, "{ LOG_LEVEL: info }", "{ LOG_LEVEL: info, STRIPE_API_KEY: sk_test_123 }"),
    expected: [
      '25:45 apps.checkout.env.STRIPE_API_KEY: "STRIPE_API_KEY" looks like a credential; the spec never holds secret values: move it to secrets: { STRIPE_API_KEY: { source: <secret source>, path: <path> } }',
    ],
  },
  {
    name: "env var both in env and secrets",
    text: edit(BASE, "{ LOG_LEVEL: info }", "{ LOG_LEVEL: info, DATABASE_URL: postgres://db }"),
    expected: [
      '25:29 apps.checkout.env.DATABASE_URL: "DATABASE_URL" is set in both env and secrets; keep it in one place (secrets if it is sensitive)',
    ],
  },
  {
    name: "bucket cloud not declared",
    text: edit(BASE, "invoices: { cloud: aws", "invoices: { cloud: gcp"),
    expected: [
      '32:24 data.buckets.invoices.cloud: cloud "gcp" is not declared; add clouds.gcp (project, region) at the top of the file',
    ],
  },
  {
    name: "cloud not declared for a cluster, a database and a bucket",
    text: edit(BASE, "clouds:\n  aws: { region: eu-west-1 }\n", ""),
    expected: [
      '6:12 clusters.eks-eu.cloud: cloud "aws" is not declared; add clouds.aws (region) at the top of the file',
      '28:38 data.databases.orders.cloud: cloud "aws" is not declared; add clouds.aws (region) at the top of the file',
      '30:24 data.buckets.invoices.cloud: cloud "aws" is not declared; add clouds.aws (region) at the top of the file',
    ],
  },
  {
    name: "duplicate nodePool name",
    text: edit(
      BASE,
      "min: 2, max: 6 }",
      "min: 2, max: 6 }\n      - { name: general, size: m6i.xlarge, min: 0, max: 2 }",
    ),
    expected: [
      '12:17 clusters.eks-eu.nodePools[1].name: duplicate node pool name "general": already used by nodePools[0]',
    ],
  },
  {
    name: "nodePool min > max",
    text: edit(BASE, "min: 2, max: 6 }", "min: 7, max: 6 }"),
    expected: ["11:48 clusters.eks-eu.nodePools[0].min: min (7) must be <= max (6)"],
  },
  {
    name: "environment/folder mismatch",
    text: BASE,
    file: "stacks/production/platform.yaml",
    expected: [
      '1:14 environment: "staging" does not match the folder stacks/production/; set environment: production (or move the file)',
    ],
  },
  {
    name: "local cluster outside development",
    text: edit(BASE, "clusters:\n  eks-eu:", "clusters:\n  dev: { kind: local }\n  eks-eu:"),
    expected: [
      '6:16 clusters.dev.kind: a local cluster is only allowed in tier development (tier is "staging"); use kind eks, gke or kubeconfig',
    ],
  },
  {
    name: "production without notify",
    text: edits(
      BASE,
      ["tier: staging", "tier: production"],
      ['  notify:\n    - { kind: slack, webhookSecret: "vault:platform/drift/slack" }\n', ""],
    ),
    expected: [
      "33:1 drift: tier production needs drift notifications: add drift.notify with at least one slack, pagerduty or webhook target",
    ],
  },
  {
    name: "notifier with a wrong key",
    text: edit(BASE, 'webhookSecret: "vault', 'webhook: "vault'),
    expected: [
      '36:7 drift.notify[0]: missing required key "webhookSecret"',
      '36:22 drift.notify[0].webhook: unknown key "webhook"; did you mean "webhookSecret"?',
    ],
  },
  {
    name: "spec that is not a mapping",
    text: "- environment: staging\n",
    expected: [
      "1:1 (root): the spec must be a mapping with keys environment, tier, clusters, tenants, … (got a list)",
    ],
  },
  {
    name: "registry not allowed",
    text: BASE + "policies:\n  allowedRegistries: [registry.k8s.io]\n",
    expected: [
      '20:12 apps.checkout.image: registry "registry.acme.io" is not in policies.allowedRegistries (registry.k8s.io); use an allowed registry or add it there',
    ],
  },
  {
    name: "override for a cluster the app does not use",
    text: edits(
      BASE,
      ["clusters:\n  eks-eu:", "clusters:\n  edge: { kind: kubeconfig }\n  eks-eu:"],
      ["    port: 8080", "    port: 8080\n    overrides: { edge: { replicas: 1 } }"],
    ),
    expected: [
      '26:18 apps.checkout.overrides.edge: the app does not run on cluster "edge": add it to clusters or remove this override',
    ],
  },
];

describe("bad specs", () => {
  test("the base spec is valid", () => {
    expect(problemsOf(BASE)).toEqual([]);
  });

  test("the table covers at least 25 cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
  });

  test.each(cases)("$name", ({ text, file, expected }) => {
    expect(problemsOf(text, file)).toEqual(expected);
  });

  test.each(cases)("parseSpec throws SpecValidationError for: $name", ({ text, file, expected }) => {
    const name = file ?? "spec.yaml";
    let thrown: unknown;
    try {
      parseSpec(text, name);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(SpecValidationError);
    expect((thrown as SpecValidationError).message).toBe(expected.map((p) => `${name}:${p}`).join("\n"));
  });
});
