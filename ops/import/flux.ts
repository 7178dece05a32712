/**
 * Flux objects as workload entries: a `Kustomization` (kustomize.toolkit.fluxcd.io) is a folder
 * of this repository (a kustomization, or plain manifests when the folder has none, as Flux
 * generates one); a `HelmRelease` (helm.toolkit.fluxcd.io) is a chart of the `HelmRepository` or
 * `OCIRepository` it names, or a chart folder of a `GitRepository`. Sources alone give no entry:
 * they are looked up by the releases and Kustomizations that name them, among the same input.
 */
import type { HelmWorkloadSpec, WorkloadSpec } from "../../model/types";
import {
  exactVersion,
  ImportContext,
  ImportedWorkload,
  ImportResult,
  obj,
  ownership,
  repoPath,
  SourceObject,
  str,
  Unmapped,
  workloadName,
} from "./types";

const KUSTOMIZATION_UNMAPPED: Record<string, string> = {
  dependsOn: "no ordering between workloads: each is deployed with the environment, in one run",
  postBuild: "no variable substitution: write the values into the files (or use one overlay per environment)",
  patches: "move the patches into the folder's kustomization.yaml",
  images: "move the image overrides into the folder's kustomization.yaml (images:)",
  decryption:
    "no SOPS decryption: secrets come from the environment's secret sources (secretSources:), never from files",
  serviceAccountName:
    "tenancy is tenant: (the platform applies and confines the objects), not an impersonated account",
  healthChecks: "the deploy waits for every object to be ready (pulumi.com/skipAwait to opt out)",
  wait: "the deploy waits for every object to be ready",
  timeout: "no per-workload timeout",
  suspend: "a workload is deployed while it is in the spec: remove it or comment it out to stop",
  commonMetadata:
    "move these labels and annotations into the folder's kustomization.yaml (labels:, commonAnnotations:)",
  namePrefix: "move namePrefix into the folder's kustomization.yaml",
  nameSuffix: "move nameSuffix into the folder's kustomization.yaml",
  components: "list the components in the folder's kustomization.yaml",
  kubeConfig: "a workload runs on the environment's clusters (clusters:), not through a kubeconfig secret",
  force: "no forced replacement: changes that need it are replaced by the engine",
};

const HELMRELEASE_UNMAPPED: Record<string, string> = {
  valuesFrom:
    "values from ConfigMaps and Secrets: put plain values into values: or a values file, and let the chart read secrets from an existing Secret fed by a secret source",
  dependsOn: "no ordering between workloads: each is deployed with the environment, in one run",
  install:
    "install options (remediation, CRD policy) have no counterpart: the chart renders as helm.v4.Chart does",
  upgrade:
    "upgrade options (remediation, CRD policy) have no counterpart: a failed deploy is rolled back with `platform rollback`",
  rollback: "use `platform rollback`",
  uninstall: "removing the entry deletes its objects on the next deploy",
  test: "helm tests are not run (hooks are not rendered)",
  postRenderers:
    "no post-renderers: use a kustomize workload over the rendered chart if the chart cannot be configured",
  driftDetection: "drift is detected for every object (drift.mode of the spec)",
  serviceAccountName:
    "tenancy is tenant: (the platform applies and confines the objects), not an impersonated account",
  kubeConfig: "a workload runs on the environment's clusters (clusters:), not through a kubeconfig secret",
  storageNamespace: "no Helm release secrets: the release is the stack's state",
  maxHistory: "deploy history is the stack's history (`platform history`)",
  suspend: "a workload is deployed while it is in the spec: remove it or comment it out to stop",
  timeout: "no per-workload timeout",
};

function note(spec: Record<string, unknown>, table: Record<string, string>, unmapped: Unmapped[]): void {
  for (const [key, why] of Object.entries(table))
    if (spec[key] !== undefined) unmapped.push({ field: `spec.${key}`, why });
}

/** Sources by `Kind/namespace/name` (a reference without namespace means the referrer's), and those named. */
interface Sources {
  byKey: Map<string, Record<string, unknown>>;
  used: Set<Record<string, unknown>>;
}

function sourceKey(kind: string, namespace: string | undefined, name: string): string {
  return `${kind}/${namespace ?? ""}/${name}`;
}

function lookup(
  sources: Sources,
  ref: Record<string, unknown> | undefined,
  ownNamespace: string | undefined,
) {
  const kind = str(ref, "kind") ?? "";
  const name = str(ref, "name") ?? "";
  const namespace = str(ref, "namespace") ?? ownNamespace;
  const source =
    sources.byKey.get(sourceKey(kind, namespace, name)) ??
    sources.byKey.get(sourceKey(kind, undefined, name));
  if (source) sources.used.add(source);
  return { kind, name, source };
}

/** A Flux `Kustomization` as a kustomize (or manifests) entry. */
function mapKustomization(
  k: Record<string, unknown>,
  origin: string,
  ctx: ImportContext,
  sources: Sources,
): ImportedWorkload | { skipped: string } {
  const md = obj(k, "metadata") ?? {};
  const name = str(md, "name") ?? "kustomization";
  const spec = obj(k, "spec") ?? {};
  const unmapped: Unmapped[] = [];
  const ref = lookup(sources, obj(spec, "sourceRef"), str(md, "namespace"));
  if (ref.kind === "OCIRepository" || ref.kind === "Bucket")
    return {
      skipped: `spec.sourceRef is ${ref.kind} ${ref.name}: manifests from an OCI artifact or a bucket have no counterpart; commit them into the repository and import that folder`,
    };
  const gitUrl = str(obj(ref.source, "spec"), "url");
  unmapped.push({
    field: "spec.sourceRef",
    why: `the platform deploys folders of its own repository at the commit being deployed: the path must be in this repository (GitRepository ${ref.name || "(unnamed)"}${gitUrl ? ` at ${gitUrl}` : ""} is not carried over)`,
  });
  if (spec.prune === false)
    unmapped.push({
      field: "spec.prune",
      why: "objects removed from the folder are always deleted on the next deploy (prune cannot be turned off)",
    });
  if (spec.interval !== undefined)
    unmapped.push({
      field: "spec.interval",
      why: "the agent deploys on every change of the repository (and its own resync period), not on a per-object interval",
    });
  note(spec, KUSTOMIZATION_UNMAPPED, unmapped);
  const folder = repoPath(str(spec, "path") ?? ".");
  const kind = ctx.folderKind?.(folder);
  if (kind === "helm")
    unmapped.push({
      field: "spec.path",
      why: `${folder} holds a Chart.yaml, which Flux applies as plain files: imported as manifests; a helm workload would render it`,
    });
  if (kind === undefined)
    unmapped.push({
      field: "spec.path",
      why: `${folder} is not in this repository, so its kind is a guess: kustomize (make it kind: manifests if it holds no kustomization.yaml)`,
    });
  const owner = ownership(str(spec, "targetNamespace"), undefined, ctx, unmapped, {
    namespace: "spec.targetNamespace",
    cluster: "(destination cluster)",
  });
  const entry: WorkloadSpec =
    kind === "manifests" || kind === "helm"
      ? { kind: "manifests", path: folder, ...owner }
      : { kind: "kustomize", path: folder, ...owner };
  return { name: workloadName(name), spec: entry, from: `Kustomization ${name} (${origin})`, unmapped };
}

/** The chart of a HelmRelease: from `spec.chart.spec` and its source, or `spec.chartRef`. */
function releaseChart(
  spec: Record<string, unknown>,
  ownNamespace: string | undefined,
  sources: Sources,
  unmapped: Unmapped[],
): Omit<HelmWorkloadSpec, "clusters"> | string {
  const chartRef = obj(spec, "chartRef");
  if (chartRef) {
    const ref = lookup(sources, chartRef, ownNamespace);
    if (ref.kind !== "OCIRepository")
      return `spec.chartRef is a ${ref.kind} (${ref.name}): only an OCIRepository chart is mapped`;
    if (!ref.source)
      return `spec.chartRef names OCIRepository ${ref.name}, which is not among the imported files: import it with the HelmRelease`;
    const repoSpec = obj(ref.source, "spec") ?? {};
    const tagged = obj(repoSpec, "ref") ?? {};
    const version = exactVersion(str(tagged, "tag"));
    if (version === undefined)
      unmapped.push({
        field: `OCIRepository ${ref.name} spec.ref`,
        why: `${JSON.stringify(tagged)} is not one exact tag: set version: to the chart version deployed now (semver ranges and digests are not pinned versions here)`,
      });
    return { kind: "helm", chart: str(repoSpec, "url") ?? "", version: version ?? str(tagged, "tag") ?? "" };
  }
  const chartSpec = obj(obj(spec, "chart"), "spec") ?? {};
  const chart = str(chartSpec, "chart") ?? "";
  const ref = lookup(sources, obj(chartSpec, "sourceRef"), ownNamespace);
  const rawVersion = str(chartSpec, "version");
  const version = exactVersion(rawVersion);
  for (const key of ["reconcileStrategy", "verify", "interval", "ignoreMissingValuesFiles"])
    if (chartSpec[key] !== undefined)
      unmapped.push({
        field: `spec.chart.spec.${key}`,
        why: "no counterpart: the chart is fetched and rendered by the provider at each deploy",
      });
  if (ref.kind === "GitRepository") {
    const valuesFiles = (Array.isArray(chartSpec.valuesFiles) ? chartSpec.valuesFiles : [])
      .filter((f): f is string => typeof f === "string")
      .map(repoPath);
    unmapped.push({
      field: "spec.chart.spec.sourceRef",
      why: `the chart folder must be in this repository (GitRepository ${ref.name} is not carried over)`,
    });
    return { kind: "helm", path: repoPath(chart), ...(valuesFiles.length ? { valuesFiles } : {}) };
  }
  if (ref.kind !== "HelmRepository")
    return `spec.chart.spec.sourceRef is a ${ref.kind || "(missing kind)"} (${ref.name}): only HelmRepository and GitRepository charts are mapped`;
  if (!ref.source)
    return `spec.chart.spec.sourceRef names HelmRepository ${ref.name}, which is not among the imported files: import it with the HelmRelease`;
  if (version === undefined)
    unmapped.push({
      field: "spec.chart.spec.version",
      why: `"${rawVersion ?? "(none: latest)"}" is not one exact chart version: set version: to the version deployed now (\`flux get helmreleases\` shows it)`,
    });
  if (chartSpec.valuesFiles !== undefined)
    unmapped.push({
      field: "spec.chart.spec.valuesFiles",
      why: "files inside a packaged chart: copy the values into values: or a values file of the repository",
    });
  const repoSpec = obj(ref.source, "spec") ?? {};
  const url = str(repoSpec, "url") ?? "";
  if (repoSpec.secretRef !== undefined)
    unmapped.push({
      field: `HelmRepository ${ref.name} spec.secretRef`,
      why: "registry credentials are the machine's (`helm registry login`), never in the spec",
    });
  const oci = str(repoSpec, "type") === "oci" || url.startsWith("oci://");
  return oci
    ? { kind: "helm", chart: `${url.replace(/\/+$/, "")}/${chart}`, version: version ?? rawVersion ?? "" }
    : { kind: "helm", chart, repo: url, version: version ?? rawVersion ?? "" };
}

/** A Flux `HelmRelease` as a helm entry. */
function mapHelmRelease(
  hr: Record<string, unknown>,
  origin: string,
  ctx: ImportContext,
  sources: Sources,
): ImportedWorkload | { skipped: string } {
  const md = obj(hr, "metadata") ?? {};
  const name = str(md, "name") ?? "helmrelease";
  const spec = obj(hr, "spec") ?? {};
  const unmapped: Unmapped[] = [];
  const chart = releaseChart(spec, str(md, "namespace"), sources, unmapped);
  if (typeof chart === "string") return { skipped: chart };
  if (spec.interval !== undefined)
    unmapped.push({
      field: "spec.interval",
      why: "the agent deploys on every change of the repository, not on a per-object interval",
    });
  note(spec, HELMRELEASE_UNMAPPED, unmapped);
  const values = obj(spec, "values");
  const releaseName = str(spec, "releaseName");
  const owner = ownership(str(spec, "targetNamespace") ?? str(md, "namespace"), undefined, ctx, unmapped, {
    namespace: "spec.targetNamespace",
    cluster: "(destination cluster)",
  });
  const entry: WorkloadSpec = {
    ...chart,
    ...(values ? { values } : {}),
    ...(releaseName !== undefined ? { releaseName } : {}),
    ...owner,
  } as HelmWorkloadSpec;
  return { name: workloadName(name), spec: entry, from: `HelmRelease ${name} (${origin})`, unmapped };
}

const SOURCE_KINDS = ["HelmRepository", "OCIRepository", "GitRepository", "Bucket"];

/** Whether an object is a Flux kind this module reads. */
export function isFlux(o: Record<string, unknown>): boolean {
  const api = typeof o.apiVersion === "string" ? o.apiVersion : "";
  return (
    (api.startsWith("kustomize.toolkit.fluxcd.io/") && o.kind === "Kustomization") ||
    (api.startsWith("helm.toolkit.fluxcd.io/") && o.kind === "HelmRelease") ||
    (api.startsWith("source.toolkit.fluxcd.io/") && SOURCE_KINDS.includes(String(o.kind)))
  );
}

/** Flux objects among `objects` as entries; sources are matched to the objects that name them. */
export function mapFlux(objects: readonly SourceObject[], ctx: ImportContext): ImportResult {
  const sources: Sources = { byKey: new Map(), used: new Set() };
  for (const { object } of objects) {
    if (!SOURCE_KINDS.includes(String(object.kind))) continue;
    const md = obj(object, "metadata") ?? {};
    sources.byKey.set(sourceKey(String(object.kind), str(md, "namespace"), str(md, "name") ?? ""), object);
  }
  const result: ImportResult = { workloads: [], skipped: [] };
  for (const { object, origin } of objects) {
    const mapped =
      object.kind === "Kustomization"
        ? mapKustomization(object, origin, ctx, sources)
        : object.kind === "HelmRelease"
          ? mapHelmRelease(object, origin, ctx, sources)
          : undefined;
    if (mapped === undefined) continue;
    if ("skipped" in mapped)
      result.skipped.push({
        from: `${String(object.kind)} ${str(obj(object, "metadata"), "name") ?? ""} (${origin})`,
        why: mapped.skipped,
      });
    else result.workloads.push(mapped);
  }
  for (const { object, origin } of objects) {
    if (SOURCE_KINDS.includes(String(object.kind)) && !sources.used.has(object))
      result.skipped.push({
        from: `${String(object.kind)} ${str(obj(object, "metadata"), "name") ?? ""} (${origin})`,
        why: "a source no imported HelmRelease or Kustomization names: nothing to deploy from it alone",
      });
  }
  return result;
}
