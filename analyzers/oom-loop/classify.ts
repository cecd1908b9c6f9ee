// What kind of OOM a kill was, from how long the container ran and how its working set moved
// before it died. Pure: the analyzer reads the series, this decides.
import type { OomLoopSettings } from '../settings.js';

export type OomCategory = 'startup' | 'slow_leak' | 'load_spike' | 'limit_too_low' | 'unknown';

export interface SeriesSample {
  readonly t: number;
  readonly bytes: number;
}

export interface KillObservation {
  readonly at: number;
  readonly startedAt?: number | undefined;
  readonly limitBytes?: number | undefined;
  /** Working set of the killed run, oldest first, up to the kill. */
  readonly series: readonly SeriesSample[];
}

export interface KillVerdict {
  readonly category: OomCategory;
  readonly ranForMs?: number;
  /** Fitted growth of the killed run (leaks). */
  readonly growthBytesPerHour?: number;
  readonly r2?: number;
  /** Highest working set before the ramp of a spike. */
  readonly baselineBytes?: number;
  /** Why, in a few words, for the evidence. */
  readonly reason: string;
}

export interface LinearFit {
  readonly slopePerMs: number;
  readonly intercept: number;
  readonly r2: number;
}

/** Least squares of bytes over time; undefined for fewer than 3 points or no time spread. */
export function linearFit(points: readonly SeriesSample[]): LinearFit | undefined {
  const n = points.length;
  if (n < 3) return undefined;
  const t0 = points[0]!.t;
  let sx = 0;
  let sy = 0;
  for (const p of points) {
    sx += p.t - t0;
    sy += p.bytes;
  }
  const mx = sx / n;
  const my = sy / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (const p of points) {
    const dx = p.t - t0 - mx;
    const dy = p.bytes - my;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  if (sxx === 0) return undefined;
  const slopePerMs = sxy / sxx;
  const r2 = syy === 0 ? 0 : (sxy * sxy) / (sxx * syy);
  return { slopePerMs, intercept: my - slopePerMs * (mx + t0), r2 };
}

const HOUR = 3_600_000;
/** Growth actually observed, as a share of the limit, before a fitted rate is trusted. */
const MIN_SEEN_GROWTH = 0.1;

export function classifyKill(kill: KillObservation, settings: OomLoopSettings): KillVerdict {
  const ranForMs = kill.startedAt === undefined ? undefined : kill.at - kill.startedAt;
  const ran = ranForMs === undefined ? {} : { ranForMs };
  if (ranForMs !== undefined && ranForMs <= settings.startupMaxRunMs) {
    return { category: 'startup', ...ran, reason: 'killed within minutes of its start' };
  }
  const limit = kill.limitBytes;
  if (limit === undefined || kill.series.length < 3) {
    return { category: 'unknown', ...ran, reason: 'no memory limit or too few samples' };
  }
  const run = kill.series.filter((p) => p.t < kill.at);
  const fit =
    ranForMs !== undefined && ranForMs >= settings.leakMinRunMs ? linearFit(run) : undefined;
  if (fit && fit.slopePerMs > 0) {
    const span = run[run.length - 1]!.t - run[0]!.t;
    // The samples may cover only the end of a run (history starts mid-run): the growth that
    // counts is the fitted rate over the whole run, as long as the part seen grew visibly too.
    const seen = fit.slopePerMs * span;
    const overRun = fit.slopePerMs * (ranForMs ?? span);
    const atKill = fit.intercept + fit.slopePerMs * kill.at;
    if (
      fit.r2 >= settings.leakMinR2 &&
      overRun >= settings.leakMinGrowth * limit &&
      seen >= MIN_SEEN_GROWTH * limit &&
      atKill >= settings.leakReachFraction * limit
    ) {
      return {
        category: 'slow_leak',
        ...ran,
        growthBytesPerHour: fit.slopePerMs * HOUR,
        r2: fit.r2,
        reason: 'working set grew steadily from start to the limit',
      };
    }
  }
  const baseline = run.filter(
    (p) => p.t >= kill.at - settings.spikeLookbackMs && p.t < kill.at - settings.spikeRampMs,
  );
  if (baseline.length === 0) {
    return { category: 'unknown', ...ran, reason: 'no samples before the last minutes' };
  }
  const baselineBytes = Math.max(...baseline.map((p) => p.bytes));
  if (baselineBytes < settings.spikeBaseline * limit) {
    return {
      category: 'load_spike',
      ...ran,
      baselineBytes,
      reason: 'working set jumped from well below the limit within minutes',
    };
  }
  return {
    category: 'limit_too_low',
    ...ran,
    baselineBytes,
    reason: 'working set stayed close to the limit before the kill',
  };
}

const PRIORITY: readonly OomCategory[] = ['startup', 'slow_leak', 'load_spike', 'limit_too_low'];

/** The loop's category: the most common verdict, ties broken by how actionable it is. */
export function loopCategory(verdicts: readonly KillVerdict[]): OomCategory {
  const counts = new Map<OomCategory, number>();
  for (const v of verdicts) counts.set(v.category, (counts.get(v.category) ?? 0) + 1);
  let best: OomCategory = 'unknown';
  let bestCount = 0;
  for (const category of PRIORITY) {
    const count = counts.get(category) ?? 0;
    if (count > bestCount) {
      best = category;
      bestCount = count;
    }
  }
  return best;
}

/** Median of numbers; undefined when empty. */
export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
