/**
 * Which platform component a resource belongs to (tenant, app, cluster, cloud), from its URN and
 * the parent chain drift.json records, and the resource list of an environment page: every
 * resource with its state, drifted ones first.
 */
import type { DriftReport } from "./model";
import { urnName } from "../report/model";

export type ComponentFamily = "tenant" | "app" | "workload" | "cluster" | "cloud" | "other";

/** Families in the order a page shows them. */
export const FAMILY_ORDER: ComponentFamily[] = ["tenant", "app", "workload", "cluster", "cloud", "other"];

const FAMILY_OF_TYPE: Record<string, ComponentFamily> = {
  "platform:kubernetes:Tenant": "tenant",
  "platform:vault:TenantSecrets": "tenant",
  "platform:kubernetes:AppSet": "app",
  "platform:kubernetes:App": "app",
  "platform:kubernetes:AppExternalSecret": "app",
  "platform:kubernetes:HelmWorkload": "workload",
  "platform:kubernetes:KustomizeWorkload": "workload",
  "platform:kubernetes:ManifestsWorkload": "workload",
  "platform:aws:EksCluster": "cluster",
  "platform:gcp:GkeCluster": "cluster",
  "platform:kubernetes:AdmissionPolicies": "cluster",
  "platform:kubernetes:ExternalSecretsOperator": "cluster",
  "platform:kubernetes:LocalExternalSecretsCrds": "cluster",
  "platform:kubernetes:SecretStore": "cluster",
  "platform:kubernetes:DriftAgent": "cluster",
  "pulumi:providers:kubernetes": "cluster",
};

/** The family of a component's type token. */
export function familyOf(type: string): ComponentFamily {
  const known = FAMILY_OF_TYPE[type];
  if (known) return known;
  if (/^(platform|pulumi:providers):(aws|gcp|vault)\b/.test(type)) return "cloud";
  return "other";
}

/** The type chain of a URN: `urn:pulumi:s::p::A$B$C::name` → `[A, B, C]`. */
export function typeChain(urn: string): string[] {
  const parts = urn.split("::");
  return (parts[2] ?? "").split("$").filter(Boolean);
}

/** The component a resource belongs to: its top-most ancestor below the stack. */
export interface ComponentRef {
  family: ComponentFamily;
  /** The top component's type token, e.g. `platform:kubernetes:AppSet`. */
  type: string;
  /** Its logical name, e.g. `checkout`; the type's last segment when the parent chain is unknown. */
  name: string;
}

/**
 * The component of `urn`. With the parent map (URN → parent URN) the top-most ancestor below the
 * stack names it; without one, the first type of the URN's chain gives the family.
 */
export function componentOf(urn: string, parents: ReadonlyMap<string, string | undefined>): ComponentRef {
  let top = urn;
  const seen = new Set<string>();
  for (;;) {
    const parent = parents.get(top);
    if (!parent || parent.includes("::pulumi:pulumi:Stack::") || seen.has(parent)) break;
    seen.add(top);
    top = parent;
  }
  const chain = typeChain(top);
  if (!parents.get(urn) && chain.length > 1) {
    const type = chain[0];
    return { family: familyOf(type), type, name: type.slice(type.lastIndexOf(":") + 1) };
  }
  const type = chain[chain.length - 1] ?? "";
  return { family: familyOf(type), type, name: urnName(top) };
}

/** A resource's state on the environment page. */
export type ResourceState = "modified" | "deleted" | "pending" | "in sync";

/** One row of an environment page's resource list. */
export interface ResourceRow {
  urn: string;
  type: string;
  name: string;
  component: ComponentRef;
  state: ResourceState;
  /** The pending code change's op, when there is one. */
  pendingOp?: string;
}

/** One component with its resources, drifted first. */
export interface ComponentGroup {
  component: ComponentRef;
  rows: ResourceRow[];
  drifted: number;
}

const STATE_RANK: Record<ResourceState, number> = { deleted: 0, modified: 1, pending: 2, "in sync": 3 };

/**
 * Every resource of a drift report (its `resources`, plus any drifted or pending one it lacks),
 * with its state and component, grouped by component: families in {@link FAMILY_ORDER}, drifted
 * components first within a family, drifted resources first within a component.
 */
export function groupResources(report: DriftReport): ComponentGroup[] {
  const parents = new Map<string, string | undefined>();
  for (const r of report.resources ?? []) parents.set(r.urn, r.parent);
  const drift = new Map(report.drift.map((d) => [d.urn, d]));
  const pending = new Map(report.pendingChanges.map((p) => [p.urn, p]));
  const all = new Map<string, { type: string; name: string }>();
  for (const r of [...(report.resources ?? []), ...report.drift, ...report.pendingChanges]) {
    if (r.type === "pulumi:pulumi:Stack" || all.has(r.urn)) continue;
    all.set(r.urn, { type: r.type, name: r.name });
  }
  const groups = new Map<string, ComponentGroup>();
  for (const [urn, r] of all) {
    const component = componentOf(urn, parents);
    const d = drift.get(urn);
    const p = pending.get(urn);
    const state: ResourceState = d ? d.change : p ? "pending" : "in sync";
    const row: ResourceRow = { urn, type: r.type, name: r.name, component, state };
    if (p) row.pendingOp = p.op;
    const key = `${component.family}\u0000${component.type}\u0000${component.name}`;
    const group = groups.get(key) ?? { component, rows: [], drifted: 0 };
    group.rows.push(row);
    if (d) group.drifted++;
    groups.set(key, group);
  }
  for (const g of groups.values())
    g.rows.sort((a, b) => STATE_RANK[a.state] - STATE_RANK[b.state] || a.name.localeCompare(b.name));
  return [...groups.values()].sort(
    (a, b) =>
      FAMILY_ORDER.indexOf(a.component.family) - FAMILY_ORDER.indexOf(b.component.family) ||
      Number(b.drifted > 0) - Number(a.drifted > 0) ||
      a.component.name.localeCompare(b.component.name),
  );
}
