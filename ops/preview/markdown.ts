/**
 * Markdown for a preview report: a summary line and a counts table first (always kept), then
 * policy violations by severity with remediation steps, resources grouped by operation with their
 * property diffs, and with `--refresh` a separate "drift since last deploy" section. Rendered
 * under a character budget: details are cut, never the summary, and the cut is stated.
 */
import { GITHUB_COMMENT_LIMIT } from "../github/comments";
import { ChangeModel, changedResources, PolicyFinding, ResourceChange } from "../report/model";
import { exitCodeOf, mandatoryFindings, PreviewReport } from "./report";
import { ALLOW_FIELD, ALLOW_FLAG, describeFinding } from "../engine/massDeletion";

/** Ops in the order a reader wants them; anything else follows alphabetically. */
const OP_ORDER = ["create", "update", "replace", "create-replacement", "delete-replaced", "delete", "same"];
const TABLE_OPS = ["create", "update", "replace", "delete", "same"];
const MAX_VALUE = 160;

/** An inline code span that survives backticks in the value. */
export function code(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((r) => r.length));
  const fence = "`".repeat(longest + 1);
  const pad = text.startsWith("`") || text.endsWith("`") ? " " : "";
  return `${fence}${pad}${text.replace(/\n/g, "↵")}${pad}${fence}`;
}

/** A property value as short JSON (`[secret]` stays as it is; long values are cut). */
export function formatValue(value: unknown): string {
  if (value === undefined) return "∅";
  const text = typeof value === "string" && value === "[secret]" ? value : JSON.stringify(value);
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE)}…` : text;
}

function sortOps(ops: string[]): string[] {
  const rank = (op: string) => (OP_ORDER.includes(op) ? OP_ORDER.indexOf(op) : OP_ORDER.length);
  return [...ops].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** The counts table: create, update, replace, delete, same, then any other op that occurred. */
export function countsTable(model: ChangeModel, policies: PolicyFinding[]): string[] {
  const extra = sortOps(Object.keys(model.counts).filter((op) => !TABLE_OPS.includes(op)));
  const ops = [...TABLE_OPS, ...extra];
  const mandatory = policies.filter((p) => p.level === "mandatory").length;
  const header = [...ops, "policy: mandatory", "policy: advisory"];
  const row = [...ops.map((op) => String(model.counts[op] ?? 0)), String(mandatory)];
  row.push(String(policies.length - mandatory));
  return [`| ${header.join(" | ")} |`, `|${header.map(() => " ---: ").join("|")}|`, `| ${row.join(" | ")} |`];
}

function shortType(type: string): string {
  return type.slice(type.lastIndexOf(":") + 1);
}

function resourceBlock(r: ResourceChange): string {
  const lines = [`- ${code(r.type)} **${r.name}**${r.cluster ? ` on cluster ${code(r.cluster)}` : ""}`];
  for (const p of r.properties) {
    const arrow =
      p.kind === "add"
        ? `added ${code(formatValue(p.after))}`
        : p.kind === "delete"
          ? `removed (was ${code(formatValue(p.before))})`
          : `${code(formatValue(p.before))} → ${code(formatValue(p.after))}`;
    lines.push(`  - ${code(p.path)}: ${arrow}${p.kind === "replace" ? " (forces replacement)" : ""}`);
  }
  return lines.join("\n");
}

function findingLabel(p: PolicyFinding): string {
  if (!p.resourceUrn) return "the stack";
  const parts = p.resourceUrn.split("::");
  const type = (parts[2] ?? "").split("$").pop() ?? "";
  return `${shortType(type)} ${parts.slice(3).join("::")}`;
}

function policyBlocks(report: PreviewReport): string[] {
  const blocks: string[] = [];
  for (const level of ["mandatory", "advisory"] as const) {
    const found = report.changes.policies.filter((p) => p.level === level);
    if (!found.length) continue;
    blocks.push(`**${level}** (${found.length})${level === "mandatory" ? ": blocks the deploy" : ""}`);
    for (const p of found) {
      const fix = report.remediation[p.policyName];
      const lines = [
        `- ${code(p.policyName)} (${p.policyPack}) on ${code(findingLabel(p))}: ${p.message.replace(/\n+/g, " ")}`,
      ];
      if (fix) lines.push(`  - remediation: ${fix}`);
      blocks.push(lines.join("\n"));
    }
  }
  return blocks;
}

function changeBlocks(model: ChangeModel, empty: string): string[] {
  const changed = changedResources(model);
  if (!changed.length) return [empty];
  const blocks: string[] = [];
  for (const op of sortOps([...new Set(changed.map((r) => r.op))])) {
    const rs = changed.filter((r) => r.op === op).sort((a, b) => a.urn.localeCompare(b.urn));
    blocks.push(`**${op}** (${rs.length})`);
    blocks.push(...rs.map(resourceBlock));
  }
  return blocks;
}

function headline(report: PreviewReport): string {
  const changed = changedResources(report.changes).length;
  const mandatory = mandatoryFindings(report).length;
  const icon = exitCodeOf(report) === 0 ? "✅" : "❌";
  const what = report.massDeletion?.refused
    ? "mass deletion refused"
    : mandatory
      ? `${mandatory} mandatory policy violation${mandatory > 1 ? "s" : ""}`
      : report.status === "failed"
        ? "preview failed"
        : "preview succeeded";
  const drift = report.drift ? `, drift: ${changedResources(report.drift).length}` : "";
  return `### ${icon} \`${report.stack}\`: ${what} (${changed} resource${changed === 1 ? "" : "s"} to change${drift})`;
}

function provenance(report: PreviewReport): string {
  const bits = [`project ${code(report.project)}`, `stack ${code(report.stack)}`];
  bits.push(`workdir ${code(report.workdir)}`);
  if (report.commit) bits.push(`commit ${code(report.commit.replace(/^([0-9a-f]{12})[0-9a-f]*/, "$1"))}`);
  if (report.runUrl) bits.push(`[run](${report.runUrl})`);
  return `<sub>${bits.join(" · ")}</sub>`;
}

/** The mass-deletion block, right under the headline (empty when the change deletes no app en masse). */
export function massDeletionBlock(report: PreviewReport): string[] {
  const d = report.massDeletion;
  if (!d || d.findings.length === 0) return [];
  const title = d.refused
    ? `> 🛑 **Mass deletion: refused.** Nothing is deployed until the change says so: ${code(ALLOW_FLAG)} or ${code(`${ALLOW_FIELD}: true`)} in the spec.`
    : `> ⚠️ **Mass deletion: allowed** by ${d.allowedBy === "flag" ? code(ALLOW_FLAG) : code(`${ALLOW_FIELD}: true`)}.`;
  return [title, ...d.findings.map((f) => `> - ${describeFinding(f)}`), ""];
}

/** Options of {@link renderMarkdown}. */
export interface MarkdownOptions {
  /** A line to put first (the sticky comment marker). */
  marker?: string;
  /** Character budget. @default GitHub's comment limit (65,536) */
  limit?: number;
  /** Where the full report is, named in the truncation notice. */
  fullReportHint?: string;
  /** A line linking the HTML report, kept with the summary (never cut). @default none */
  reportLink?: string;
}

/** Renders the report within `limit` characters, keeping the summary and cutting details. */
export function renderMarkdown(report: PreviewReport, opts: MarkdownOptions = {}): string {
  const limit = opts.limit ?? GITHUB_COMMENT_LIMIT;
  const head: string[] = [];
  if (opts.marker) head.push(opts.marker);
  head.push(
    headline(report),
    ...massDeletionBlock(report),
    provenance(report),
    ...(opts.reportLink ? ["", opts.reportLink] : []),
    "",
    ...countsTable(report.changes, report.changes.policies),
  );
  if (report.error) head.push("", "**Failure**", "", "```text", report.error.replace(/```/g, "ˋˋˋ"), "```");
  const details: string[] = [];
  const policies = policyBlocks(report);
  if (policies.length) details.push("#### Policy violations", ...policies);
  details.push("#### Changes", ...changeBlocks(report.changes, "No resource changes."));
  if (report.drift) {
    details.push("#### Drift since last deploy", "Live resources that differ from the last deployed state:");
    details.push(...changeBlocks(report.drift, "No drift: the live world matches the state."));
  }
  const notice = (omitted: number) =>
    `> ⚠️ Details truncated: ${omitted} more entr${omitted === 1 ? "y" : "ies"} not shown to stay under ` +
    `GitHub's ${limit.toLocaleString("en-US")}-character limit.` +
    (opts.fullReportHint ? ` Full report: ${opts.fullReportHint}` : "");
  let out = head.join("\n");
  const reserve = notice(details.length).length + 4;
  for (const [i, block] of details.entries()) {
    const next = `${out}\n\n${block}`;
    if (next.length + reserve > limit) {
      out = `${out}\n\n${notice(details.length - i)}`;
      return out.length > limit ? out.slice(0, limit) : out;
    }
    out = next;
  }
  return out + "\n";
}
