// The share of samples above a threshold, read from a percentile grid the store computed: the
// largest percentile still at or below the threshold says how much of the window stayed under it.
// Resolution is the grid's (1 % steps, finer in the tail), which is all a share-of-time needs.
import type { UsageStats } from '../../store/store.js';

export const SHARE_GRID: readonly number[] = [
  ...Array.from({ length: 99 }, (_, i) => i + 1),
  99.5,
  99.9,
];

export function shareAbove(stats: UsageStats, threshold: number): number {
  if (stats.samples === 0) return 0;
  if (stats.max <= threshold) return 0;
  if (stats.min > threshold) return 1;
  let below = 0;
  for (const p of SHARE_GRID) {
    const value = stats.percentiles[String(p)];
    if (value !== undefined && value <= threshold) below = p;
  }
  // Above the top of the grid but under the max: the last sliver of the tail.
  return Math.max(1 - below / 100, 1 / stats.samples);
}
