/**
 * A {@link DriftReport} as HTML: the sections the agent's environment page shows and the
 * self-contained `drift.html` written beside drift.json and drift.md (inline CSS, no script, no
 * network). The same model as the markdown: drift (live vs state) apart from pending code
 * changes (code vs state); values exactly as in drift.json (`[secret]` stays `[secret]`).
 */
import type { DriftReport } from "./model";
import { headline } from "./render";
import { groupResources } from "./components";
import { codeValue, escapeHtml, htmlDocument, statusBadge, table } from "../report/html";

/** The drifted resources, each property with its state and live value side by side. */
export function driftTable(report: DriftReport): string {
  if (!report.drift.length) return `<p>No drift: the live world matches the state.</p>`;
  const groups = groupResources(report);
  const componentOf = new Map(groups.flatMap((g) => g.rows.map((r) => [r.urn, g.component] as const)));
  const rows: string[][] = [];
  const ordered = [...report.drift].sort(
    (a, b) =>
      (a.unit ?? "").localeCompare(b.unit ?? "") ||
      Number(a.change !== "deleted") - Number(b.change !== "deleted") ||
      a.name.localeCompare(b.name),
  );
  for (const d of ordered) {
    const c = componentOf.get(d.urn);
    const unit = d.unit ? `unit <strong>${escapeHtml(d.unit)}</strong>: ` : "";
    const where = unit + (c ? `${escapeHtml(c.family)} <code>${escapeHtml(c.name)}</code>` : "");
    const resource = `<code>${escapeHtml(d.type)}</code> <strong>${escapeHtml(d.name)}</strong>`;
    if (!d.properties.length) {
      rows.push([resource, where, statusBadge(d.change), "", "", d.change === "deleted" ? "(deleted)" : ""]);
      continue;
    }
    for (const p of d.properties)
      rows.push([
        resource,
        where,
        statusBadge(d.change),
        `<code>${escapeHtml(p.path)}</code>`,
        codeValue(p.state),
        codeValue(p.live),
      ]);
  }
  return table(["resource", "component", "change", "property", "state", "live"], rows);
}

/** Pending code changes (code vs state): not drift, a deploy that has not happened. */
export function pendingTable(report: DriftReport): string {
  if (!report.pendingChanges.length) return `<p>No pending code changes: the state matches the code.</p>`;
  const rows: string[][] = [];
  for (const p of report.pendingChanges) {
    const unit = p.unit ? `unit <strong>${escapeHtml(p.unit)}</strong>: ` : "";
    const resource = `${unit}<code>${escapeHtml(p.type)}</code> <strong>${escapeHtml(p.name)}</strong>`;
    const props = p.properties.length ? p.properties : [undefined];
    for (const c of props)
      rows.push([
        resource,
        escapeHtml(p.op),
        c ? `<code>${escapeHtml(c.path)}</code>` : "",
        c ? codeValue(c.state) : "",
        c ? codeValue(c.desired) : "",
      ]);
  }
  return table(["resource", "op", "property", "state", "code"], rows);
}

/**
 * Every resource grouped by component (tenant, app, cluster, cloud): the components that need
 * attention (drifted or pending) first, open; the ones in sync folded in one collapsed
 * `<details>`. In a units environment each component names its unit.
 */
export function resourcesByComponent(report: DriftReport): string {
  const groups = groupResources(report);
  if (!groups.length) return `<p>No resources were read.</p>`;
  const unitOf = new Map((report.resources ?? []).map((r) => [r.urn, r.unit] as const));
  const render = (g: (typeof groups)[number]) => {
    const unit = g.rows.map((r) => unitOf.get(r.urn)).find(Boolean);
    const title = `${unit ? `unit ${unit}, ` : ""}${g.component.family}: ${g.component.name}`;
    const drift = g.drifted ? ` (${g.drifted} drifted)` : "";
    const rows = g.rows.map((r) => [
      `<strong>${escapeHtml(r.name)}</strong>`,
      `<code>${escapeHtml(r.type)}</code>`,
      statusBadge(r.state === "pending" ? `pending ${r.pendingOp ?? ""}`.trim() : r.state, r.state),
    ]);
    return `<h3>${escapeHtml(title)}${escapeHtml(drift)}</h3>\n${table(["resource", "type", "state"], rows)}`;
  };
  const quiet = (g: (typeof groups)[number]) => g.rows.every((r) => r.state === "in sync");
  const attention = groups.filter((g) => !quiet(g)).map(render);
  const inSync = groups.filter(quiet);
  const resources = inSync.reduce((n, g) => n + g.rows.length, 0);
  const folded = inSync.length
    ? `<details class="in-sync"><summary>${escapeHtml(
        `${inSync.length} component(s) in sync (${resources} resources)`,
      )}</summary>\n${inSync.map(render).join("\n")}\n</details>`
    : "";
  return [...attention, folded].filter(Boolean).join("\n");
}

/** A units environment's stacks: the ones that need attention first, the ones in sync folded. */
export function unitsTable(report: DriftReport): string {
  const units = report.units ?? [];
  const row = (u: (typeof units)[number]) => [
    `<strong>${escapeHtml(u.unit)}</strong>`,
    `<code>${escapeHtml(u.stack)}</code>`,
    statusBadge(u.status),
    escapeHtml(u.counts.resources),
    escapeHtml(u.counts.drifted),
    escapeHtml(u.counts.pending),
    u.remediation ? escapeHtml(`${u.remediation.action} ${u.remediation.result}`) : "",
    escapeHtml(u.errors.join("; ")),
  ];
  const head = ["unit", "stack", "status", "resources", "drifted", "pending", "action", "errors"];
  const quiet = (u: (typeof units)[number]) => u.status === "in-sync" && !u.counts.pending && !u.remediation;
  const attention = units.filter((u) => !quiet(u));
  const inSync = units.filter(quiet);
  return [
    attention.length ? table(head, attention.map(row)) : `<p>No unit needs attention.</p>`,
    inSync.length
      ? `<details class="in-sync"><summary>${escapeHtml(
          `${inSync.length} unit(s) in sync: ${inSync.map((u) => u.unit).join(", ")}`,
        )}</summary>\n${table(head, inSync.map(row))}\n</details>`
      : "",
  ]
    .filter(Boolean)
    .join("\n");
}

function list(items: string[]): string {
  return `<ul>${items.map((i) => `<li>${escapeHtml(i)}</li>`).join("")}</ul>`;
}

/** The report's sections, headings from `level` down (2: `<h2>`). */
export function driftSections(report: DriftReport, level = 2): string {
  const h = (n: number, text: string, id?: string) =>
    `<h${n}${id ? ` id="${id}"` : ""}>${escapeHtml(text)}</h${n}>`;
  const u = report.lastUpdate;
  const out = [
    `<p><strong>Status: ${statusBadge(report.status)}</strong> ${escapeHtml(headline(report))}</p>`,
    `<dl class="facts"><dt>generated</dt><dd>${escapeHtml(report.generatedAt)} (${escapeHtml(report.durationSeconds.toFixed(1))} s)</dd>`,
    u
      ? `<dt>last update</dt><dd>${escapeHtml([u.time, u.kind, u.result].filter(Boolean).join(", "))}; commit <code>${escapeHtml(u.commit ?? "unknown")}</code> by ${escapeHtml(u.author ?? "unknown")}</dd>`
      : "",
    `<dt>counts</dt><dd>${escapeHtml(
      `${report.counts.resources} resources, ${report.counts.drifted} drifted (${report.counts.modified} modified, ${report.counts.deleted} deleted), ${report.counts.pending} pending code changes`,
    )}</dd>`,
    report.pendingOperations
      ? `<dt>pending operations</dt><dd>${escapeHtml(report.pendingOperations)}</dd>`
      : "",
    `</dl>`,
    ...(report.units?.length ? [h(level, "Units", "units"), unitsTable(report)] : []),
    h(level, "Drift (live world vs state)", "drift"),
    driftTable(report),
    h(level, "Pending code changes (code vs state; not drift)", "pending"),
    pendingTable(report),
  ];
  if (report.errors.length) out.push(h(level, "Errors"), list(report.errors));
  if (report.warnings.length) out.push(h(level, "Warnings"), list(report.warnings));
  if (report.remediation) {
    const r = report.remediation;
    out.push(h(level, `${r.action === "accept" ? "Accepted" : "Remediation"}: ${r.result}`), list(r.reasons));
    if (r.specEdits?.length) out.push(`<p>Spec edits for a PR:</p>`, list(r.specEdits));
  }
  out.push(h(level, "Resources by component", "resources"), resourcesByComponent(report));
  return out.filter(Boolean).join("\n");
}

/** `drift.html`: one self-contained file (inline CSS, no script, nothing from the network). */
export function renderDriftHtml(report: DriftReport): string {
  const title = `Drift report: ${report.environment}`;
  return htmlDocument(`<h1>${escapeHtml(title)}</h1>\n${driftSections(report)}`, { title, css: "inline" });
}
