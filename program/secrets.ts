/**
 * The secrets part of an environment: per vault source a provider, the audit device and a
 * TenantSecrets per reading tenant; per cluster hosting apps with secrets the External Secrets
 * Operator (CRDs only on local clusters), a SecretStore per (tenant namespace, source) and an
 * AppExternalSecret per app, which writes the `<app>-secrets` Secret the App reads. Cloud secret
 * managers are reached with IRSA (EKS) and workload identity (GKE) bound to one service account.
 */
import * as pulumi from "@pulumi/pulumi";
import * as gcp from "@pulumi/gcp";
import * as vault from "@pulumi/vault";
import type * as k8s from "@pulumi/kubernetes";
import { IrsaRole } from "../components/aws";
import { WorkloadIdentityBinding } from "../components/gcp";
import {
  AppExternalSecret,
  ExternalSecretsOperator,
  LocalExternalSecretsCrds,
  SecretStore,
  SecretStoreAuthArgs,
  platformLabels,
  StoreRef,
  Tenant,
} from "../components/kubernetes";
import { TenantSecrets, VaultAudit } from "../components/vault";
import type { AppSpec, PlatformSpec, VaultSourceSpec } from "../model/types";
import { Clouds, Clusters, PlatformContext, physicalClusterName } from "./cloud";
import { SecretUse, secretUses, vaultReaders } from "./secretPlan";
import { splitSecretRefs } from "../model/sops";

/** What the apps need from the secrets part, per app and cluster. */

/** The platform labels (owner, environment, cost centre) of a tenant's objects. */
function tenantLabels(spec: PlatformSpec, tenant: string, component: string): Record<string, string> {
  const t = spec.tenants[tenant];
  return platformLabels({
    environment: spec.environment,
    tenant,
    costCenter: t.costCenter,
    owner: t.owners[0],
    component,
  });
}
export interface AppSecrets {
  /** Resources the App waits for (its AppExternalSecret). */
  dependsOn: Record<string, Record<string, pulumi.Resource[]>>;
  /** Annotations of the app's service account (IRSA role, GCP service account). */
  serviceAccountAnnotations: Record<string, Record<string, pulumi.Output<Record<string, string>>>>;
}

/** How a store authenticates, and what the store waits for. */
interface StoreAuth {
  auth: SecretStoreAuthArgs;
  dependsOn: pulumi.Resource[];
  annotations?: pulumi.Output<Record<string, string>>;
}

interface Built {
  spec: PlatformSpec;
  clouds: Clouds;
  clusters: Clusters;
  tenantSecrets: Record<string, Record<string, TenantSecrets>>;
}

/** Creates the secrets part; returns what each app's App needs. */
export function createSecrets(
  spec: PlatformSpec,
  ctx: PlatformContext,
  clouds: Clouds,
  clusters: Clusters,
  tenants: Record<string, Record<string, Tenant>>,
  /** The apps whose AppExternalSecret this stack creates (a units environment's base: none). @default the spec's */
  apps?: Record<string, AppSpec>,
): AppSecrets {
  const uses = secretUses(spec);
  const built: Built = { spec, clouds, clusters, tenantSecrets: createVault(spec, uses) };
  const result: AppSecrets = { dependsOn: {}, serviceAccountAnnotations: {} };

  const operators: Record<string, pulumi.Resource> = {};
  const stores: Record<string, Record<string, Record<string, { ref: StoreRef; store: SecretStore }>>> = {};
  for (const use of uses) {
    const { cluster, tenant, source } = use;
    const provider = clusters.providers[cluster];
    operators[cluster] ??=
      spec.clusters[cluster].kind === "local"
        ? new LocalExternalSecretsCrds(`${cluster}-eso-crds`, { skipAwait: ctx.skipAwait }, { provider })
        : new ExternalSecretsOperator(
            `${cluster}-eso`,
            { environment: spec.environment, cluster, ...(ctx.skipAwait ? { skipAwait: true } : {}) },
            { provider },
          );
    const storeAuth = authFor(built, use);
    const store = new SecretStore(
      `${tenant}-${source}-${cluster}`,
      {
        source: spec.secretSources![source],
        auth: storeAuth.auth,
        namespace: tenants[cluster][tenant].namespace,
        storeName: source,
        skipAwait: ctx.skipAwait,
        labels: tenantLabels(spec, tenant, "secret-store"),
      },
      { provider, dependsOn: [operators[cluster], tenants[cluster][tenant], ...storeAuth.dependsOn] },
    );
    stores[cluster] ??= {};
    stores[cluster][tenant] ??= {};
    stores[cluster][tenant][source] = { ref: store.ref, store };
    if (storeAuth.annotations) {
      const reader = use.apps[0];
      result.serviceAccountAnnotations[reader] ??= {};
      const previous = result.serviceAccountAnnotations[reader][cluster];
      result.serviceAccountAnnotations[reader][cluster] = previous
        ? pulumi.all([previous, storeAuth.annotations]).apply(([a, b]) => ({ ...a, ...b }))
        : storeAuth.annotations;
    }
  }

  const storeRefs = (cluster: string, tenant: string) =>
    Object.fromEntries(
      Object.entries(stores[cluster]?.[tenant] ?? {}).map(([source, { ref, store }]) => [
        source,
        { ref, dependsOn: [store] },
      ]),
    );
  const externals = createAppExternalSecrets(spec, ctx, apps ?? spec.apps ?? {}, {
    providers: clusters.providers,
    namespaceOf: (cluster, tenant) => tenants[cluster][tenant].namespace,
    stores: storeRefs,
  });
  Object.assign(result.dependsOn, externals);
  return result;
}

/** The store of one secret source in a tenant's namespace, and what an ExternalSecret waits for. */
export interface StoreInNamespace {
  ref: StoreRef;
  dependsOn: pulumi.Resource[];
}

/** Where {@link createAppExternalSecrets} finds the clusters, namespaces and stores. */
export interface ExternalSecretPlacement {
  providers: Record<string, k8s.Provider>;
  namespaceOf: (cluster: string, tenant: string) => pulumi.Input<string>;
  /** The stores in a tenant's namespace on a cluster, by source name. */
  stores: (cluster: string, tenant: string) => Record<string, StoreInNamespace>;
}

/**
 * An AppExternalSecret `<app>-<cluster>` per app reading store-backed secrets, on each of its
 * clusters: in the single stack and a units environment's base (stores in the same stack), or in
 * the app's unit (stores made by the base, named by source). Returns what each App waits for.
 */
export function createAppExternalSecrets(
  spec: PlatformSpec,
  ctx: Pick<PlatformContext, "skipAwait">,
  apps: Record<string, AppSpec>,
  placement: ExternalSecretPlacement,
): Record<string, Record<string, pulumi.Resource[]>> {
  const out: Record<string, Record<string, pulumi.Resource[]>> = {};
  for (const [appName, app] of Object.entries(apps)) {
    const secrets = splitSecretRefs(app.secrets).store;
    if (Object.keys(secrets).length === 0) continue;
    const used = [...new Set(Object.values(secrets).map((ref) => ref.source))];
    for (const cluster of app.clusters) {
      const inNamespace = placement.stores(cluster, app.tenant);
      const missing = used.filter((s) => !inNamespace[s]);
      if (missing.length)
        throw new Error(
          `${spec.environment}: app "${appName}" reads secrets from ${missing.map((s) => `"${s}"`).join(", ")}, which has no store in tenant "${app.tenant}"'s namespace on cluster "${cluster}"`,
        );
      const external = new AppExternalSecret(
        `${appName}-${cluster}`,
        {
          appName,
          namespace: placement.namespaceOf(cluster, app.tenant),
          secrets,
          stores: Object.fromEntries(used.map((s) => [s, inNamespace[s].ref])),
          skipAwait: ctx.skipAwait,
          labels: platformLabels({
            environment: spec.environment,
            tenant: app.tenant,
            costCenter: spec.tenants[app.tenant].costCenter,
            owner: spec.tenants[app.tenant].owners[0],
            app: appName,
            component: "external-secret",
          }),
        },
        { provider: placement.providers[cluster], dependsOn: used.flatMap((s) => inNamespace[s].dependsOn) },
      );
      out[appName] ??= {};
      out[appName][cluster] = [external];
    }
  }
  return out;
}

/** Per vault source: a provider (token from the environment), the audit device and the tenants' secrets. */
function createVault(spec: PlatformSpec, uses: SecretUse[]): Record<string, Record<string, TenantSecrets>> {
  const out: Record<string, Record<string, TenantSecrets>> = {};
  for (const [source, src] of Object.entries(spec.secretSources ?? {})) {
    if (src.kind !== "vault") continue;
    // No token here: the provider reads VAULT_TOKEN (or ~/.vault-token) like the Vault CLI does.
    const provider = new vault.Provider(`vault-${source}`, { address: src.address });
    new VaultAudit(`${source}-audit`, {}, { provider });
    out[source] = {};
    for (const [tenant, apps] of Object.entries(vaultReaders(uses, source))) {
      out[source][tenant] = new TenantSecrets(
        `${tenant}-${source}`,
        {
          tenant,
          tier: spec.tier,
          namespace: tenant,
          serviceAccountNames: apps,
          mode: "shared",
          sharedMount: (src as VaultSourceSpec).kvMount,
        },
        { provider },
      );
    }
  }
  return out;
}

/** The store's authentication for one use, creating the IRSA role or workload identity binding it needs. */
function authFor(built: Built, use: SecretUse): StoreAuth {
  const { spec, clouds, clusters } = built;
  const source = spec.secretSources![use.source];
  const reader = use.apps[0];
  const name = `${use.tenant}-${use.source}-${use.cluster}`;
  switch (source.kind) {
    case "vault":
      return {
        auth: { serviceAccountName: reader, vaultRole: `tenant-${use.tenant}` },
        dependsOn: [built.tenantSecrets[use.source][use.tenant]],
      };
    case "aws-secrets-manager": {
      const cloud = clouds.aws!;
      const eks = clusters.eks[use.cluster];
      // The account of the cluster's OIDC provider ARN (arn:aws:iam::<account>:…): no invoke needed.
      const account = eks.oidcProviderArn.apply((arn) => arn.split(":")[4]);
      // Exactly one secret per path: AWS appends "-" and 6 random characters to a secret's ARN;
      // "-*" would also match every secret whose name merely starts with the path.
      const resources = use.paths.map(
        (p) => pulumi.interpolate`arn:aws:secretsmanager:${cloud.region}:${account}:secret:${p}-??????`,
      );
      const role = new IrsaRole(
        name,
        {
          oidcProviderArn: eks.oidcProviderArn,
          oidcIssuer: eks.oidcIssuer,
          namespace: use.tenant,
          serviceAccountName: reader,
          policy: pulumi.jsonStringify({
            Version: "2012-10-17",
            Statement: [
              {
                Effect: "Allow",
                Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                Resource: resources,
              },
            ],
          }),
        },
        { providers: [cloud.provider] },
      );
      return {
        auth: { serviceAccountName: reader, awsRegion: cloud.region },
        dependsOn: [role],
        annotations: role.serviceAccountAnnotations,
      };
    }
    case "gcp-secret-manager": {
      const cloud = clouds.gcp!;
      const binding = new WorkloadIdentityBinding(
        name,
        { project: cloud.project, namespace: use.tenant, serviceAccountName: reader },
        { providers: [cloud.provider] },
      );
      // Access to the named secrets only, not to every secret of the project.
      use.paths.forEach((secretId, i) => {
        new gcp.secretmanager.SecretIamMember(
          `${name}-access-${i}`,
          {
            project: cloud.project,
            secretId,
            role: "roles/secretmanager.secretAccessor",
            member: pulumi.interpolate`serviceAccount:${binding.gcpServiceAccountEmail}`,
          },
          { parent: binding, provider: cloud.provider },
        );
      });
      return {
        auth: {
          serviceAccountName: reader,
          gcpProject: cloud.project,
          gkeClusterName: physicalClusterName(spec.environment, use.cluster),
          gkeClusterLocation: cloud.region,
        },
        dependsOn: [binding],
        annotations: binding.serviceAccountAnnotations,
      };
    }
    default: {
      const unreachable: never = source;
      throw new Error(`unknown secret source kind ${JSON.stringify(unreachable)}`);
    }
  }
}
