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

/** A week's figures count for trends and forecasts from this much usage data (in days). */
export const MIN_TREND_DAYS = 5;
/** Forecasts fit a line through at least this many such weeks. */
export const MIN_TREND_WEEKS = 2;

export const daysWithData = (week: WeekFigures): number => week.cluster.coverage.hoursWithData / 24;

/** The week has enough data to be compared with others (MIN_TREND_DAYS of usage samples). */
export const countsForTrend = (week: WeekFigures): boolean =>
  week.hasData && daysWithData(week) >= MIN_TREND_DAYS;

export interface LineFit {
  /** Slope of y over x. */
  readonly slope: number;
  /** Its standard error; undefined with fewer than three points. */
  readonly slopeError: number | undefined;
}

/** Least-squares line through the points; undefined for fewer than two distinct x. */
export function fitLine(points: readonly { x: number; y: number }[]): LineFit | undefined {
  if (points.length < 2) return undefined;
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (const p of points) {
    sxx += (p.x - mx) ** 2;
    sxy += (p.x - mx) * (p.y - my);
  }
  if (!(sxx > 0)) return undefined;
  const slope = sxy / sxx;
  if (n < 3) return { slope, slopeError: undefined };
  const intercept = my - slope * mx;
  const residuals = points.reduce((s, p) => s + (p.y - (intercept + slope * p.x)) ** 2, 0);
  return { slope, slopeError: Math.sqrt(residuals / (n - 2) / sxx) };
}

export function scopeFigures(week: WeekFigures, scope: string): CapacityFigures | undefined {
  if (scope === 'cluster') return week.cluster;
  return week.pools.find((p) => p.pool === scope);
}

const FIELD = { cpu: 'cpuCores', memory: 'memoryBytes' } as const;

const INSUFFICIENT = `needs ${MIN_TREND_DAYS} days of data in each of ${MIN_TREND_WEEKS} weeks`;

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
  // Weeks without enough data are left out, not read as zero usage.
  const weeks = trend.filter(countsForTrend);
  const points = weeks.flatMap((week) => {
    const figures = scopeFigures(week, scope);
    const known = basis === 'requests' ? (figures?.nodes ?? 0) > 0 : week.usageContainers > 0;
    return figures && known ? [{ x: week.snapshotAt / DAY, y: figures[basis][field] }] : [];
  });
  const base = { scope, resource, basis, current: value, allocatable, points: points.length };
  const fit =
    points.length >= MIN_TREND_WEEKS && countsForTrend(current) ? fitLine(points) : undefined;
  if (value >= allocatable) {
    return { ...base, growthPerDay: fit?.slope ?? 0, daysToExhaustion: 0, verdict: 'exhausted' };
  }
  if (fit === undefined) {
    const reason = countsForTrend(current)
      ? `${INSUFFICIENT}; ${points.length} week${points.length === 1 ? '' : 's'} had them`
      : `${INSUFFICIENT}; this week has ${daysWithData(current).toFixed(1)}`;
    return {
      ...base,
      growthPerDay: 0,
      daysToExhaustion: null,
      verdict: 'insufficient_history',
      reason,
    };
  }
  const { slope, slopeError } = fit;
  // Noise-level growth (under 0.01 % of allocatable a day) is flat, not a date.
  if (slope <= allocatable * 1e-4) {
    return { ...base, growthPerDay: slope, daysToExhaustion: null, verdict: 'flat_or_shrinking' };
  }
  const headroom = allocatable - value;
  const slower = slopeError === undefined ? undefined : slope - slopeError;
  return {
    ...base,
    growthPerDay: slope,
    daysToExhaustion: headroom / slope,
    ...(slopeError === undefined
      ? {}
      : {
          interval: {
            soonest: headroom / (slope + slopeError),
            latest: slower !== undefined && slower > allocatable * 1e-4 ? headroom / slower : null,
          },
        }),
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
  ['savings on offer (per month)', 'money', (c) => c.savingsMonthly],
  ['net effect of recommendations (per month)', 'money', (c) => c.netMonthly],
];

export function weekOverWeek(
  current: WeekFigures,
  previous: WeekFigures | undefined,
  counts: { current: FindingCounts; previous: FindingCounts },
): Delta[] {
  // A week with too little data is no baseline: its usage would read as a change.
  const before = previous && countsForTrend(previous) ? previous : undefined;
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
