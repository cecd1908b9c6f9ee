// An OOM loop followed through simulated time, as the OOM-loop analyzer would report it at each
// moment: the same finding id for the whole episode, the kill count rising as kills accumulate in
// the 24 h window, the latest ten kills as evidence, and no finding once fewer than two kills are
// left in the window (the runner then resolves it). Lets the alerting be judged over days of
// simulated time without the analyzer's memory series.
import type { Finding } from '../../core/domain.js';

const HOUR = 3_600_000;

export interface LoopScenario {
  readonly id: string;
  /** The first kill. */
  readonly start: number;
  /** How long the container ran before its n-th kill (n = 0 is the first). */
  readonly runMs: (n: number) => number;
  /** No kill after this (the fix). */
  readonly until: number;
  readonly category?: string;
  readonly namespace?: string;
  readonly workload?: string;
  readonly windowMs?: number;
}

export function killTimes(s: LoopScenario, upTo: number): { at: number; startedAt: number }[] {
  const kills: { at: number; startedAt: number }[] = [];
  let at = s.start;
  for (let n = 0; at <= Math.min(upTo, s.until); n++) {
    kills.push({ at, startedAt: at - s.runMs(n) });
    at += s.runMs(n + 1);
  }
  return kills;
}

/** The open finding at `now`, or undefined when there is no loop (yet, or any more). */
export function loopFindingAt(s: LoopScenario, now: number): Finding | undefined {
  const windowMs = s.windowMs ?? 24 * HOUR;
  const all = killTimes(s, now);
  const recent = all.filter((k) => k.at >= now - windowMs);
  if (recent.length < 2) return undefined;
  const last = recent[recent.length - 1]!;
  const namespace = s.namespace ?? 'shop';
  const workload = s.workload ?? 'cart';
  return {
    id: s.id,
    kind: 'oom_loop',
    category: s.category ?? 'slow_leak',
    severity: now - last.at <= 6 * HOUR ? 'critical' : 'warning',
    subject: {
      type: 'workload_container',
      cluster: 'test',
      workload: { namespace, kind: 'Deployment', name: workload },
      container: workload,
    },
    window: { from: s.start, to: last.at },
    title: `OOM loop: ${namespace}/${workload} killed ${recent.length} times in 24 h`,
    evidence: {
      killCount: recent.length,
      episodeStart: s.start,
      kills: recent.slice(-10).map((k) => ({
        at: k.at,
        pod: `${workload}-7d9f-abcde`,
        exitCode: 137,
        startedAt: k.startedAt,
      })),
      limitBytes: 512 * 2 ** 20,
    },
    explanation: `The working set of ${workload} grows steadily until the limit.`,
    recommendation: 'Find the leak; restart the pod at a time you choose meanwhile.',
    status: 'open',
    firstSeen: s.start,
    lastSeen: last.at,
  };
}
