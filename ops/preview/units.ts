/**
 * The preview report of a units environment (docs/units.md): one {@link PreviewReport} per stack
 * that previewed (the base and the units whose fingerprint moved), built from the collected change
 * model of that same preview, and a line for every other unit ("unchanged", or why it did not
 * preview). Rendered as `--json` and as markdown (stdout, `--markdown`, the sticky PR comment).
 */
import { PROJECT } from "../../model/names";
import { GITHUB_COMMENT_LIMIT } from "../github/comments";
import { appInstanceSteps, decideMassDeletion } from "../engine/massDeletion";
import type { ChangeModel } from "../report/model";
import { changedResources } from "../report/model";
import type { UnitsRunResult } from "../units/run";
import type { UnitOutcome } from "../units/schedule";
import { unitStackName } from "../units/stacks";
import { BASE_UNIT } from "../../model/units";
import { renderMarkdown } from "./markdown";
import { exitCodeOf, PREVIEW_SCHEMA_VERSION, PreviewReport } from "./report";
import { remediationFor } from "./run";

/** One unit (or the base) of a units preview. */
export interface UnitPreview {
  unit: string;
  stack: string;
  /** `previewed`: it would run (its report says what it would change); the others did not preview. */
  status: "previewed" | "unchanged" | "failed" | "blocked";
  /** One line: `would update 1`, `unchanged`, the failure, or what it waits for. */
  detail: string;
  /** The preview of its stack (absent when it did not preview). */
  report?: PreviewReport;
}

/** `platform preview <env> --json` of a units environment. */
export interface UnitsPreviewReport extends Pick<
  PreviewReport,
  "schemaVersion" | "project" | "stack" | "workdir" | "commit" | "pr" | "runUrl" | "status"
> {
  /** The base first, then the units in the plan's order. */
  units: UnitPreview[];
}

/** Provenance every stack's report shares. */
export interface PreviewProvenance {
  workdir: string;
  commit?: string;
  pr?: string;
  runUrl?: string;
}

function detailOf(o: UnitOutcome): string {
  switch (o.status) {
    case "succeeded":
    case "skipped":
      return o.detail;
    case "failed":
      return `${o.reason}: ${o.message}`;
    case "blocked":
      return `waits for ${o.blockedBy}, which did not preview`;
    default: {
      const unreachable: never = o;
      return JSON.stringify(unreachable);
    }
  }
}

/** One stack's report from its collected preview, with the mass-deletion decision of that preview. */
function stackReport(
  stack: string,
  model: ChangeModel,
  outcome: UnitOutcome,
  provenance: PreviewProvenance,
  allow: { flag: boolean; spec: boolean },
): PreviewReport {
  const failed = outcome.status === "failed";
  return {
    schemaVersion: PREVIEW_SCHEMA_VERSION,
    project: PROJECT,
    stack,
    ...provenance,
    status: failed ? "failed" : "succeeded",
    ...(failed ? { error: outcome.message } : {}),
    changes: model,
    remediation: remediationFor(model.policies),
    massDeletion: decideMassDeletion(appInstanceSteps(model), allow),
  };
}

/** The report of a units preview from the runner's outcomes and the models it collected. */
export function unitsPreviewReport(args: {
  environment: string;
  result: UnitsRunResult;
  previews: ReadonlyMap<string, ChangeModel>;
  provenance: PreviewProvenance;
  allow: { flag: boolean; spec: boolean };
}): UnitsPreviewReport {
  const { environment, result, previews } = args;
  const units = [result.base, ...result.units].map((o): UnitPreview => {
    const stack = o.unit === BASE_UNIT ? environment : unitStackName(environment, o.unit);
    const model = previews.get(o.unit);
    const status: UnitPreview["status"] =
      o.status === "failed"
        ? "failed"
        : o.status === "blocked"
          ? "blocked"
          : model
            ? "previewed"
            : "unchanged";
    return {
      unit: o.unit,
      stack,
      status,
      detail: detailOf(o),
      ...(model ? { report: stackReport(stack, model, o, args.provenance, args.allow) } : {}),
    };
  });
  const failed = units.some(
    (u) => u.status === "failed" || u.status === "blocked" || (u.report && exitCodeOf(u.report) !== 0),
  );
  return {
    schemaVersion: PREVIEW_SCHEMA_VERSION,
    project: PROJECT,
    stack: environment,
    ...args.provenance,
    status: failed ? "failed" : "succeeded",
    units,
  };
}

/** 0 when every unit previewed (or had nothing to) with no mandatory violation, 1 otherwise. */
export function unitsExitCode(report: UnitsPreviewReport): 0 | 1 {
  return report.status === "succeeded" ? 0 : 1;
}

/** `--json`: the report with its exit code, pretty-printed. */
export function unitsToJson(report: UnitsPreviewReport): string {
  return JSON.stringify({ ...report, exitCode: unitsExitCode(report) }, null, 2) + "\n";
}

const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\s*\n\s*/g, " ");

/**
 * The markdown (stdout, `--markdown`, the sticky comment): a table with every unit first (never
 * cut), then each previewed unit's own report, within `limit` characters shared between them.
 */
export function renderUnitsMarkdown(
  report: UnitsPreviewReport,
  opts: { marker?: string; limit?: number; fullReportHint?: string } = {},
): string {
  const limit = opts.limit ?? GITHUB_COMMENT_LIMIT;
  const icon = unitsExitCode(report) === 0 ? "✅" : "❌";
  const previewed = report.units.filter((u) => u.report);
  const head = [
    ...(opts.marker ? [opts.marker] : []),
    `### ${icon} \`${report.stack}\` (units): ${previewed.length} of ${report.units.length} stacks would run`,
    "",
    "| unit | stack | would | resources to change |",
    "| --- | --- | --- | ---: |",
    ...report.units.map((u) => {
      const changed = u.report ? String(changedResources(u.report.changes).length) : "";
      const what =
        u.status === "unchanged" || u.status === "previewed" ? u.detail : `${u.status}: ${u.detail}`;
      return `| \`${u.unit}\` | \`${u.stack}\` | ${cell(what)} | ${changed} |`;
    }),
  ].join("\n");
  const budget = Math.max(0, limit - head.length - 2);
  const each = previewed.length ? Math.floor(budget / previewed.length) - 2 : 0;
  const sections = previewed.map((u) =>
    renderMarkdown(u.report!, { limit: Math.max(each, 200), fullReportHint: opts.fullReportHint }).trimEnd(),
  );
  const out = [head, ...sections].join("\n\n") + "\n";
  return out.length > limit ? out.slice(0, limit) : out;
}
