/**
 * A {@link PreviewReport} as one self-contained HTML file (`platform preview <env> --html FILE`):
 * the same model as the markdown comment (counts, policy violations with remediation, changes
 * by operation with property diffs, drift apart), inline CSS, no script, no network.
 */
import { ChangeModel, changedResources, PolicyFinding } from "../report/model";
import { exitCodeOf, mandatoryFindings, PreviewReport } from "./report";
import { codeValue, escapeHtml, htmlDocument, link, statusBadge, table } from "../report/html";

const TABLE_OPS = ["create", "update", "replace", "delete", "same"];

function countsTable(model: ChangeModel, policies: PolicyFinding[]): string {
  const extra = Object.keys(model.counts)
    .filter((op) => !TABLE_OPS.includes(op))
    .sort();
  const ops = [...TABLE_OPS, ...extra];
  const mandatory = policies.filter((p) => p.level === "mandatory").length;
  const row = [...ops.map((op) => String(model.counts[op] ?? 0)), String(mandatory)];
  row.push(String(policies.length - mandatory));
  return table([...ops, "policy: mandatory", "policy: advisory"], [row.map(escapeHtml)]);
}

/** Policy findings with their remediation steps. */
export function policyTable(findings: PolicyFinding[], remediation: Record<string, string> = {}): string {
  if (!findings.length) return `<p>No policy violations.</p>`;
  const rows = [...findings]
    .sort((a, b) => Number(a.level !== "mandatory") - Number(b.level !== "mandatory"))
    .map((p) => [
      statusBadge(p.level),
      `<code>${escapeHtml(p.policyName)}</code> <span class="muted">${escapeHtml(p.policyPack)}</span>`,
      `<code>${escapeHtml(p.resourceUrn ? p.resourceUrn.slice(p.resourceUrn.lastIndexOf("::") + 2) : "the stack")}</code>`,
      escapeHtml(p.message),
      escapeHtml(remediation[p.policyName] ?? ""),
    ]);
  return table(["level", "policy", "resource", "message", "remediation"], rows);
}

function changesTable(model: ChangeModel, empty: string, valueHeads: [string, string]): string {
  const changed = changedResources(model).sort(
    (a, b) => a.op.localeCompare(b.op) || a.urn.localeCompare(b.urn),
  );
  if (!changed.length) return `<p>${escapeHtml(empty)}</p>`;
  const rows: string[][] = [];
  for (const r of changed) {
    const resource = `<code>${escapeHtml(r.type)}</code> <strong>${escapeHtml(r.name)}</strong>`;
    const props = r.properties.length ? r.properties : [undefined];
    for (const p of props)
      rows.push([
        resource,
        statusBadge(r.op),
        p ? `<code>${escapeHtml(p.path)}</code>${p.kind === "replace" ? " (forces replacement)" : ""}` : "",
        p && p.kind !== "add" ? codeValue(p.before) : "",
        p && p.kind !== "delete" ? codeValue(p.after) : "",
      ]);
  }
  return table(["resource", "op", "property", ...valueHeads], rows);
}

/** `preview.html`: one self-contained file. */
export function renderPreviewHtml(report: PreviewReport): string {
  const ok = exitCodeOf(report) === 0;
  const mandatory = mandatoryFindings(report).length;
  const changed = changedResources(report.changes).length;
  const verdict = mandatory
    ? `${mandatory} mandatory policy violation(s)`
    : report.status === "failed"
      ? "preview failed"
      : "preview succeeded";
  const title = `Preview: ${report.stack}`;
  const facts = [
    ["project", report.project],
    ["stack", report.stack],
    ["workdir", report.workdir],
    ["commit", report.commit ?? "unknown"],
    ["PR", report.pr ? `#${report.pr}` : ""],
  ].filter(([, v]) => v);
  const out = [
    `<h1>${escapeHtml(title)}</h1>`,
    `<p><strong>Result: ${statusBadge(ok ? "succeeded" : "failed")}</strong> ${escapeHtml(verdict)} (${changed} resource(s) to change${report.drift ? `, drift: ${changedResources(report.drift).length}` : ""})</p>`,
    `<dl class="facts">${facts.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd><code>${escapeHtml(v)}</code></dd>`).join("")}${report.runUrl ? `<dt>run</dt><dd>${link(report.runUrl, report.runUrl)}</dd>` : ""}</dl>`,
    countsTable(report.changes, report.changes.policies),
  ];
  if (report.error) out.push(`<h2>Failure</h2>`, `<pre><code>${escapeHtml(report.error)}</code></pre>`);
  out.push(`<h2>Policy violations</h2>`, policyTable(report.changes.policies, report.remediation));
  out.push(`<h2>Changes</h2>`, changesTable(report.changes, "No resource changes.", ["state", "code"]));
  if (report.drift)
    out.push(
      `<h2>Drift since last deploy</h2>`,
      changesTable(report.drift, "No drift: the live world matches the state.", ["state", "live"]),
    );
  return htmlDocument(out.join("\n"), { title, css: "inline" });
}
