/**
 * Which secret stores an environment needs, computed from the spec alone (pure, no resources):
 * one use per (cluster, tenant, secret source) that some app reads from, with the apps and paths.
 * Also the rules a spec must follow for its secrets to be readable at run time.
 */
import type { ClusterSpec, PlatformSpec, SecretSourceSpec } from "../model/types";
import { secretPathProblem } from "../model/tenancy";
import { splitSecretRefs } from "../model/sops";

export { vaultPathProblem } from "../model/tenancy";

/** The apps of one tenant on one cluster that read from one secret source. */
export interface SecretUse {
  cluster: string;
  tenant: string;
  source: string;
  /** App names, sorted; the first one's service account authenticates the store. */
  apps: string[];
  /** Secret paths read from the source, sorted and unique. */
  paths: string[];
}

/**
 * Why a cluster cannot read a source, or undefined when it can: Vault is reachable from any
 * cluster (Kubernetes auth); AWS Secrets Manager only from EKS (IRSA); GCP Secret Manager only
 * from GKE (workload identity).
 */
export function sourceReachProblem(source: SecretSourceSpec, cluster: ClusterSpec): string | undefined {
  switch (source.kind) {
    case "vault":
      return undefined;
    case "aws-secrets-manager":
      return cluster.kind === "eks" ? undefined : "only eks clusters can read it (IRSA)";
    case "gcp-secret-manager":
      return cluster.kind === "gke" ? undefined : "only gke clusters can read it (workload identity)";
    default: {
      const unreachable: never = source;
      throw new Error(`unknown secret source kind ${JSON.stringify(unreachable)}`);
    }
  }
}

/**
 * Every (cluster, tenant, source) an app reads secrets from, sorted. Throws an Error naming the
 * app, variable, source and cluster when a source is undeclared, unreachable from a cluster the
 * app runs on, or a vault or AWS Secrets Manager path lies outside the tenant's prefix.
 */
export function secretUses(spec: PlatformSpec): SecretUse[] {
  const byKey = new Map<string, { use: SecretUse; apps: Set<string>; paths: Set<string> }>();
  for (const [appName, app] of Object.entries(spec.apps ?? {})) {
    // SOPS files of the repository need no store: program/sopsSecrets.ts writes their Secret.
    for (const [envName, ref] of Object.entries(splitSecretRefs(app.secrets).store)) {
      const where = `${spec.environment}: app "${appName}" reads ${envName} from secret source "${ref.source}"`;
      const source = spec.secretSources?.[ref.source];
      if (!source) {
        const declared = Object.keys(spec.secretSources ?? {});
        throw new Error(`${where}, which is not declared under secretSources [${declared.join(", ")}]`);
      }
      for (const cluster of app.clusters) {
        const clusterSpec = spec.clusters[cluster];
        if (!clusterSpec) continue; // the program's reference check names undeclared clusters
        const problem = sourceReachProblem(source, clusterSpec);
        if (problem) {
          throw new Error(
            `${where} (${source.kind}), which cluster "${cluster}" (${clusterSpec.kind}) cannot read: ${problem}; read it from a vault source, or run the app only on clusters that can read it`,
          );
        }
        const key = [cluster, app.tenant, ref.source].join("\u0000");
        const entry = byKey.get(key) ?? {
          use: { cluster, tenant: app.tenant, source: ref.source, apps: [], paths: [] },
          apps: new Set<string>(),
          paths: new Set<string>(),
        };
        entry.apps.add(appName);
        entry.paths.add(ref.path);
        byKey.set(key, entry);
      }
      const pathProblem = secretPathProblem(source.kind, spec.environment, app.tenant, ref.path);
      if (pathProblem) throw new Error(`${where} at path "${ref.path}"; ${pathProblem}`);
    }
  }
  return [...byKey.values()]
    .map(({ use, apps, paths }) => ({ ...use, apps: [...apps].sort(), paths: [...paths].sort() }))
    .sort((a, b) =>
      [a.cluster, a.tenant, a.source].join("/").localeCompare([b.cluster, b.tenant, b.source].join("/")),
    );
}

/** Service accounts of a tenant's apps reading a vault source, on any cluster (the Vault role's binding). */
export function vaultReaders(uses: SecretUse[], source: string): Record<string, string[]> {
  const readers: Record<string, Set<string>> = {};
  for (const use of uses.filter((u) => u.source === source)) {
    readers[use.tenant] ??= new Set();
    for (const app of use.apps) readers[use.tenant].add(app);
  }
  return Object.fromEntries(Object.entries(readers).map(([t, apps]) => [t, [...apps].sort()]));
}
