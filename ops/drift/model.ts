/**
 * The drift report: what changed out of band (live world vs state, from a preview-only refresh)
 * and, kept apart, what the code would change (code vs state, from a preview). Built from two
 * {@link ChangeModel}s of the shared report model; values are already masked (`[secret]`).
 *
 * `drift.json` is this object. Its schema is versioned by {@link DRIFT_SCHEMA_VERSION}; a change
 * that removes or renames a field bumps it, adding an optional field does not.
 */
import * as path from "path";
import { CHANGE_OPS, ChangeModel, clusterOfProvider, ResourceChange } from "../report/model";
import type { DriftIgnoreRule } from "../../model/types";
import { applyIgnoreRules } from "./ignore";

/** Version of the `drift.json` schema (see docs/drift.md). */
export const DRIFT_SCHEMA_VERSION = 1;

/** `in-sync`: live = state; `drifted`: something changed out of band; `unknown`: live state not read. */
export type DriftStatus = "in-sync" | "drifted" | "unknown";

/** Where `platform drift <env>` writes its reports by default: `$PLATFORM_HOME/reports/<env>`. */
export function defaultReportDir(home: string, env: string): string {
  return path.join(home, "reports", env);
}

/** Exit codes of `platform drift`. */
export const EXIT = { inSync: 0, error: 1, usage: 2, drifted: 4 } as const;

/** One property that differs between state and the live world. */
export interface DriftedProperty {
  /** Pulumi property path, e.g. `spec.replicas`, `metadata.labels["team"]`. */
  path: string;
  kind: "add" | "delete" | "update" | "replace";
  /** Value recorded in state (absent when the live side added it). `[secret]` for secrets. */
  state?: unknown;
  /** Value in the live world (absent when removed there). `[secret]` for secrets. */
  live?: unknown;
}

/** A resource changed out of band. */
export interface DriftedResource {
  urn: string;
  type: string;
  name: string;
  /** The cluster it lives on (spec key), part of its identity; absent when on none. */
  cluster?: string;
  /** `modified`: properties differ; `deleted`: it no longer exists in the live world. */
  change: "modified" | "deleted";
  properties: DriftedProperty[];
  /** The unit whose stack holds it (`base` for the environment's own stack); absent without `units:`. */
  unit?: string;
}

/** A resource the code (platform.yaml, components) would change: not drift, a pending deploy. */
export interface PendingChange {
  urn: string;
  type: string;
  name: string;
  /** The cluster it lives on (spec key); absent when on none or several. */
  cluster?: string;
  /** Engine op: create, update, delete, replace, ... */
  op: string;
  properties: { path: string; kind: string; state?: unknown; desired?: unknown }[];
  /** The unit whose stack holds it; absent without `units:`. */
  unit?: string;
}

/** A resource the refresh read (drifted or not), with the component it belongs to. */
export interface ResourceEntry {
  urn: string;
  type: string;
  name: string;
  /** The parent's URN (absent for a resource directly under the stack). */
  parent?: string;
  /** The unit whose stack holds it; absent without `units:`. */
  unit?: string;
}

/** The stack's last update, from `stack.history(1)` and the stack tags. */
export interface LastUpdate {
  time?: string;
  kind?: string;
  result?: string;
  message?: string;
  commit?: string;
  author?: string;
}

/** What `--remediate` / `--accept` / `drift.mode: remediate` did. */
export interface RemediationOutcome {
  action: "remediate" | "accept";
  /** `applied`: done; `refused`: gating said no (see reasons); `failed`: the engine failed. */
  result: "applied" | "refused" | "failed";
  reasons: string[];
  /** For `accept`: the spec edits a PR needs so the code matches the accepted live values. */
  specEdits?: string[];
}

/** The drift of one cluster: its status is its own, never another cluster's. */
export interface ClusterDrift {
  /** `unknown` when its resources were not all read (unreachable, a read failed, not finished). */
  status: DriftStatus;
  /** Resources of this cluster in the refresh. */
  resources: number;
  drifted: number;
  /** Why it is `unknown`: the errors about its own resources. */
  errors: string[];
}

/** The whole report (drift.json). */
export interface DriftReport {
  schemaVersion: typeof DRIFT_SCHEMA_VERSION;
  environment: string;
  status: DriftStatus;
  /** ISO time the report was made. */
  generatedAt: string;
  durationSeconds: number;
  lastUpdate?: LastUpdate;
  /** `ignored`: properties that differed only where a `drift.ignore` rule says (not drift, not remediated). */
  counts: {
    resources: number;
    drifted: number;
    modified: number;
    deleted: number;
    pending: number;
    ignored?: number;
  };
  drift: DriftedResource[];
  pendingChanges: PendingChange[];
  /**
   * Every resource the refresh read, drifted or not, with its parent (optional: reports written
   * before it have none). The dashboard groups resources by component from it.
   */
  resources?: ResourceEntry[];
  /**
   * Per Kubernetes cluster (spec key): its own status. One unreachable cluster makes only its own
   * entry `unknown`; the top-level `status` is the worst of them and of the errors of no cluster.
   */
  clusters?: Record<string, ClusterDrift>;
  /** Why the status is `unknown` (errors from the engine, provider or cluster). */
  errors: string[];
  warnings: string[];
  /**
   * Operations an interrupted update left in the checkpoint (absent when it could not be read).
   * While there are any, remediation is refused and `platform recover <env>` must run first.
   */
  pendingOperations?: number;
  remediation?: RemediationOutcome;
  /**
   * A units environment (docs/units.md): the base's and each unit's own summary, base first then
   * the plan's order. Absent without `units:`. The top-level fields are the sum (counts) and the
   * worst (status) of them; each drift, pending and resource row names its unit.
   */
  units?: UnitDrift[];
}

/** One stack of a units environment in a drift report. */
export interface UnitDrift {
  /** `base` or the unit's name. */
  unit: string;
  /** Its stack: `<env>` for the base, `<env>.<unit>`. */
  stack: string;
  status: DriftStatus;
  counts: DriftReport["counts"];
  /** Why its status is unknown. */
  errors: string[];
  /** What remediation or accept did to this stack; absent when it was not touched. */
  remediation?: RemediationOutcome;
}

/** Warnings that are noise for a drift report (the pinned provider is found on PATH on purpose). */
const NOISE = [/using pulumi-resource-\S+ from \$PATH/];

/** Diagnostics that mean the live world was not read, even when the engine finished. */
const UNREADABLE = [/cluster is unreachable/i, /unauthorized|forbidden|credentials/i, /connection refused/i];

/** `message (3 resources: a, b, c)`, listing at most three names. */
function withResources(message: string, names: string[]): string {
  if (!names.length) return message;
  const shown = names.slice(0, 3).join(", ") + (names.length > 3 ? ", ..." : "");
  return `${message} (${names.length} resource(s): ${shown})`;
}

function drifted(r: ResourceChange): DriftedResource {
  return {
    urn: r.urn,
    type: r.type,
    name: r.name,
    ...(r.cluster ? { cluster: r.cluster } : {}),
    change: r.op === "delete" ? "deleted" : "modified",
    properties: r.properties.map((p) => ({ path: p.path, kind: p.kind, state: p.before, live: p.after })),
  };
}

function pending(r: ResourceChange): PendingChange {
  return {
    urn: r.urn,
    type: r.type,
    name: r.name,
    ...(r.cluster ? { cluster: r.cluster } : {}),
    op: r.op,
    properties: r.properties.map((p) => ({ path: p.path, kind: p.kind, state: p.before, desired: p.after })),
  };
}

/** Inputs of {@link buildDriftReport}. */
export interface DriftFacts {
  environment: string;
  /** Events of the preview-only refresh, collected; undefined when it could not run. */
  refresh?: ChangeModel;
  /** Events of the code preview, collected; undefined when it could not run. */
  preview?: ChangeModel;
  /** Errors met on the way (engine exceptions, ...), already free of secrets. */
  errors?: string[];
  lastUpdate?: LastUpdate;
  /** Pending operations in the checkpoint (an interrupted update); undefined when not read. */
  pendingOperations?: number;
  /** The spec's `drift.ignore` rules. @default none */
  ignoreRules?: readonly DriftIgnoreRule[];
  now?: Date;
  durationSeconds?: number;
  /** The environment's Kubernetes clusters (spec keys), listed even when none of theirs was read. @default those seen */
  clusters?: string[];
}

/**
 * Builds the report. The status is `unknown` whenever the live world was not fully read: an error,
 * a refresh that did not finish (no summary), a failed step, a resource left in op `refresh`, or a
 * diagnostic saying the cluster was unreachable. Never `in-sync` by default.
 */
export function buildDriftReport(facts: DriftFacts): DriftReport {
  const errors = [...(facts.errors ?? [])];
  const warnings: string[] = [];
  const grouped = new Map<string, string[]>();
  const clusterOf = clusterIndex([facts.refresh, facts.preview]);
  const byCluster = new Map<string, string[]>();
  const blame = (urn: string | undefined, message: string) => {
    const cluster = urn ? clusterOf(urn) : undefined;
    if (cluster) byCluster.set(cluster, [...(byCluster.get(cluster) ?? []), message]);
  };
  for (const model of [facts.refresh, facts.preview]) {
    for (const d of model?.diagnostics ?? []) {
      if (NOISE.some((re) => re.test(d.message))) continue;
      if (
        d.severity === "error" ||
        (model === facts.refresh && UNREADABLE.some((re) => re.test(d.message)))
      ) {
        const names = grouped.get(d.message) ?? [];
        if (d.urn) names.push(d.urn.slice(d.urn.lastIndexOf("::") + 2));
        grouped.set(d.message, names);
        blame(d.urn, d.message);
      } else warnings.push(d.urn ? `${d.urn.slice(d.urn.lastIndexOf("::") + 2)}: ${d.message}` : d.message);
    }
  }
  for (const [message, names] of grouped) errors.push(withResources(message, [...new Set(names)]));
  const refresh = facts.refresh;
  if (!refresh) errors.push("the preview-only refresh did not run");
  else {
    if (!refresh.summary) errors.push("the preview-only refresh did not finish (no summary event)");
    for (const urn of refresh.failed) {
      errors.push(`reading ${urn} failed`);
      blame(urn, `reading ${urn} failed`);
    }
    const unreadResources = refresh.resources.filter((r) => r.op === "refresh");
    const unread = unreadResources.length;
    if (unread) errors.push(`${unread} resource(s) were never read back from the live world`);
    for (const r of unreadResources) blame(r.urn, `${r.name} was never read back from the live world`);
  }
  if (!facts.preview) errors.push("the code preview did not run");
  else if (!facts.preview.summary) errors.push("the code preview did not finish (no summary event)");

  const rules = facts.ignoreRules ?? [];
  const seen = refresh?.resources ?? [];
  const ignored = applyIgnoreRules(
    seen.filter((r) => CHANGE_OPS.has(r.op)),
    seen,
    rules,
  );
  const drift = ignored.kept.map(drifted);
  const codeSide = applyIgnoreRules(
    (facts.preview?.resources ?? []).filter((r) => CHANGE_OPS.has(r.op)),
    [],
    rules,
  );
  const pendingChanges = codeSide.kept.map(pending);
  // Only a refresh that read the resources can say a rule matches nothing.
  if (refresh?.summary && seen.length) warnings.push(...ignored.unmatched);
  if (facts.pendingOperations)
    warnings.push(
      `the last update was interrupted: ${facts.pendingOperations} operation(s) never finished; nothing is remediated until \`platform recover ${facts.environment}\` resolves them`,
    );
  const unique = [...new Set(errors)];
  const status: DriftStatus = unique.length ? "unknown" : drift.length ? "drifted" : "in-sync";
  const clusters = perCluster(facts, drift, byCluster);
  return {
    schemaVersion: DRIFT_SCHEMA_VERSION,
    environment: facts.environment,
    status,
    generatedAt: (facts.now ?? new Date()).toISOString(),
    durationSeconds: facts.durationSeconds ?? 0,
    lastUpdate: facts.lastUpdate,
    counts: {
      resources: refresh?.resources.length ?? 0,
      drifted: drift.length,
      modified: drift.filter((d) => d.change === "modified").length,
      deleted: drift.filter((d) => d.change === "deleted").length,
      pending: pendingChanges.length,
      ignored: ignored.ignoredProperties,
    },
    drift,
    pendingChanges,
    resources: (refresh?.resources ?? []).map((r) => ({
      urn: r.urn,
      type: r.type,
      name: r.name,
      ...(r.parent ? { parent: r.parent } : {}),
    })),
    clusters,
    errors: unique,
    warnings: [...new Set(warnings)],
    ...(facts.pendingOperations !== undefined ? { pendingOperations: facts.pendingOperations } : {}),
  };
}

/** A lookup of each URN's cluster: from the collected models, else a Kubernetes provider's own URN. */
function clusterIndex(models: Array<ChangeModel | undefined>): (urn: string) => string | undefined {
  const known = new Map<string, string>();
  for (const m of models) for (const r of m?.resources ?? []) if (r.cluster) known.set(r.urn, r.cluster);
  return (urn) => known.get(urn) ?? clusterOfProvider(`${urn}::`);
}

/**
 * Each cluster's own status: `unknown` when the refresh did not run, when it read none of the
 * cluster's resources, or when an error names one of them; else drifted or in sync by its own
 * drift. Errors of no cluster (an engine failure) only reach the top-level status.
 */
function perCluster(
  facts: DriftFacts,
  drift: DriftedResource[],
  byCluster: Map<string, string[]>,
): Record<string, ClusterDrift> {
  const refresh = facts.refresh;
  const names = new Set(facts.clusters ?? []);
  for (const r of refresh?.resources ?? []) if (r.cluster) names.add(r.cluster);
  for (const c of byCluster.keys()) names.add(c);
  const out: Record<string, ClusterDrift> = {};
  for (const name of [...names].sort()) {
    const resources = (refresh?.resources ?? []).filter((r) => r.cluster === name).length;
    const drifted = drift.filter((d) => d.cluster === name).length;
    const errors = [...new Set(byCluster.get(name) ?? [])];
    if (!refresh) errors.push("the preview-only refresh did not run");
    else if (resources === 0 && facts.errors?.length)
      errors.push("none of its resources was read back from the live world");
    const status: DriftStatus = errors.length ? "unknown" : drifted ? "drifted" : "in-sync";
    out[name] = { status, resources, drifted, errors };
  }
  return out;
}

/**
 * The exit code of a run: 0 in sync, 4 drift found, 1 unknown (any error). After a remediation
 * that was applied the world is back in sync: 0; a refused remediation keeps 4; a failed one is 1.
 */
export function exitCodeFor(report: DriftReport): number {
  if (report.status === "unknown") return EXIT.error;
  if (report.remediation?.result === "failed") return EXIT.error;
  if (report.status === "in-sync") return EXIT.inSync;
  if (report.remediation?.action === "remediate" && report.remediation.result === "applied")
    return EXIT.inSync;
  if (report.remediation?.action === "accept" && report.remediation.result === "applied") return EXIT.inSync;
  return EXIT.drifted;
}

const iso = (t: Date | string | undefined) => (t instanceof Date ? t.toISOString() : t);

/** Reads commit and author out of an update message written by ops/engine/audit.ts (else the tags). */
export function lastUpdateFrom(
  entry:
    | { startTime?: Date | string; endTime?: Date | string; kind?: string; result?: string; message?: string }
    | undefined,
  tags: Record<string, string> = {},
): LastUpdate | undefined {
  if (!entry) return undefined;
  const message = entry.message ?? "";
  const commit = /· commit (\S+)/.exec(message)?.[1] ?? tags["platform:commit"];
  const author = /· by (.+?)(?: · |$)/.exec(message)?.[1] ?? tags["platform:author"];
  return {
    time: iso(entry.endTime ?? entry.startTime),
    kind: entry.kind,
    result: entry.result,
    message: message || undefined,
    commit,
    author,
  };
}
