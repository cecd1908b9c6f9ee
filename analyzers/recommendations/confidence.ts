// How much history a recommendation rests on. A week covers every day of the week once, so a
// strategy's full confidence is reached at `fullHistoryHours` (default 7 days); below a day the
// diurnal peak may not have been seen at all.
import type { UsageStats } from '../../store/store.js';
import type { Confidence } from './types.js';

const HOUR = 3_600_000;

export function historyConfidence(
  stats: readonly (UsageStats | undefined)[],
  fullHistoryHours: number,
): Confidence {
  const present = stats.filter((s): s is UsageStats => s !== undefined);
  // The shortest series decides: a CPU week with one day of memory is a one-day memory answer.
  const historyHours = present.length
    ? Math.min(...present.map((s) => (s.last - s.first) / HOUR))
    : 0;
  const samples = present.length ? Math.min(...present.map((s) => s.samples)) : 0;
  const score = Math.max(0, Math.min(1, historyHours / fullHistoryHours));
  const level = score >= 0.95 ? 'high' : score >= 2 / 7 ? 'medium' : 'low';
  return { level, score: Math.round(score * 100) / 100, historyHours, samples };
}
