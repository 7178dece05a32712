/**
 * `platform preview <env> [--refresh] [--json FILE] [--markdown FILE] [--html FILE] [--comment]`:
 * what a change would do, with the environment's policy packs. Prints the markdown report to
 * stdout; `--json`, `--markdown` and `--html` (one self-contained file) also write it; `--comment` keeps one sticky PR comment per (project, stack,
 * workdir), posted even when the preview fails. Exit 0 when the preview succeeds with no mandatory
 * violation, 1 otherwise (or when the comment could not be posted), 2 on bad flags.
 */
import { environmentNameProblem } from "../../model/names";
import * as path from "path";
import { commentMarker, upsertStickyComment } from "../github/comments";
import { writeOutput } from "../files";
import { pullRequestContext } from "../github/context";
import { renderMarkdown } from "../preview/markdown";
import { renderPreviewHtml } from "../preview/html";
import { exitCodeOf, PreviewReport, toJson } from "../preview/report";
import { runPreview } from "../preview/run";
import { ensureLocalEngine } from "./localEngine";
import { environmentOf } from "./environment";
import { parseCommand, usageLine } from "./grammar";
import { deployUnits, parseConcurrency } from "./units";
import type { Environment } from "../../model/environment";
import type { ChangeModel } from "../report/model";
import type { UnitsRunResult } from "../units/run";
import { auditInfo } from "../engine/audit";
import { workdirOf } from "../preview/run";
import { renderUnitsMarkdown, unitsExitCode, unitsPreviewReport, unitsToJson } from "../preview/units";
import { PREVIEW } from "./tables";
import { Command, CommandIO, EXIT, UsageError } from "./types";

/** Parsed flags of `platform preview`. */
export interface PreviewArgs {
  env: string;
  refresh: boolean;
  json?: string;
  markdown?: string;
  /** Also write one self-contained HTML file here. @default none */
  html?: string;
  comment: boolean;
  /** `--allow-mass-deletion` (only present when given). */
  allowMassDeletion?: true;
  /** An environment with units: at most this many units at once. @default 4 */
  concurrency?: number;
}

/** Parses the arguments after `preview` (table: PREVIEW); throws UsageError on anything unexpected. */
export function parsePreviewArgs(argv: string[]): PreviewArgs {
  const { flags, positionals } = parseCommand(PREVIEW, argv);
  const [env] = positionals;
  const args: Omit<PreviewArgs, "env"> = { refresh: flags.refresh, comment: flags.comment };
  if (flags.json !== undefined) args.json = flags.json;
  if (flags.markdown !== undefined) args.markdown = flags.markdown;
  if (flags.html !== undefined) args.html = flags.html;
  if (flags["allow-mass-deletion"]) args.allowMassDeletion = true;
  const concurrency = parseConcurrency(flags.concurrency, usageLine(PREVIEW));
  if (concurrency !== undefined) args.concurrency = concurrency;
  const problem = environmentNameProblem(env);
  if (problem) throw new UsageError(problem);
  return { env, ...args };
}

/** Writes an output file; a failure is reported on stderr (never thrown: the PR comment still goes out). */
function write(io: CommandIO, file: string, text: string, flag: string): boolean {
  try {
    writeOutput(path.resolve(io.root, file), text, flag);
    return true;
  } catch (err) {
    io.stderr(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    return false;
  }
}

async function postComment(report: PreviewReport, io: CommandIO, html?: string): Promise<boolean> {
  return postBody(report, io, (marker, fullReportHint) =>
    renderMarkdown(report, {
      marker,
      fullReportHint,
      reportLink:
        html && report.runUrl
          ? `HTML report: \`${path.basename(html)}\` in [the run's artifacts](${report.runUrl}#artifacts)`
          : undefined,
    }),
  );
}

/** Upserts the sticky comment of (project, stack, workdir) with the body `render` makes. */
async function postBody(
  report: Pick<PreviewReport, "project" | "stack" | "workdir" | "runUrl">,
  io: CommandIO,
  render: (marker: string, fullReportHint: string) => string,
): Promise<boolean> {
  try {
    const gh = pullRequestContext(io.processEnv);
    const key = { project: report.project, stack: report.stack, workdir: report.workdir };
    const body = render(
      commentMarker(key),
      report.runUrl ? `[the job log and artifacts](${report.runUrl})` : "the job log",
    );
    const res = await upsertStickyComment(gh.client, gh.issue, key, body);
    io.stderr(`PR #${gh.issue.number}: comment ${res.id} ${res.action}${res.url ? ` (${res.url})` : ""}\n`);
    return true;
  } catch (err) {
    io.stderr(`could not post the PR comment: ${err instanceof Error ? err.message : String(err)}\n`);
    return false;
  }
}

/**
 * `preview` of a units environment: one line per unit; `--json`, `--markdown` and `--comment`
 * report each previewed stack from the same preview (`--html` and `--refresh` come later).
 */
async function previewUnits(args: PreviewArgs, environment: Environment, io: CommandIO): Promise<number> {
  const later = [...(args.html !== undefined ? ["--html"] : []), ...(args.refresh ? ["--refresh"] : [])];
  if (later.length)
    throw new UsageError(
      `${args.env} has units: ${later.join(", ")} per unit come later (docs/units.md); --json, --markdown and --comment work`,
    );
  const previews = new Map<string, ChangeModel>();
  const audit = auditInfo(environment.root, environment.processEnv);
  const onResult = async (result: UnitsRunResult): Promise<boolean> => {
    if (!args.json && !args.markdown && !args.comment) return true;
    const report = unitsPreviewReport({
      environment: args.env,
      result,
      previews,
      provenance: {
        workdir: workdirOf(environment.root),
        ...(audit.commit === "unknown" ? {} : { commit: audit.commit + (audit.dirty ? "+dirty" : "") }),
        ...(audit.pr ? { pr: audit.pr } : {}),
        ...(audit.runUrl ? { runUrl: audit.runUrl } : {}),
      },
      allow: { flag: args.allowMassDeletion === true, spec: environment.spec.allowMassDeletion === true },
    });
    const markdown = renderUnitsMarkdown(report, { limit: Number.MAX_SAFE_INTEGER });
    const wroteMarkdown = args.markdown ? write(io, args.markdown, markdown, "--markdown") : true;
    const wroteJson = args.json ? write(io, args.json, unitsToJson(report), "--json") : true;
    const commented = args.comment
      ? await postBody(report, io, (marker, hint) =>
          renderUnitsMarkdown(report, { marker, fullReportHint: hint }),
        )
      : true;
    return wroteMarkdown && wroteJson && commented && unitsExitCode(report) === 0;
  };
  return deployUnits(
    {
      env: args.env,
      mode: "preview",
      ...(args.concurrency !== undefined ? { concurrency: args.concurrency } : {}),
      ...(args.allowMassDeletion ? { allowMassDeletion: true } : {}),
      previews,
      onResult,
    },
    environment,
    io,
  );
}

/** `platform preview`: see the module comment for flags and exit codes. */
export const preview: Command = async (argv, io) => {
  const args = parsePreviewArgs(argv);
  const environment = environmentOf(args.env, io);
  if (environment.spec.units) return previewUnits(args, environment, io);
  const report = await runPreview({
    environment,
    refresh: args.refresh,
    log: (s) => io.stderr(s),
    prepare: args.env === "local" ? () => ensureLocalEngine(io, environment) : undefined,
    allowMassDeletion: args.allowMassDeletion === true,
  });
  const markdown = renderMarkdown(report, { limit: Number.MAX_SAFE_INTEGER });
  io.stdout(markdown);
  const wroteMarkdown = args.markdown ? write(io, args.markdown, markdown, "--markdown") : true;
  const wroteJson = args.json ? write(io, args.json, toJson(report), "--json") : true;
  const wroteHtml = args.html ? write(io, args.html, renderPreviewHtml(report), "--html") : true;
  const code = exitCodeOf(report);
  if (report.error) io.stderr(`\n${args.env}: preview failed:\n${report.error}\n`);
  const commented = args.comment ? await postComment(report, io, args.html) : true;
  return commented && wroteMarkdown && wroteJson && wroteHtml ? code : EXIT.failure;
};
