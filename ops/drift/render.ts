/**
 * Renderers of a {@link DriftReport}: `drift.json` (the report itself), `drift.md` (for an issue
 * or a chat message) and the terminal summary. Values are already masked by the collector.
 */
import { DriftReport, DriftedResource, PendingChange, UnitDrift } from "./model";

/** `drift.json`: the report, pretty-printed, with a trailing newline. */
export function renderJson(report: DriftReport): string {
  return JSON.stringify(report, null, 2) + "\n";
}

/** A value as it appears in markdown and on the terminal (absent → `(none)`). */
export function showValue(value: unknown): string {
  if (value === undefined) return "(none)";
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.length > 120 ? text.slice(0, 117) + "..." : text;
}

const cell = (text: string) => "`" + text.replace(/`/g, "'").replace(/\|/g, "\\|") + "`";

/** One-line headline, used by the terminal, markdown title and notifications. */
export function headline(report: DriftReport): string {
  const env = report.environment;
  switch (report.status) {
    case "in-sync":
      return `${env}: in sync (${report.counts.resources} resources match their state)`;
    case "drifted":
      return `${env}: drift found in ${report.counts.drifted} resource(s) (${report.counts.modified} modified, ${report.counts.deleted} deleted out of band)`;
    case "unknown":
      return `${env}: drift status unknown (the live state could not be read)`;
  }
}

function lastUpdateLine(report: DriftReport): string | undefined {
  const u = report.lastUpdate;
  if (!u) return undefined;
  const parts = [u.time ?? "unknown time", u.kind, u.result].filter(Boolean).join(", ");
  return `last update: ${parts}; commit ${u.commit ?? "unknown"} by ${u.author ?? "unknown"}`;
}

/** `[local-b] ` before a resource of a cluster, nothing otherwise. */
const on = (cluster: string | undefined) => (cluster ? `[${cluster}] ` : "");

/**
 * Lines that need attention first, then one line folding the names that are in sync:
 * `in sync: local, local-b`.
 */
export function attentionFirst<T>(
  items: ReadonlyArray<[string, T]>,
  inSync: (item: T) => boolean,
  line: (name: string, item: T) => string,
): string[] {
  const attention = items.filter(([, i]) => !inSync(i)).map(([n, i]) => line(n, i));
  const quiet = items.filter(([, i]) => inSync(i)).map(([n]) => n);
  return [...attention, ...(quiet.length ? [`  in sync: ${quiet.join(", ")}`] : [])];
}

/** One line per cluster needing attention (`local-b: unknown (...)`), the ones in sync folded. */
function clusterLines(report: DriftReport): string[] {
  return attentionFirst(
    Object.entries(report.clusters ?? {}),
    (c) => c.status === "in-sync",
    (name, c) =>
      `  ${name}: ${c.status} (${c.resources} resources, ${c.drifted} drifted)${c.errors.length ? `: ${c.errors[0]}` : ""}`,
  );
}

/** One line per unit needing attention (drift, unknown, pending code, acted on), the others folded. */
function unitLines(report: DriftReport): string[] {
  return attentionFirst(
    (report.units ?? []).map((u) => [u.unit, u] as const),
    (u) => u.status === "in-sync" && !u.counts.pending && !u.remediation,
    (name, u) =>
      `  ${name}: ${u.status} (${u.counts.resources} resources, ${u.counts.drifted} drifted, ${u.counts.pending} pending)` +
      (u.remediation ? `; ${u.remediation.action} ${u.remediation.result}` : "") +
      (u.errors.length ? `: ${u.errors[0]}` : ""),
  );
}

/** Rows grouped under a `  <unit>:` line each when they name a unit, else as they are. */
function byUnit<T extends { unit?: string }>(rows: readonly T[], lines: (row: T) => string[]): string[] {
  if (!rows.some((r) => r.unit)) return rows.flatMap(lines);
  const units = [...new Set(rows.map((r) => r.unit ?? ""))];
  return units.flatMap((u) => [
    `  unit ${u}:`,
    ...rows.filter((r) => (r.unit ?? "") === u).flatMap((r) => lines(r).map((l) => `  ${l}`)),
  ]);
}

function driftLines(d: DriftedResource): string[] {
  if (d.change === "deleted") return [`  - ${on(d.cluster)}${d.type} ${d.name}: deleted out of band`];
  return [
    `  ~ ${on(d.cluster)}${d.type} ${d.name}:`,
    ...d.properties.map((p) => `      ${p.path}: state ${showValue(p.state)} → live ${showValue(p.live)}`),
  ];
}

function pendingLines(p: PendingChange): string[] {
  return [
    `  ${p.op} ${on(p.cluster)}${p.type} ${p.name}`,
    ...p.properties.map((c) => `      ${c.path}: state ${showValue(c.state)} → code ${showValue(c.desired)}`),
  ];
}

/** The terminal summary. */
export function renderTerminal(report: DriftReport): string {
  const out = [headline(report)];
  const last = lastUpdateLine(report);
  if (last) out.push(last);
  const units = unitLines(report);
  if (units.length) out.push("units:", ...units);
  const clusters = clusterLines(report);
  if (clusters.length) out.push("clusters:", ...clusters);
  if (report.drift.length) out.push("", "drift (live world vs state):", ...byUnit(report.drift, driftLines));
  if (report.pendingChanges.length)
    out.push(
      "",
      "pending code changes (code vs state; not drift):",
      ...byUnit(report.pendingChanges, pendingLines),
    );
  if (report.counts.ignored)
    out.push(
      "",
      `ignored (drift.ignore): ${report.counts.ignored} propert${report.counts.ignored === 1 ? "y" : "ies"}`,
    );
  if (report.errors.length) out.push("", "errors:", ...report.errors.map((e) => `  ${e}`));
  if (report.warnings.length) out.push("", "warnings:", ...report.warnings.map((e) => `  ${e}`));
  if (report.remediation) {
    const r = report.remediation;
    out.push("", `${r.action}: ${r.result}`, ...r.reasons.map((x) => `  ${x}`));
    if (r.specEdits?.length) out.push("spec edits for a PR:", ...r.specEdits.map((x) => `  ${x}`));
  }
  return out.join("\n") + "\n";
}

/** `drift.md`: for an issue body or a chat message. */
export function renderMarkdown(report: DriftReport): string {
  const icon = { "in-sync": "✅", drifted: "⚠️", unknown: "❓" }[report.status];
  const out = [
    `## ${icon} Drift report: ${report.environment}`,
    "",
    `**Status: ${report.status}.** ${headline(report)}`,
  ];
  out.push("", `- generated: ${report.generatedAt} (${report.durationSeconds.toFixed(1)} s)`);
  const last = lastUpdateLine(report);
  if (last) out.push(`- ${last}`);
  if (report.units?.length) {
    const needs = (u: UnitDrift) => u.status !== "in-sync" || u.counts.pending > 0 || u.remediation;
    const ordered = [...report.units.filter(needs), ...report.units.filter((u) => !needs(u))];
    out.push("", "### Units", "", "| unit | stack | status | resources | drifted | pending | action |");
    out.push("| --- | --- | --- | --- | --- | --- | --- |");
    for (const u of ordered)
      out.push(
        `| ${cell(u.unit)} | ${cell(u.stack)} | ${u.status} | ${u.counts.resources} | ${u.counts.drifted} | ${u.counts.pending} | ${u.remediation ? `${u.remediation.action} ${u.remediation.result}` : ""} |`,
      );
  }
  const clusters = Object.entries(report.clusters ?? {});
  if (clusters.length) {
    out.push("", "### Clusters", "", "| cluster | status | resources | drifted | why unknown |");
    out.push("| --- | --- | --- | --- | --- |");
    for (const [name, c] of clusters)
      out.push(
        `| ${cell(name)} | ${c.status} | ${c.resources} | ${c.drifted} | ${c.errors.join("; ").replace(/\|/g, "\\|")} |`,
      );
  }
  if (report.drift.length) {
    out.push("", "### Drift (live world vs state)", "", "| resource | change | property | state | live |");
    out.push("| --- | --- | --- | --- | --- |");
    for (const d of report.drift) {
      const unit = d.unit ? ` (unit ${d.unit})` : "";
      const rows = d.properties.length ? d.properties : [undefined];
      for (const p of rows) {
        const state = p ? cell(showValue(p.state)) : "";
        const live = p ? cell(showValue(p.live)) : d.change === "deleted" ? "(deleted)" : "";
        out.push(
          `| ${cell(d.type + " " + d.name + (d.cluster ? ` on ${d.cluster}` : ""))}${unit} | ${d.change} | ${p ? cell(p.path) : ""} | ${state} | ${live} |`,
        );
      }
    }
  }
  if (report.pendingChanges.length) {
    out.push("", "### Pending code changes (code vs state; not drift)", "");
    for (const p of report.pendingChanges) {
      const props = p.properties.map((c) => cell(c.path)).join(", ");
      out.push(
        `- ${p.unit ? `unit ${p.unit}: ` : ""}${p.op} ${on(p.cluster)}${cell(p.type + " " + p.name)}${props ? `: ${props}` : ""}`,
      );
    }
  }
  if (report.counts.ignored)
    out.push(
      "",
      `Ignored by \`drift.ignore\`: ${report.counts.ignored} propert${report.counts.ignored === 1 ? "y" : "ies"} (not drift, not remediated).`,
    );
  if (report.errors.length) out.push("", "### Errors", "", ...report.errors.map((e) => `- ${e}`));
  if (report.warnings.length) out.push("", "### Warnings", "", ...report.warnings.map((e) => `- ${e}`));
  if (report.remediation) {
    const r = report.remediation;
    out.push("", `### ${r.action === "accept" ? "Accepted" : "Remediation"}: ${r.result}`, "");
    out.push(...r.reasons.map((x) => `- ${x}`));
    if (r.specEdits?.length)
      out.push("", "Spec edits for a PR:", "", ...r.specEdits.map((x) => `- ${cell(x)}`));
  }
  return out.join("\n") + "\n";
}
