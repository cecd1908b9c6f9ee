// The 4-week view: days to exhaustion and week-over-week change. Both are arithmetic over the
// weekly figures the inventory module gathered; no Store calls of their own.
import type {
  CapacityFigures,
  Delta,
  DeltaUnit,
  FindingCounts,
  Forecast,
  ForecastBasis,
  ForecastResource,
  WeekFigures,
} from './model.js';

const DAY = 86_400_000;

/** Least-squares slope of y over x; undefined for fewer than two distinct x. */
export function linearSlope(points: readonly { x: number; y: number }[]): number | undefined {
  if (points.length < 2) return undefined;
  const mx = points.reduce((s, p) => s + p.x, 0) / points.length;
  const my = points.reduce((s, p) => s + p.y, 0) / points.length;
  let sxx = 0;
  let sxy = 0;
  for (const p of points) {
    sxx += (p.x - mx) ** 2;
    sxy += (p.x - mx) * (p.y - my);
  }
  return sxx > 0 ? sxy / sxx : undefined;
}

export function scopeFigures(week: WeekFigures, scope: string): CapacityFigures | undefined {
  if (scope === 'cluster') return week.cluster;
  return week.pools.find((p) => p.pool === scope);
}

const FIELD = { cpu: 'cpuCores', memory: 'memoryBytes' } as const;

export function forecast(
  trend: readonly WeekFigures[],
  current: WeekFigures,
  scope: string,
  resource: ForecastResource,
  basis: ForecastBasis,
): Forecast | undefined {
  const now = scopeFigures(current, scope);
  const field = FIELD[resource];
  const allocatable = now?.allocatable[field] ?? 0;
  if (!now || allocatable <= 0) return undefined;
  const value = now[basis][field];
  const points = trend.flatMap((week) => {
    const figures = scopeFigures(week, scope);
    const known = basis === 'requests' ? (figures?.nodes ?? 0) > 0 : week.usageContainers > 0;
    return figures && week.hasData && known
      ? [{ x: week.snapshotAt / DAY, y: figures[basis][field] }]
      : [];
  });
  const slope = linearSlope(points);
  const base = { scope, resource, basis, current: value, allocatable, points: points.length };
  if (value >= allocatable) {
    return { ...base, growthPerDay: slope ?? 0, daysToExhaustion: 0, verdict: 'exhausted' };
  }
  if (slope === undefined) {
    return { ...base, growthPerDay: 0, daysToExhaustion: null, verdict: 'insufficient_history' };
  }
  // Noise-level growth (under 0.01 % of allocatable a day) is flat, not a date.
  if (slope <= allocatable * 1e-4) {
    return { ...base, growthPerDay: slope, daysToExhaustion: null, verdict: 'flat_or_shrinking' };
  }
  return {
    ...base,
    growthPerDay: slope,
    daysToExhaustion: (allocatable - value) / slope,
    verdict: 'growing',
  };
}

export function forecasts(trend: readonly WeekFigures[], current: WeekFigures): Forecast[] {
  const scopes = ['cluster', ...current.pools.filter((p) => p.nodes > 0).map((p) => p.pool)];
  const out: Forecast[] = [];
  for (const scope of scopes) {
    for (const resource of ['cpu', 'memory'] as const) {
      for (const basis of ['requests', 'usagePeak'] as const) {
        const f = forecast(trend, current, scope, resource, basis);
        if (f) out.push(f);
      }
    }
  }
  return out;
}

const CAPACITY_METRICS: readonly [string, DeltaUnit, (f: CapacityFigures) => number][] = [
  ['nodes', 'count', (f) => f.nodes],
  ['allocatable CPU', 'cores', (f) => f.allocatable.cpuCores],
  ['allocatable memory', 'bytes', (f) => f.allocatable.memoryBytes],
  ['requested CPU', 'cores', (f) => f.requests.cpuCores],
  ['requested memory', 'bytes', (f) => f.requests.memoryBytes],
  ['CPU used (mean)', 'cores', (f) => f.usageMean.cpuCores],
  ['memory used (mean)', 'bytes', (f) => f.usageMean.memoryBytes],
  ['CPU used (peak)', 'cores', (f) => f.usagePeak.cpuCores],
  ['memory used (peak)', 'bytes', (f) => f.usagePeak.memoryBytes],
];

const FINDING_METRICS: readonly [string, DeltaUnit, (c: FindingCounts) => number][] = [
  ['node flapping incidents', 'count', (c) => c.flappingIncidents],
  ['OOM loops', 'count', (c) => c.oomLoops],
  ['open risks', 'count', (c) => c.risks],
  ['savings on offer ($/month)', 'dollars', (c) => c.savingsMonthly],
];

export function weekOverWeek(
  current: WeekFigures,
  previous: WeekFigures | undefined,
  counts: { current: FindingCounts; previous: FindingCounts },
): Delta[] {
  const before = previous?.hasData ? previous : undefined;
  const scopes = [
    'cluster',
    ...new Set([...current.pools, ...(before?.pools ?? [])].map((p) => p.pool)),
  ];
  const deltas: Delta[] = [];
  for (const scope of scopes) {
    const now = scopeFigures(current, scope);
    const then = before && scopeFigures(before, scope);
    if (!now && !then) continue;
    for (const [metric, unit, read] of CAPACITY_METRICS) {
      const value = now ? read(now) : 0;
      const prior = before ? (then ? read(then) : 0) : null;
      deltas.push({
        scope,
        metric,
        unit,
        previous: prior,
        current: value,
        change: prior === null ? null : value - prior,
      });
    }
  }
  for (const [metric, unit, read] of FINDING_METRICS) {
    const value = read(counts.current);
    const prior = before ? read(counts.previous) : null;
    deltas.push({
      scope: 'cluster',
      metric,
      unit,
      previous: prior,
      current: value,
      change: prior === null ? null : value - prior,
    });
  }
  return deltas;
}
