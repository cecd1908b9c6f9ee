// The report's charts as vega-lite specs, built from ReportData alone. Values are converted to
// the units a planner reads (cores, GiB, money, hours into the week) before they reach the
// spec, so axis labels need no expressions and the SVG says the same numbers as the tables.
import type { TopLevelSpec } from 'vega-lite';
import { currencySymbol } from '../core/money.js';
import { coverageText } from './format.js';
import type { ReportData } from './model.js';
import { countsForTrend, MIN_TREND_DAYS } from './trend.js';

const GIB = 2 ** 30;
const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif';

export interface ChartSpec {
  /** Stable id, also the anchor of the figure in the HTML. */
  readonly id: string;
  readonly title: string;
  /** One sentence under the chart: how to read it. */
  readonly caption: string;
  readonly spec: TopLevelSpec;
}

const MEASURES = ['capacity', 'allocatable', 'requests', 'peak usage', 'mean usage'] as const;
const MEASURE_COLORS = ['#c9d3df', '#7f99b8', '#1f4e79', '#e07b39', '#f2b880'];
const SERIES = ['allocatable', 'requests', 'peak usage', 'mean usage'] as const;
const SERIES_COLORS = ['#7f99b8', '#1f4e79', '#e07b39', '#f2b880'];

export const chartConfig = {
  font: FONT,
  view: { stroke: null },
  axis: { labelFontSize: 11, titleFontSize: 11, titleFontWeight: 'normal', gridColor: '#e6e9ee' },
  legend: { labelFontSize: 11, titleFontSize: 11, orient: 'bottom', direction: 'horizontal' },
  background: 'white',
} as const;

const unitOf = (resource: 'cpu' | 'memory') => (resource === 'cpu' ? 'cores' : 'GiB');
const scaled = (resource: 'cpu' | 'memory', value: number) =>
  Math.round((resource === 'cpu' ? value : value / GIB) * 100) / 100;
const field = (resource: 'cpu' | 'memory') => (resource === 'cpu' ? 'cpuCores' : 'memoryBytes');

export function capacityChart(data: ReportData, resource: 'cpu' | 'memory'): ChartSpec {
  const f = field(resource);
  const scopes = [
    ...(data.current.pools.length > 1 ? [{ name: 'cluster', figures: data.current.cluster }] : []),
    ...data.current.pools.map((p) => ({ name: `pool ${p.pool}`, figures: p })),
  ];
  const values = scopes.flatMap(({ name, figures }) => [
    { scope: name, measure: 'capacity', value: scaled(resource, figures.capacity[f]) },
    { scope: name, measure: 'allocatable', value: scaled(resource, figures.allocatable[f]) },
    { scope: name, measure: 'requests', value: scaled(resource, figures.requests[f]) },
    { scope: name, measure: 'peak usage', value: scaled(resource, figures.usagePeak[f]) },
    { scope: name, measure: 'mean usage', value: scaled(resource, figures.usageMean[f]) },
  ]);
  const label = resource === 'cpu' ? 'CPU' : 'Memory';
  return {
    id: `capacity-${resource}`,
    title: `${label}: capacity, allocatable, requests and usage (${unitOf(resource)})`,
    caption: `Week-end inventory; usage is the week's mean and p${data.method.percentile} summed over containers. Requests far above usage are reserved but idle; usage above requests is unreserved risk.`,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      config: chartConfig,
      width: 720,
      height: { step: 11 },
      data: { values },
      mark: { type: 'bar', tooltip: true },
      encoding: {
        y: { field: 'scope', type: 'nominal', title: null, sort: scopes.map((s) => s.name) },
        yOffset: { field: 'measure', type: 'nominal', sort: [...MEASURES] },
        x: { field: 'value', type: 'quantitative', title: unitOf(resource) },
        color: {
          field: 'measure',
          type: 'nominal',
          title: null,
          scale: { domain: [...MEASURES], range: MEASURE_COLORS },
        },
      },
    },
  };
}

export function trendChart(data: ReportData, resource: 'cpu' | 'memory'): ChartSpec {
  const f = field(resource);
  // A week without data is a gap, not a zero; usage of a week with too little data is left out.
  const values = data.trend.flatMap((w) => {
    // A week nothing was collected in has only an inventory reconstructed from creation times.
    const collected = w.hasData && w.cluster.coverage.hoursWithData > 0;
    const inventory = (value: number) => (collected ? scaled(resource, value) : null);
    const usage = (value: number) => (countsForTrend(w) ? scaled(resource, value) : null);
    const coverage = w.hasData ? coverageText(w.cluster.coverage) : 'no data';
    return [
      { week: w.week, coverage, series: 'allocatable', value: inventory(w.cluster.allocatable[f]) },
      { week: w.week, coverage, series: 'requests', value: inventory(w.cluster.requests[f]) },
      { week: w.week, coverage, series: 'peak usage', value: usage(w.cluster.usagePeak[f]) },
      { week: w.week, coverage, series: 'mean usage', value: usage(w.cluster.usageMean[f]) },
    ];
  });
  const leftOut = data.trend.filter((w) => !countsForTrend(w));
  const label = resource === 'cpu' ? 'CPU' : 'Memory';
  return {
    id: `trend-${resource}`,
    title: `${label}, last ${data.trend.length} weeks (cluster, ${unitOf(resource)})`,
    caption:
      'Allocatable and requests at each week’s end; usage over each week. The gap between the allocatable line and the requests line is what is left to schedule.' +
      (leftOut.length > 0
        ? ` Usage not plotted for weeks with under ${MIN_TREND_DAYS} days of data: ${leftOut.map((w) => `${w.week} (${w.hasData ? coverageText(w.cluster.coverage) : 'no data'})`).join(', ')}.`
        : ''),
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      config: chartConfig,
      width: 720,
      height: 180,
      data: { values },
      encoding: {
        x: {
          field: 'week',
          type: 'ordinal',
          title: null,
          scale: { domain: data.trend.map((w) => w.week) },
          axis: { labelAngle: 0 },
        },
        y: { field: 'value', type: 'quantitative', title: unitOf(resource), scale: { zero: true } },
        color: {
          field: 'series',
          type: 'nominal',
          title: null,
          scale: { domain: [...SERIES], range: SERIES_COLORS },
        },
        strokeDash: {
          field: 'series',
          type: 'nominal',
          title: null,
          scale: {
            domain: [...SERIES],
            range: [
              [6, 3],
              [1, 0],
              [1, 0],
              [1, 0],
            ],
          },
        },
      },
      layer: [
        { mark: { type: 'line', strokeWidth: 2, invalid: 'break-paths-filter-domains' } },
        {
          mark: { type: 'point', filled: true, size: 40, invalid: 'filter' },
          encoding: {
            tooltip: [
              { field: 'week', type: 'ordinal' },
              { field: 'series', type: 'nominal' },
              { field: 'value', type: 'quantitative', format: ',.1f' },
              { field: 'coverage', type: 'nominal', title: 'usage data' },
            ],
          },
        },
      ],
    },
  };
}

export function savingsChart(data: ReportData): ChartSpec {
  const bar = (kind: string) => (row: ReportData['savings']['rows'][number]) => ({
    workload: `${row.namespace}/${row.workload} · ${row.container}`,
    kind,
    money: Math.round(row.monthlySaving * 100) / 100,
  });
  const values = [
    ...data.savings.rows.map(bar('saves')),
    ...data.increases.rows.map(bar('adds cost, removes a risk')),
  ];
  return {
    id: 'savings',
    title: 'Recommendations ($ per month: saved right, added left)',
    caption:
      'Money per month each recommendation saves (or adds, to remove a risk) across all replicas; the net over all of them is stated above.',
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      config: chartConfig,
      width: 560,
      height: { step: 18 },
      data: { values },
      mark: { type: 'bar', tooltip: true },
      encoding: {
        y: {
          field: 'workload',
          type: 'nominal',
          title: null,
          sort: '-x',
          axis: { labelLimit: 260 },
        },
        x: {
          field: 'money',
          type: 'quantitative',
          title: `${currencySymbol(data.currency)} / month`,
        },
        color: {
          field: 'kind',
          type: 'nominal',
          title: null,
          scale: { domain: ['saves', 'adds cost, removes a risk'], range: ['#2e7d4f', '#b3261e'] },
        },
      },
    },
  };
}

export function flappingChart(data: ReportData): ChartSpec {
  const from = data.window.from;
  const values = data.flapping.flatMap((incident) =>
    incident.flaps
      .filter((at) => at >= from && at < data.window.to)
      .map((at) => ({
        node: incident.node,
        hour: Math.round(((at - from) / 3_600_000) * 100) / 100,
        severity: incident.severity,
      })),
  );
  return {
    id: 'flapping',
    title: 'Node flaps during the week',
    caption: `Each mark is one Ready/MemoryPressure flip of a node, by time of the week (${data.timezone}).`,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      config: chartConfig,
      width: 720,
      height: { step: 22 },
      data: { values },
      mark: { type: 'tick', thickness: 2, tooltip: true },
      encoding: {
        y: { field: 'node', type: 'nominal', title: null, axis: { labelLimit: 420 } },
        x: {
          field: 'hour',
          type: 'quantitative',
          title: null,
          scale: { domain: [0, 168], nice: false },
          axis: {
            values: [0, 24, 48, 72, 96, 120, 144, 168],
            labelExpr: "['Mon','Tue','Wed','Thu','Fri','Sat','Sun','Mon'][round(datum.value / 24)]",
          },
        },
        color: {
          field: 'severity',
          type: 'nominal',
          title: null,
          scale: {
            domain: ['critical', 'warning', 'info'],
            range: ['#c0392b', '#e08e0b', '#7f99b8'],
          },
        },
      },
    },
  };
}

const PARTS = ['overhead', 'requested', 'stranded', 'free'] as const;

export function breakdownChart(data: ReportData): ChartSpec {
  const values = data.current.pools.flatMap((p) => {
    const over = data.overhead.find((o) => o.pool === p.pool);
    const stranded = data.stranded.find((s) => s.pool === p.pool);
    return (['cpu', 'memory'] as const).flatMap((resource) => {
      const f = field(resource);
      const capacity = p.capacity[f];
      if (capacity <= 0) return [];
      const overhead = over?.overhead[f] ?? 0;
      // Per node, requests above allocatable do not take more than the node has: requested is
      // allocatable minus the per-node free capacity, so the four parts add up to capacity.
      const unrequested = stranded?.free[f] ?? 0;
      const requested = Math.max(0, p.allocatable[f] - unrequested);
      const strandedValue = stranded?.[f] ?? 0;
      const free = Math.max(0, unrequested - strandedValue);
      const row = `${p.pool} · ${resource === 'cpu' ? 'CPU' : 'memory'}`;
      const pct = (v: number) => Math.round((v / capacity) * 1000) / 10;
      return [
        { row, part: 'overhead', share: pct(overhead) },
        { row, part: 'requested', share: pct(requested) },
        { row, part: 'stranded', share: pct(strandedValue) },
        { row, part: 'free', share: pct(free) },
      ];
    });
  });
  return {
    id: 'breakdown',
    title: 'Where node capacity goes (% of capacity)',
    caption:
      'Overhead is capacity the node keeps for itself (capacity − allocatable); stranded is unrequested capacity no pod can use because the node ran out of the other resource.',
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      config: chartConfig,
      width: 720,
      height: { step: 22 },
      data: { values },
      transform: [{ calculate: `indexof(${JSON.stringify(PARTS)}, datum.part)`, as: 'order' }],
      mark: { type: 'bar', tooltip: true },
      encoding: {
        y: { field: 'row', type: 'nominal', title: null },
        x: {
          field: 'share',
          type: 'quantitative',
          title: '% of capacity',
          stack: 'zero',
          scale: { domain: [0, 100] },
        },
        order: { field: 'order', type: 'quantitative' },
        color: {
          field: 'part',
          type: 'nominal',
          title: null,
          scale: { domain: [...PARTS], range: ['#9aa5b1', '#1f4e79', '#c0392b', '#d5e3d0'] },
        },
      },
    },
  };
}

/** The charts a report has data for, in the order they appear. */
export function reportCharts(data: ReportData): ChartSpec[] {
  if (!data.hasData) return [];
  const charts: ChartSpec[] = [];
  if (data.current.pools.length > 0) {
    charts.push(capacityChart(data, 'cpu'), capacityChart(data, 'memory'));
  }
  if (data.trend.some((w) => w.hasData))
    charts.push(trendChart(data, 'cpu'), trendChart(data, 'memory'));
  if (data.savings.rows.length + data.increases.rows.length > 0) charts.push(savingsChart(data));
  if (
    data.flapping.some((i) => i.flaps.some((at) => at >= data.window.from && at < data.window.to))
  ) {
    charts.push(flappingChart(data));
  }
  if (data.current.pools.some((p) => p.capacity.cpuCores > 0 || p.capacity.memoryBytes > 0)) {
    charts.push(breakdownChart(data));
  }
  return charts;
}
