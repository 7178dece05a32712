/**
 * The verdict on each object of each workload, and the listing `platform policy check <env>`
 * prints: per workload its source, owner and clusters, then every object with its verdict
 * (`ok`, the strongest enforcement level of its violations, or `refused` by tenancy) and where it
 * came from; a workload that could not be rendered says so with its error.
 */
import type { EnforcementLevel } from "@pulumi/policy";
import type { Violation } from "./evaluate";
import type { RenderedWorkload } from "./workloads";

/** What the check says of one object. */
export type Verdict = "ok" | "refused" | Exclude<EnforcementLevel, "disabled">;

/** One object's verdict, for the listing and the JSON report. */
export interface ObjectVerdict {
  identity: string;
  origin: string;
  verdict: Verdict;
  /** The rules it breaks (strongest level first). */
  policies: string[];
  /** Why it was refused. */
  refused?: string;
}

/** The verdicts of one workload. */
export interface WorkloadVerdicts {
  workload: string;
  kind: RenderedWorkload["kind"];
  source: string;
  owner: string;
  clusters: string[];
  objects: ObjectVerdict[];
  /** Why it was not rendered (nothing of it was checked). */
  error?: string;
}

const STRENGTH: Record<string, number> = { mandatory: 3, remediate: 2, advisory: 1 };

/** Each workload's objects with their verdicts, from the evaluator's violations (matched by URN). */
export function workloadVerdicts(
  workloads: readonly RenderedWorkload[],
  violations: readonly Violation[],
): WorkloadVerdicts[] {
  const byUrn = new Map<string, Violation[]>();
  for (const v of violations) {
    if (!v.resourceUrn || v.enforcementLevel === "disabled") continue;
    byUrn.set(v.resourceUrn, [...(byUrn.get(v.resourceUrn) ?? []), v]);
  }
  return workloads.map((w) => ({
    workload: w.name,
    kind: w.kind,
    source: w.source,
    owner: w.owner,
    clusters: w.clusters,
    ...(w.error !== undefined ? { error: w.error } : {}),
    objects: w.objects.map((o): ObjectVerdict => {
      if (o.refused !== undefined)
        return {
          identity: o.identity,
          origin: o.origin,
          verdict: "refused",
          policies: [],
          refused: o.refused,
        };
      const found = [...(byUrn.get(o.urn ?? "") ?? [])].sort(
        (a, b) => (STRENGTH[b.enforcementLevel] ?? 0) - (STRENGTH[a.enforcementLevel] ?? 0),
      );
      const strongest = found[0]?.enforcementLevel;
      return {
        identity: o.identity,
        origin: o.origin,
        verdict: strongest === undefined || strongest === "disabled" ? "ok" : strongest,
        policies: [...new Set(found.map((v) => v.policyName))],
      };
    }),
  }));
}

/** The listing of every workload and object, as `policy check` prints it before the violations. */
export function formatWorkloadVerdicts(verdicts: readonly WorkloadVerdicts[]): string {
  if (verdicts.length === 0) return "";
  const lines = ["workloads (rendered offline as a deploy renders them, placed by the tenancy rules):"];
  const identityWidth = Math.max(0, ...verdicts.flatMap((w) => w.objects.map((o) => o.identity.length)));
  for (const w of verdicts) {
    const head = `  ${w.workload}: ${w.source}, ${w.owner}, on ${w.clusters.join(", ")}`;
    if (w.error !== undefined) {
      lines.push(
        `${head}: NOT RENDERED, nothing of it was checked`,
        `    ${w.error.split("\n").join("\n    ")}`,
      );
      continue;
    }
    lines.push(`${head}: ${w.objects.length} object(s)`);
    for (const o of w.objects) {
      const rules = o.policies.length ? `  ${o.policies.join(", ")}` : "";
      lines.push(`    ${o.verdict.padEnd(9)}  ${o.identity.padEnd(identityWidth)}  ${o.origin}${rules}`);
      if (o.refused !== undefined) lines.push(`               ${o.refused}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

/** Counts for the summary line and the exit code. */
export function verdictCounts(verdicts: readonly WorkloadVerdicts[]): {
  objects: number;
  refused: number;
  notRendered: number;
} {
  return {
    objects: verdicts.reduce((n, w) => n + w.objects.length, 0),
    refused: verdicts.reduce((n, w) => n + w.objects.filter((o) => o.verdict === "refused").length, 0),
    notRendered: verdicts.filter((w) => w.error !== undefined).length,
  };
}
