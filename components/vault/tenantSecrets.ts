import * as pulumi from "@pulumi/pulumi";
import * as vault from "@pulumi/vault";
import type { Tier } from "../../model/types";
import { failer, isProduction } from "../shared/tier";

/** Pulumi type token of {@link TenantSecrets}. */
export const TENANT_SECRETS_TYPE = "platform:vault:TenantSecrets";

/** Where a tenant's secrets live: its own KV v2 mount, or a `<tenant>/` prefix in a shared one. */
export type TenantMountMode = "perTenant" | "shared";

/** Upper bound of any token TTL this component issues (vault-role-token-ttl). */
export const MAX_TOKEN_TTL_SECONDS = 24 * 3600;

/** Arguments of {@link TenantSecrets}. */
export interface TenantSecretsArgs {
  /** Tenant name (the spec's tenants key); names the mount, policy and role. */
  tenant: string;
  /** Environment tier: production adds `protect: true` on the mount. */
  tier: Tier;
  /** Namespace of the tenant's workloads. @default the tenant name */
  namespace?: string;
  /** Service accounts that may log in (e.g. the ExternalSecrets reader). Concrete names, never `*`. */
  serviceAccountNames: string[];
  /** @default "perTenant": a KV v2 mount `kv-<tenant>` */
  mode?: TenantMountMode;
  /** Shared KV v2 mount (the spec's `kvMount`); required with mode "shared", refused otherwise. */
  sharedMount?: string;
  /** Path of the Kubernetes auth backend. @default "kubernetes" */
  kubernetesAuthPath?: pulumi.Input<string>;
  /** Token TTL in seconds. @default 900 s (15 min) */
  tokenTtlSeconds?: number;
  /** Maximum token TTL in seconds (at most 24 h). @default 3600 s */
  tokenMaxTtlSeconds?: number;
  /** Versions kept per secret in a per-tenant mount. @default 10 versions */
  maxVersions?: number;
}

/**
 * The read-only policy of a tenant: read on `<mount>/data/<prefix>*`, read and list on
 * `<mount>/metadata/<prefix>*`, nothing else (no globs at the root, no sudo).
 */
export function tenantPolicyHcl(mount: string, prefix: string): string {
  const base = prefix === "" ? "" : `${prefix.replace(/\/+$/, "")}/`;
  return [
    `path "${mount}/data/${base}*" {`,
    `  capabilities = ["read"]`,
    `}`,
    `path "${mount}/metadata/${base}*" {`,
    `  capabilities = ["read", "list"]`,
    `}`,
    ``,
  ].join("\n");
}

/**
 * A tenant's secrets in Vault: a KV v2 mount (or a prefix of a shared mount), a least-privilege
 * read-only policy on it, and a Kubernetes auth role bound to the tenant's namespace and named
 * service accounts with short, bounded token TTLs.
 */
export class TenantSecrets extends pulumi.ComponentResource {
  /** KV v2 mount holding the tenant's secrets. */
  public readonly mountPath: pulumi.Output<string>;
  /** Prefix of the tenant's secrets inside the mount ("" for a per-tenant mount). */
  public readonly pathPrefix: string;
  public readonly policyName: pulumi.Output<string>;
  public readonly roleName: pulumi.Output<string>;

  constructor(name: string, args: TenantSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
    super(TENANT_SECRETS_TYPE, name, {}, opts);
    const v = validateTenantSecrets(this, name, args);
    const o = { parent: this };

    let mountPath: pulumi.Output<string>;
    switch (v.mode) {
      case "perTenant": {
        const mount = new vault.Mount(
          `${name}-kv`,
          {
            path: `kv-${args.tenant}`,
            type: "kv",
            options: { version: "2" },
            description: `KV v2 secrets of tenant ${args.tenant}`,
            defaultLeaseTtlSeconds: 3600,
            maxLeaseTtlSeconds: MAX_TOKEN_TTL_SECONDS,
          },
          { ...o, protect: isProduction(args.tier) },
        );
        new vault.kv.SecretBackendV2(
          `${name}-kv-config`,
          { mount: mount.path, maxVersions: args.maxVersions ?? 10, deleteVersionAfter: 0 },
          o,
        );
        mountPath = mount.path;
        break;
      }
      case "shared":
        mountPath = pulumi.output(v.sharedMount);
        break;
      default: {
        const unreachable: never = v.mode;
        throw new Error(`unreachable mode ${String(unreachable)}`);
      }
    }
    this.mountPath = mountPath;
    this.pathPrefix = v.mode === "shared" ? args.tenant : "";

    const policy = new vault.Policy(
      `${name}-read`,
      {
        name: `tenant-${args.tenant}-read`,
        policy: mountPath.apply((m) => tenantPolicyHcl(m, this.pathPrefix)),
      },
      o,
    );
    this.policyName = policy.name;

    const role = new vault.kubernetes.AuthBackendRole(
      `${name}-role`,
      {
        backend: args.kubernetesAuthPath ?? "kubernetes",
        roleName: `tenant-${args.tenant}`,
        boundServiceAccountNames: args.serviceAccountNames,
        boundServiceAccountNamespaces: [v.namespace],
        tokenPolicies: [policy.name],
        tokenTtl: v.ttl,
        tokenMaxTtl: v.maxTtl,
        tokenNoDefaultPolicy: true,
        tokenType: "service",
      },
      o,
    );
    this.roleName = role.roleName;

    this.registerOutputs({ mountPath: this.mountPath, policyName: this.policyName, roleName: this.roleName });
  }
}

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function validateTenantSecrets(resource: pulumi.Resource, name: string, args: TenantSecretsArgs) {
  const fail = failer(resource, `tenant secrets "${name}"`);
  if (!NAME.test(args.tenant)) {
    throw fail(
      `tenant is "${args.tenant}"; it names a Vault mount and role, so use lower-case letters, digits and "-"`,
    );
  }
  const namespace = args.namespace ?? args.tenant;
  if (namespace.includes("*") || !NAME.test(namespace)) {
    throw fail(`namespace is "${namespace}"; bind the role to the tenant's one namespace by name, never "*"`);
  }
  if (args.serviceAccountNames.length === 0) {
    throw fail(`serviceAccountNames is empty; name the service accounts that may read the tenant's secrets`);
  }
  for (const sa of args.serviceAccountNames) {
    if (sa.includes("*") || !NAME.test(sa)) {
      throw fail(
        `serviceAccountNames contains "${sa}"; a Vault role bound to "*" lets every service account in the namespace read the secrets: name each service account exactly`,
      );
    }
  }
  const mode = args.mode ?? "perTenant";
  if (mode === "shared" && !args.sharedMount) {
    throw fail(
      `mode is "shared" but sharedMount is not set; give the shared KV v2 mount (the secret source's kvMount)`,
    );
  }
  if (mode === "perTenant" && args.sharedMount !== undefined) {
    throw fail(
      `sharedMount "${args.sharedMount}" is set but mode is "perTenant"; set mode: "shared" to use it, or drop sharedMount`,
    );
  }
  if (mode !== "shared" && mode !== "perTenant") {
    throw fail(`mode is "${String(mode)}"; use "perTenant" or "shared"`);
  }
  const ttl = args.tokenTtlSeconds ?? 900;
  const maxTtl = args.tokenMaxTtlSeconds ?? 3600;
  if (!Number.isInteger(ttl) || ttl < 60) {
    throw fail(`tokenTtlSeconds is ${ttl}; use a whole number of seconds of at least 60`);
  }
  if (!Number.isInteger(maxTtl) || maxTtl > MAX_TOKEN_TTL_SECONDS) {
    throw fail(`tokenMaxTtlSeconds is ${maxTtl}; tokens live at most ${MAX_TOKEN_TTL_SECONDS} s (24 h)`);
  }
  if (ttl > maxTtl) {
    throw fail(
      `tokenTtlSeconds ${ttl} is above tokenMaxTtlSeconds ${maxTtl}; lower the TTL or raise the maximum`,
    );
  }
  return { mode, namespace, ttl, maxTtl, sharedMount: args.sharedMount ?? "" };
}
