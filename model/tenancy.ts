/**
 * What a tenant may claim: its namespace, its owners and the secrets its apps read. Pure rules,
 * shared by the semantic checks (so `validate` refuses), the program and the Tenant component
 * (so nothing that slipped past validation gets deployed).
 */
import type { PlatformSpec } from "./types";

/**
 * Namespaces a tenant may never be: the control plane's own (`default`, `kube-*`) and the
 * platform's (`external-secrets`). A tenant there would get a deny-all network policy (cutting
 * cluster DNS), a quota and `edit` for its owners, and removing the tenant would delete it.
 */
export const RESERVED_NAMESPACES: readonly string[] = [
  "default",
  "kube-system",
  "kube-public",
  "kube-node-lease",
  "external-secrets",
];

/** Why `name` cannot be a tenant's namespace, or undefined when it can. */
export function reservedNamespaceProblem(name: string): string | undefined {
  if (RESERVED_NAMESPACES.includes(name) || name.startsWith("kube-")) {
    return `"${name}" is a namespace of the cluster or the platform itself (reserved: ${RESERVED_NAMESPACES.join(", ")} and every kube-* name); a tenant there would take it over and delete it when removed: choose another tenant name`;
  }
  return undefined;
}

/**
 * Why an owner (`group:<name>` / `user:<name>`) may not get `edit` on a tenant, or undefined.
 * Kubernetes reserves `system:` names for itself: `group:system:authenticated`,
 * `system:unauthenticated`, `system:serviceaccounts` or `system:masters` mean everyone, anyone or
 * the cluster admins. Such an owner is accepted only when listed exactly in `allowed`
 * (the spec's `policies.allowedSystemOwners`).
 */
export function systemOwnerProblem(owner: string, allowed: readonly string[] = []): string | undefined {
  const name = owner.slice(owner.indexOf(":") + 1);
  if (!name.startsWith("system:") || allowed.includes(owner)) return undefined;
  return `owner "${owner}" is a Kubernetes system subject (system:* names stand for whole classes of users, e.g. everyone authenticated); name the team's own group, or list "${owner}" under policies.allowedSystemOwners if it is really meant`;
}

/** The prefix a tenant's AWS Secrets Manager names must start with (one account may hold several environments). */
export function awsSecretPrefix(environment: string, tenant: string): string {
  return `${environment}/${tenant}/`;
}

const AWS_SECRET_NAME = /^[A-Za-z0-9/_+=.@-]+$/;

/**
 * Why `path` cannot be read by `tenant` from an AWS Secrets Manager source, or undefined. The
 * path names exactly one secret (the IAM policy matches it with the 6-character suffix AWS adds),
 * so it holds no wildcard, and it lies under `<environment>/<tenant>/`.
 */
export function awsSecretPathProblem(environment: string, tenant: string, path: string): string | undefined {
  const prefix = awsSecretPrefix(environment, tenant);
  if (!AWS_SECRET_NAME.test(path)) {
    return `"${path}" is not one AWS secret name (letters, digits and / _ + = . @ - only; no wildcards): name the secret itself, e.g. "${prefix}db"`;
  }
  if (!path.startsWith(prefix) || path.length === prefix.length) {
    return `AWS secret names of tenant "${tenant}" must start with "${prefix}" (the tenant may read only its own secrets), e.g. "${prefix}${path.split("/").pop() || "db"}"`;
  }
  return undefined;
}

/** The Vault role of a tenant only reads `<kvMount>/<tenant>/…`: a vault path must start with `<tenant>/`. */
export function vaultPathProblem(tenant: string, path: string): string | undefined {
  return path.startsWith(`${tenant}/`) && path.length > tenant.length + 1
    ? undefined
    : `vault paths of tenant "${tenant}" must start with "${tenant}/" (the tenant's policy reads only that prefix), e.g. "${tenant}/${path.replace(/^\/+/, "")}"`;
}

/** Why a tenant's app cannot read `path` from a source of this kind, or undefined (GCP secret ids are bound one by one). */
export function secretPathProblem(
  kind: "vault" | "aws-secrets-manager" | "gcp-secret-manager" | undefined,
  environment: string,
  tenant: string,
  path: string,
): string | undefined {
  if (kind === "vault") return vaultPathProblem(tenant, path);
  if (kind === "aws-secrets-manager") return awsSecretPathProblem(environment, tenant, path);
  return undefined;
}

/**
 * Clusters each tenant lives on: every cluster hosting one of its apps or workloads, or every
 * cluster when the tenant has neither. Pure: the program places Tenants by it, the agent scopes
 * its RBAC by it.
 */
export function tenantPlacement(spec: PlatformSpec): Record<string, string[]> {
  const allClusters = Object.keys(spec.clusters);
  const placement: Record<string, string[]> = {};
  for (const tenant of Object.keys(spec.tenants)) {
    const apps = [...Object.values(spec.apps ?? {}), ...Object.values(spec.workloads ?? {})].filter(
      (owned) => owned.tenant === tenant,
    );
    const hosting = new Set(apps.flatMap((app) => app.clusters));
    placement[tenant] = apps.length === 0 ? allClusters : allClusters.filter((c) => hosting.has(c));
  }
  return placement;
}
