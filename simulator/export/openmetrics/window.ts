// Time on the scrape grid. Every sample of the export sits on a multiple of the step (as if one
// Prometheus scraped everything at once), so series from different families line up, and every
// signal is described as segments of constant value or a function sampled on the grid.
import type { Labels } from '../../render/exposition.js';
import type { Point } from './writer.js';

export interface Grid {
  from: number;
  to: number;
  step: number;
}

/** [from, to) of virtual epoch ms. */
export type Interval = readonly [number, number];

export interface Segment {
  from: number;
  to: number;
  value: number;
}

/** A segment of one series among several of a family (e.g. one `phase` of kube_pod_status_phase). */
export interface LabelledSegment extends Segment {
  labels: Labels;
}

/** Grid times in [from, to) ∩ the window. */
export function* gridTimes(grid: Grid, from: number, to: number): Generator<number> {
  const end = Math.min(to, grid.to);
  for (
    let t = Math.ceil(Math.max(from, grid.from) / grid.step) * grid.step;
    t < end;
    t += grid.step
  )
    yield t;
}

/** A value held over [from, to). */
export function* constant(grid: Grid, from: number, to: number, value: number): Generator<Point> {
  for (const t of gridTimes(grid, from, to)) yield [t, value];
}

/** A function of time, sampled over [from, to). */
export function* sampled(
  grid: Grid,
  from: number,
  to: number,
  f: (t: number) => number,
): Generator<Point> {
  for (const t of gridTimes(grid, from, to)) yield [t, f(t)];
}

/** Piecewise-constant signal; segments must be in time order and must not overlap. */
export function* segmentPoints(grid: Grid, segments: Iterable<Segment>): Generator<Point> {
  for (const s of segments) yield* constant(grid, s.from, s.to, s.value);
}

/** Drops the points inside any of the intervals (a scrape target that was down). */
export function* outside(points: Iterable<Point>, down: readonly Interval[]): Generator<Point> {
  let i = 0;
  for (const p of points) {
    while (i < down.length && (down[i]?.[1] ?? Infinity) <= p[0]) i++;
    const d = down[i];
    if (d && d[0] <= p[0] && p[0] < d[1]) continue;
    yield p;
  }
}

/**
 * Splits one object's segments into series by label set, each in time order, in the order the
 * label sets first appear. Bounded by one object's history (one pod or one container), never by
 * the whole cluster's.
 */
export function bySeries(
  segments: Iterable<LabelledSegment>,
): { labels: Labels; segments: Segment[] }[] {
  const series = new Map<string, { labels: Labels; segments: Segment[] }>();
  for (const s of segments) {
    const key = JSON.stringify(s.labels);
    let entry = series.get(key);
    if (!entry) {
      entry = { labels: s.labels, segments: [] };
      series.set(key, entry);
    }
    entry.segments.push(s);
  }
  return [...series.values()];
}
