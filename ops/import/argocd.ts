/**
 * Argo CD `Application` and `ApplicationSet` (argoproj.io/v1alpha1) as workload entries. A source
 * with `chart:` is a helm chart of a registry or repository; a source with `path:` is a folder of
 * this repository (a chart, a kustomization or manifests, as Argo CD itself decides from the files,
 * or from the `helm:`/`kustomize:`/`directory:` block when the folder is not here). An
 * ApplicationSet's `list` generator is expanded; fan-out over clusters is the entry's `clusters:`.
 */
import type { HelmWorkloadSpec, WorkloadSpec } from "../../model/types";
import { parse } from "yaml";
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

/** Fields of an Application's spec with no counterpart, and why. */
const APPLICATION_UNMAPPED: Record<string, string> = {
  project:
    "Argo CD projects have no counterpart: a tenant workload is confined to its tenant's namespace, a platform workload is the platform team's",
  syncPolicy:
    "the platform's agent deploys every change of the repository and puts drift back by drift.mode; there is no per-workload sync policy",
  ignoreDifferences: "list the fields under drift.ignore of the spec instead",
  revisionHistoryLimit: "deploy history is the stack's history (`platform history`)",
  info: "informational links have no counterpart",
};

/** `registry.acme.io/charts` + `web` → `oci://registry.acme.io/charts/web` (Argo CD's OCI form). */
function ociChart(repoURL: string, chart: string): string {
  const base = repoURL.replace(/^oci:\/\//, "").replace(/\/+$/, "");
  return `oci://${base}/${chart}`;
}

/** Helm values of a source: `valuesObject`, else `values` (a YAML string), then `parameters` set by dotted name. */
function helmValues(
  helm: Record<string, unknown>,
  at: string,
  unmapped: Unmapped[],
): Record<string, unknown> | undefined {
  let values: Record<string, unknown> | undefined = obj(helm, "valuesObject");
  const text = str(helm, "values");
  if (!values && text !== undefined) {
    try {
      const parsed: unknown = parse(text);
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed))
        values = parsed as Record<string, unknown>;
    } catch (err) {
      unmapped.push({
        field: `${at}.helm.values`,
        why: `not valid YAML (${(err as Error).message.split("\n")[0]}): copy the values by hand`,
      });
    }
  }
  const parameters = Array.isArray(helm.parameters) ? helm.parameters : [];
  for (const [i, p] of parameters.entries()) {
    const name = str(p, "name");
    const value = str(p, "value");
    if (name === undefined || value === undefined || /[[\]\\]/.test(name)) {
      unmapped.push({
        field: `${at}.helm.parameters[${i}]`,
        why: "not a plain dotted name and value: copy it into values: by hand",
      });
      continue;
    }
    values ??= {};
    let node = values;
    const keys = name.split(".");
    for (const key of keys.slice(0, -1)) {
      const next = node[key];
      node =
        next && typeof next === "object" && !Array.isArray(next)
          ? (next as Record<string, unknown>)
          : (node[key] = {});
    }
    node[keys[keys.length - 1]] = value;
  }
  return values;
}

/** One source of an Application as a workload spec (without owner and clusters). */
function mapSource(
  source: Record<string, unknown>,
  at: string,
  ctx: ImportContext,
  unmapped: Unmapped[],
): Omit<WorkloadSpec, "clusters"> | undefined {
  const repoURL = str(source, "repoURL") ?? "";
  const chart = str(source, "chart");
  const revision = str(source, "targetRevision");
  const helm = obj(source, "helm");
  if (str(source, "ref") !== undefined && str(source, "path") === undefined && chart === undefined) {
    unmapped.push({
      field: at,
      why: "a values-only source (ref:): its files are named by another source's $ref/ paths; copy them into the repository and list them under valuesFiles",
    });
    return undefined;
  }
  if (chart !== undefined) {
    const version = exactVersion(revision);
    if (version === undefined)
      unmapped.push({
        field: `${at}.targetRevision`,
        why: `"${revision ?? "(none)"}" is not one exact chart version: set version: to the version deployed now (the platform pins exact versions)`,
      });
    const spec: Omit<HelmWorkloadSpec, "clusters"> = /^https?:\/\//.test(repoURL)
      ? { kind: "helm", chart, repo: repoURL, version: version ?? revision ?? "" }
      : { kind: "helm", chart: ociChart(repoURL, chart), version: version ?? revision ?? "" };
    return withHelmOptions(spec, helm, at, undefined, unmapped);
  }
  const p = str(source, "path");
  if (p === undefined) {
    unmapped.push({ field: at, why: "neither chart nor path: nothing to deploy" });
    return undefined;
  }
  const folder = repoPath(p);
  unmapped.push({
    field: `${at}.repoURL`,
    why: `the platform deploys folders of its own repository at the commit being deployed: ${folder} must be in this repository (repoURL ${repoURL || "(none)"} and targetRevision ${revision ?? "HEAD"} are not carried over)`,
  });
  const kind =
    ctx.folderKind?.(folder) ??
    (helm
      ? "helm"
      : obj(source, "kustomize")
        ? "kustomize"
        : obj(source, "directory")
          ? "manifests"
          : undefined);
  if (obj(source, "kustomize"))
    unmapped.push({
      field: `${at}.kustomize`,
      why: "write these options (namePrefix, images, patches, ...) into the folder's kustomization.yaml",
    });
  const directory = obj(source, "directory");
  if (
    directory &&
    (directory.include !== undefined || directory.exclude !== undefined || directory.jsonnet !== undefined)
  )
    unmapped.push({
      field: `${at}.directory`,
      why: "include/exclude/jsonnet have no counterpart: a manifests workload reads every YAML file of the folder, recursively",
    });
  switch (kind) {
    case "helm":
      return withHelmOptions({ kind: "helm", path: folder }, helm, at, folder, unmapped);
    case "kustomize":
      return { kind: "kustomize", path: folder };
    case "manifests":
      return { kind: "manifests", path: folder };
    case undefined:
      unmapped.push({
        field: `${at}.path`,
        why: `${folder} is not in this repository, so its kind is a guess: manifests (make it kind: helm or kustomize if it holds Chart.yaml or kustomization.yaml)`,
      });
      return { kind: "manifests", path: folder };
    default: {
      const never: never = kind;
      throw new Error(`unhandled folder kind ${String(never)}`);
    }
  }
}

/** Release name, values and values files of a source's `helm:` block. */
function withHelmOptions(
  spec: Omit<HelmWorkloadSpec, "clusters">,
  helm: Record<string, unknown> | undefined,
  at: string,
  folder: string | undefined,
  unmapped: Unmapped[],
): Omit<HelmWorkloadSpec, "clusters"> {
  if (!helm) return spec;
  const out = { ...spec };
  const releaseName = str(helm, "releaseName");
  if (releaseName !== undefined) out.releaseName = releaseName;
  const values = helmValues(helm, at, unmapped);
  if (values !== undefined) out.values = values;
  const files = (Array.isArray(helm.valueFiles) ? helm.valueFiles : []).filter(
    (f): f is string => typeof f === "string",
  );
  const valuesFiles: string[] = [];
  for (const f of files) {
    if (f.startsWith("$") || /^https?:\/\//.test(f) || folder === undefined)
      unmapped.push({
        field: `${at}.helm.valueFiles`,
        why: `"${f}" is ${folder === undefined ? "a file beside a remote chart" : "in another source or URL"}: copy it into the repository and list it under valuesFiles`,
      });
    else valuesFiles.push(repoPath(`${folder}/${f}`));
  }
  if (valuesFiles.length) out.valuesFiles = valuesFiles;
  for (const key of [
    "fileParameters",
    "passCredentials",
    "skipCrds",
    "ignoreMissingValueFiles",
    "version",
    "kubeVersion",
    "apiVersions",
    "namespace",
  ])
    if (helm[key] !== undefined)
      unmapped.push({
        field: `${at}.helm.${key}`,
        why: "no counterpart in a helm workload (it renders as helm.v4.Chart does: CRDs included, no hooks)",
      });
  return out;
}

/** One Application as one entry per source. */
export function mapApplication(
  app: Record<string, unknown>,
  origin: string,
  ctx: ImportContext,
): ImportedWorkload[] {
  const name = str(obj(app, "metadata"), "name") ?? "application";
  const spec = obj(app, "spec") ?? {};
  const from = `Application ${name} (${origin})`;
  const common: Unmapped[] = [];
  for (const [key, why] of Object.entries(APPLICATION_UNMAPPED))
    if (spec[key] !== undefined) common.push({ field: `spec.${key}`, why });
  const destination = obj(spec, "destination") ?? {};
  const cluster =
    str(destination, "name") ??
    (str(destination, "server") === "https://kubernetes.default.svc"
      ? "in-cluster"
      : str(destination, "server"));
  const owner = ownership(str(destination, "namespace"), cluster, ctx, common, {
    namespace: "spec.destination.namespace",
    cluster: "spec.destination",
  });
  const sources: [Record<string, unknown>, string][] = Array.isArray(spec.sources)
    ? (spec.sources as unknown[]).flatMap((s, i) =>
        s && typeof s === "object"
          ? [[s as Record<string, unknown>, `spec.sources[${i}]`] as [Record<string, unknown>, string]]
          : [],
      )
    : obj(spec, "source")
      ? [[obj(spec, "source")!, "spec.source"]]
      : [];
  const out: ImportedWorkload[] = [];
  const leftover: Unmapped[] = [];
  // a values-only source (ref:) gives no entry: only the others are numbered
  const deployable = sources.filter(
    ([s]) => str(s, "chart") !== undefined || str(s, "path") !== undefined,
  ).length;
  for (const [source, at] of sources) {
    const unmapped: Unmapped[] = [];
    const mapped = mapSource(source, at, ctx, unmapped);
    if (!mapped) {
      leftover.push(...unmapped);
      continue;
    }
    const entryName = workloadName(deployable > 1 ? `${name}-${out.length + 1}` : name);
    out.push({
      name: entryName,
      spec: { ...mapped, ...owner } as WorkloadSpec,
      from,
      unmapped: [...common, ...unmapped],
    });
  }
  if (out.length > 0) out[0].unmapped.push(...leftover);
  return out;
}

/** `{{name}}`, `{{ .name }}`, `{{values.x}}` in every string of `template`, from one list element. */
function substitute(template: unknown, params: Record<string, unknown>): unknown {
  if (typeof template === "string")
    return template.replace(/\{\{\s*\.?([A-Za-z0-9_.-]+)\s*\}\}/g, (whole, key: string) => {
      const value = key
        .split(".")
        .reduce<unknown>(
          (o, k) => (o && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined),
          params,
        );
      return value === undefined ? whole : String(value);
    });
  if (Array.isArray(template)) return template.map((t) => substitute(t, params));
  if (template && typeof template === "object")
    return Object.fromEntries(Object.entries(template).map(([k, v]) => [k, substitute(v, params)]));
  return template;
}

/** An ApplicationSet: its `list` generator expanded into Applications; a `clusters` generator is the entry's clusters. */
export function mapApplicationSet(
  set: Record<string, unknown>,
  origin: string,
  ctx: ImportContext,
): ImportResult {
  const name = str(obj(set, "metadata"), "name") ?? "applicationset";
  const from = `ApplicationSet ${name} (${origin})`;
  const spec = obj(set, "spec") ?? {};
  const template = obj(spec, "template");
  const generators = Array.isArray(spec.generators) ? (spec.generators as Record<string, unknown>[]) : [];
  if (!template) return { workloads: [], skipped: [{ from, why: "no spec.template: nothing to import" }] };
  const result: ImportResult = { workloads: [], skipped: [] };
  for (const [i, generator] of generators.entries()) {
    const kind = Object.keys(generator ?? {}).find((k) => k !== "selector") ?? "(none)";
    if (kind === "list") {
      const elements = Array.isArray(obj(generator, "list")?.elements)
        ? (obj(generator, "list")!.elements as unknown[])
        : [];
      for (const element of elements) {
        const app = {
          apiVersion: "argoproj.io/v1alpha1",
          kind: "Application",
          ...(substitute(template, (element ?? {}) as Record<string, unknown>) as object),
        };
        for (const w of mapApplication(app, origin, ctx))
          result.workloads.push({ ...w, from: `${from}, list element` });
      }
    } else if (kind === "clusters") {
      const app = {
        apiVersion: "argoproj.io/v1alpha1",
        kind: "Application",
        ...(substitute(template, { name: "cluster", server: "cluster" }) as object),
      };
      const all = ctx.clusters?.length ? ctx.clusters : ["local"];
      for (const w of mapApplication(app, origin, { ...ctx, clusters: all })) {
        w.spec.clusters = [...all];
        w.unmapped = w.unmapped.filter((u) => u.field !== "spec.destination");
        w.unmapped.push({
          field: `spec.generators[${i}].clusters`,
          why: `fan-out over clusters is the entry's clusters: (${all.join(", ")}); cluster-specific template values ({{name}}, {{server}}) are not carried over`,
        });
        result.workloads.push({ ...w, from });
      }
    } else {
      result.skipped.push({
        from,
        why: `spec.generators[${i}] is a ${kind} generator, which has no counterpart (only list and clusters are mapped): write one entry per application it generates`,
      });
    }
  }
  if (generators.length === 0) result.skipped.push({ from, why: "no generators: nothing to import" });
  return result;
}

/** Whether an object is an Argo CD kind this module maps. */
export function isArgoCd(o: Record<string, unknown>): boolean {
  return (
    typeof o.apiVersion === "string" &&
    o.apiVersion.startsWith("argoproj.io/") &&
    (o.kind === "Application" || o.kind === "ApplicationSet")
  );
}

/** Argo CD objects among `objects` as entries. */
export function mapArgoCd(objects: readonly SourceObject[], ctx: ImportContext): ImportResult {
  const result: ImportResult = { workloads: [], skipped: [] };
  for (const { object, origin } of objects) {
    if (object.kind === "Application") result.workloads.push(...mapApplication(object, origin, ctx));
    else if (object.kind === "ApplicationSet") {
      const r = mapApplicationSet(object, origin, ctx);
      result.workloads.push(...r.workloads);
      result.skipped.push(...r.skipped);
    }
  }
  return result;
}
