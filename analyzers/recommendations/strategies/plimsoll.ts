// Plimsoll's own strategy. Requests are what the scheduler reserves, limits are where the kernel
// kills; the two answer different questions, so they come from different statistics:
// - memory request = p99 of the working set × (1 + base margin + a share of the p50→p99 spread):
//   a steady container gets a tight request, a swinging one more room;
// - memory limit = the largest of: peak × (1 + headroom); request × a minimum limit/request ratio;
//   for every OOM kill (or a peak pinned within 3% of the current limit, which is what a kill
//   looks like in censored history) the VPA-style bump max(L × 1.2, L + 100 MiB) × (1 + margin);
//   a fixed runtime heap (-Xmx, --max-old-space-size) × (1 + runtime overhead);
// - CPU request = p95 of usage × (1 + margin), where usage is first corrected for CFS throttling
//   (a throttled container's usage is capped by its quota: demand ≈ usage / (1 − throttled share));
// - no CPU limit unless `cpuLimitRatio` > 0: a CPU limit throttles without protecting neighbours
//   that requests already protect.
// The reserved amount (requests) stays near typical use while the kill line moves away from the
// peaks, which is the trade the backtest measures: fewer would-be OOM kills per reserved GiB.
import { historyConfidence } from '../confidence.js';
import { missingHistory, percentileOf } from '../history-checks.js';
import { roundCpuUp, roundMemoryUp } from '../quantities.js';
import { fixedHeapBytes } from '../runtime-heap.js';
import { resolveSettings } from '../strategy-settings.js';
import type { ContainerHistory, SettingDoc, Strategy, StrategyResult } from '../types.js';

const MIB = 2 ** 20;

export interface PlimsollSettings {
  cpuPercentile: number;
  cpuMargin: number;
  throttleCorrection: boolean;
  maxThrottleCorrection: number;
  cpuLimitRatio: number;
  memoryPercentile: number;
  memoryBaseMargin: number;
  memorySpreadWeight: number;
  memoryMaxMargin: number;
  memoryLimitHeadroom: number;
  minLimitToRequest: number;
  oomBumpRatio: number;
  oomMinBumpBytes: number;
  oomLimitMargin: number;
  pinnedAtLimitRatio: number;
  runtimeOverhead: number;
  minSamples: number;
  minHistoryHours: number;
  fullConfidenceHours: number;
}

export const PLIMSOLL_DEFAULTS: PlimsollSettings = {
  cpuPercentile: 95,
  cpuMargin: 0.1,
  throttleCorrection: true,
  maxThrottleCorrection: 4,
  cpuLimitRatio: 0,
  memoryPercentile: 99,
  memoryBaseMargin: 0.05,
  memorySpreadWeight: 0.5,
  memoryMaxMargin: 0.3,
  memoryLimitHeadroom: 0.3,
  minLimitToRequest: 1.25,
  oomBumpRatio: 1.2,
  oomMinBumpBytes: 100 * MIB,
  oomLimitMargin: 0.15,
  pinnedAtLimitRatio: 0.97,
  runtimeOverhead: 0.3,
  minSamples: 30,
  minHistoryHours: 24,
  fullConfidenceHours: 7 * 24,
};

const DOCS: Record<keyof PlimsollSettings, SettingDoc> = {
  cpuPercentile: { description: 'Percentile of (throttle-corrected) CPU usage', min: 1, max: 100 },
  cpuMargin: { description: 'Fraction added to the CPU percentile', min: 0, max: 5 },
  throttleCorrection: { description: 'Correct CPU usage for CFS throttling before sizing' },
  maxThrottleCorrection: {
    description: 'Largest factor the throttling correction may multiply usage by',
    min: 1,
    max: 20,
  },
  cpuLimitRatio: {
    description: 'CPU limit as a multiple of the request; 0 = no CPU limit',
    min: 0,
    max: 100,
  },
  memoryPercentile: {
    description: 'Percentile of the working set behind the request',
    min: 50,
    max: 100,
  },
  memoryBaseMargin: {
    description: 'Fraction always added to the memory percentile',
    min: 0,
    max: 5,
  },
  memorySpreadWeight: {
    description: 'Share of the relative p50→p99 spread added to the memory margin',
    min: 0,
    max: 5,
  },
  memoryMaxMargin: { description: 'Cap of the memory request margin', min: 0, max: 5 },
  memoryLimitHeadroom: {
    description: 'Fraction added to the peak for the memory limit',
    min: 0,
    max: 5,
  },
  minLimitToRequest: { description: 'Smallest memory limit/request ratio', min: 1, max: 20 },
  oomBumpRatio: {
    description: 'An OOM kill at limit L means at least L × this was needed',
    min: 1,
  },
  oomMinBumpBytes: { description: 'An OOM kill means at least this much more was needed', min: 0 },
  oomLimitMargin: { description: 'Fraction added above the OOM-bumped need', min: 0, max: 5 },
  pinnedAtLimitRatio: {
    description: 'A peak at or above this share of the current limit counts as a kill',
    min: 0.5,
    max: 1,
  },
  runtimeOverhead: {
    description: 'Memory a runtime uses beyond its fixed heap, as a fraction of the heap',
    min: 0,
    max: 5,
  },
  minSamples: { description: 'Fewest samples per series before recommending', min: 1 },
  minHistoryHours: { description: 'Shortest history before recommending, in hours', min: 0 },
  fullConfidenceHours: { description: 'History at which confidence is full, in hours', min: 1 },
};

export function plimsollStrategy(
  overrides: Partial<PlimsollSettings> = {},
): Strategy<PlimsollSettings> {
  const s = resolveSettings('plimsoll', PLIMSOLL_DEFAULTS, DOCS, overrides);
  return {
    name: 'plimsoll',
    description: `Plimsoll: CPU = p${s.cpuPercentile} (throttle-corrected) + ${s.cpuMargin * 100}%; memory request = p${s.memoryPercentile} + spread-scaled margin; memory limit = max(peak + ${s.memoryLimitHeadroom * 100}%, OOM-bumped, heap + overhead)`,
    settings: s,
    settingDocs: DOCS,
    needs: {
      cpuPercentiles: [s.cpuPercentile],
      memoryPercentiles: [50, s.memoryPercentile],
      throttlingPercentiles: s.throttleCorrection ? [50] : [],
    },
    recommend(history: ContainerHistory): StrategyResult {
      const missing = missingHistory(history, {
        minSamples: s.minSamples,
        minHistoryHours: s.minHistoryHours,
      });
      if (missing || !history.cpu || !history.memory) {
        return { kind: 'not_enough_data', strategy: 'plimsoll', reason: missing ?? 'no data' };
      }
      const basis: string[] = [];

      const cpuUsage = percentileOf(history.cpu, s.cpuPercentile);
      const throttled =
        s.throttleCorrection && history.throttling && history.throttling.samples > 0
          ? percentileOf(history.throttling, 50)
          : 0;
      const correction =
        throttled >= 0.05
          ? Math.min(s.maxThrottleCorrection, 1 / (1 - Math.min(throttled, 0.95)))
          : 1;
      const cpuRequest = roundCpuUp(cpuUsage * correction * (1 + s.cpuMargin));
      const cpuLimitNow = history.current?.limits.cpuCores;
      if (correction === 1 && cpuLimitNow !== undefined && cpuUsage >= 0.9 * cpuLimitNow) {
        // Usage capped by the quota hides demand; we size from what we saw and say so.
        basis.push(
          'CPU usage is pinned at the current CPU limit, so demand is likely higher: re-size once it runs without the limit',
        );
      }
      basis.push(
        correction > 1
          ? `CPU request = p${s.cpuPercentile} usage ÷ (1 − ${throttled.toFixed(2)} throttled) + ${s.cpuMargin * 100}%`
          : `CPU request = p${s.cpuPercentile} usage + ${s.cpuMargin * 100}%`,
      );

      const p50 = percentileOf(history.memory, 50);
      const p99 = percentileOf(history.memory, s.memoryPercentile);
      const spread = p50 > 0 ? (p99 - p50) / p50 : 0;
      const margin = Math.min(
        s.memoryMaxMargin,
        s.memoryBaseMargin + s.memorySpreadWeight * spread,
      );
      const heap = fixedHeapBytes(history.runtimeHints);
      let memoryRequest = p99 * (1 + margin);
      basis.push(
        `memory request = p${s.memoryPercentile} working set + ${Math.round(margin * 100)}% (spread ${Math.round(spread * 100)}%)`,
      );
      if (heap !== undefined && heap > memoryRequest) {
        memoryRequest = heap;
        basis.push('memory request raised to the fixed runtime heap');
      }
      memoryRequest = roundMemoryUp(memoryRequest);

      const limitCandidates: [number, string][] = [
        [
          history.memory.max * (1 + s.memoryLimitHeadroom),
          `peak + ${s.memoryLimitHeadroom * 100}%`,
        ],
        [memoryRequest * s.minLimitToRequest, `request × ${s.minLimitToRequest}`],
      ];
      for (const killedAt of killLimits(history, s.pinnedAtLimitRatio)) {
        const need = Math.max(killedAt * s.oomBumpRatio, killedAt + s.oomMinBumpBytes);
        limitCandidates.push([need * (1 + s.oomLimitMargin), 'OOM-bumped need at the old limit']);
      }
      if (heap !== undefined) {
        limitCandidates.push([heap * (1 + s.runtimeOverhead), 'fixed heap + runtime overhead']);
      }
      const [limitBytes, limitReason] = limitCandidates.reduce((a, b) => (b[0] > a[0] ? b : a));
      basis.push(`memory limit = ${limitReason}`);

      return {
        kind: 'recommendation',
        strategy: 'plimsoll',
        requests: { cpuCores: cpuRequest, memoryBytes: memoryRequest },
        limits: {
          memoryBytes: roundMemoryUp(limitBytes),
          ...(s.cpuLimitRatio > 0 ? { cpuCores: roundCpuUp(cpuRequest * s.cpuLimitRatio) } : {}),
        },
        confidence: historyConfidence([history.cpu, history.memory], s.fullConfidenceHours),
        basis,
      };
    },
  };
}

/** Limits the container was killed at, or whose peak sat pinned just under them. */
function killLimits(history: ContainerHistory, pinnedRatio: number): number[] {
  const limits = history.oomKills.flatMap((k) =>
    k.limitBytes === undefined ? [] : [k.limitBytes],
  );
  const current = history.current?.limits.memoryBytes;
  if (current !== undefined && history.memory && history.memory.max >= current * pinnedRatio) {
    limits.push(current);
  }
  return [...new Set(limits)];
}
