import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { AppSet, Tenant } from "../components/kubernetes";
import type { AppSpec, PlatformSpec } from "../model/types";
import { clusterEndpoints, clusterKubeconfigs, createClouds, createClusters, PlatformContext } from "./cloud";
import { BucketInfo, createData, DatabaseEndpoint } from "./data";
import { AppSecrets, createSecrets } from "./secrets";
import { createSopsSecrets } from "./sopsSecrets";
import { AdmissionPolicies } from "../components/kubernetes/admissionPolicies";
import { createAgents } from "./agent";
import { tenantPlacement } from "../model/tenancy";
import { createWorkloads } from "./workloads";
import { Holds, TenantRef, tenantRefs } from "./tenantRefs";

export type { Holds, TenantRef } from "./tenantRefs";
import { specHolding } from "../model/units";

export { providerName } from "./cloud";
export { tenantPlacement } from "../model/tenancy";
export type { PlatformContext } from "./cloud";

/** Where one app runs on one cluster. */
export interface AppEndpoint {
  service: string;
  url: string;
}

/** Stack outputs of the platform. Kubeconfigs are part of them only as one Pulumi secret. */
export interface PlatformOutputs {
  environment: string;
  /** Tenant namespaces on each cluster. */
  namespaces: pulumi.Output<Record<string, string[]>>;
  /** Service and in-cluster URL of each app on each of its clusters. */
  apps: pulumi.Output<Record<string, Record<string, AppEndpoint>>>;
  /** API endpoint of each EKS and GKE cluster. */
  clusterEndpoints: pulumi.Output<Record<string, string>>;
  /** Private endpoint of each database (no credentials: RDS keeps those in Secrets Manager). */
  databases: pulumi.Output<Record<string, DatabaseEndpoint>>;
  /** Physical name of each bucket. */
  buckets: pulumi.Output<Record<string, BucketInfo>>;
  /** Kubeconfig of each EKS and GKE cluster (exec plugins, no credential inside), always a secret. */
  kubeconfigs: pulumi.Output<Record<string, string>>;
  /**
   * Annotations of each app's service account per cluster (the IRSA role, the GCP service
   * account its secret store authenticates as), for the units that create the apps.
   */
  appIdentities: pulumi.Output<Record<string, Record<string, Record<string, string>>>>;
}

/** Throws when an app names a cluster or tenant the spec does not declare. */
function checkReferences(spec: PlatformSpec): void {
  for (const [appName, app] of Object.entries(spec.apps ?? {})) {
    const where = `${spec.environment}: app "${appName}"`;
    if (!spec.tenants[app.tenant]) {
      throw new Error(`${where} names tenant "${app.tenant}", which is not declared under tenants`);
    }
    for (const ref of [...app.clusters, ...Object.keys(app.overrides ?? {})]) {
      if (!spec.clusters[ref]) {
        throw new Error(
          `${where} names cluster "${ref}", which is not declared under clusters [${Object.keys(spec.clusters).join(", ")}]`,
        );
      }
    }
    for (const caller of app.allowFrom ?? []) {
      if (!spec.tenants[caller]) {
        throw new Error(`${where} allows calls from tenant "${caller}", which is not declared under tenants`);
      }
    }
  }
}

/**
 * Builds an environment from its spec: cloud providers and networks, the clusters (EKS and GKE
 * created here, local and kubeconfig clusters reached with `ctx.kubeconfigFor`), databases and
 * buckets, the tenants on the clusters that need them, the secrets plumbing and an AppSet per app.
 */
export function createPlatform(
  spec: PlatformSpec,
  ctx: PlatformContext,
  /** The apps and workloads this stack creates (a units environment's base). @default all of the spec's */
  holds?: Holds,
): PlatformOutputs {
  checkReferences(spec);

  const clouds = createClouds(spec);
  const clusters = createClusters(spec, ctx, clouds);
  const providers = clusters.providers;
  const data = createData(spec, clouds, clusters);

  const placement = tenantPlacement(spec);
  const tenants: Record<string, Record<string, Tenant>> = {};
  for (const [tenantName, tenant] of Object.entries(spec.tenants)) {
    for (const cluster of placement[tenantName]) {
      tenants[cluster] ??= {};
      tenants[cluster][tenantName] = new Tenant(
        `${tenantName}-${cluster}`,
        {
          tenantName,
          environment: spec.environment,
          costCenter: tenant.costCenter,
          owners: tenant.owners,
          allowedSystemOwners: spec.policies?.allowedSystemOwners,
          quota: tenant.quota,
          skipAwait: ctx.skipAwait,
        },
        { provider: providers[cluster] },
      );
    }
  }

  const refs = tenantRefs(tenants);
  const held = holds ? specHolding(spec, holds) : spec;
  const secrets = createSecrets(spec, ctx, clouds, clusters, tenants, held.apps ?? {});
  const sopsSecrets = createSopsSecrets(spec, ctx, providers, refs, held.apps ?? {});
  for (const [appName, byCluster] of Object.entries(sopsSecrets)) {
    for (const [cluster, deps] of Object.entries(byCluster)) {
      secrets.dependsOn[appName] ??= {};
      secrets.dependsOn[appName][cluster] = [...(secrets.dependsOn[appName][cluster] ?? []), ...deps];
    }
  }
  const appSets: Record<string, AppSet> = {};
  for (const [appName, app] of Object.entries(held.apps ?? {})) {
    appSets[appName] = createAppSet(spec, ctx, appName, app, providers, refs, secrets);
  }

  // Helm charts, Kustomize folders and manifests, each on its clusters after its tenant's namespace.
  const workloads = createWorkloads(held, {
    root: ctx.repositoryRoot ?? process.cwd(),
    allApps: spec.apps ?? {},
    providers,
    tenants: refs,
    ...(ctx.skipAwait ? { skipAwait: true } : {}),
  });

  // Admission: the Kubernetes rules with a CEL form, enforced by each cluster's API server
  // (unless another environment sharing the cluster owns them).
  for (const [cluster, provider] of Object.entries(providers)) {
    const clusterSpec = spec.clusters[cluster];
    if ("admissionPolicies" in clusterSpec && clusterSpec.admissionPolicies === false) continue;
    new AdmissionPolicies(
      `admission-${cluster}`,
      { environment: spec.environment, skipAwait: ctx.skipAwait },
      { provider },
    );
  }

  // The pull-based agent, when the spec asks for it (RBAC derived from what the stack manages).
  createAgents(spec, ctx, providers, tenants, workloads);

  const namespaces = pulumi.all(
    Object.fromEntries(
      Object.entries(tenants).map(([cluster, byTenant]) => [
        cluster,
        pulumi.all(Object.values(byTenant).map((t) => t.namespace)),
      ]),
    ),
  );
  return {
    environment: spec.environment,
    namespaces,
    apps: appEndpoints(appSets),
    clusterEndpoints: clusterEndpoints(clusters),
    databases: data.databases,
    buckets: data.buckets,
    kubeconfigs: clusterKubeconfigs(clusters),
    appIdentities: pulumi.all(
      Object.fromEntries(
        Object.entries(secrets.serviceAccountAnnotations).map(([app, byCluster]) => [
          app,
          pulumi.all(byCluster),
        ]),
      ),
    ),
  };
}

/** Service and in-cluster URL of each app on each of its clusters. */
export function appEndpoints(
  appSets: Record<string, AppSet>,
): pulumi.Output<Record<string, Record<string, AppEndpoint>>> {
  return pulumi.all(
    Object.fromEntries(
      Object.entries(appSets).map(([appName, set]) => [
        appName,
        pulumi
          .all([set.serviceNames, set.urls])
          .apply(([services, urls]) =>
            Object.fromEntries(
              Object.keys(services).map((c): [string, AppEndpoint] => [
                c,
                { service: services[c], url: urls[c] },
              ]),
            ),
          ),
      ]),
    ),
  );
}

/** The AppSet of one app: on its clusters, in its tenant's namespace, after the tenants it needs. */
export function createAppSet(
  spec: PlatformSpec,
  ctx: PlatformContext,
  appName: string,
  app: AppSpec,
  providers: Record<string, k8s.Provider>,
  tenants: Record<string, Record<string, TenantRef>>,
  secrets: AppSecrets,
): AppSet {
  const tenant = spec.tenants[app.tenant];
  const perCluster = <T>(pick: (cluster: string) => T): Record<string, T> =>
    Object.fromEntries(app.clusters.map((c) => [c, pick(c)]));
  // Callers only matter where their tenant has a namespace (it runs no pods elsewhere).
  const callers = (cluster: string) =>
    (app.allowFrom ?? []).filter((t) => tenants[cluster]?.[t] !== undefined);
  return new AppSet(appName, {
    app: {
      appName,
      namespace: app.tenant,
      environment: spec.environment,
      tenant: app.tenant,
      costCenter: tenant.costCenter,
      owner: tenant.owners[0],
      image: app.image,
      tag: app.tag,
      digest: app.digest,
      replicas: app.replicas,
      port: app.port,
      env: app.env,
      secrets: app.secrets,
      resources: app.resources,
      probes: app.probes,
      ingress: app.ingress,
      autoscaling: app.autoscaling,
      allowFrom: app.allowFrom,
      skipAwait: ctx.skipAwait,
    },
    clusters: app.clusters,
    providers,
    overrides: app.overrides,
    namespaces: perCluster((c) => tenants[c][app.tenant].namespace),
    allowFrom: perCluster(callers),
    dependsOn: perCluster((c) => [
      ...[app.tenant, ...callers(c)].flatMap((t) => tenants[c][t].dependsOn),
      ...(secrets.dependsOn[appName]?.[c] ?? []),
    ]),
    ...(secrets.serviceAccountAnnotations[appName]
      ? { serviceAccountAnnotations: secrets.serviceAccountAnnotations[appName] }
      : {}),
  });
}
