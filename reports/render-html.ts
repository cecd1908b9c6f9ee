// The HTML report: one self-contained file (inline CSS, inline SVG charts, no script, no external
// fetch) that reads on a laptop screen and prints on A4/Letter without cut charts or tables.
import { reportTitle } from './digest.js';
import type { RenderedChart } from './render-svg.js';
import { bytes, coresText, date, dateTime, pricesText } from './format.js';
import type { ReportData } from './model.js';
import {
  capacityTable,
  changesTable,
  flappingTable,
  forecastTable,
  overheadTable,
  risksTable,
  allocationTable,
  allocationText,
  increasesTable,
  kpiFigures,
  netText,
  savingsTable,
  strandedTable,
  type Kpi,
  type Table,
} from './tables.js';

/** Every section, in order: the browser test and the Markdown renderer read the same list. */
export const REPORT_SECTIONS = [
  { id: 'summary', title: 'Summary' },
  { id: 'capacity', title: 'Capacity, requests and usage' },
  { id: 'trend', title: 'Trend and days to exhaustion' },
  { id: 'savings', title: 'Recommendations: savings and the cost of removing risks' },
  { id: 'risks', title: 'Top risks' },
  { id: 'incidents', title: 'Node flapping incidents' },
  { id: 'allocation', title: 'Cost by namespace and team' },
  { id: 'overhead', title: 'Node overhead and stranded capacity' },
  { id: 'changes', title: 'Week-over-week changes' },
  { id: 'method', title: 'Method notes' },
] as const;

export type SectionId = (typeof REPORT_SECTIONS)[number]['id'];

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

const CSS = `
:root { --ink: #1d2733; --muted: #5b6675; --line: #dfe3e8; --accent: #1f4e79; --bg-soft: #f5f7fa; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; }
main { max-width: 1000px; margin: 0 auto; padding: 28px 32px 48px; }
header { border-bottom: 3px solid var(--accent); padding-bottom: 12px; margin-bottom: 8px; }
header .kicker { text-transform: uppercase; letter-spacing: .08em; font-size: 12px; color: var(--muted); margin: 0; }
h1 { font-size: 26px; margin: 4px 0 2px; }
header .sub { color: var(--muted); margin: 0; }
h2 { font-size: 19px; margin: 34px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); color: var(--accent); }
h3 { font-size: 15px; margin: 20px 0 6px; }
p { margin: 6px 0; }
.muted, figcaption, .empty { color: var(--muted); }
.empty { font-style: italic; }
.banner { background: #fff4e5; border-left: 4px solid #e08e0b; padding: 10px 14px; margin: 14px 0; }
.banner.nodata { background: #fdecea; border-color: #c0392b; }
ul.headline { padding-left: 20px; margin: 8px 0; }
ul.headline li { margin: 4px 0; }
.kpis { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: 10px; margin: 14px 0 6px; }
.kpi { background: var(--bg-soft); border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; }
.kpi .label { font-size: 12px; color: var(--muted); }
.kpi .value { font-size: 20px; font-weight: 600; font-variant-numeric: tabular-nums; }
.kpi .note { font-size: 12px; color: var(--muted); }
table { width: 100%; border-collapse: collapse; margin: 8px 0 14px; font-size: 12.5px; }
th, td { padding: 5px 7px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { background: var(--bg-soft); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tbody tr:nth-child(even) td { background: #fbfcfd; }
.sev { display: inline-block; padding: 0 6px; border-radius: 3px; font-size: 11px; font-weight: 600; color: #fff; }
.sev-critical { background: #c0392b; } .sev-warning { background: #e08e0b; } .sev-info { background: #7f99b8; }
figure.chart { margin: 14px 0 18px; }
figure.chart h3 { margin: 0 0 4px; }
figure.chart svg { max-width: 100%; height: auto; display: block; }
figcaption { font-size: 12px; margin-top: 4px; }
dl.method { display: grid; grid-template-columns: 190px 1fr; gap: 4px 14px; margin: 8px 0; }
dl.method dt { color: var(--muted); }
dl.method dd { margin: 0; }
footer { margin-top: 36px; font-size: 12px; color: var(--muted); border-top: 1px solid var(--line); padding-top: 8px; }
@media print {
  @page { size: A4; margin: 14mm 12mm; }
  body { font-size: 10.5pt; }
  main { max-width: none; padding: 0; }
  h2 { break-after: avoid; page-break-after: avoid; }
  figure.chart, .kpis, tr { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  tbody tr:nth-child(even) td { background: none; }
  .kpi, th { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
`;

function table(t: Table, className = ''): string {
  if (t.rows.length === 0) return '';
  const cell = (tag: 'th' | 'td', text: string, i: number) => {
    const numeric = t.numeric.includes(i) ? ' class="num"' : '';
    const content =
      tag === 'td' && t.head[i] === 'Severity'
        ? `<span class="sev sev-${escapeHtml(text)}">${escapeHtml(text)}</span>`
        : escapeHtml(text);
    return `<${tag}${numeric}>${content}</${tag}>`;
  };
  return (
    `<table${className ? ` class="${className}"` : ''}><thead><tr>${t.head.map((h, i) => cell('th', h, i)).join('')}</tr></thead>` +
    `<tbody>${t.rows.map((row) => `<tr>${row.map((c, i) => cell('td', c, i)).join('')}</tr>`).join('\n')}</tbody></table>`
  );
}

function figure(chart: RenderedChart | undefined): string {
  if (!chart) return '';
  return (
    `<figure class="chart" id="chart-${chart.id}" data-chart="${chart.id}"><h3>${escapeHtml(chart.title)}</h3>` +
    `${chart.svg}<figcaption>${escapeHtml(chart.caption)}</figcaption></figure>`
  );
}

/** The newest incident of each node: its next step supersedes the earlier ones. */
function latestPerNode(incidents: ReportData['flapping']): ReportData['flapping'] {
  const latest = new Map<string, ReportData['flapping'][number]>();
  for (const i of incidents) {
    const seen = latest.get(i.node);
    if (!seen || seen.window.from < i.window.from) latest.set(i.node, i);
  }
  return [...latest.values()];
}

const empty = (text: string) => `<p class="empty">${escapeHtml(text)}</p>`;

function kpis(data: ReportData): string {
  const card = (k: Kpi) =>
    `<div class="kpi"><div class="label">${escapeHtml(k.label)}</div><div class="value">${escapeHtml(k.value)}</div><div class="note">${escapeHtml(k.note)}</div></div>`;
  return `<div class="kpis">${kpiFigures(data).map(card).join('')}</div>`;
}

function section(id: SectionId, body: string): string {
  const title = REPORT_SECTIONS.find((s) => s.id === id)!.title;
  return `<section id="${id}"><h2>${escapeHtml(title)}</h2>\n${body}\n</section>`;
}

export function renderHtml(data: ReportData, charts: readonly RenderedChart[]): string {
  const chart = (id: string) => figure(charts.find((c) => c.id === id));
  const tz = data.timezone;
  const lastDay = date(data.window.to - 1, tz);
  const title = reportTitle(data);
  const noData = 'No data for this week.';
  const sections: string[] = [];

  sections.push(
    section(
      'summary',
      (data.hasData
        ? ''
        : `<div class="banner nodata"><strong>No data.</strong> ${escapeHtml(data.headline[0] ?? '')}</div>`) +
        (data.partial && data.hasData
          ? `<div class="banner">Week to date: this week has not ended yet.</div>`
          : '') +
        (data.hasData ? kpis(data) : '') +
        `<ul class="headline">${(data.hasData ? data.headline : data.headline.slice(1)).map((l) => `<li>${escapeHtml(l)}</li>`).join('')}</ul>`,
    ),
  );
  sections.push(
    section(
      'capacity',
      data.current.pools.length === 0
        ? empty(noData)
        : table(capacityTable(data)) +
            chart('capacity-cpu') +
            chart('capacity-memory') +
            (data.current.unscheduledPods > 0
              ? `<p class="muted">${data.current.unscheduledPods} pod(s) were waiting for a node at the end of the week, requesting ${escapeHtml(coresText(data.current.unscheduledRequests.cpuCores))} and ${escapeHtml(bytes(data.current.unscheduledRequests.memoryBytes))}.</p>`
              : ''),
    ),
  );
  sections.push(
    section(
      'trend',
      !data.trend.some((w) => w.hasData)
        ? empty(noData)
        : chart('trend-cpu') +
            chart('trend-memory') +
            '<h3>Days to exhaustion</h3>' +
            (data.forecasts.length
              ? table(forecastTable(data))
              : empty('No allocatable capacity to forecast against.')),
    ),
  );
  sections.push(
    section(
      'savings',
      data.savings.count + data.increases.count === 0
        ? empty(data.hasData ? 'No right-sizing recommendation was open this week.' : noData)
        : `<p>${escapeHtml(netText(data))}</p>` +
            chart('savings') +
            (data.savings.rows.length > 0
              ? `<h3>Savings${data.savings.count > data.savings.rows.length ? ` (top ${data.savings.rows.length} of ${data.savings.count})` : ''}</h3>` +
                table(savingsTable(data))
              : '') +
            (data.increases.rows.length > 0
              ? `<h3>Increases that remove risks${data.increases.count > data.increases.rows.length ? ` (top ${data.increases.rows.length} of ${data.increases.count})` : ''}</h3>` +
                table(increasesTable(data))
              : ''),
    ),
  );
  sections.push(
    section(
      'risks',
      data.risks.rows.length === 0
        ? empty(
            data.hasData
              ? 'No OOM loop, under-requested container, tight limit or saturated pool this week.'
              : noData,
          )
        : `<p>${data.risks.count} risk${data.risks.count === 1 ? '' : 's'}: ${escapeHtml(
            Object.entries(data.risks.byKind)
              .map(([k, n]) => `${n} ${k.replace(/^[a-z_]+:/, '').replace(/_/g, ' ')}`)
              .join(', '),
          )}.</p>` + table(risksTable(data)),
    ),
  );
  sections.push(
    section(
      'incidents',
      data.flapping.length === 0
        ? empty(data.hasData ? 'No node flapped under memory pressure this week.' : noData)
        : chart('flapping') +
            table(flappingTable(data)) +
            latestPerNode(data.flapping)
              .map(
                (i) =>
                  `<p><strong>Next step for ${escapeHtml(i.node)}:</strong> ${escapeHtml(i.recommendation)}</p>`,
              )
              .join(''),
    ),
  );
  sections.push(
    section(
      'overhead',
      data.overhead.length === 0
        ? empty(noData)
        : chart('breakdown') +
            '<h3>Node overhead (capacity − allocatable)</h3>' +
            table(overheadTable(data)) +
            '<h3>Stranded capacity</h3>' +
            table(strandedTable(data)),
    ),
  );
  sections.push(
    section(
      'allocation',
      data.allocation.namespaceCount === 0
        ? empty(noData)
        : `<p>${escapeHtml(allocationText(data))}</p>` +
            `<h3>Namespaces${data.allocation.namespaceCount > data.allocation.namespaces.length ? ` (top ${data.allocation.namespaces.length} of ${data.allocation.namespaceCount})` : ''}</h3>` +
            table(allocationTable(data.allocation.namespaces, 'Namespace', data.currency)) +
            `<h3>Teams${data.allocation.teamCount > data.allocation.teams.length ? ` (top ${data.allocation.teams.length} of ${data.allocation.teamCount})` : ''}</h3>` +
            table(allocationTable(data.allocation.teams, 'Team', data.currency)),
    ),
  );
  sections.push(
    section(
      'changes',
      !data.hasData
        ? empty(noData)
        : data.changes.every((d) => d.previous === null)
          ? empty(`No data for the previous week: nothing to compare with.`) +
            table(changesTable(data))
          : table(changesTable(data)),
    ),
  );
  const m = data.method;
  sections.push(
    section(
      'method',
      '<dl class="method">' +
        `<dt>Window</dt><dd>${escapeHtml(`${dateTime(m.window.from, tz)} to ${dateTime(m.window.to, tz)} (${tz}), ISO week ${data.week}`)}</dd>` +
        `<dt>Trend weeks</dt><dd>${escapeHtml(m.trendWeeks.join(', '))}</dd>` +
        `<dt>Usage metrics</dt><dd>${escapeHtml(m.usageMetrics.join(', '))}; percentile p${m.percentile}</dd>` +
        `<dt>Prices</dt><dd>${escapeHtml(pricesText(m))}</dd>` +
        `<dt>Generated</dt><dd>${escapeHtml(`${dateTime(data.generatedAt, tz)} ${tz}`)}</dd>` +
        '</dl>' +
        `<ul>${m.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>`,
    ),
  );

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
<header>
<p class="kicker">Plimsoll weekly capacity report</p>
<h1>${escapeHtml(data.cluster)} · ${escapeHtml(data.week)}</h1>
<p class="sub">${escapeHtml(`${date(data.window.from, tz)} to ${lastDay} (${tz})${data.partial ? ' · week to date' : ''}`)}</p>
</header>
${sections.join('\n')}
<footer>Generated by Plimsoll on ${escapeHtml(`${dateTime(data.generatedAt, tz)} ${tz}`)}. The same figures are available as JSON, CSV and Markdown, and from the API.</footer>
</main>
</body>
</html>
`;
}
