// The "not enough data" gate every strategy applies before doing arithmetic, so that each one
// names the same reasons the same way.
import type { UsageStats } from '../../store/store.js';
import type { ContainerHistory } from './types.js';

const HOUR = 3_600_000;

export interface HistoryRequirement {
  readonly minSamples: number;
  readonly minHistoryHours: number;
}

/** A reason the history is too thin, or undefined when the strategy may go ahead. */
export function missingHistory(
  history: ContainerHistory,
  requirement: HistoryRequirement,
): string | undefined {
  const series: [string, UsageStats | undefined][] = [
    ['CPU usage', history.cpu],
    ['memory working set', history.memory],
  ];
  for (const [label, stats] of series) {
    if (!stats || stats.samples === 0) return `no ${label} samples in the window`;
    if (stats.samples < requirement.minSamples) {
      return `${stats.samples} ${label} samples, fewer than the ${requirement.minSamples} required`;
    }
    const hours = (stats.last - stats.first) / HOUR;
    if (hours < requirement.minHistoryHours) {
      return `${label} history covers ${hours.toFixed(1)} h, less than the ${requirement.minHistoryHours} h required`;
    }
  }
  return undefined;
}

/** A percentile the strategy declared; a gatherer that skipped it is a programming error. */
export function percentileOf(stats: UsageStats, p: number): number {
  const value = stats.percentiles[String(p)];
  if (value === undefined) {
    throw new Error(`percentile ${p} of ${stats.metric} was not requested from the store`);
  }
  return value;
}
