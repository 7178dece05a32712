/**
 * The program of a units environment (docs/units.md): the base (everything but the units' apps
 * and workloads) and one unit (its apps and workloads, through the clusters' providers, in the
 * tenants' namespaces the base's outputs name). Both are built from the same validated spec.
 */
import * as pulumi from "@pulumi/pulumi";
import type * as k8s from "@pulumi/kubernetes";
import type { AppSet } from "../components/kubernetes";
import type { AppSpec, PlatformSpec } from "../model/types";
import { BASE_OUTPUTS, BaseOutput, Unit, specHolding } from "../model/units";
import { tenantPlacement } from "../model/tenancy";
import { kubeconfigProvider, PlatformContext } from "./cloud";
import { appEndpoints, AppEndpoint, createAppSet, PlatformOutputs } from "./program";
import type { TenantRef } from "./tenantRefs";
import { createWorkloads } from "./workloads";
import { AppSecrets, createAppExternalSecrets } from "./secrets";
import { secretUses } from "./secretPlan";
import { createSopsSecrets } from "./sopsSecrets";

/** Every output of the base is one the model lets units read (and no other). */
const _outputsInStep: Record<BaseOutput, unknown> = {} as PlatformOutputs;
const _namesInStep: Record<keyof PlatformOutputs, unknown> = {} as Record<BaseOutput, unknown>;
void _outputsInStep;
void _namesInStep;
export { BASE_OUTPUTS };

/** The base's outputs as the CLI read them from the base stack (plain values; kubeconfigs are secrets). */
export interface BaseOutputValues {
  /** Tenant namespaces on each cluster. */
  namespaces: Record<string, string[]>;
  /** Kubeconfig of each EKS and GKE cluster. */
  kubeconfigs: Record<string, string>;
  /**
   * Service-account annotations of each app per cluster (IRSA role, GCP service account).
   * @default none (a base applied before it exported them; it re-runs first, its code changed)
   */
  appIdentities?: Record<string, Record<string, Record<string, string>>>;
}

/** Stack outputs of one unit. */
export interface UnitOutputs {
  environment: string;
  unit: string;
  /** Service and in-cluster URL of each app of the unit on each of its clusters. */
  apps: pulumi.Output<Record<string, Record<string, AppEndpoint>>>;
}

/** A unit that cannot be built from the base's outputs (the base not applied, or a tenant missing). */
export class UnitProgramError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "UnitProgramError";
  }
}

/** The clusters a unit's apps and workloads run on, sorted. */
export function unitClusters(spec: PlatformSpec, unit: Pick<Unit, "apps" | "workloads">): string[] {
  const held = specHolding(spec, unit);
  const used = new Set<string>();
  for (const app of Object.values(held.apps ?? {}))
    [...app.clusters, ...Object.keys(app.overrides ?? {})].forEach((c) => used.add(c));
  for (const workload of Object.values(held.workloads ?? {})) workload.clusters.forEach((c) => used.add(c));
  return [...used].sort();
}

/** The Kubernetes provider of each cluster a unit uses: the same name and settings as in the base. */
function unitProviders(
  spec: PlatformSpec,
  ctx: PlatformContext,
  unit: Unit,
  clusters: string[],
  base: BaseOutputValues,
): Record<string, k8s.Provider> {
  const providers: Record<string, k8s.Provider> = {};
  for (const name of clusters) {
    const cluster = spec.clusters[name];
    switch (cluster.kind) {
      case "local":
      case "kubeconfig":
        providers[name] = kubeconfigProvider(name, cluster, ctx.kubeconfigFor(name, cluster));
        break;
      case "eks":
      case "gke": {
        const kubeconfig = base.kubeconfigs[name];
        if (kubeconfig === undefined)
          throw new UnitProgramError(
            `${spec.environment}: unit "${unit.name}" runs on cluster "${name}" (${cluster.kind}), whose kubeconfig is not among the base's outputs (kubeconfigs): apply the base first (platform up ${spec.environment})`,
          );
        providers[name] = kubeconfigProvider(name, cluster, pulumi.secret(kubeconfig));
        break;
      }
      default: {
        const unreachable: never = cluster;
        throw new UnitProgramError(`cluster "${name}" has an unknown kind: ${JSON.stringify(unreachable)}`);
      }
    }
  }
  return providers;
}

/**
 * The tenants' namespaces on the unit's clusters, as the base's `namespaces` output names them
 * (every tenant placed there, so allowFrom sees callers as the single-stack program does).
 * Throws when a tenant the unit's apps or workloads run in has no namespace there.
 */
function unitTenants(
  spec: PlatformSpec,
  unit: Unit,
  clusters: string[],
  base: BaseOutputValues,
): Record<string, Record<string, TenantRef>> {
  const placement = tenantPlacement(spec);
  const refs: Record<string, Record<string, TenantRef>> = {};
  for (const cluster of clusters) {
    refs[cluster] = {};
    for (const tenant of Object.keys(spec.tenants)) {
      if (!placement[tenant].includes(cluster)) continue;
      if (!(base.namespaces[cluster] ?? []).includes(tenant)) continue;
      refs[cluster][tenant] = { namespace: pulumi.output(tenant), dependsOn: [] };
    }
  }
  const held = specHolding(spec, unit);
  const owners: [string, string[]][] = [
    ...Object.values(held.apps ?? {}).map((a): [string, string[]] => [a.tenant, a.clusters]),
    ...Object.values(held.workloads ?? {}).flatMap((w): [string, string[]][] =>
      w.tenant !== undefined ? [[w.tenant, w.clusters]] : [],
    ),
  ];
  for (const [tenant, on] of owners)
    for (const cluster of on)
      if (!refs[cluster]?.[tenant])
        throw new UnitProgramError(
          `${spec.environment}: unit "${unit.name}" needs tenant "${tenant}"'s namespace on cluster "${cluster}", which the base's outputs (namespaces) do not list: apply the base first (platform up ${spec.environment})`,
        );
  return refs;
}

/**
 * The secrets of a unit's apps: their AppExternalSecrets (reading the stores the base made in the
 * tenants' namespaces, one per source, named after it) and AppSopsSecrets, and the service-account
 * annotations the base exported; the same components and names as in the single stack.
 */
function unitSecrets(
  spec: PlatformSpec,
  ctx: PlatformContext,
  apps: Record<string, AppSpec>,
  providers: Record<string, k8s.Provider>,
  tenants: Record<string, Record<string, TenantRef>>,
  base: BaseOutputValues,
): AppSecrets {
  const uses = secretUses({ ...spec, apps });
  const stores = (cluster: string, tenant: string) =>
    Object.fromEntries(
      uses
        .filter((u) => u.cluster === cluster && u.tenant === tenant)
        .map((u) => [u.source, { ref: { name: u.source, kind: "SecretStore" as const }, dependsOn: [] }]),
    );
  const dependsOn = createAppExternalSecrets(spec, ctx, apps, {
    providers,
    namespaceOf: (cluster, tenant) => tenants[cluster][tenant].namespace,
    stores,
  });
  for (const [appName, byCluster] of Object.entries(createSopsSecrets(spec, ctx, providers, tenants, apps)))
    for (const [cluster, deps] of Object.entries(byCluster)) {
      dependsOn[appName] ??= {};
      dependsOn[appName][cluster] = [...(dependsOn[appName][cluster] ?? []), ...deps];
    }
  const serviceAccountAnnotations = Object.fromEntries(
    Object.keys(apps)
      .filter((app) => base.appIdentities?.[app] !== undefined)
      .map((app) => [
        app,
        Object.fromEntries(
          Object.entries(base.appIdentities![app]).map(([cluster, annotations]) => [
            cluster,
            pulumi.output(annotations),
          ]),
        ),
      ]),
  );
  return { dependsOn, serviceAccountAnnotations };
}

/** Builds one unit: its apps' AppSets and its workloads, on the clusters' providers. */
export function createUnit(
  spec: PlatformSpec,
  ctx: PlatformContext,
  unit: Unit,
  base: BaseOutputValues,
): UnitOutputs {
  const clusters = unitClusters(spec, unit);
  const providers = unitProviders(spec, ctx, unit, clusters, base);
  const tenants = unitTenants(spec, unit, clusters, base);
  const held = specHolding(spec, unit);
  const secrets = unitSecrets(spec, ctx, held.apps ?? {}, providers, tenants, base);
  const appSets: Record<string, AppSet> = {};
  for (const [appName, app] of Object.entries(held.apps ?? {}))
    appSets[appName] = createAppSet(spec, ctx, appName, app, providers, tenants, secrets);
  createWorkloads(held, {
    root: ctx.repositoryRoot ?? process.cwd(),
    allApps: spec.apps ?? {},
    providers,
    tenants,
    ...(ctx.skipAwait ? { skipAwait: true } : {}),
  });
  return { environment: spec.environment, unit: unit.name, apps: appEndpoints(appSets) };
}
