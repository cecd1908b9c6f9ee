// The shell every web page shares: one stylesheet (served from /ui/style.css so the
// Content-Security-Policy needs no inline styles), a navigation bar, and small builders for the
// tables, badges and links the pages are made of. Every text that reaches the HTML goes through
// escapeHtml; builders take text, never markup, unless the parameter says `html`.
import type { FindingSubject, Severity, WorkloadRef } from '../../core/domain.js';
import { escapeHtml } from '../../reports/render-html.js';
import { dateTime } from '../../reports/format.js';

export { escapeHtml };

export const STYLE_PATH = '/ui/style.css';

export const UI_CSS = `
:root { --ink: #1d2733; --muted: #5b6675; --line: #dfe3e8; --accent: #1f4e79; --bg-soft: #f5f7fa; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; }
nav { background: var(--accent); color: #fff; padding: 8px 32px; display: flex; gap: 18px; align-items: center; }
nav a { color: #fff; text-decoration: none; }
nav a:hover { text-decoration: underline; }
nav .brand { font-weight: 700; letter-spacing: .04em; }
nav .cluster { opacity: .8; }
nav form { margin: 0 0 0 auto; }
nav button { background: none; border: 1px solid #fff8; color: #fff; border-radius: 3px; padding: 2px 10px; cursor: pointer; }
main { max-width: 1180px; margin: 0 auto; padding: 20px 32px 48px; }
h1 { font-size: 24px; margin: 6px 0 2px; }
h2 { font-size: 18px; margin: 28px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); color: var(--accent); }
h3 { font-size: 15px; margin: 18px 0 6px; }
p { margin: 6px 0; }
a { color: var(--accent); }
.muted, .empty, figcaption { color: var(--muted); }
.empty { font-style: italic; }
.window { color: var(--muted); margin: 0 0 10px; }
.kpis { display: grid; grid-template-columns: repeat(auto-fit, minmax(160px, 1fr)); gap: 10px; margin: 12px 0 6px; }
.kpi { background: var(--bg-soft); border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; }
.kpi .label { font-size: 12px; color: var(--muted); }
.kpi .value { font-size: 22px; font-weight: 600; font-variant-numeric: tabular-nums; }
table { width: 100%; border-collapse: collapse; margin: 8px 0 14px; font-size: 12.5px; }
th, td { padding: 5px 7px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { background: var(--bg-soft); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.sev { display: inline-block; padding: 0 6px; border-radius: 3px; font-size: 11px; font-weight: 600; color: #fff; }
.sev-critical { background: #c0392b; } .sev-warning { background: #e08e0b; } .sev-info { background: #7f99b8; }
.finding { border: 1px solid var(--line); border-left: 4px solid #7f99b8; border-radius: 4px; padding: 8px 12px; margin: 10px 0; }
.finding.critical { border-left-color: #c0392b; } .finding.warning { border-left-color: #e08e0b; }
.finding h3 { margin: 2px 0 4px; }
dl.evidence { display: grid; grid-template-columns: 200px minmax(0, 1fr); gap: 3px 14px; margin: 8px 0; font-size: 13px; }
dl.evidence dt { color: var(--muted); }
dl.evidence dd { margin: 0; overflow-wrap: anywhere; }
pre { background: var(--bg-soft); border: 1px solid var(--line); border-radius: 4px; padding: 10px 12px; overflow-x: auto; font-size: 12px; }
figure.chart { margin: 12px 0 18px; }
figure.chart svg { max-width: 100%; height: auto; display: block; }
figcaption { font-size: 12px; margin-top: 4px; }
form.login { max-width: 360px; margin: 60px auto; border: 1px solid var(--line); border-radius: 6px; padding: 20px 24px; }
form.login label { display: block; margin: 10px 0 4px; }
form.login input { width: 100%; padding: 6px 8px; font: inherit; }
form.login button { margin-top: 14px; padding: 6px 16px; font: inherit; }
.error { color: #c0392b; }
footer { margin-top: 36px; font-size: 12px; color: var(--muted); border-top: 1px solid var(--line); padding-top: 8px; }
`;

export interface PageContext {
  readonly cluster: string;
  /** Show the log-out button: the caller came in with a session cookie. */
  readonly session: boolean;
  readonly now: number;
}

/** A whole HTML document around a page's body. */
export function page(title: string, body: string, context: PageContext | undefined): string {
  const nav = context
    ? `<nav><a class="brand" href="/">PLIMSOLL</a><span class="cluster">cluster ${escapeHtml(context.cluster)}</span>` +
      `<a href="/">Overview</a><a href="/ui/findings?status=open">Findings</a><a href="/docs">API</a>` +
      (context.session
        ? `<form method="post" action="/ui/logout"><button type="submit">Log out</button></form>`
        : '') +
      `</nav>`
    : `<nav><span class="brand">PLIMSOLL</span></nav>`;
  const footer = context
    ? `<footer>Generated ${escapeHtml(utc(context.now))}. Every figure here is also served as JSON under <a href="/docs">/api/v1</a>.</footer>`
    : '';
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>${escapeHtml(title)} · Plimsoll</title><link rel="stylesheet" href="${STYLE_PATH}"></head>` +
    `<body>${nav}<main>${body}${footer}</main></body></html>`
  );
}

/** "2026-11-16 00:00 UTC". */
export const utc = (t: number) => `${dateTime(t, 'UTC')} UTC`;

export const windowText = (window: { from: number; to: number }) =>
  `${utc(window.from)} to ${utc(window.to)}`;

export const link = (href: string, text: string) =>
  `<a href="${escapeHtml(href)}">${escapeHtml(text)}</a>`;

export const badge = (severity: Severity) => `<span class="sev sev-${severity}">${severity}</span>`;

export const empty = (text: string) => `<p class="empty">${escapeHtml(text)}</p>`;

export interface Column<Row> {
  readonly head: string;
  readonly numeric?: boolean;
  /** The cell's HTML: escape any text in it. */
  readonly html: (row: Row) => string;
}

/** A table; `rowKey` names each row in a data-row attribute (links, tests, scripts). */
export function table<Row>(
  columns: readonly Column<Row>[],
  rows: readonly Row[],
  rowKey?: (row: Row) => string,
): string {
  if (rows.length === 0) return '';
  const cls = (c: Column<Row>) => (c.numeric ? ' class="num"' : '');
  const tr = (row: Row) => (rowKey ? `<tr data-row="${escapeHtml(rowKey(row))}">` : '<tr>');
  return (
    `<table><thead><tr>${columns.map((c) => `<th${cls(c)}>${escapeHtml(c.head)}</th>`).join('')}</tr></thead><tbody>` +
    rows
      .map(
        (row) =>
          `${tr(row)}${columns.map((c) => `<td${cls(c)}>${c.html(row)}</td>`).join('')}</tr>`,
      )
      .join('\n') +
    `</tbody></table>`
  );
}

export const kpi = (label: string, value: string, id: string) =>
  `<div class="kpi" data-kpi="${escapeHtml(id)}"><div class="label">${escapeHtml(label)}</div><div class="value">${escapeHtml(value)}</div></div>`;

const seg = encodeURIComponent;

export const workloadPath = (w: WorkloadRef) =>
  `/ui/workloads/${seg(w.namespace)}/${seg(w.kind)}/${seg(w.name)}`;

export const namespacePath = (namespace: string) => `/ui/namespaces/${seg(namespace)}`;

export const findingPath = (id: string) => `/ui/findings/${seg(id)}`;

/** A node has no page of its own: its open findings are its view. */
export const nodeFindingsPath = (node: string) => `/ui/findings?status=open&node=${seg(node)}`;

/** What a finding is about, linked to the page that shows it. */
export function subjectHtml(subject: FindingSubject): string {
  switch (subject.type) {
    case 'node':
      return `node ${link(nodeFindingsPath(subject.node), subject.node)}`;
    case 'workload':
      return link(workloadPath(subject.workload), workloadText(subject.workload));
    case 'workload_container':
      return `${link(workloadPath(subject.workload), workloadText(subject.workload))} · ${escapeHtml(subject.container)}`;
    case 'cluster':
      return `cluster ${escapeHtml(subject.cluster)}`;
  }
}

export const workloadText = (w: WorkloadRef) => `${w.namespace}/${w.kind}/${w.name}`;
