/**
 * What `platform import` produces from Argo CD and Flux objects: workload entries of the spec,
 * each with where it came from and a line for every field that has no counterpart (and why).
 */
import type { WorkloadSpec } from "../../model/types";
import { EXACT_CHART_VERSION } from "../../model/workloadChecks";

/** A field of the source object that was not carried over, and why. */
export interface Unmapped {
  /** Field path in the source object: `spec.syncPolicy.automated`. */
  field: string;
  why: string;
}

/** One workload entry made from a source object. */
export interface ImportedWorkload {
  /** Key under `workloads:`. */
  name: string;
  spec: WorkloadSpec;
  /** `Application payments-web (argocd/apps.yaml)`. */
  from: string;
  unmapped: Unmapped[];
}

/** A source object that gave no entry (a source for others, or something with no counterpart). */
export interface Skipped {
  from: string;
  why: string;
}

/** What the mappers know about the target environment (to pick tenants and clusters). */
export interface ImportContext {
  /** Declared tenants: a destination namespace named like one makes a tenant workload. @default none */
  tenants?: string[];
  /** Declared clusters: a destination cluster named like one is kept. @default none */
  clusters?: string[];
  /** Whether a repository path is a chart folder, a kustomization or plain manifests. @default unknown */
  folderKind?: (repoPath: string) => "helm" | "kustomize" | "manifests" | undefined;
}

/** A Kubernetes-style object read from a file, with where it was found. */
export interface SourceObject {
  object: Record<string, unknown>;
  /** `argocd/apps.yaml:12`. */
  origin: string;
}

/** The result of mapping a set of source objects. */
export interface ImportResult {
  workloads: ImportedWorkload[];
  skipped: Skipped[];
}

/** A string field of a plain object, or undefined. */
export function str(o: unknown, key: string): string | undefined {
  if (!o || typeof o !== "object") return undefined;
  const v = (o as Record<string, unknown>)[key];
  return typeof v === "string" ? v : undefined;
}

/** An object field of a plain object, or undefined. */
export function obj(o: unknown, key: string): Record<string, unknown> | undefined {
  if (!o || typeof o !== "object") return undefined;
  const v = (o as Record<string, unknown>)[key];
  return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** A workload name from a source object's name: a DNS label (lowercase, `-`, at most 63). */
export function workloadName(name: string): string {
  const label = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 63)
    .replace(/-+$/, "");
  return label || "imported";
}

/** A repository path as the spec writes it: relative, POSIX, no `./`, no trailing `/`. */
export function repoPath(p: string): string {
  const normal = p
    .replace(/\\/g, "/")
    .split("/")
    .filter((s) => s !== "" && s !== ".")
    .join("/");
  return normal || ".";
}

/** The owner and clusters of an entry from its destination namespace and cluster. */
export function ownership(
  namespace: string | undefined,
  cluster: string | undefined,
  ctx: ImportContext,
  unmapped: Unmapped[],
  fields: { namespace: string; cluster: string },
): Pick<WorkloadSpec, "tenant" | "platform" | "namespace" | "clusters"> {
  const declared = ctx.clusters ?? [];
  let clusters: string[];
  if (cluster !== undefined && declared.includes(cluster)) clusters = [cluster];
  else {
    clusters = declared.length > 0 ? [...declared] : ["local"];
    unmapped.push({
      field: fields.cluster,
      why:
        cluster === undefined
          ? `no destination cluster: the entry runs on ${clusters.join(", ")}; narrow clusters: to where it should run`
          : `cluster "${cluster}" is not a cluster of the environment (${declared.join(", ") || "none given: pass --env"}); the entry runs on ${clusters.join(", ")}: set clusters: to the right ones`,
    });
  }
  if (namespace !== undefined && (ctx.tenants ?? []).includes(namespace))
    return { tenant: namespace, clusters };
  if (namespace === undefined)
    unmapped.push({
      field: fields.namespace,
      why: "no destination namespace: a platform workload's objects without one go to default; set namespace:, or tenant: to confine it to a tenant",
    });
  else
    unmapped.push({
      field: fields.namespace,
      why: `namespace "${namespace}" is not a tenant of the environment, so the entry is a platform workload (may create cluster-scoped objects): if a team owns it, declare the tenant and write tenant: instead`,
    });
  return { platform: true, ...(namespace !== undefined ? { namespace } : {}), clusters };
}

/** An exact chart version, or undefined for a range (`1.x`, `>=1.0.0`, `*`). */
export function exactVersion(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  return EXACT_CHART_VERSION.test(v) ? v : undefined;
}
