/**
 * The semantic checks of `workloads:` (Helm charts, Kustomize folders, plain manifests): what the
 * schema cannot say. Pure: paths are checked as text here; whether they exist and stay inside the
 * repository once symlinks are followed is checked where the files are read (program/workloads.ts).
 */
import * as path from "path";
import type { HelmWorkloadSpec, PlatformSpec, WorkloadSpec } from "./types";
import type { Segment } from "./positions";
import type { Finding } from "./problems";

type Add = (segments: Segment[], message: string, at?: Finding["at"]) => void;
/** Reports `name` when it is not among `declared` (the caller's shared reference check). */
type Reference = (what: string, plural: string, name: string, declared: string[], at: Segment[]) => void;

/** An exact semantic version as Helm charts carry (`1.14.5`, `v2.0.0-rc.1`, `1.0.0+build.3`). */
export const EXACT_CHART_VERSION =
  /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

/** Why `version` is not one exact chart version, or undefined when it is. */
export function chartVersionProblem(version: string): string | undefined {
  if (EXACT_CHART_VERSION.test(version)) return undefined;
  const range = /[\^~<>=*|, ]|(^|\.)[xX](\.|$)/.test(version);
  const what = range ? "is a version range" : "is not an exact chart version";
  return `"${version}" ${what}: a deploy must be repeatable, so pin one version as written in the chart's Chart.yaml, e.g. "1.14.5"`;
}

/**
 * Why `p` (a path of the repository as written in the spec) could leave the repository, or
 * undefined when it is a plain relative path. Paths are relative to the repository root, as
 * Flux's `path:` and Argo CD's `source.path` are.
 */
export function repositoryPathProblem(p: string): string | undefined {
  const fix =
    'write it relative to the repository root, e.g. "deploy/charts/web" or "clusters/production/apps"';
  if (p.trim() === "") return `the path is empty: ${fix}`;
  if (path.posix.isAbsolute(p) || path.win32.isAbsolute(p) || p.startsWith("~"))
    return `"${p}" is absolute: the platform only reads files of the repository; ${fix}`;
  if (p.includes("\\")) return `"${p}" has a backslash: use "/" between folders; ${fix}`;
  if (p.split("/").includes("..")) return `"${p}" goes up with "..": it may not leave the repository; ${fix}`;
  return undefined;
}

/** Where the namespaced objects of `workload` land when they name no namespace. */
export function defaultWorkloadNamespace(workload: WorkloadSpec): string {
  return workload.namespace ?? workload.tenant ?? "default";
}

/** Every semantic problem of `spec.workloads`, added through `add`. */
export function checkWorkloads(
  spec: PlatformSpec,
  add: Add,
  reference: Reference,
  looksLikeCredential: (name: string, value: string) => boolean,
): void {
  const tenants = Object.keys(spec.tenants);
  const clusters = Object.keys(spec.clusters);
  for (const [name, workload] of Object.entries(spec.workloads ?? {})) {
    const at: Segment[] = ["workloads", name];
    workload.clusters.forEach((c, i) =>
      reference("cluster", "clusters", c, clusters, [...at, "clusters", i]),
    );
    checkOwner(name, workload, at, add, (t) => reference("tenant", "tenants", t, tenants, [...at, "tenant"]));
    switch (workload.kind) {
      case "helm":
        checkHelm(workload, at, add, looksLikeCredential);
        break;
      case "kustomize":
      case "manifests": {
        const problem = repositoryPathProblem(workload.path);
        if (problem) add([...at, "path"], problem);
        break;
      }
      default: {
        const never: never = workload;
        throw new Error(`unhandled workload kind ${JSON.stringify(never)}`);
      }
    }
  }
}

/** Exactly one of `tenant` and `platform: true`; a tenant workload stays in its tenant's namespace. */
function checkOwner(
  name: string,
  workload: WorkloadSpec,
  at: Segment[],
  add: Add,
  referenceTenant: (tenant: string) => void,
): void {
  if (workload.tenant !== undefined && workload.platform === true) {
    add(
      [...at, "platform"],
      `a workload belongs to a tenant or to the platform, not both: remove platform: true to confine it to tenant "${workload.tenant}", or remove tenant to let the platform team own it`,
    );
  } else if (workload.tenant === undefined && workload.platform !== true) {
    add(
      at,
      `workload "${name}" has no owner: add tenant: <tenant> (its objects stay in that tenant's namespace) or platform: true (owned by the platform team, may create cluster-scoped objects)`,
      "key",
    );
  }
  if (workload.tenant === undefined) return;
  referenceTenant(workload.tenant);
  if (workload.namespace !== undefined && workload.namespace !== workload.tenant) {
    add(
      [...at, "namespace"],
      `a workload of tenant "${workload.tenant}" runs in the tenant's namespace "${workload.tenant}" only: remove namespace (or set it to "${workload.tenant}")`,
    );
  }
}

function checkHelm(
  workload: HelmWorkloadSpec,
  at: Segment[],
  add: Add,
  looksLikeCredential: (name: string, value: string) => boolean,
): void {
  const { chart, path: folder, repo, version } = workload;
  if (chart !== undefined && folder !== undefined) {
    add(
      [...at, "path"],
      "give either chart (a chart of a registry or repository) or path (a chart folder of this repository), not both: remove one of them",
    );
  } else if (chart === undefined && folder === undefined) {
    add(
      at,
      'a helm workload needs its chart: add chart: oci://<registry>/<repo>/<name> with version: "<x.y.z>", chart: <name> with repo: and version:, or path: <chart folder of the repository>',
      "key",
    );
  }
  if (chart !== undefined) {
    const oci = chart.startsWith("oci://");
    if (oci && repo !== undefined)
      add(
        [...at, "repo"],
        `repo is only for a chart name looked up in an http(s) chart repository; "${chart}" already says where it is: remove repo`,
      );
    if (!oci && repo === undefined)
      add(
        [...at, "chart"],
        `"${chart}" is a chart name: add repo: <chart repository URL> (e.g. https://charts.jetstack.io), or write the chart as oci://<registry>/<repo>/${chart}`,
      );
    if (version === undefined)
      add(
        [...at, "chart"],
        'a chart from a registry or repository needs an exact version: add version: "<x.y.z>"',
      );
  } else if (repo !== undefined) {
    add([...at, "repo"], "repo is only for a chart name (chart: <name>): remove repo, or give chart:");
  }
  if (version !== undefined) {
    const problem = chartVersionProblem(version);
    if (problem) add([...at, "version"], problem);
    if (chart === undefined && folder !== undefined)
      add(
        [...at, "version"],
        `a chart folder's version is the one in ${folder}/Chart.yaml: remove version (change it in Chart.yaml)`,
      );
  }
  for (const [key, p] of [
    ["path", folder] as const,
    ...(workload.valuesFiles ?? []).map((f, i) => [i, f] as const),
  ]) {
    if (p === undefined) continue;
    const problem = repositoryPathProblem(p);
    if (problem) add(typeof key === "number" ? [...at, "valuesFiles", key] : [...at, key], problem);
  }
  checkValues(workload.values ?? {}, [...at, "values"], add, looksLikeCredential);
}

/** Values never hold a credential: the same rule as an app's `env`. */
function checkValues(
  values: Record<string, unknown>,
  at: Segment[],
  add: Add,
  looksLikeCredential: (name: string, value: string) => boolean,
): void {
  for (const [key, value] of Object.entries(values)) {
    if (typeof value === "string" && looksLikeCredential(key, value)) {
      add(
        [...at, key],
        `"${key}" looks like a credential; the spec never holds secret values: keep it in a secret source and let the chart read an existing Secret (most charts take existingSecret: <name>)`,
      );
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => {
        if (item && typeof item === "object")
          checkValues(item as Record<string, unknown>, [...at, key, i], add, looksLikeCredential);
      });
    } else if (value && typeof value === "object") {
      checkValues(value as Record<string, unknown>, [...at, key], add, looksLikeCredential);
    }
  }
}
