// The report's tables as rows of display text, shared by the HTML and Markdown renderers so both
// print the same digits. Each table is a header and rows; numbers are formatted here once.
import { currencySymbol } from '../core/money.js';
import {
  amounts,
  bytes,
  cores,
  coresText,
  coverageShort,
  dateTime,
  money,
  runsOut,
  share,
  signed,
  weekdayTime,
} from './format.js';
import type { AllocationRow, CapacityFigures, Delta, ReportData, SavingRow } from './model.js';

/** One headline figure of the week: the report's KPI cards and every digest show these. */
export interface Kpi {
  readonly label: string;
  readonly value: string;
  readonly note: string;
}

export function kpiFigures(data: ReportData): Kpi[] {
  const c = data.current.cluster;
  const amount = (value: number) => money(value, data.currency);
  const oomLoops = data.findingCounts.current.oomLoops;
  return [
    {
      label: 'Nodes',
      value: String(c.nodes),
      note: `${coresText(c.allocatable.cpuCores)}, ${bytes(c.allocatable.memoryBytes)} allocatable`,
    },
    {
      label: 'CPU requested',
      value: share(c.requests.cpuCores, c.allocatable.cpuCores),
      note: `mean use ${share(c.usageMean.cpuCores, c.allocatable.cpuCores)} of allocatable`,
    },
    {
      label: 'Memory requested',
      value: share(c.requests.memoryBytes, c.allocatable.memoryBytes),
      note: `mean use ${share(c.usageMean.memoryBytes, c.allocatable.memoryBytes)} of allocatable`,
    },
    {
      label: 'Recommendations, net',
      value: `${data.netMonthly < 0 ? 'costs' : 'saves'} ${amount(Math.abs(data.netMonthly))}/mo`,
      note: `save ${amount(data.savings.totalMonthly)} (${data.savings.count}), add ${amount(data.increases.totalMonthly)} to remove risks (${data.increases.count})`,
    },
    {
      label: 'Risks · incidents',
      value: `${data.risks.count} · ${data.flapping.length}`,
      note: `${oomLoops} OOM loop${oomLoops === 1 ? '' : 's'}, ${data.flapping.length} flapping`,
    },
  ];
}

export interface Table {
  readonly head: readonly string[];
  readonly rows: readonly (readonly string[])[];
  /** Columns holding numbers (right-aligned). */
  readonly numeric: readonly number[];
}

const capacityRows = (scope: string, f: CapacityFigures): string[][] => [
  [
    scope,
    String(f.nodes),
    'CPU',
    cores(f.capacity.cpuCores),
    cores(f.allocatable.cpuCores),
    `${cores(f.requests.cpuCores)} (${share(f.requests.cpuCores, f.allocatable.cpuCores)})`,
    `${cores(f.usageMean.cpuCores)} (${share(f.usageMean.cpuCores, f.allocatable.cpuCores)})`,
    `${cores(f.usagePeak.cpuCores)} (${share(f.usagePeak.cpuCores, f.allocatable.cpuCores)})`,
    `${cores(f.limits.cpuCores)} (${share(f.limits.cpuCores, f.allocatable.cpuCores)})`,
    coverageShort(f.coverage),
  ],
  [
    '',
    '',
    'memory',
    bytes(f.capacity.memoryBytes),
    bytes(f.allocatable.memoryBytes),
    `${bytes(f.requests.memoryBytes)} (${share(f.requests.memoryBytes, f.allocatable.memoryBytes)})`,
    `${bytes(f.usageMean.memoryBytes)} (${share(f.usageMean.memoryBytes, f.allocatable.memoryBytes)})`,
    `${bytes(f.usagePeak.memoryBytes)} (${share(f.usagePeak.memoryBytes, f.allocatable.memoryBytes)})`,
    `${bytes(f.limits.memoryBytes)} (${share(f.limits.memoryBytes, f.allocatable.memoryBytes)})`,
    '',
  ],
];

export function capacityTable(data: ReportData): Table {
  const p = data.method.percentile;
  return {
    head: [
      'Scope',
      'Nodes',
      'Resource',
      'Capacity',
      'Allocatable',
      'Requests (% alloc.)',
      'Mean use (% alloc.)',
      `p${p} use (% alloc.)`,
      'Limits (% alloc.)',
      'Usage data',
    ],
    rows: [
      ...capacityRows('cluster', data.current.cluster),
      ...data.current.pools.flatMap((pool) => capacityRows(`pool ${pool.pool}`, pool)),
    ],
    numeric: [1, 3, 4, 5, 6, 7, 8],
  };
}

const quantity = (resource: 'cpu' | 'memory', value: number) =>
  resource === 'cpu' ? coresText(value) : bytes(value);

export function forecastTable(data: ReportData): Table {
  return {
    head: [
      'Scope',
      'Resource',
      'Basis',
      'This week',
      'Allocatable',
      'Growth / week',
      'Weeks fitted',
      'Runs out in',
    ],
    rows: data.forecasts.map((f) => [
      f.scope,
      f.resource === 'cpu' ? 'CPU' : 'memory',
      f.basis === 'requests' ? 'requests' : `p${data.method.percentile} usage`,
      `${quantity(f.resource, f.current)} (${share(f.current, f.allocatable)})`,
      quantity(f.resource, f.allocatable),
      f.verdict === 'insufficient_history'
        ? '–'
        : signed(quantity(f.resource, Math.abs(f.growthPerDay * 7)), f.growthPerDay),
      String(f.points),
      runsOut(f),
    ]),
    numeric: [3, 4, 5, 6, 7],
  };
}

/** "−0.8 CPU, +256 MiB": how a recommendation changes the requests, across replicas. */
function requestChange(r: SavingRow): string {
  const cpu = -r.cpuCoresReleased;
  const memory = -r.memoryBytesReleased;
  return `${signed(cores(Math.abs(cpu)), cpu)} CPU, ${signed(bytes(Math.abs(memory)), memory)}`;
}

function recommendationTable(
  rows: readonly SavingRow[],
  moneyHead: string,
  currency: string,
): Table {
  return {
    head: [
      'Workload',
      'Container',
      'Replicas',
      'Current requests (CPU / mem)',
      'Recommended',
      'Change in requests',
      moneyHead,
      'Confidence',
    ],
    rows: rows.map((r) => [
      `${r.namespace}/${r.workloadKind}/${r.workload}`,
      r.container,
      String(r.replicas),
      amounts(r.current.requests),
      amounts(r.recommended.requests),
      requestChange(r),
      money(Math.abs(r.monthlySaving), currency),
      r.confidence ?? '–',
    ]),
    numeric: [2, 6],
  };
}

export function savingsTable(data: ReportData): Table {
  return recommendationTable(
    data.savings.rows,
    `Saves ${currencySymbol(data.currency)} / month`,
    data.currency,
  );
}

/** Recommendations that raise requests to remove a risk, and what they add. */
export function increasesTable(data: ReportData): Table {
  const table = recommendationTable(
    data.increases.rows,
    `Adds ${currencySymbol(data.currency)} / month`,
    data.currency,
  );
  return {
    ...table,
    head: [...table.head, 'Removes'],
    rows: table.rows.map((row, i) => [
      ...row,
      data.increases.rows[i]!.risksRemoved.join(', ').replace(/_/g, ' ') || '–',
    ]),
  };
}

/** "Recommendations save $206/month and add $237/month to remove risks: net −$31/month." */
export function netText(
  data: Pick<ReportData, 'savings' | 'increases' | 'netMonthly' | 'currency'>,
): string {
  const amount = (value: number) => money(value, data.currency);
  const s = data.savings;
  const i = data.increases;
  const saving = `${s.count} recommendation${s.count === 1 ? ' saves' : 's save'} ${amount(s.totalMonthly)}/month`;
  const adding = `${i.count} ${i.count === 1 ? 'raises' : 'raise'} requests to remove risks, adding ${amount(i.totalMonthly)}/month`;
  if (i.count === 0) return `${saving} if applied.`;
  if (s.count === 0) return `${adding[0]!.toUpperCase()}${adding.slice(1)}.`;
  const net = data.netMonthly;
  return `${saving}; ${adding}; net ${net >= 0 ? 'saving' : 'cost'} ${amount(Math.abs(net))}/month if all are applied.`;
}

export function risksTable(data: ReportData): Table {
  return {
    head: ['Severity', 'Kind', 'Subject', 'What', 'Key numbers', 'Last seen'],
    rows: data.risks.rows.map((r) => [
      r.severity,
      r.category
        ? `${r.kind.replace(/_/g, ' ')} · ${r.category.replace(/_/g, ' ')}`
        : r.kind.replace(/_/g, ' '),
      r.subject,
      r.title,
      r.detail || '–',
      dateTime(r.lastSeen, data.timezone),
    ]),
    numeric: [],
  };
}

export function flappingTable(data: ReportData): Table {
  const opt = (value: number | undefined, format: (v: number) => string = String) =>
    value === undefined ? '–' : format(value);
  return {
    head: [
      'Node',
      'Pool',
      'Severity',
      'From',
      'To',
      'Flaps',
      'Evictions',
      'SystemOOMs',
      'Min. available',
      'Status',
    ],
    rows: data.flapping.map((i) => [
      i.node,
      i.pool ?? '–',
      i.severity,
      weekdayTime(i.window.from, data.timezone),
      weekdayTime(i.window.to, data.timezone),
      String(i.flaps.length),
      opt(i.evictions),
      opt(i.systemOoms),
      opt(i.minAvailableBytes, bytes),
      i.status,
    ]),
    numeric: [5, 6, 7, 8],
  };
}

export function overheadTable(data: ReportData): Table {
  return {
    head: [
      'Pool',
      'Nodes',
      'Capacity (CPU / mem)',
      'Allocatable',
      'Overhead CPU',
      'Overhead memory',
      'Nodes without memory reserve',
    ],
    rows: data.overhead.map((o) => [
      o.pool,
      String(o.nodes),
      `${cores(o.capacity.cpuCores)} / ${bytes(o.capacity.memoryBytes)}`,
      `${cores(o.allocatable.cpuCores)} / ${bytes(o.allocatable.memoryBytes)}`,
      `${cores(o.overhead.cpuCores)} (${share(o.overhead.cpuCores, o.capacity.cpuCores)})`,
      `${bytes(o.overhead.memoryBytes)} (${share(o.overhead.memoryBytes, o.capacity.memoryBytes)})`,
      String(o.nodesWithoutMemoryReserve),
    ]),
    numeric: [1, 4, 5, 6],
  };
}

export function strandedTable(data: ReportData): Table {
  const list = (nodes: readonly string[]) =>
    nodes.length === 0
      ? '–'
      : `${nodes.slice(0, 3).join(', ')}${nodes.length > 3 ? ` +${nodes.length - 3}` : ''}`;
  return {
    head: [
      'Pool',
      'Unrequested (CPU / mem)',
      'Stranded CPU',
      'Stranded memory',
      `${currencySymbol(data.currency)} / month`,
      'Nodes stranding CPU',
      'Nodes stranding memory',
    ],
    rows: data.stranded.map((s) => [
      s.pool,
      `${cores(s.free.cpuCores)} / ${bytes(s.free.memoryBytes)}`,
      cores(s.cpuCores),
      bytes(s.memoryBytes),
      money(s.monthlyCost, data.currency),
      list(s.cpuStrandingNodes),
      list(s.memoryStrandingNodes),
    ]),
    numeric: [2, 3, 4],
  };
}

export function deltaValue(delta: Delta, value: number, currency: string): string {
  switch (delta.unit) {
    case 'cores':
      return cores(value);
    case 'bytes':
      return bytes(value);
    case 'money':
      return money(value, currency);
    case 'count':
      return String(Math.round(value * 100) / 100);
  }
}

export function changesTable(data: ReportData): Table {
  // Pools whose figures did not move add rows without news; the cluster rows always show.
  const shown = data.changes.filter(
    (d) => d.scope === 'cluster' || d.change === null || Math.abs(d.change) > 1e-9,
  );
  return {
    head: [
      'Scope',
      'Metric',
      data.trend[data.trend.length - 2]?.week ?? 'Previous week',
      data.week,
      'Change',
    ],
    rows: shown.map((d) => [
      d.scope,
      d.metric,
      d.previous === null ? 'no data' : deltaValue(d, d.previous, data.currency),
      deltaValue(d, d.current, data.currency),
      d.change === null ? '–' : signed(deltaValue(d, Math.abs(d.change), data.currency), d.change),
    ]),
    numeric: [2, 3, 4],
  };
}

/** Cost by namespace or team: requests averaged over the week, priced, with usage beside them. */
export function allocationTable(
  rows: readonly AllocationRow[],
  label: string,
  currency: string,
): Table {
  const withCoverage = rows.some((r) => r.coverage !== undefined);
  return {
    head: [
      label,
      'Pods (avg.)',
      'Requests (CPU / mem)',
      'Mean use (% of requests)',
      `${currencySymbol(currency)} / month`,
      ...(withCoverage ? ['Usage data'] : []),
    ],
    rows: rows.map((r) => [
      r.name,
      String(Math.round(r.pods * 10) / 10),
      `${cores(r.requests.cpuCores)} / ${bytes(r.requests.memoryBytes)}`,
      `${share(r.usageMean.cpuCores, r.requests.cpuCores)} CPU, ${share(r.usageMean.memoryBytes, r.requests.memoryBytes)} mem`,
      money(r.monthlyCost, currency),
      ...(withCoverage ? [r.coverage ? coverageShort(r.coverage) : '–'] : []),
    ]),
    numeric: [1, 4],
  };
}

/** "Namespaces request $1,234/month; $456/month of allocatable (…) is idle." */
export function allocationText(data: Pick<ReportData, 'allocation' | 'currency'>): string {
  const a = data.allocation;
  const amount = (value: number) => money(value, data.currency);
  return (
    `${a.namespaceCount} namespace${a.namespaceCount === 1 ? '' : 's'} request ${amount(a.requestedMonthly)}/month of capacity; ` +
    `${amount(a.idleMonthly)}/month of allocatable (${coresText(a.idle.cpuCores)}, ${bytes(a.idle.memoryBytes)}) is requested by no one.`
  );
}
