// When repeated kills are a loop, and where a loop's episode starts. Pure functions of kill times.
import type { LoopRule } from '../settings.js';

/** The first rule met by some window of the (sorted) kill times, if any. */
export function loopRuleMet(
  times: readonly number[],
  rules: readonly LoopRule[],
): LoopRule | undefined {
  for (const rule of rules) {
    for (let i = 0; i + rule.kills - 1 < times.length; i++) {
      if (times[i + rule.kills - 1]! - times[i]! <= rule.withinMs) return rule;
    }
  }
  return undefined;
}

/**
 * The first kill of the chain ending with the last kill, where each kill follows the previous
 * within `gapMs`. Kills further apart belong to an earlier episode.
 */
export function episodeStart(times: readonly number[], gapMs: number): number | undefined {
  if (times.length === 0) return undefined;
  let start = times.length - 1;
  while (start > 0 && times[start]! - times[start - 1]! <= gapMs) start--;
  return times[start];
}

export function describeRule(rule: LoopRule): string {
  const hours = rule.withinMs / 3_600_000;
  const span =
    hours >= 1 ? `${Math.round(hours * 10) / 10} h` : `${Math.round(rule.withinMs / 60_000)} min`;
  return `${rule.kills} kills within ${span}`;
}
