/**
 * The report of one `platform preview`: the change model of the preview, optionally the drift
 * found by a preview-only refresh, policy remediations, provenance and the outcome. Rendered as
 * markdown (markdown.ts) and as versioned JSON (`schemaVersion: 1`, {@link toJson}).
 */
import type { MassDeletionDecision } from "../engine/massDeletion";
import { ChangeModel, PolicyFinding } from "../report/model";

/** Bumped on any incompatible change of the JSON shape. */
export const PREVIEW_SCHEMA_VERSION = 1;

/** One preview's outcome, everything a renderer needs. */
export interface PreviewReport {
  schemaVersion: typeof PREVIEW_SCHEMA_VERSION;
  /** The Pulumi project (`platform`). */
  project: string;
  stack: string;
  /** Working directory relative to the Git top level (`.` at the root). */
  workdir: string;
  commit?: string;
  pr?: string;
  runUrl?: string;
  /** `failed` when the engine reported an error or a mandatory policy was violated. */
  status: "succeeded" | "failed";
  /** Why it failed, in a few lines (engine errors, no secret values). */
  error?: string;
  /** Code changes: preview of the program against state. */
  changes: ChangeModel;
  /** With `--refresh`: live world against state (a preview-only refresh). */
  drift?: ChangeModel;
  /** Remediation steps per policy name, where the platform's catalog knows them. */
  remediation: Record<string, string>;
  /** The mass-deletion check over the planned App deletes (absent when the preview did not run). */
  massDeletion?: MassDeletionDecision;
}

/** Mandatory findings of the preview (the ones that block a deploy). */
export function mandatoryFindings(report: PreviewReport): PolicyFinding[] {
  return report.changes.policies.filter((p) => p.level === "mandatory");
}

/** 0 when the preview succeeded with no mandatory violation, 1 otherwise. */
export function exitCodeOf(report: PreviewReport): 0 | 1 {
  return report.status === "succeeded" && mandatoryFindings(report).length === 0 ? 0 : 1;
}

/** The JSON document written by `--json` (stable key order, pretty-printed). */
export function toJson(report: PreviewReport): string {
  return JSON.stringify({ ...report, exitCode: exitCodeOf(report) }, null, 2) + "\n";
}
