/** A small valid spec and helpers to derive broken variants from it, one change at a time. */
import { checkSpec } from "../../../model/load";

/** Valid base spec; line numbers matter to the expectations of the table tests. */
export const BASE = `environment: staging
tier: staging
clouds:
  aws: { region: eu-west-1 }
clusters:
  eks-eu:
    kind: eks
    cloud: aws
    version: "1.37"
    nodePools:
      - { name: general, size: m6i.large, min: 2, max: 6 }
secretSources:
  vault: { kind: vault, address: "https://vault.acme.internal", kvMount: platform }
tenants:
  payments: { owners: [group:payments-eng], costCenter: cc-104 }
  search: { owners: [group:search-eng], costCenter: cc-220 }
apps:
  checkout:
    tenant: payments
    image: registry.acme.io/payments/checkout
    tag: "2.8.1"
    clusters: [eks-eu]
    replicas: 2
    port: 8080
    env: { LOG_LEVEL: info }
    secrets:
      DATABASE_URL: { source: vault, path: payments/checkout/db }
data:
  databases:
    orders: { kind: postgres, cloud: aws, tenant: payments, version: "16", sizeGiB: 20 }
  buckets:
    invoices: { cloud: aws, tenant: payments }
drift:
  mode: alert
  notify:
    - { kind: slack, webhookSecret: "vault:platform/drift/slack" }
`;

/** `text` with the only occurrence of `from` replaced by `to`; throws if `from` is missing or repeated. */
export function edit(text: string, from: string, to: string): string {
  const first = text.indexOf(from);
  if (first < 0) throw new Error(`edit: ${JSON.stringify(from)} not found`);
  if (text.indexOf(from, first + 1) >= 0)
    throw new Error(`edit: ${JSON.stringify(from)} occurs more than once`);
  return text.slice(0, first) + to + text.slice(first + from.length);
}

/** Applies several edits in order. */
export function edits(text: string, ...pairs: [string, string][]): string {
  return pairs.reduce((acc, [from, to]) => edit(acc, from, to), text);
}

/** The problems of `text` as `line:col path: message` (the file name is tested separately). */
export function problemsOf(text: string, file = "spec.yaml"): string[] {
  return checkSpec(text, file).problems.map((p) => `${p.line}:${p.col} ${p.path}: ${p.message}`);
}
