/**
 * The HTML building blocks every page and report uses: the one escaping function, values shown
 * exactly as the JSON reports show them (`[secret]` stays `[secret]`), status in words with a
 * class for colour, and the document shell (viewport meta, inline or linked CSS).
 */

const ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
  "`": "&#96;",
};

/**
 * Escapes text for an HTML text node or a quoted attribute value: `& < > " ' \``. Every
 * user-supplied string (names, messages, values, URLs in attributes) goes through here.
 */
export function escapeHtml(text: unknown): string {
  return String(text ?? "").replace(/[&<>"'`]/g, (c) => ENTITIES[c]);
}

/** A value as drift.json and the preview JSON hold it: `[secret]` as is, strings bare, else JSON. */
export function valueText(value: unknown, max = 400): string {
  if (value === undefined) return "(none)";
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** `<code>` of a value, escaped. */
export function codeValue(value: unknown): string {
  return `<code>${escapeHtml(valueText(value))}</code>`;
}

/**
 * Words for a status and the CSS class that colours it (the words carry the meaning).
 * `toneOf` picks the colour when the words are longer than the status. @default `status`
 */
export function statusBadge(status: string, toneOf: string = status): string {
  const tone: Record<string, string> = {
    Ready: "ok",
    "in-sync": "ok",
    succeeded: "ok",
    passed: "ok",
    "in sync": "ok",
    drifted: "warn",
    modified: "warn",
    deleted: "bad",
    Reconciling: "info",
    Retrying: "warn",
    Pending: "info",
    pending: "info",
    Stalled: "bad",
    failed: "bad",
    unknown: "bad",
    refused: "bad",
    Suspended: "warn",
    mandatory: "bad",
    advisory: "warn",
  };
  return `<span class="badge ${tone[toneOf] ?? "info"}">${escapeHtml(status)}</span>`;
}

/** A link only to http(s) URLs (anything else is shown as text). */
export function link(href: string | undefined, text: string): string {
  if (!href || !/^https?:\/\//.test(href)) return escapeHtml(text);
  return `<a href="${escapeHtml(href)}">${escapeHtml(text)}</a>`;
}

/** The stylesheet of every page: system fonts, tables that scroll at phone width. */
export const CSS = `
:root{color-scheme:light dark;--ok:#1a7f37;--warn:#9a6700;--bad:#cf222e;--info:#0969da;--line:#d0d7de}
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;padding:0 1rem 2rem;max-width:78rem;margin-inline:auto}
header{border-bottom:1px solid var(--line);padding:.6rem 0;margin-bottom:1rem;display:flex;gap:1rem;flex-wrap:wrap;align-items:baseline}
header a{font-weight:600}
h1{font-size:1.5rem;margin:.5rem 0}h2{font-size:1.2rem;margin-top:1.6rem}h3{font-size:1.05rem}
code{font:13px/1.3 ui-monospace,SFMono-Regular,Menlo,monospace;word-break:break-word;white-space:pre-wrap}
.table-wrap{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;width:100%;margin:.4rem 0 1rem}
th,td{border:1px solid var(--line);padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:rgba(127,127,127,.08)}
.badge{display:inline-block;border:1px solid currentColor;border-radius:1rem;padding:0 .5rem;font-size:.85em;font-weight:600;white-space:nowrap}
.ok{color:var(--ok)}.warn{color:var(--warn)}.bad{color:var(--bad)}.info{color:var(--info)}
.muted{opacity:.75}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dl.facts dt{font-weight:600}
@media (max-width:40rem){
 table.responsive thead{display:none}
 table.responsive tr{display:block;border:1px solid var(--line);margin-bottom:.6rem}
 table.responsive td{display:block;border:0;border-bottom:1px solid var(--line)}
 table.responsive td::before{content:attr(data-label) ": ";font-weight:600}
 dl.facts{grid-template-columns:1fr}
}
`;

/** A table whose rows turn into cards at phone width; cells are already HTML. */
export function table(headers: string[], rows: string[][], caption?: string): string {
  const head = headers.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join("");
  const body = rows
    .map(
      (r) =>
        `<tr>${r.map((cell, i) => `<td data-label="${escapeHtml(headers[i] ?? "")}">${cell}</td>`).join("")}</tr>`,
    )
    .join("\n");
  const cap = caption ? `<caption>${escapeHtml(caption)}</caption>` : "";
  return `<div class="table-wrap"><table class="responsive">${cap}<thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table></div>`;
}

/** How a document gets its CSS and script. */
export interface DocumentOptions {
  title: string;
  /** `inline`: a `<style>` element (static reports); `linked`: `/assets/dashboard.css` (the agent). */
  css: "inline" | "linked";
  /** Same-origin script URLs (the agent's live updates); none in static reports. */
  scripts?: string[];
  /** Header links, already HTML. */
  nav?: string;
}

/** A whole HTML document around `body` (already HTML). */
export function htmlDocument(body: string, opts: DocumentOptions): string {
  const style =
    opts.css === "inline" ? `<style>${CSS}</style>` : `<link rel="stylesheet" href="/assets/dashboard.css">`;
  const scripts = (opts.scripts ?? []).map((s) => `<script src="${escapeHtml(s)}" defer></script>`).join("");
  return [
    "<!doctype html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(opts.title)}</title>`,
    style,
    scripts,
    "</head>",
    "<body>",
    opts.nav ? `<header>${opts.nav}</header>` : "",
    `<main id="main">`,
    body,
    "</main>",
    "</body>",
    "</html>",
    "",
  ].join("\n");
}
