/**
 * Units (`units:` of the spec, docs/units.md): which unit holds each app and workload, the order
 * units run in, and the checks that refuse a grouping before anything runs. Pure: no I/O.
 */
import type { Finding } from "./problems";
import type { Segment } from "./positions";
import type { PlatformSpec } from "./types";

/** The name of the base unit, whose stack is the environment's own (`<env>`). */
export const BASE_UNIT = "base";

/**
 * The stack outputs the base exports (program/program.ts `PlatformOutputs`, kept in step by
 * program/units.ts), which units may read.
 */
export const BASE_OUTPUTS = [
  "environment",
  "namespaces",
  "apps",
  "clusterEndpoints",
  "databases",
  "buckets",
  "kubeconfigs",
  "appIdentities",
] as const;
export type BaseOutput = (typeof BASE_OUTPUTS)[number];

/**
 * What every unit reads from the base: the tenants' namespaces, the clusters' kubeconfigs and the
 * apps' service-account identities (for the secret stores the base made).
 */
export const ALWAYS_READ: readonly BaseOutput[] = ["namespaces", "kubeconfigs", "appIdentities"];

/** One unit of the plan (never the base). */
export interface Unit {
  name: string;
  /** `group` when `units.groups` names it, `tenant` when it is a tenant's default unit. */
  origin: "group" | "tenant";
  /** Apps it holds, sorted. */
  apps: string[];
  /** Workloads it holds, sorted. */
  workloads: string[];
  /** Units it runs after (never the base, which always runs first), sorted. */
  dependsOn: string[];
  /** Base outputs it reads, {@link ALWAYS_READ} first. */
  baseOutputs: BaseOutput[];
}

/** The split of an environment: what stays in the base and the units, in a dependency order. */
export interface UnitPlan {
  /** Apps and workloads of the base (platform workloads no group takes), sorted. */
  base: { apps: string[]; workloads: string[] };
  /** The units, each after the units it depends on (ties by name). */
  units: Unit[];
}

/** A `units:` grouping that does not hold together; the message lists every problem. */
export class UnitPlanError extends Error {
  constructor(
    message: string,
    readonly findings: Finding[],
  ) {
    super(message);
    this.name = "UnitPlanError";
  }
}

interface Draft {
  origin: Unit["origin"];
  apps: Set<string>;
  workloads: Set<string>;
}

/** The plan of a spec with `units:` and every problem of its grouping (empty when it holds). */
export function planUnits(spec: PlatformSpec): { plan: UnitPlan; findings: Finding[] } {
  const findings: Finding[] = [];
  const add = (segments: Segment[], message: string, at: Finding["at"] = "value") =>
    findings.push({ segments, at, message });
  const units = spec.units ?? {};
  const groups = units.groups ?? {};
  const apps = spec.apps ?? {};
  const workloads = spec.workloads ?? {};
  const drafts = new Map<string, Draft>();
  /** Units something was placed in, or refused from as a duplicate. */
  const attempted = new Set<string>();
  /** Where each app and workload was placed (the first unit and the path that put it there). */
  const placedApp = new Map<string, { unit: string; at: Segment[] }>();
  const placedWorkload = new Map<string, { unit: string; at: Segment[] }>();
  const place = (kind: "app" | "workload", name: string, unit: string, at: Segment[]) => {
    attempted.add(unit);
    const placed = kind === "app" ? placedApp : placedWorkload;
    const first = placed.get(name);
    if (first && first.unit !== unit) {
      add(
        at,
        `${kind} "${name}" is in two units, "${first.unit}" (${first.at.join(".")}) and "${unit}": an ${kind} belongs to exactly one unit; remove it from one of them`,
      );
      return;
    }
    placed.set(name, { unit, at });
    const draft = drafts.get(unit)!;
    (kind === "app" ? draft.apps : draft.workloads).add(name);
  };

  for (const [unit, group] of Object.entries(groups)) {
    const at: Segment[] = ["units", "groups", unit];
    if (unit === BASE_UNIT) {
      add(
        at,
        `"${BASE_UNIT}" is the base unit's name (clusters, tenants, admission, the agent): name this unit otherwise`,
        "key",
      );
      continue;
    }
    drafts.set(unit, { origin: "group", apps: new Set(), workloads: new Set() });
    (group.tenants ?? []).forEach((tenant, i) => {
      if (!spec.tenants[tenant]) {
        add([...at, "tenants", i], unknown("tenant", tenant, Object.keys(spec.tenants)));
        return;
      }
      for (const [name, app] of Object.entries(apps))
        if (app.tenant === tenant) place("app", name, unit, [...at, "tenants", i]);
      for (const [name, workload] of Object.entries(workloads))
        if (workload.tenant === tenant) place("workload", name, unit, [...at, "tenants", i]);
    });
    (group.apps ?? []).forEach((app, i) => {
      if (!apps[app]) add([...at, "apps", i], unknown("app", app, Object.keys(apps)));
      else place("app", app, unit, [...at, "apps", i]);
    });
    (group.workloads ?? []).forEach((workload, i) => {
      if (!workloads[workload])
        add([...at, "workloads", i], unknown("workload", workload, Object.keys(workloads)));
      else place("workload", workload, unit, [...at, "workloads", i]);
    });
    (group.baseOutputs ?? []).forEach((output, i) => {
      if (!(BASE_OUTPUTS as readonly string[]).includes(output))
        add(
          [...at, "baseOutputs", i],
          `the base does not export "${output}"; it exports ${BASE_OUTPUTS.join(", ")}: read one of those or move what you need into the base`,
        );
    });
  }

  // The rest: each tenant's own unit, or (perTenant: false) an error per app and tenant workload.
  const perTenant = units.perTenant ?? true;
  const rest = (kind: "app" | "workload", name: string, tenant: string | undefined) => {
    if (tenant === undefined) return; // a platform workload no group takes stays in the base
    if (!perTenant) {
      add(
        [kind === "app" ? "apps" : "workloads", name],
        `${kind} "${name}" is in no unit (units.perTenant is false): list it, or its tenant "${tenant}", under a group of units.groups`,
        "key",
      );
      return;
    }
    if (drafts.get(tenant)?.origin === "group") {
      add(
        ["units", "groups", tenant],
        `unit "${tenant}" has the name of tenant "${tenant}"'s own unit, which would hold ${kind} "${name}": list the tenant under this group (tenants: [${tenant}]) or name the group otherwise`,
        "key",
      );
      return;
    }
    if (!drafts.has(tenant)) drafts.set(tenant, { origin: "tenant", apps: new Set(), workloads: new Set() });
    place(kind, name, tenant, [kind === "app" ? "apps" : "workloads", name]);
  };
  for (const [name, app] of Object.entries(apps)) if (!placedApp.has(name)) rest("app", name, app.tenant);
  for (const [name, workload] of Object.entries(workloads))
    if (!placedWorkload.has(name)) rest("workload", name, workload.tenant);

  for (const [unit, draft] of drafts) {
    if (draft.origin === "group" && !attempted.has(unit))
      add(
        ["units", "groups", unit],
        `unit "${unit}" holds no app or workload: list some, or remove it`,
        "key",
      );
  }

  // dependsOn: known units, no cycle.
  const names = [...drafts.keys()];
  for (const [unit, group] of Object.entries(groups)) {
    (group.dependsOn ?? []).forEach((dep, i) => {
      if (dep === BASE_UNIT) return; // always true; harmless
      if (!drafts.has(dep)) add(["units", "groups", unit, "dependsOn", i], unknown("unit", dep, names));
    });
  }
  const dependsOn = (unit: string) =>
    [...new Set(groups[unit]?.dependsOn ?? [])].filter((d) => d !== BASE_UNIT && drafts.has(d)).sort();
  const cycle = findCycle(names, dependsOn);
  if (cycle) {
    const [first, second] = cycle;
    add(
      ["units", "groups", first, "dependsOn", (groups[first].dependsOn ?? []).indexOf(second)],
      `units ${cycle.join(" → ")} depend on each other in a cycle: a unit cannot run before itself; remove one of these dependsOn entries`,
    );
  }

  const ordered = cycle ? [...names].sort() : topologicalOrder(names, dependsOn);
  const plan: UnitPlan = {
    base: {
      apps: [],
      workloads: Object.keys(workloads)
        .filter((w) => !placedWorkload.has(w))
        .sort(),
    },
    units: ordered.map((name) => {
      const draft = drafts.get(name)!;
      const extra = (groups[name]?.baseOutputs ?? []).filter(
        (o): o is BaseOutput =>
          (BASE_OUTPUTS as readonly string[]).includes(o) && !ALWAYS_READ.includes(o as BaseOutput),
      );
      return {
        name,
        origin: draft.origin,
        apps: [...draft.apps].sort(),
        workloads: [...draft.workloads].sort(),
        dependsOn: dependsOn(name),
        baseOutputs: [...ALWAYS_READ, ...new Set(extra)],
      };
    }),
  };
  return { plan, findings };
}

/** The plan of a validated spec; throws {@link UnitPlanError} when its grouping does not hold. */
export function unitPlan(spec: PlatformSpec): UnitPlan {
  const { plan, findings } = planUnits(spec);
  if (findings.length)
    throw new UnitPlanError(
      `${spec.environment}: units: ${findings.map((f) => `${f.segments.join(".")}: ${f.message}`).join("; ")}`,
      findings,
    );
  return plan;
}

/** The semantic checks of `units:` (none when the spec has no `units:`). */
export function checkUnits(spec: PlatformSpec): Finding[] {
  return spec.units ? planUnits(spec).findings : [];
}

/** The spec's apps and workloads restricted to those of `holds` (the rest of the spec unchanged). */
export function specHolding(
  spec: PlatformSpec,
  holds: { apps: string[]; workloads: string[] },
): PlatformSpec {
  const pick = <T>(from: Record<string, T> | undefined, names: string[]): Record<string, T> =>
    Object.fromEntries(names.filter((n) => from?.[n] !== undefined).map((n) => [n, from![n]]));
  return { ...spec, apps: pick(spec.apps, holds.apps), workloads: pick(spec.workloads, holds.workloads) };
}

function unknown(what: string, name: string, declared: string[]): string {
  return `unknown ${what} "${name}"; ${declared.length ? `declared: ${declared.join(", ")}` : `none is declared`}`;
}

/** One cycle of the graph as `[a, b, ..., a]`, or undefined. Visits nodes in sorted order. */
export function findCycle(nodes: string[], edges: (node: string) => string[]): string[] | undefined {
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === "done") return undefined;
    if (state.get(node) === "open") return [...stack.slice(stack.indexOf(node)), node];
    state.set(node, "open");
    stack.push(node);
    for (const next of edges(node)) {
      const found = visit(next);
      if (found) return found;
    }
    stack.pop();
    state.set(node, "done");
    return undefined;
  };
  for (const node of [...nodes].sort()) {
    const found = visit(node);
    if (found) return found;
  }
  return undefined;
}

/** The nodes of an acyclic graph, each after its edges' targets (ties by name). */
export function topologicalOrder(nodes: string[], edges: (node: string) => string[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (node: string) => {
    if (seen.has(node)) return;
    seen.add(node);
    for (const next of edges(node)) visit(next);
    out.push(node);
  };
  for (const node of [...nodes].sort()) visit(node);
  return out;
}
