/**
 * `workloads:` of the spec: one Helm, Kustomize or manifests component per workload and cluster,
 * through that cluster's provider, after the tenant's namespace. Repository paths are resolved
 * here, once, and must stay inside the repository once symlinks are followed.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type { AppSpec, PlatformSpec, WorkloadSpec } from "../model/types";
import { splitSecretRefs } from "../model/sops";
import { repositoryPathProblem } from "../model/workloadChecks";
import type { TenantRef } from "./tenantRefs";
import {
  HelmWorkload,
  KustomizeWorkload,
  ManifestsWorkload,
  ObjectClaims,
  WorkloadCommonArgs,
} from "../components/kubernetes/workloads";
import { workloadRules } from "../components/kubernetes/agent/workloadRbac";
import type { WorkloadRules } from "../components/kubernetes/agent/workloadRbac";

/** A workload's file or folder that is missing, unreadable or outside the repository. */
export class WorkloadSourceError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "WorkloadSourceError";
  }
}

/** What a path of a workload must be: a folder holding one of `files`, or any file. */
interface Expect {
  folderWith?: string[];
  file?: boolean;
}

/**
 * The absolute path of `p` (relative to the repository root `root`), checked: inside the
 * repository after symlinks, existing, and a folder with one of `expect.folderWith` when asked.
 * @param where `local: workload "web" path` for messages
 */
export function repositoryPath(root: string, p: string, where: string, expect: Expect = {}): string {
  const textual = repositoryPathProblem(p);
  if (textual) throw new WorkloadSourceError(`${where}: ${textual}`);
  const abs = path.resolve(root, p);
  let real: string;
  try {
    real = fs.realpathSync(abs);
  } catch (err) {
    throw new WorkloadSourceError(
      `${where}: "${p}" does not exist in the repository: check the path (relative to the repository root)`,
      {
        cause: err,
      },
    );
  }
  const rootReal = fs.realpathSync(root);
  if (real !== rootReal && !real.startsWith(rootReal + path.sep))
    throw new WorkloadSourceError(
      `${where}: "${p}" is a symlink leading outside the repository (to ${real}): the platform only reads files of the repository; copy what it needs into it`,
    );
  const stat = fs.statSync(real);
  if (expect.file && !stat.isFile())
    throw new WorkloadSourceError(`${where}: "${p}" is not a file: name a file`);
  if (expect.folderWith) {
    if (!stat.isDirectory())
      throw new WorkloadSourceError(
        `${where}: "${p}" is not a folder: name the folder holding ${expect.folderWith[0]}`,
      );
    if (!expect.folderWith.some((f) => fs.existsSync(path.join(real, f))))
      throw new WorkloadSourceError(
        `${where}: "${p}" holds no ${expect.folderWith.join(" or ")}: name the folder that does`,
      );
  }
  return abs;
}

/** What the workloads need from the rest of the program. */
export interface WorkloadInputs {
  /** Repository root: workload paths are relative to it. */
  root: string;
  providers: Record<string, k8s.Provider>;
  /** Tenants by cluster, then tenant name (a tenant workload waits for its namespace). */
  tenants: Record<string, Record<string, TenantRef>>;
  /**
   * Every app of the environment, whose objects no workload may render (a unit holds only some
   * apps, but a workload of one unit must not take an object of another unit's app).
   * @default the apps of the spec given to {@link createWorkloads}
   */
  allApps?: Record<string, AppSpec>;
  /** @default false */
  skipAwait?: boolean;
}

/** A workload component: each reports how many objects it rendered once all are registered. */
type WorkloadComponent = HelmWorkload | KustomizeWorkload | ManifestsWorkload;

/** The workloads of the environment, and what the agent's RBAC needs of them. */
export interface Workloads {
  /** The components, by workload then cluster. */
  components: Record<string, Record<string, WorkloadComponent>>;
  /**
   * The agent's rules for the workloads on `cluster` (see `workloadRules`): known once every
   * workload on the cluster has rendered, as every object has then been placed and claimed.
   */
  rulesOn(cluster: string, tenantNamespaces: string[]): pulumi.Output<WorkloadRules>;
}

/** The workload components of the spec, by workload then cluster. */
export function createWorkloads(spec: PlatformSpec, inputs: WorkloadInputs): Workloads {
  const claims = new ObjectClaims();
  reserveAppObjects(inputs.allApps ?? spec.apps ?? {}, claims);
  const created: Record<string, Record<string, WorkloadComponent>> = {};
  for (const [name, workload] of Object.entries(spec.workloads ?? {})) {
    const where = `${spec.environment}: workload "${name}"`;
    const build = component(name, workload, where, inputs.root);
    created[name] = {};
    for (const cluster of workload.clusters) {
      const provider = inputs.providers[cluster];
      if (!provider)
        throw new WorkloadSourceError(
          `${where} names cluster "${cluster}", which is not declared under clusters`,
        );
      const tenant = workload.tenant !== undefined ? inputs.tenants[cluster]?.[workload.tenant] : undefined;
      if (workload.tenant !== undefined && !tenant)
        throw new WorkloadSourceError(
          `${where} names tenant "${workload.tenant}", which has no namespace on cluster "${cluster}"`,
        );
      const common: WorkloadCommonArgs = {
        workload: name,
        environment: spec.environment,
        cluster,
        claims,
        ...(workload.tenant !== undefined
          ? { tenant: workload.tenant, costCenter: spec.tenants[workload.tenant]?.costCenter }
          : {}),
        ...(workload.namespace !== undefined ? { namespace: workload.namespace } : {}),
        ...(inputs.skipAwait ? { skipAwait: true } : {}),
      };
      created[name][cluster] = build(`${name}-${cluster}`, common, {
        provider,
        dependsOn: tenant ? tenant.dependsOn : [],
      });
    }
  }
  return {
    components: created,
    rulesOn: (cluster, tenantNamespaces) =>
      pulumi
        .all(
          Object.values(created)
            .map((byCluster) => byCluster[cluster])
            .filter((c) => c !== undefined)
            .map((c) => c.rendered),
        )
        .apply(() => workloadRules(claims.objectsOn(cluster), tenantNamespaces)),
  };
}

/**
 * The objects each `App` creates on its clusters (named after the app, in its tenant's namespace),
 * held before any workload renders, so a chart or overlay that renders one of them is refused
 * naming the app instead of two owners overwriting each other on every deploy.
 */
export function reserveAppObjects(apps: Record<string, AppSpec>, claims: ObjectClaims): void {
  for (const [app, a] of Object.entries(apps)) {
    const kinds: Array<[string, string, string?]> = [
      ["apps/v1", "Deployment"],
      ["v1", "Service"],
      ["v1", "ServiceAccount"],
    ];
    if (a.autoscaling) kinds.push(["autoscaling/v2", "HorizontalPodAutoscaler"]);
    const { store, sops } = splitSecretRefs(a.secrets);
    if (Object.keys(store).length) kinds.push(["v1", "Secret", `${app}-secrets`]);
    if (Object.keys(sops).length) kinds.push(["v1", "Secret", `${app}-sops`]);
    for (const cluster of a.clusters) {
      const ingress = a.overrides?.[cluster]?.ingress ?? a.ingress;
      const clusterKinds: Array<[string, string, string?]> = ingress
        ? [...kinds, ["networking.k8s.io/v1", "Ingress"]]
        : kinds;
      for (const [apiVersion, kind, name] of clusterKinds)
        claims.reserveForApp(
          cluster,
          { apiVersion, kind, metadata: { namespace: a.tenant, name: name ?? app } },
          app,
        );
    }
  }
}

type Build = (
  resourceName: string,
  common: WorkloadCommonArgs,
  opts: pulumi.ComponentResourceOptions,
) => WorkloadComponent;

/** The component builder of one workload, its paths resolved and checked once for all its clusters. */
function component(name: string, workload: WorkloadSpec, where: string, root: string): Build {
  switch (workload.kind) {
    case "helm": {
      const chartFolder =
        workload.path !== undefined
          ? repositoryPath(root, workload.path, `${where} path`, { folderWith: ["Chart.yaml"] })
          : undefined;
      const valuesFiles = (workload.valuesFiles ?? []).map((f, i) =>
        repositoryPath(root, f, `${where} valuesFiles[${i}]`, { file: true }),
      );
      return (resourceName, common, opts) =>
        new HelmWorkload(
          resourceName,
          {
            ...common,
            ...(workload.chart !== undefined ? { chart: workload.chart } : {}),
            ...(chartFolder !== undefined ? { path: chartFolder } : {}),
            ...(workload.repo !== undefined ? { repo: workload.repo } : {}),
            ...(workload.version !== undefined ? { version: workload.version } : {}),
            ...(workload.values !== undefined ? { values: workload.values } : {}),
            ...(valuesFiles.length ? { valuesFiles } : {}),
            releaseName: workload.releaseName ?? name,
          },
          opts,
        );
    }
    case "kustomize": {
      const folder = repositoryPath(root, workload.path, `${where} path`, {
        folderWith: ["kustomization.yaml", "kustomization.yml", "Kustomization"],
      });
      return (resourceName, common, opts) =>
        new KustomizeWorkload(resourceName, { ...common, path: folder, shownPath: workload.path }, opts);
    }
    case "manifests": {
      const target = repositoryPath(root, workload.path, `${where} path`);
      return (resourceName, common, opts) =>
        new ManifestsWorkload(resourceName, { ...common, path: target, root }, opts);
    }
    default: {
      const never: never = workload;
      throw new Error(`unhandled workload kind ${JSON.stringify(never)}`);
    }
  }
}
