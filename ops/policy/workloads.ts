/**
 * The workloads of an environment (`workloads:`: Helm charts, Kustomize folders, manifests),
 * rendered offline the way a deploy renders them and placed by the same tenancy rules
 * (components/kubernetes/workloads/placement.ts: namespace forced, cluster-scoped kinds and other
 * namespaces refused for a tenant, ownership labels, one owner per object), so the policy check
 * judges the very objects a deploy would apply. A workload is never skipped: one that cannot be
 * rendered offline (helm missing, a remote chart not cached, a template error) carries its error,
 * which the check reports by name before exiting non-zero.
 */
import * as path from "path";
import type { Environment } from "../../model/environment";
import type { WorkloadSpec } from "../../model/types";
import { defaultWorkloadNamespace } from "../../model/workloadChecks";
import { manifestFiles, readManifests } from "../../components/kubernetes/workloads/manifestFiles";
import {
  ObjectClaims,
  objectIdentity,
  placeObject,
  WorkloadPlacement,
} from "../../components/kubernetes/workloads/placement";
import { repositoryPath } from "../../program/workloads";
import { cachedChart, chartCacheDir, describeChart, fetchChart, notCachedError, RemoteChart } from "./charts";
import type { OfflineResource } from "./evaluate";
import { checkKustomizationSources } from "./kustomizeSources";
import { typeToken } from "./manifests";
import {
  KUSTOMIZATION_FILES,
  RenderedItem,
  RenderedManifest,
  renderHelm,
  renderKustomize,
  toolPath,
} from "./render";

/** One object of a workload: placed (as a deploy would apply it) or refused, and where it came from. */
export interface WorkloadObject {
  /** `apps/Deployment payments/web` after placement (before it when refused). */
  identity: string;
  /** Chart template, manifest file:line, or the kustomize folder. */
  origin: string;
  /** The object as placed; absent when refused. */
  placed?: RenderedManifest;
  /** Why a tenant workload may not create it (cluster-scoped, another namespace, a second owner). */
  refused?: string;
  /** The URN the check gives it (violations name it). */
  urn?: string;
}

/** A workload as the check rendered it. */
export interface RenderedWorkload {
  name: string;
  kind: WorkloadSpec["kind"];
  /** `helm chart folder charts/web`, `kustomize folder apps/shop/overlays/production`, ... */
  source: string;
  /** `tenant payments` or `platform`. */
  owner: string;
  clusters: string[];
  objects: WorkloadObject[];
  /** Why it could not be rendered; then `objects` is empty. */
  error?: string;
}

/** How to render: the tools' environment, and whether missing remote charts may be downloaded. */
export interface RenderWorkloadsOptions {
  /** Process environment of helm and kubectl (and where the toolchain and chart cache are). */
  env: NodeJS.ProcessEnv;
  /** Download remote charts missing from the cache (`--fetch-charts`). @default false: a missing chart is an error */
  fetchCharts?: boolean;
}

/** Pulumi type tokens of the workload components (the parent of every rendered object). */
export const WORKLOAD_COMPONENT_TYPES: Record<WorkloadSpec["kind"], string> = {
  helm: "platform:kubernetes:HelmWorkload",
  kustomize: "platform:kubernetes:KustomizeWorkload",
  manifests: "platform:kubernetes:ManifestsWorkload",
};

const RENDERER_TYPES = [
  "kubernetes:helm.sh/v4:Chart",
  "kubernetes:kustomize/v2:Directory",
  "kubernetes:yaml/v2:ConfigGroup",
];

/**
 * Whether a resource recorded under mocks is a workload's renderer (Chart, Directory, ConfigGroup):
 * mocks do not render, so the check replaces it with the objects rendered here.
 */
export function isWorkloadRenderer(urn: string): boolean {
  const qualified = urn.split("::")[2] ?? "";
  const types = qualified.split("$");
  const own = types[types.length - 1];
  const parent = types[types.length - 2];
  return RENDERER_TYPES.includes(own) && Object.values(WORKLOAD_COMPONENT_TYPES).includes(parent ?? "");
}

/** How the check names a workload's source in its listing and messages. */
export function workloadSource(spec: WorkloadSpec): string {
  switch (spec.kind) {
    case "helm":
      return spec.chart !== undefined
        ? describeChart({ chart: spec.chart, version: spec.version ?? "(no version)", repo: spec.repo })
        : `helm chart folder ${spec.path ?? "(none)"}`;
    case "kustomize":
      return `kustomize folder ${spec.path}`;
    case "manifests":
      return `manifests ${spec.path}`;
    default: {
      const never: never = spec;
      throw new Error(`unhandled workload kind ${JSON.stringify(never)}`);
    }
  }
}

/** Renders one workload's objects (before placement); throws naming the environment, workload and file. */
function renderOne(
  environment: Environment,
  name: string,
  spec: WorkloadSpec,
  where: string,
  opts: RenderWorkloadsOptions,
): RenderedItem[] {
  const root = environment.root;
  switch (spec.kind) {
    case "helm": {
      const valuesFiles = (spec.valuesFiles ?? []).map((f, i) =>
        repositoryPath(root, f, `${where} valuesFiles[${i}]`, { file: true }),
      );
      let chart: string;
      if (spec.path !== undefined) {
        chart = repositoryPath(root, spec.path, `${where} path`, { folderWith: ["Chart.yaml"] });
      } else {
        const remote: RemoteChart = { chart: spec.chart ?? "", version: spec.version ?? "", repo: spec.repo };
        const cache = chartCacheDir(opts.env);
        const found = cachedChart(cache, remote);
        if (found) chart = found;
        else if (opts.fetchCharts)
          chart = fetchChart(toolPath("helm", opts.env, where), cache, remote, where, opts.env);
        else throw notCachedError(remote, where, environment.name, cache);
      }
      const helm = toolPath("helm", opts.env, where);
      return renderHelm(
        helm,
        {
          releaseName: spec.releaseName ?? name,
          chart,
          namespace: defaultWorkloadNamespace(spec),
          valuesFiles,
          ...(spec.values !== undefined ? { values: spec.values } : {}),
        },
        where,
        opts.env,
      );
    }
    case "kustomize": {
      const folder = repositoryPath(root, spec.path, `${where} path`, { folderWith: KUSTOMIZATION_FILES });
      checkKustomizationSources(folder, root, where);
      return renderKustomize(toolPath("kubectl", opts.env, where), folder, spec.path, where, opts.env);
    }
    case "manifests": {
      const target = repositoryPath(root, spec.path, `${where} path`);
      return readManifests(manifestFiles(target, root), root);
    }
    default: {
      const never: never = spec;
      throw new Error(`unhandled workload kind ${JSON.stringify(never)}`);
    }
  }
}

function placementFor(
  environment: Environment,
  name: string,
  spec: WorkloadSpec,
  cluster: string,
): WorkloadPlacement {
  const tenant = spec.tenant;
  const costCenter = tenant !== undefined ? environment.spec.tenants[tenant]?.costCenter : undefined;
  return {
    environment: environment.name,
    workload: name,
    cluster,
    source: workloadSource(spec),
    namespace: defaultWorkloadNamespace(spec),
    ...(tenant !== undefined ? { tenant } : {}),
    ...(costCenter !== undefined ? { costCenter } : {}),
  };
}

/** The URN the check gives a workload's object: the component type, then `<workload>:<ns>/<name>`. */
function objectUrn(env: string, spec: WorkloadSpec, name: string, placed: RenderedManifest): string {
  const type = typeToken(String(placed.apiVersion), String(placed.kind));
  const md = placed.metadata ?? {};
  const ns = typeof md.namespace === "string" && md.namespace !== "" ? `${md.namespace}/` : "";
  return `urn:pulumi:${env}::platform::${WORKLOAD_COMPONENT_TYPES[spec.kind]}$${type}::${name}:${ns}${String(md.name)}`;
}

/**
 * Every workload of the environment, rendered and placed on each of its clusters (the placement
 * and the one-owner rule run per cluster, as a deploy runs them; the objects are the same on every
 * cluster, so they are listed once). A render failure is kept on its workload; the rest go on.
 */
export function renderWorkloads(environment: Environment, opts: RenderWorkloadsOptions): RenderedWorkload[] {
  const claims = new ObjectClaims();
  const out: RenderedWorkload[] = [];
  for (const [name, spec] of Object.entries(environment.spec.workloads ?? {})) {
    const where = `${environment.name}: workload "${name}"`;
    const rendered: RenderedWorkload = {
      name,
      kind: spec.kind,
      source: workloadSource(spec),
      owner: spec.tenant !== undefined ? `tenant ${spec.tenant}` : "platform",
      clusters: spec.clusters,
      objects: [],
    };
    out.push(rendered);
    let items: RenderedItem[];
    try {
      items = renderOne(environment, name, spec, where, opts);
    } catch (err) {
      rendered.error = err instanceof Error ? err.message : String(err);
      continue;
    }
    if (items.length === 0) {
      rendered.error = `${where}: ${rendered.source} renders no object: check the path and values (an empty workload deploys nothing)`;
      continue;
    }
    items.forEach((item, i) => {
      const object: WorkloadObject = { identity: objectIdentity(item.object), origin: item.origin };
      try {
        for (const [c, cluster] of spec.clusters.entries()) {
          const placed = placeObject(
            item.object,
            placementFor(environment, name, spec, cluster),
            item.origin,
          );
          claims.claim(cluster, placed, name, `${name}#${i}`);
          if (c === 0) {
            object.placed = placed;
            object.identity = objectIdentity(placed);
          }
        }
      } catch (err) {
        delete object.placed;
        object.refused = err instanceof Error ? err.message : String(err);
      }
      if (object.placed) object.urn = objectUrn(environment.name, spec, name, object.placed);
      rendered.objects.push(object);
    });
  }
  return out;
}

/** The placed objects of the workloads as evaluator input. */
export function workloadResources(workloads: readonly RenderedWorkload[]): OfflineResource[] {
  return workloads.flatMap((w) =>
    w.objects.flatMap((o) =>
      o.placed && o.urn
        ? [
            {
              type: typeToken(String(o.placed.apiVersion), String(o.placed.kind)),
              name: path.posix.basename(o.urn.split("::").pop() ?? o.identity),
              urn: o.urn,
              props: o.placed,
            },
          ]
        : [],
    ),
  );
}

/** Errors a workload component throws before any child exists (placement.ts, manifestFiles.ts, program/workloads.ts). */
const WORKLOAD_ERRORS = ["WorkloadRefusedError", "ManifestError", "WorkloadSourceError"];

/**
 * Whether the program under mocks stopped at a workload problem the rendering already reports (a
 * refused object, a workload not rendered): then the check lists the workloads and says the rest
 * of the program was not checked, instead of failing with the first problem alone.
 */
export function stoppedByWorkload(err: unknown, workloads: readonly RenderedWorkload[]): boolean {
  const reported = workloads.some(
    (w) => w.error !== undefined || w.objects.some((o) => o.refused !== undefined),
  );
  let cause: unknown = err;
  for (let depth = 0; cause instanceof Error && depth < 5; depth++) {
    if (WORKLOAD_ERRORS.includes(cause.name)) return reported;
    cause = cause.cause;
  }
  return false;
}
