/**
 * The drift report of a units environment (docs/units.md): one {@link DriftReport} per stack (the
 * base and each unit, built as a single stack's), merged into one report whose rows each name
 * their unit, with a per-unit summary (`units`). Pure: tested without an engine.
 */
import {
  ClusterDrift,
  DRIFT_SCHEMA_VERSION,
  DriftReport,
  DriftStatus,
  LastUpdate,
  RemediationOutcome,
  UnitDrift,
} from "./model";

/** One stack's own report: the base (`unit: "base"`, stack `<env>`) or a unit's. */
export interface StackDrift {
  unit: string;
  stack: string;
  report: DriftReport;
}

const RANK: Record<DriftStatus, number> = { "in-sync": 0, drifted: 1, unknown: 2 };

/** The worst of several statuses (unknown, then drifted, then in sync); in sync for none. */
export function worstStatus(statuses: readonly DriftStatus[]): DriftStatus {
  return statuses.reduce<DriftStatus>((w, s) => (RANK[s] > RANK[w] ? s : w), "in-sync");
}

function newest(updates: Array<LastUpdate | undefined>): LastUpdate | undefined {
  const known = updates.filter((u): u is LastUpdate => u !== undefined);
  return known.sort((a, b) => Date.parse(b.time ?? "") - Date.parse(a.time ?? "") || 0)[0];
}

function mergeClusters(parts: readonly StackDrift[]): Record<string, ClusterDrift> {
  const out: Record<string, ClusterDrift> = {};
  for (const { unit, report } of parts)
    for (const [name, c] of Object.entries(report.clusters ?? {})) {
      const had = out[name] ?? { status: "in-sync", resources: 0, drifted: 0, errors: [] };
      out[name] = {
        status: worstStatus([had.status, c.status]),
        resources: had.resources + c.resources,
        drifted: had.drifted + c.drifted,
        errors: [...had.errors, ...c.errors.map((e) => `${unit}: ${e}`)],
      };
    }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * One report from the base's and each unit's: rows carry their unit, counts are summed, the
 * status and each cluster's are the worst, errors and warnings are prefixed with their unit.
 * `errors` are the run's own (before any stack was read), kept as they are.
 */
export function mergeUnitReports(args: {
  environment: string;
  parts: readonly StackDrift[];
  errors?: string[];
  now?: Date;
  durationSeconds?: number;
}): DriftReport {
  const { parts } = args;
  const errors = [
    ...(args.errors ?? []),
    ...parts.flatMap((p) => p.report.errors.map((e) => `${p.unit}: ${e}`)),
  ];
  const sum = (key: keyof DriftReport["counts"]) =>
    parts.reduce((n, p) => n + (p.report.counts[key] ?? 0), 0);
  const pendingOps = parts.map((p) => p.report.pendingOperations).filter((n) => n !== undefined);
  const units: UnitDrift[] = parts.map((p) => ({
    unit: p.unit,
    stack: p.stack,
    status: p.report.status,
    counts: p.report.counts,
    errors: p.report.errors,
  }));
  const drift = parts.flatMap((p) => p.report.drift.map((d) => ({ ...d, unit: p.unit })));
  const status: DriftStatus = errors.length > 0 ? "unknown" : worstStatus(parts.map((p) => p.report.status));
  return {
    schemaVersion: DRIFT_SCHEMA_VERSION,
    environment: args.environment,
    status,
    generatedAt: (args.now ?? new Date()).toISOString(),
    durationSeconds: args.durationSeconds ?? 0,
    lastUpdate: newest(parts.map((p) => p.report.lastUpdate)),
    counts: {
      resources: sum("resources"),
      drifted: sum("drifted"),
      modified: sum("modified"),
      deleted: sum("deleted"),
      pending: sum("pending"),
      ignored: sum("ignored"),
    },
    drift,
    pendingChanges: parts.flatMap((p) => p.report.pendingChanges.map((c) => ({ ...c, unit: p.unit }))),
    resources: parts.flatMap((p) => (p.report.resources ?? []).map((r) => ({ ...r, unit: p.unit }))),
    clusters: mergeClusters(parts),
    errors: [...new Set(errors)],
    warnings: [...new Set(parts.flatMap((p) => p.report.warnings.map((w) => `${p.unit}: ${w}`)))],
    ...(pendingOps.length ? { pendingOperations: pendingOps.reduce((a, b) => a + (b ?? 0), 0) } : {}),
    units,
  };
}

/**
 * The environment's remediation from the units': `failed` when one failed, else `refused` when
 * one was refused, else `applied`; each reason names its unit. Undefined when no unit was acted on.
 */
export function combineRemediations(
  outcomes: ReadonlyArray<{ unit: string; outcome: RemediationOutcome }>,
): RemediationOutcome | undefined {
  if (!outcomes.length) return undefined;
  const results = outcomes.map((o) => o.outcome.result);
  const result = results.includes("failed") ? "failed" : results.includes("refused") ? "refused" : "applied";
  const specEdits = outcomes.flatMap((o) => o.outcome.specEdits ?? []);
  return {
    action: outcomes[0].outcome.action,
    result,
    reasons: outcomes.flatMap((o) => o.outcome.reasons.map((r) => `${o.unit}: ${r}`)),
    ...(specEdits.length ? { specEdits } : {}),
  };
}
