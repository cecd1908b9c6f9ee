// The pages about workloads: a namespace's containers with requests and limits against usage,
// the recommendation and its monthly change (Goldilocks' view), and one workload whole — its
// verdicts, its kills, its memory before each kill, and the patch to copy.
import {
  SEVERITIES,
  type Finding,
  type ResourceAmounts,
  type TimeWindow,
} from '../../core/domain.js';
import { DEFAULT_CURRENCY } from '../../core/money.js';
import { priceNote, spec } from '../../reports/findings.js';
import { evidenceOf } from '../../core/evidence.js';
import { bytes, cores, money } from '../../reports/format.js';
import type { RenderedChart } from '../../reports/render-svg.js';
import type { WorkloadContainer, WorkloadDetail } from '../workload-data.js';
import { findingCard, findingTable, severityCounts, severityKpis } from './findings-views.js';
import {
  empty,
  escapeHtml,
  kpi,
  link,
  table,
  utc,
  windowText,
  workloadPath,
  workloadText,
  type Column,
} from './layout.js';

interface RecommendedChange {
  readonly recommended: { requests: ResourceAmounts; limits: ResourceAmounts };
  readonly monthlyCostDelta: number;
  readonly currency: string;
}

/** The recommendation's numbers as the finding's evidence states them (the report's readers). */
function recommendedChange(row: WorkloadContainer): RecommendedChange | undefined {
  // The workload route carries a recommendation's evidence without its kind.
  const evidence =
    row.recommendation &&
    evidenceOf({ kind: 'recommendation', evidence: row.recommendation.evidence }, 'recommendation');
  const delta = evidence?.monthlyCostDelta;
  if (!evidence?.recommended || delta === undefined) return undefined;
  return {
    recommended: spec(evidence.recommended),
    monthlyCostDelta: delta,
    currency: priceNote(evidence.prices)?.currency ?? DEFAULT_CURRENCY,
  };
}

const cpu = (value: number | undefined) => (value === undefined ? 'none' : cores(value));
const mem = (value: number | undefined) => (value === undefined ? 'none' : bytes(value));
const pair = (a: string, b: string) => escapeHtml(`${a} / ${b}`);

export function signedMoney(amount: number, currency: string): string {
  const text = money(Math.abs(amount), currency);
  return amount < 0 ? `−${text}` : amount > 0 ? `+${text}` : text;
}

function containerColumns(withWorkload: boolean): Column<WorkloadContainer>[] {
  return [
    ...(withWorkload
      ? [
          {
            head: 'workload',
            html: (r: WorkloadContainer) =>
              link(workloadPath(r.workload), `${r.workload.kind}/${r.workload.name}`),
          },
        ]
      : []),
    { head: 'container', html: (r) => escapeHtml(r.container) },
    {
      head: 'CPU request / limit',
      numeric: true,
      html: (r) => pair(cpu(r.requests.cpuCores), cpu(r.limits.cpuCores)),
    },
    {
      head: 'CPU p95 / max',
      numeric: true,
      html: (r) => (r.cpuCores ? pair(cores(r.cpuCores.p95), cores(r.cpuCores.max)) : '–'),
    },
    {
      head: 'memory request / limit',
      numeric: true,
      html: (r) => pair(mem(r.requests.memoryBytes), mem(r.limits.memoryBytes)),
    },
    {
      head: 'memory p99 / max',
      numeric: true,
      html: (r) => (r.memoryBytes ? pair(bytes(r.memoryBytes.p99), bytes(r.memoryBytes.max)) : '–'),
    },
    { head: 'OOM kills', numeric: true, html: (r) => String(r.oomKills) },
    {
      head: 'recommended requests / limits',
      html: (r) => {
        const change = recommendedChange(r);
        if (!change) return '<span class="muted">keep</span>';
        const { requests, limits } = change.recommended;
        return escapeHtml(
          `CPU ${cpu(requests.cpuCores)} / ${cpu(limits.cpuCores)}, memory ${mem(requests.memoryBytes)} / ${mem(limits.memoryBytes)}`,
        );
      },
    },
    {
      head: 'monthly change',
      numeric: true,
      html: (r) => {
        const change = recommendedChange(r);
        return change ? escapeHtml(signedMoney(change.monthlyCostDelta, change.currency)) : '–';
      },
    },
  ];
}

/** "namespace/Kind/name/container": the row of a container in every table. */
export const containerRowKey = (r: WorkloadContainer) =>
  `${workloadText(r.workload)}/${r.container}`;

/** Savings and increases of the recommendations, netted per currency. */
export function netMonthlyChange(rows: readonly WorkloadContainer[]) {
  const byCurrency = new Map<string, { saved: number; added: number; count: number }>();
  for (const row of rows) {
    const change = recommendedChange(row);
    if (!change) continue;
    const sum = byCurrency.get(change.currency) ?? { saved: 0, added: 0, count: 0 };
    if (change.monthlyCostDelta < 0) sum.saved -= change.monthlyCostDelta;
    else sum.added += change.monthlyCostDelta;
    sum.count += 1;
    byCurrency.set(change.currency, sum);
  }
  return [...byCurrency.entries()].map(([currency, s]) => ({
    currency,
    ...s,
    net: s.added - s.saved,
  }));
}

function netText(rows: readonly WorkloadContainer[]): string {
  const nets = netMonthlyChange(rows);
  if (nets.length === 0) return 'No open recommendation.';
  return nets
    .map(
      (n) =>
        `${n.count} recommendation${n.count === 1 ? '' : 's'}: net ${signedMoney(n.net, n.currency)}/month ` +
        `(${money(n.saved, n.currency)} saved, ${money(n.added, n.currency)} added where usage needs more).`,
    )
    .join(' ');
}

export function namespaceBody(
  namespace: string,
  window: TimeWindow,
  rows: readonly WorkloadContainer[],
  open: readonly Finding[],
): string {
  const counts = severityCounts(open);
  const kills = rows.reduce((sum, r) => sum + r.oomKills, 0);
  const nets = netMonthlyChange(rows);
  return (
    `<h1>Namespace ${escapeHtml(namespace)}</h1>` +
    `<p class="window">Usage and OOM kills from ${escapeHtml(windowText(window))}; requests and limits as the newest pod declares them.</p>` +
    `<div class="kpis">${kpi('containers', String(rows.length), 'containers')}` +
    `${kpi('OOM kills in the window', String(kills), 'oom-kills')}` +
    severityKpis(counts) +
    nets
      .map((n) =>
        kpi(
          `net monthly change (${n.currency})`,
          signedMoney(n.net, n.currency),
          `net-${n.currency}`,
        ),
      )
      .join('') +
    `</div>` +
    `<p>${escapeHtml(netText(rows))}</p>` +
    `<h2>Containers</h2>` +
    (table(containerColumns(true), rows, containerRowKey) ||
      empty('No container of this namespace has memory samples in the window.')) +
    `<h2>Open findings</h2>` +
    (findingTable(open) || empty('No open finding in this namespace.'))
  );
}

export function workloadBody(
  detail: WorkloadDetail,
  window: TimeWindow,
  charts: readonly RenderedChart[],
  patchYaml: string,
): string {
  const kills = detail.terminations
    .filter((t) => t.termination.reason === 'OOMKilled')
    .sort((a, b) => b.termination.finishedAt - a.termination.finishedAt);
  const open = detail.findings.filter((f) => f.status === 'open');
  const verdicts = newestPerProblem(open);
  const shownKills = kills.slice(0, MAX_KILL_ROWS);
  const killColumns: Column<(typeof kills)[number]>[] = [
    { head: 'killed at', html: (k) => escapeHtml(utc(k.termination.finishedAt)) },
    { head: 'pod', html: (k) => escapeHtml(k.pod) },
    { head: 'container', html: (k) => escapeHtml(k.container) },
    { head: 'node', html: (k) => escapeHtml(k.node ?? '–') },
    { head: 'exit code', numeric: true, html: (k) => String(k.termination.exitCode) },
    {
      head: 'ran for',
      numeric: true,
      html: (k) =>
        k.termination.startedAt == null
          ? '–'
          : escapeHtml(hours(k.termination.finishedAt - k.termination.startedAt)),
    },
    { head: 'memory limit', numeric: true, html: (k) => escapeHtml(mem(k.limits.memoryBytes)) },
  ];
  return (
    `<h1>${escapeHtml(workloadText(detail.workload))}</h1>` +
    `<p class="window">Usage and kills from ${escapeHtml(windowText(window))}. ` +
    `${detail.pods.length} pod${detail.pods.length === 1 ? '' : 's'} now: ${escapeHtml(detail.pods.map((p) => `${p.name} (${p.qosClass}${p.node ? ` on ${p.node}` : ''})`).join(', ') || 'none')}.</p>` +
    `<div class="kpis">${kpi('OOM kills in the window', String(detail.terminationCounts.OOMKilled ?? 0), 'oom-kills')}` +
    `${kpi('open findings', String(open.length), 'open-findings')}` +
    `${kpi('containers', String(detail.containers.length), 'containers')}</div>` +
    `<h2>Verdicts</h2>` +
    (verdicts
      .map(
        ({ finding, earlier }) =>
          findingCard(finding) +
          (earlier > 0
            ? `<p class="muted">${earlier} earlier episode${earlier === 1 ? '' : 's'} of this problem still open: ${link(`/ui/findings?status=open&kind=${finding.kind}&namespace=${encodeURIComponent(detail.workload.namespace)}`, 'list them')}.</p>`
            : ''),
      )
      .join('') || empty('No open finding about this workload.')) +
    `<h2>Containers</h2>` +
    table(containerColumns(false), detail.containers, containerRowKey) +
    `<h2>Memory before each kill</h2>` +
    (charts
      .map(
        (c) =>
          `<figure class="chart" data-chart="${escapeHtml(c.id)}">${c.svg}<figcaption>${escapeHtml(c.caption)}</figcaption></figure>`,
      )
      .join('') || empty('No memory samples in the window.')) +
    `<h2>OOM kills</h2>` +
    ((detail.terminationCounts.OOMKilled ?? 0) > shownKills.length
      ? `<p class="muted">The newest ${shownKills.length} of ${detail.terminationCounts.OOMKilled ?? 0} kills; all of them at ${link(`/api/v1/workloads/${encodeURIComponent(detail.workload.namespace)}/${encodeURIComponent(detail.workload.kind)}/${encodeURIComponent(detail.workload.name)}/terminations?from=${new Date(window.from).toISOString()}&to=${new Date(window.to).toISOString()}`, 'the API')}.</p>`
      : '') +
    (table(killColumns, shownKills, (k) => `${k.pod}/${k.container}/${k.termination.finishedAt}`) ||
      empty('No OOM kill in the window.')) +
    `<h2>Patch</h2>` +
    (patchYaml
      ? `<p>Save it as a file and run the command in its first line; every patch of the namespace is at <a href="/api/v1/recommendations/export?namespace=${encodeURIComponent(detail.workload.namespace)}">/api/v1/recommendations/export</a>.</p><pre class="patch">${escapeHtml(patchYaml)}</pre>`
      : empty('No change to apply: no open recommendation for this workload.'))
  );
}

const MAX_KILL_ROWS = 50;

/**
 * One card per problem: the newest open finding of each kind and subject. Earlier episodes of a
 * loop stay open until the runner resolves them; the page says how many rather than repeating.
 */
function newestPerProblem(open: readonly Finding[]): { finding: Finding; earlier: number }[] {
  const byProblem = new Map<string, Finding[]>();
  for (const f of open) {
    const s = f.subject;
    const key = `${f.kind}/${s.type === 'workload_container' ? s.container : ''}`;
    byProblem.set(key, [...(byProblem.get(key) ?? []), f]);
  }
  return [...byProblem.values()]
    .map((list) => {
      const sorted = [...list].sort((a, b) => b.lastSeen - a.lastSeen);
      return { finding: sorted[0]!, earlier: sorted.length - 1 };
    })
    .sort(
      (a, b) => SEVERITIES.indexOf(a.finding.severity) - SEVERITIES.indexOf(b.finding.severity),
    );
}

const hours = (ms: number) =>
  ms >= 3_600_000 ? `${(ms / 3_600_000).toFixed(1)} h` : `${Math.round(ms / 60_000)} min`;
