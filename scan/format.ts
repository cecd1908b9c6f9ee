// A scan's findings for people and for tools: a table grouped by namespace (verdict, key numbers,
// next step), JSON, CSV, Markdown and HTML of the same rows, and YAML — the kubectl-ready patches
// of the recommendations. Each row is built once (scanRows) and only laid out differently.
import {
  excludedChanges,
  excludedChangesYaml,
  recommendationPatchesYaml,
} from '../analyzers/recommendations/patches.js';
import type { Finding, Severity } from '../core/domain.js';
import { riskDetail, subjectText } from '../reports/findings.js';
import { csvCell } from '../reports/render-csv.js';
import { escapeHtml } from '../reports/render-html.js';
import type { ScanResult } from './run.js';

export const SCAN_FORMATS = ['table', 'json', 'csv', 'yaml', 'md', 'html'] as const;
export type ScanFormat = (typeof SCAN_FORMATS)[number];

const SEVERITY_RANK: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };
/** Node and cluster findings, which belong to no namespace. */
export const CLUSTER_SCOPE = '(cluster)';

export interface ScanRow {
  readonly namespace: string;
  readonly severity: Severity;
  /** "open", or "resolved 2026-11-12T14:05Z" for an incident that ended inside the window. */
  readonly status: string;
  /** "oom loop · slow leak". */
  readonly what: string;
  readonly subject: string;
  readonly title: string;
  readonly keyNumbers: string;
  readonly nextStep: string;
  readonly findingId: string;
}

export function scanRows(findings: readonly Finding[]): ScanRow[] {
  return findings
    .map((f) => {
      const s = f.subject;
      return {
        namespace:
          s.type === 'workload' || s.type === 'workload_container'
            ? s.workload.namespace
            : CLUSTER_SCOPE,
        severity: f.severity,
        status:
          f.status === 'resolved' && f.resolvedAt !== undefined
            ? `resolved ${new Date(f.resolvedAt).toISOString().slice(0, 16)}Z`
            : 'open',
        what: [f.kind, f.category]
          .filter(Boolean)
          .map((t) => t!.replace(/_/g, ' '))
          .join(' · '),
        subject: subjectText(f),
        title: f.title,
        keyNumbers: riskDetail(f),
        nextStep: f.recommendation,
        findingId: f.id,
      };
    })
    .sort(
      (a, b) =>
        a.namespace.localeCompare(b.namespace) ||
        Number(a.status !== 'open') - Number(b.status !== 'open') ||
        SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
        a.subject.localeCompare(b.subject) ||
        a.what.localeCompare(b.what),
    );
}

function header(result: ScanResult): string[] {
  const days = (result.window.to - result.window.from) / 86_400_000;
  const open = result.findings.filter((f) => f.status === 'open').length;
  const ended = result.findings.length - open;
  const lines = [
    `Scanned ${days} day${days === 1 ? '' : 's'} to ${new Date(result.window.to).toISOString()} at ${result.stepMs / 1000} s steps: ${result.records.toLocaleString('en-US')} records, ${open} open finding${open === 1 ? '' : 's'}` +
      (ended > 0
        ? `, ${ended} incident${ended === 1 ? '' : 's'} that ended within the window.`
        : '.'),
  ];
  for (const m of result.missing) lines.push(`Missing: ${m}.`);
  for (const o of result.outcomes.filter((o) => !o.ok)) {
    lines.push(`Analyzer ${o.analyzer} failed: ${o.error ?? 'unknown error'}.`);
  }
  return lines;
}

const COLUMNS: readonly { title: string; pick: (r: ScanRow) => string }[] = [
  { title: 'Severity', pick: (r) => r.severity },
  { title: 'Status', pick: (r) => r.status },
  { title: 'Verdict', pick: (r) => r.what },
  { title: 'Subject', pick: (r) => r.subject },
  { title: 'What', pick: (r) => r.title },
  { title: 'Key numbers', pick: (r) => r.keyNumbers || '–' },
  { title: 'Next step', pick: (r) => r.nextStep },
];

function byNamespace(rows: readonly ScanRow[]): Map<string, ScanRow[]> {
  const groups = new Map<string, ScanRow[]>();
  for (const r of rows) groups.set(r.namespace, [...(groups.get(r.namespace) ?? []), r]);
  return groups;
}

/** For a terminal: per namespace, one block per finding (tables of prose do not fit 100 columns). */
function table(result: ScanResult, rows: readonly ScanRow[]): string {
  const out = header(result);
  if (rows.length === 0) out.push('', 'No problem found.');
  for (const [namespace, group] of byNamespace(rows)) {
    out.push('', `${namespace === CLUSTER_SCOPE ? 'Nodes and pools' : `Namespace ${namespace}`}`);
    for (const r of group) {
      const label = r.status === 'open' ? r.severity.toUpperCase() : 'ENDED';
      out.push(`  ${label.padEnd(8)} ${r.what} — ${r.subject}`);
      if (r.status !== 'open') out.push(`           ${r.severity}, ${r.status}`);
      out.push(`           ${r.title}`);
      if (r.keyNumbers) out.push(`           ${r.keyNumbers}`);
      out.push(`           Next: ${r.nextStep}`);
    }
  }
  return `${out.join('\n')}\n`;
}

function markdown(result: ScanResult, rows: readonly ScanRow[]): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const out = ['# Plimsoll scan', '', ...header(result).map((l) => `- ${l}`)];
  for (const [namespace, group] of byNamespace(rows)) {
    out.push('', `## ${namespace === CLUSTER_SCOPE ? 'Nodes and pools' : namespace}`, '');
    out.push(`| ${COLUMNS.map((c) => c.title).join(' | ')} |`);
    out.push(`|${COLUMNS.map(() => ' --- ').join('|')}|`);
    for (const r of group) out.push(`| ${COLUMNS.map((c) => cell(c.pick(r))).join(' | ')} |`);
  }
  return `${out.join('\n')}\n`;
}

function html(result: ScanResult, rows: readonly ScanRow[]): string {
  const sections = [...byNamespace(rows)].map(
    ([namespace, group]) =>
      `<h2>${escapeHtml(namespace === CLUSTER_SCOPE ? 'Nodes and pools' : namespace)}</h2>` +
      `<table><thead><tr>${COLUMNS.map((c) => `<th>${escapeHtml(c.title)}</th>`).join('')}</tr></thead><tbody>` +
      group
        .map((r) => `<tr>${COLUMNS.map((c) => `<td>${escapeHtml(c.pick(r))}</td>`).join('')}</tr>`)
        .join('') +
      '</tbody></table>',
  );
  return (
    '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Plimsoll scan</title>' +
    '<style>body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#1c2430}table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #e3e7ec;padding:4px 8px;text-align:left;vertical-align:top}th{color:#5b6776}</style>' +
    `</head><body><h1>Plimsoll scan</h1><ul>${header(result)
      .map((l) => `<li>${escapeHtml(l)}</li>`)
      .join('')}</ul>${sections.join('\n')}</body></html>\n`
  );
}

function csv(rows: readonly ScanRow[]): string {
  const head = [
    'namespace',
    'severity',
    'status',
    'verdict',
    'subject',
    'title',
    'key_numbers',
    'next_step',
    'finding_id',
  ];
  const lines = rows.map((r) =>
    [
      r.namespace,
      r.severity,
      r.status,
      r.what,
      r.subject,
      r.title,
      r.keyNumbers,
      r.nextStep,
      r.findingId,
    ]
      .map(csvCell)
      .join(','),
  );
  return `${[head.join(','), ...lines].join('\n')}\n`;
}

export function formatScan(result: ScanResult, format: ScanFormat): string {
  const rows = scanRows(result.findings);
  switch (format) {
    case 'table':
      return table(result, rows);
    case 'json':
      return `${JSON.stringify(
        {
          window: result.window,
          stepSeconds: result.stepMs / 1000,
          records: result.records,
          series: result.series.map((c) => ({
            family: c.family.label,
            found: c.found,
            ...(c.found.length === 0 ? { without: c.family.without } : {}),
          })),
          missing: result.missing,
          analyzers: result.outcomes,
          findings: result.findings,
        },
        null,
        2,
      )}\n`;
    case 'csv':
      return csv(rows);
    case 'yaml': {
      const excluded = excludedChanges(result.findings);
      return excludedChangesYaml(excluded) + recommendationPatchesYaml(result.findings);
    }
    case 'md':
      return markdown(result, rows);
    case 'html':
      return html(result, rows);
  }
}

/** Open findings at or above `level`: what --fail-on counts (an ended incident does not). */
export function atOrAbove(findings: readonly Finding[], level: 'critical' | 'warning'): Finding[] {
  return findings.filter(
    (f) => f.status === 'open' && SEVERITY_RANK[f.severity] <= SEVERITY_RANK[level],
  );
}
