/**
 * Change detection for units (docs/units.md): a fingerprint per unit of what it is built from,
 * and the units whose fingerprint moved between two revisions. Pure: the caller hashes files.
 */
import { createHash } from "crypto";
import { tenantPlacement } from "./tenancy";
import { splitSecretRefs } from "./sops";
import type { AppSpec, PlatformSpec, WorkloadSpec } from "./types";
import { BASE_UNIT, BaseOutput, Unit, unitPlan } from "./units";

/** What one revision of an environment is built from. */
export interface RevisionInputs {
  /** The validated spec (with `units:`). */
  spec: PlatformSpec;
  /**
   * Content hash of the code every unit runs: program/, components/, policies/, model/, the
   * environment's policy config and stack settings. A change runs every unit.
   */
  codeHash: string;
  /**
   * Content hash of each repository path a workload or an app reads ({@link workloadPaths},
   * {@link appPaths}). @default none
   */
  files?: Record<string, string>;
  /** Hash of each base output's value (after the base ran). @default none: not compared */
  baseOutputs?: Partial<Record<BaseOutput, string>>;
}

/** The units to run for a new revision, and why. */
export interface AffectedUnits {
  /** Whether the base runs. */
  base: boolean;
  /** Units to run, in the plan's dependency order. */
  units: string[];
  /** Why each unit (or `base`) that runs does. */
  reasons: Record<string, string>;
  /** Units of the previous revision that the new one no longer has. */
  removed: string[];
}

/** Repository paths a workload reads: its chart folder, values files, overlay or manifests. */
export function workloadPaths(workload: WorkloadSpec): string[] {
  switch (workload.kind) {
    case "helm":
      return [...(workload.path !== undefined ? [workload.path] : []), ...(workload.valuesFiles ?? [])];
    case "kustomize":
    case "manifests":
      return [workload.path];
    default: {
      const unreachable: never = workload;
      throw new Error(`unknown workload kind in ${JSON.stringify(unreachable)}`);
    }
  }
}

/** Repository paths an app reads: the SOPS-encrypted files of its secrets. */
export function appPaths(app: AppSpec): string[] {
  return [...new Set(Object.values(splitSecretRefs(app.secrets).sops).map((ref) => ref.file))].sort();
}

/** JSON with object keys sorted, so equal values give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

function pick<T>(from: Record<string, T> | undefined, names: Iterable<string>): Record<string, T> {
  return Object.fromEntries([...names].filter((n) => from?.[n] !== undefined).map((n) => [n, from![n]]));
}

/**
 * What the base reads of the apps and workloads it does not hold: where each tenant is placed
 * (its namespaces), the optional kinds apps use per cluster (the agent's RBAC) and the apps'
 * store-backed secrets (the stores and identities live in the base; each app's ExternalSecret and
 * SOPS Secret live in its unit).
 */
function baseViewOfUnits(spec: PlatformSpec) {
  const apps = Object.values(spec.apps ?? {});
  return {
    placement: tenantPlacement(spec),
    kinds: Object.fromEntries(
      Object.keys(spec.clusters).map((c) => {
        const on = apps.filter((a) => a.clusters.includes(c));
        return [
          c,
          {
            ingress: on.some((a) => a.ingress !== undefined),
            autoscaling: on.some((a) => a.autoscaling !== undefined),
          },
        ];
      }),
    ),
    // The stores, vault roles and identities the base makes; of SOPS only that there is some
    // (the agent may read `<app>-sops`): the files and keys are the unit's.
    secrets: Object.fromEntries(
      Object.entries(spec.apps ?? {})
        .filter(([, a]) => Object.keys(a.secrets ?? {}).length > 0)
        .map(([n, a]) => {
          const { store, sops } = splitSecretRefs(a.secrets);
          return [n, { tenant: a.tenant, clusters: a.clusters, store, sops: Object.keys(sops).length > 0 }];
        }),
    ),
  };
}

function filesOf(
  workloads: Record<string, WorkloadSpec>,
  files: Record<string, string>,
  apps: Record<string, AppSpec> = {},
) {
  return Object.fromEntries(
    [...Object.values(workloads).flatMap(workloadPaths), ...Object.values(apps).flatMap(appPaths)].map(
      (p) => [p, files[p] ?? "unhashed"],
    ),
  );
}

/** What a unit is built from: its apps and workloads, what they reference, its place in the plan. */
function unitInputs(spec: PlatformSpec, unit: Unit, rev: RevisionInputs) {
  const apps = pick(spec.apps, unit.apps);
  const workloads = pick(spec.workloads, unit.workloads);
  const tenants = new Set<string>();
  const clusters = new Set<string>();
  for (const app of Object.values(apps)) {
    tenants.add(app.tenant);
    (app.allowFrom ?? []).forEach((t) => tenants.add(t));
    [...app.clusters, ...Object.keys(app.overrides ?? {})].forEach((c) => clusters.add(c));
  }
  for (const workload of Object.values(workloads)) {
    if (workload.tenant !== undefined) tenants.add(workload.tenant);
    workload.clusters.forEach((c) => clusters.add(c));
  }
  return {
    environment: spec.environment,
    tier: spec.tier,
    policies: spec.policies ?? {},
    clusters: pick(spec.clusters, clusters),
    tenants: pick(spec.tenants, tenants),
    placement: pick(tenantPlacement(spec), tenants),
    apps,
    workloads,
    files: filesOf(workloads, rev.files ?? {}, apps),
    unit: { dependsOn: unit.dependsOn, baseOutputs: unit.baseOutputs },
    baseOutputs: rev.baseOutputs
      ? Object.fromEntries(unit.baseOutputs.map((o) => [o, rev.baseOutputs?.[o]]))
      : {},
    code: rev.codeHash,
  };
}

/** What the base is built from: the spec without the units' apps and workloads (only what the base reads of them). */
function baseInputs(spec: PlatformSpec, rev: RevisionInputs, baseWorkloads: string[]) {
  const { workloads, ...rest } = { ...spec, units: undefined, apps: undefined };
  const own = pick(workloads, baseWorkloads);
  return {
    ...rest,
    workloads: own,
    derived: baseViewOfUnits(spec),
    files: filesOf(own, rev.files ?? {}),
    code: rev.codeHash,
  };
}

/** The fingerprint of the base (key {@link BASE_UNIT}) and of every unit of a revision. */
export function unitFingerprints(rev: RevisionInputs): Record<string, string> {
  const plan = unitPlan(rev.spec);
  return {
    [BASE_UNIT]: sha256(canonicalJson(baseInputs(rev.spec, rev, plan.base.workloads))),
    ...Object.fromEntries(
      plan.units.map((u) => [u.name, sha256(canonicalJson(unitInputs(rev.spec, u, rev)))]),
    ),
  };
}

/**
 * The units a new revision runs: all of them when there is no previous revision or the code
 * changed; otherwise those whose fingerprint moved, and the units depending on one that runs is
 * not run for that alone (a unit reads only the base's outputs).
 */
export function affectedUnits(previous: RevisionInputs | undefined, next: RevisionInputs): AffectedUnits {
  const plan = unitPlan(next.spec);
  return affectedByFingerprints(
    previous ? unitFingerprints(previous) : undefined,
    unitFingerprints(next),
    plan.units.map((u) => u.name),
    previous !== undefined && previous.codeHash !== next.codeHash,
  );
}

/**
 * {@link affectedUnits} from fingerprints already computed (as stored on each unit's stack):
 * `previous[unit]` undefined means the unit never ran. `order` is the plan's unit order.
 */
export function affectedByFingerprints(
  previous: Record<string, string | undefined> | undefined,
  next: Record<string, string>,
  order: string[],
  codeChanged = false,
): AffectedUnits {
  const reasons: Record<string, string> = {};
  const why = (unit: string): string | undefined => {
    const before = previous?.[unit];
    if (before === undefined) return "never applied";
    if (codeChanged) return "the program, components, policies or model changed";
    if (before !== next[unit]) return "its part of the spec or its files changed";
    return undefined;
  };
  for (const unit of [BASE_UNIT, ...order]) {
    const reason = why(unit);
    if (reason) reasons[unit] = reason;
  }
  return {
    base: BASE_UNIT in reasons,
    units: order.filter((u) => u in reasons),
    reasons,
    removed: Object.keys(previous ?? {})
      .filter((u) => u !== BASE_UNIT && !order.includes(u))
      .sort(),
  };
}
