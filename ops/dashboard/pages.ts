/**
 * The agent's dashboard pages, rendered on the server from {@link EnvironmentView}s: the overview
 * of every environment and one page per environment. Plain HTML that reads with JavaScript off;
 * /assets/live.js (same origin, allowed by the CSP) only swaps `<main>` when `/events` says the
 * status changed.
 */
import type { Condition } from "../agent/status";
import { driftSections } from "../drift/html";
import type { CommitInfo, PolicyResults } from "./facts";
import { escapeHtml, htmlDocument, statusBadge, table } from "../report/html";
import type { EnvironmentView } from "./view";

const SCRIPTS = ["/assets/live.js"];

function nav(): string {
  return `<a href="/">platform agent</a><span class="muted">read-only dashboard</span>`;
}

const envHref = (name: string) => `/environments/${encodeURIComponent(name)}`;

/** A commit: short id (linked on a known forge), subject, author, time. */
export function commitCell(c: CommitInfo | undefined): string {
  if (!c) return `<span class="muted">none yet</span>`;
  const id = c.url
    ? `<a href="${escapeHtml(c.url)}"><code>${escapeHtml(c.short)}</code></a>`
    : `<code>${escapeHtml(c.short)}</code>`;
  const rest = [c.subject, c.author && `by ${c.author}`, c.time].filter(Boolean).map(escapeHtml).join(" · ");
  return `${id}${rest ? ` ${rest}` : ""}`;
}

function conditionsCell(conditions: Condition[]): string {
  return conditions
    .map(
      (c) => `${escapeHtml(c.type)}=${escapeHtml(c.status)}${c.reason ? ` (${escapeHtml(c.reason)})` : ""}`,
    )
    .join("<br>");
}

function driftCell(v: EnvironmentView): string {
  const d = v.status.drift;
  const words = d.status === "drifted" ? `drifted: ${d.drifted} resource(s)` : d.status;
  return `${statusBadge(words, d.status)}${d.checkedAt ? ` <span class="muted">checked ${escapeHtml(d.checkedAt)}</span>` : ""}`;
}

/** The overview: one row per environment. */
export function renderOverview(views: EnvironmentView[]): string {
  const rows = views.map((v) => [
    `<a href="${escapeHtml(envHref(v.status.name))}"><strong>${escapeHtml(v.status.name)}</strong></a>`,
    statusBadge(v.status.phase),
    conditionsCell(v.status.conditions),
    commitCell(v.applied),
    driftCell(v),
    v.pending
      ? `${commitCell(v.pending.commit)} ${statusBadge(v.pending.phase)}${v.pending.reason ? ` ${escapeHtml(v.pending.reason)}` : ""}`
      : `<span class="muted">none</span>`,
    v.status.suspended ? statusBadge("Suspended") : "no",
  ]);
  const body = [
    `<h1>Environments</h1>`,
    `<p class="muted">${escapeHtml(`${views.length} environment(s) reconciled by this agent`)}</p>`,
    table(
      [
        "environment",
        "phase",
        "conditions",
        "last applied revision",
        "drift",
        "pending revision",
        "suspended",
      ],
      rows,
    ),
  ].join("\n");
  return htmlDocument(body, {
    title: "platform agent: environments",
    css: "linked",
    scripts: SCRIPTS,
    nav: nav(),
  });
}

function policySection(title: string, results: PolicyResults | undefined, none: string): string {
  if (!results) return `<h3>${escapeHtml(title)}</h3><p class="muted">${escapeHtml(none)}</p>`;
  const packs = results.packs.length
    ? `<p>${results.packs.map((p) => `${escapeHtml(p.name)} ${statusBadge(p.passed ? "passed" : "failed")}`).join("; ")}</p>`
    : "";
  const rows = results.violations.map((x) => [
    statusBadge(x.level),
    `<code>${escapeHtml(x.policy)}</code>`,
    `<code>${escapeHtml(x.resource)}</code>`,
    escapeHtml(x.message),
  ]);
  const violations = rows.length
    ? table(["level", "policy", "resource", "message"], rows)
    : `<p>No policy violations reported.</p>`;
  return `<h3>${escapeHtml(title)}</h3>${packs}${violations}`;
}

function historySection(v: EnvironmentView): string {
  if (v.historyError) return `<p class="bad">${escapeHtml(v.historyError)}</p>`;
  if (!v.history?.length) return `<p class="muted">No updates recorded yet.</p>`;
  // numbered as `platform history` numbers them (on a file backend: by position, oldest = 1)
  const versions = v.history.some((h) => (h.version ?? 0) > 0);
  const rows = v.history.map((h) => [
    ...(versions ? [escapeHtml(h.version ?? "")] : []),
    escapeHtml(h.kind),
    statusBadge(h.result),
    h.commit ? `<code title="${escapeHtml(h.commit)}">${escapeHtml(h.commit.slice(0, 12))}</code>` : "",
    escapeHtml(h.author ?? ""),
    h.pr ? `#${escapeHtml(h.pr)}` : "",
    escapeHtml(h.startTime ?? ""),
    h.durationSeconds !== undefined ? `${escapeHtml(h.durationSeconds.toFixed(1))} s` : "",
    escapeHtml((h.workloads ?? []).join(", ")),
  ]);
  const heads = ["kind", "result", "commit", "author", "PR", "started", "duration", "workloads changed"];
  return table(versions ? ["version", ...heads] : heads, rows);
}

/** An environment's units (the status lists the ones needing attention first). */
function unitsSection(units: NonNullable<EnvironmentView["status"]["units"]>): string {
  const rev = (r: string | undefined) =>
    r
      ? `<code title="${escapeHtml(r)}">${escapeHtml(r.slice(0, 12))}</code>`
      : `<span class="muted">none</span>`;
  const rows = units.map((u) => [
    escapeHtml(u.name),
    statusBadge(u.phase),
    rev(u.lastAppliedRevision),
    rev(u.lastAttemptedRevision),
    escapeHtml(u.reason),
    escapeHtml(u.message),
  ]);
  return table(["unit", "phase", "applied", "attempted", "reason", "message"], rows);
}

/** One environment's page. */
export function renderEnvironment(v: EnvironmentView): string {
  const s = v.status;
  const out = [
    `<h1>Environment ${escapeHtml(s.name)}</h1>`,
    `<dl class="facts">`,
    `<dt>phase</dt><dd>${statusBadge(s.phase)}</dd>`,
    `<dt>conditions</dt><dd>${conditionsCell(s.conditions)}</dd>`,
    `<dt>last applied revision</dt><dd>${commitCell(v.applied)}${s.lastAppliedAt ? ` <span class="muted">applied ${escapeHtml(s.lastAppliedAt)}</span>` : ""}</dd>`,
    `<dt>pending revision</dt><dd>${v.pending ? `${commitCell(v.pending.commit)} ${statusBadge(v.pending.phase)}` : "none"}</dd>`,
    `<dt>drift</dt><dd>${driftCell(v)}</dd>`,
    `<dt>suspended</dt><dd>${s.suspended ? "yes" : "no"}</dd>`,
    `</dl>`,
  ];
  if (s.units?.length) out.push(`<h2>Units</h2>`, unitsSection(s.units));
  if (v.pending?.reason)
    out.push(
      `<h2>Refused or pending revision</h2>`,
      `<p>${statusBadge(v.pending.phase)} <strong>${escapeHtml(v.pending.reason)}</strong>: ${escapeHtml(v.pending.message ?? "")}</p>`,
    );
  if (v.locks.length || v.pendingOperations.length) {
    out.push(`<h2>Locks and pending operations</h2><ul>`);
    out.push(...v.locks.map((l) => `<li>lock: ${escapeHtml(l)}</li>`));
    out.push(...v.pendingOperations.map((p) => `<li>pending operation: ${escapeHtml(p)}</li>`));
    out.push(`</ul>`);
  }
  out.push(`<h2>Last drift check</h2>`);
  out.push(v.drift ? driftSections(v.drift, 3) : `<p class="muted">No drift check has finished yet.</p>`);
  out.push(`<h2>Policy results</h2>`);
  out.push(policySection("last apply", v.appliedPolicies, "no up log of the last applied revision"));
  if (v.pending)
    out.push(
      policySection(
        `revision ${v.pending.commit.short} (${v.pending.phase})`,
        v.pending.policies,
        "no up log of this revision yet",
      ),
    );
  out.push(`<h2>Update history</h2>`, historySection(v));
  return htmlDocument(out.join("\n"), {
    title: `platform agent: ${s.name}`,
    css: "linked",
    scripts: SCRIPTS,
    nav: nav(),
  });
}

/** The script of /assets/live.js: swaps `<main>` for the server's newer one on each event. */
export const LIVE_JS = `"use strict";
(function () {
  if (!window.EventSource || !window.DOMParser) return;
  var es = new EventSource("/events");
  es.onmessage = function () {
    fetch(location.pathname, { headers: { accept: "text/html" } })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var next = new DOMParser().parseFromString(html, "text/html").getElementById("main");
        var main = document.getElementById("main");
        if (next && main) { main.replaceWith(next); document.body.dataset.updated = String(Date.now()); }
      })
      .catch(function () {});
  };
})();
`;
