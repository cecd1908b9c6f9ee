// The pages about findings: the cluster overview at `/` (open verdicts by severity and
// namespace), a filtered list (the dashboards' data links land here), and one finding whole.
import { SEVERITIES, type Finding, type Severity } from '../../core/domain.js';
import { MAX_LISTED } from '../workload-data.js';
import {
  badge,
  empty,
  escapeHtml,
  findingPath,
  kpi,
  link,
  namespacePath,
  nodeFindingsPath,
  subjectHtml,
  table,
  utc,
  windowText,
  type Column,
} from './layout.js';

const MAX_ATTENTION_ROWS = 40;

/** The severity cards: open findings of each severity. */
export const severityKpis = (counts: Record<Severity, number>) =>
  SEVERITIES.map((s) => kpi(`${s} open`, String(counts[s]), s)).join('');

const bySeverityThenRecent = (a: Finding, b: Finding) =>
  SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) || b.lastSeen - a.lastSeen;

/** Open findings per severity. */
export function severityCounts(findings: readonly Finding[]): Record<Severity, number> {
  const counts: Record<Severity, number> = { critical: 0, warning: 0, info: 0 };
  for (const f of findings) counts[f.severity] += 1;
  return counts;
}

/** Where a finding belongs on the overview: its namespace, or its node. */
const placeOf = (f: Finding) =>
  f.subject.type === 'workload' || f.subject.type === 'workload_container'
    ? { namespace: f.subject.workload.namespace }
    : f.subject.type === 'node'
      ? { node: f.subject.node }
      : {};

interface Group {
  readonly name: string;
  readonly href: string;
  readonly counts: Record<Severity, number>;
  readonly total: number;
}

function groups(
  findings: readonly Finding[],
  keyOf: (f: Finding) => string | undefined,
  href: (name: string) => string,
): Group[] {
  const byKey = new Map<string, Finding[]>();
  for (const f of findings) {
    const key = keyOf(f);
    if (key !== undefined) byKey.set(key, [...(byKey.get(key) ?? []), f]);
  }
  return [...byKey.entries()]
    .map(([name, list]) => ({
      name,
      href: href(name),
      counts: severityCounts(list),
      total: list.length,
    }))
    .sort(
      (a, b) =>
        b.counts.critical - a.counts.critical ||
        b.counts.warning - a.counts.warning ||
        b.total - a.total ||
        a.name.localeCompare(b.name),
    );
}

const groupColumns = (head: string): Column<Group>[] => [
  { head, html: (g) => link(g.href, g.name) },
  ...SEVERITIES.map((s) => ({
    head: s,
    numeric: true,
    html: (g: Group) => String(g.counts[s]),
  })),
  { head: 'open findings', numeric: true, html: (g: Group) => String(g.total) },
];

const findingColumns: Column<Finding>[] = [
  { head: 'severity', html: (f) => badge(f.severity) },
  { head: 'kind', html: (f) => escapeHtml(f.kind.replaceAll('_', ' ')) },
  { head: 'subject', html: (f) => subjectHtml(f.subject) },
  { head: 'finding', html: (f) => link(findingPath(f.id), f.title) },
  { head: 'last seen', html: (f) => escapeHtml(utc(f.lastSeen)) },
];

export function findingTable(findings: readonly Finding[]): string {
  return table(findingColumns, [...findings].sort(bySeverityThenRecent), (f) => f.id);
}

export function overviewBody(cluster: string, open: readonly Finding[]): string {
  const counts = severityCounts(open);
  const namespaces = groups(open, (f) => placeOf(f).namespace, namespacePath);
  const nodes = groups(open, (f) => placeOf(f).node, nodeFindingsPath);
  const attention = [...open.filter((f) => f.severity !== 'info')].sort(bySeverityThenRecent);
  const shown = attention.slice(0, MAX_ATTENTION_ROWS);
  return (
    `<h1>Cluster ${escapeHtml(cluster)}</h1>` +
    `<p class="window">Open findings: verdicts the analyzers hold now. Each finding states the window its evidence covers.</p>` +
    `<div class="kpis">${severityKpis(counts)}` +
    `${kpi('open findings', String(open.length), 'total')}</div>` +
    `<h2>By namespace</h2>` +
    (table(groupColumns('namespace'), namespaces, (g) => `namespace/${g.name}`) ||
      empty('No open finding about a workload.')) +
    `<h2>By node</h2>` +
    (table(groupColumns('node'), nodes, (g) => `node/${g.name}`) ||
      empty('No open finding about a node.')) +
    `<h2>Needs attention</h2>` +
    (attention.length > shown.length
      ? `<p class="muted">The ${shown.length} most severe and recent of ${attention.length}: ${link('/ui/findings?status=open&severity=critical,warning', 'see them all')}.</p>`
      : '') +
    (findingTable(shown) || empty('No critical or warning finding is open.'))
  );
}

export function findingListBody(title: string, findings: readonly Finding[], capped: boolean) {
  return (
    `<h1>${escapeHtml(title)}</h1>` +
    `<p class="window">${findings.length} finding${findings.length === 1 ? '' : 's'}${capped ? ` (the first ${MAX_LISTED.toLocaleString('en-US')}; narrow the filter)` : ''}.</p>` +
    (findingTable(findings) || empty('No finding matches.'))
  );
}

/** One evidence value as text: numbers and strings plainly, structures as JSON. */
function evidenceValue(value: unknown): string {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
    return escapeHtml(String(value));
  if (value === undefined || value === null) return '–';
  return `<pre>${escapeHtml(JSON.stringify(value, null, 2))}</pre>`;
}

export function findingCard(f: Finding, heading: 'h1' | 'h3' = 'h3'): string {
  const title = heading === 'h1' ? escapeHtml(f.title) : link(findingPath(f.id), f.title);
  return (
    `<section class="finding ${f.severity}" id="finding-${escapeHtml(f.id)}" data-finding="${escapeHtml(f.id)}">` +
    `<${heading}>${badge(f.severity)} ${title}</${heading}>` +
    `<p class="muted">${escapeHtml(f.kind.replaceAll('_', ' '))}${f.category ? ` · ${escapeHtml(f.category)}` : ''} · ${escapeHtml(f.status)} · evidence ${escapeHtml(windowText(f.window))}</p>` +
    `<p>${escapeHtml(f.explanation)}</p>` +
    `<p><strong>What to do:</strong> ${escapeHtml(f.recommendation)}</p>` +
    `</section>`
  );
}

export function findingBody(f: Finding): string {
  const evidence = Object.entries(f.evidence)
    .map(([key, value]) => `<dt>${escapeHtml(key)}</dt><dd>${evidenceValue(value)}</dd>`)
    .join('');
  return (
    findingCard(f, 'h1') +
    `<dl class="evidence"><dt>subject</dt><dd>${subjectHtml(f.subject)}</dd>` +
    `<dt>first seen</dt><dd>${escapeHtml(utc(f.firstSeen))}</dd>` +
    `<dt>last seen</dt><dd>${escapeHtml(utc(f.lastSeen))}</dd>` +
    (f.resolvedAt ? `<dt>resolved</dt><dd>${escapeHtml(utc(f.resolvedAt))}</dd>` : '') +
    `</dl><h2>Evidence</h2><dl class="evidence">${evidence}</dl>` +
    `<p class="muted">As JSON: ${link(`/api/v1/findings/${encodeURIComponent(f.id)}`, `/api/v1/findings/${f.id}`)}</p>`
  );
}
