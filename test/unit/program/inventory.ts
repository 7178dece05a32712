/** Inventory helpers of the program tests (resources recorded by test/unit/cloud/mocks.ts). */
import type { CloudResource } from "../cloud/mocks";

/** Count of recorded resources per type token, keys sorted. */
export function countByType(resources: CloudResource[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of resources) counts[r.type] = (counts[r.type] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * The cluster a Kubernetes object is deployed to, from its provider reference: `k8s-<cluster>`
 * (local and kubeconfig clusters) or `<cluster>-k8s` (the provider of an EksCluster/GkeCluster).
 */
export function clusterOfProvider(provider: string | undefined): string | undefined {
  const name = /[:$]pulumi:providers:kubernetes::([^:]+)::/.exec(provider ?? "")?.[1];
  return name?.replace(/^k8s-/, "").replace(/-k8s$/, "");
}

/** Counts of Kubernetes objects per cluster and kind: `{ "eks-eu": { Deployment: 2, … } }`. */
export function k8sInventory(resources: CloudResource[]): Record<string, Record<string, number>> {
  const inventory: Record<string, Record<string, number>> = {};
  for (const r of resources) {
    if (!r.custom || !r.type.startsWith("kubernetes:")) continue;
    const cluster = clusterOfProvider(r.provider) ?? "(no provider)";
    const kind = r.type.split(":").pop() as string;
    inventory[cluster] ??= {};
    inventory[cluster][kind] = (inventory[cluster][kind] ?? 0) + 1;
  }
  return inventory;
}
