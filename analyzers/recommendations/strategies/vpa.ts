// The Vertical Pod Autoscaler recommender's formula (kubernetes/autoscaler,
// vertical-pod-autoscaler/pkg/recommender/logic/recommender.go and estimator.go), reimplemented
// over store aggregations:
// - CPU target = p90 of CPU usage × (1 + 15% safety margin);
// - memory target = p90 of the per-interval (daily) peaks of the working set × (1 + 15%), where an
//   OOM kill counts as a peak of max(used + 100 MiB, used × 1.2) for its interval, `used` being
//   the larger of the request at the kill and the interval's observed peak;
// - pod minimums of 25 millicores and 250 MiB (the recommender's defaults);
// - limits as the VPA admission controller sets them: the original limit/request ratio kept.
// Differences from the real recommender, stated: samples are not decay-weighted (the fit window
// is short), one workload-wide peak per interval stands for each pod's own peak, and several OOM
// kills in one interval bump from the observed peak once instead of compounding.
import { historyConfidence } from '../confidence.js';
import { missingHistory, percentileOf } from '../history-checks.js';
import { roundCpuUp, roundMemoryUp } from '../quantities.js';
import { resolveSettings } from '../strategy-settings.js';
import type {
  ContainerHistory,
  SettingDoc,
  Strategy,
  StrategyContext,
  StrategyResult,
} from '../types.js';
import type { ResourceAmounts } from '../../../core/domain.js';

const MIB = 2 ** 20;
const DAY = 86_400_000;

export interface VpaSettings {
  targetCpuPercentile: number;
  targetMemoryPeaksPercentile: number;
  safetyMarginFraction: number;
  oomBumpUpRatio: number;
  oomMinBumpUpBytes: number;
  podMinCpuCores: number;
  podMinMemoryBytes: number;
  memoryAggregationIntervalMs: number;
  keepLimitProportion: boolean;
}

export const VPA_DEFAULTS: VpaSettings = {
  targetCpuPercentile: 90,
  targetMemoryPeaksPercentile: 90,
  safetyMarginFraction: 0.15,
  oomBumpUpRatio: 1.2,
  oomMinBumpUpBytes: 100 * MIB,
  podMinCpuCores: 0.025,
  podMinMemoryBytes: 250 * MIB,
  memoryAggregationIntervalMs: DAY,
  keepLimitProportion: true,
};

const DOCS: Record<keyof VpaSettings, SettingDoc> = {
  targetCpuPercentile: {
    description: 'Percentile of CPU usage behind the target',
    min: 1,
    max: 100,
  },
  targetMemoryPeaksPercentile: {
    description: 'Percentile of per-interval memory peaks behind the target',
    min: 1,
    max: 100,
  },
  safetyMarginFraction: { description: 'Fraction added to both targets', min: 0, max: 5 },
  oomBumpUpRatio: { description: 'An OOM kill counts as this multiple of the memory used', min: 1 },
  oomMinBumpUpBytes: { description: 'Smallest bump an OOM kill adds, in bytes', min: 0 },
  podMinCpuCores: { description: 'Floor of the CPU target, in cores', min: 0 },
  podMinMemoryBytes: { description: 'Floor of the memory target, in bytes', min: 0 },
  memoryAggregationIntervalMs: {
    description: 'Width of the intervals whose memory peaks are collected',
    min: 60_000,
  },
  keepLimitProportion: {
    description: 'Scale limits with the request, keeping the current limit/request ratio',
  },
};

export function vpaStrategy(overrides: Partial<VpaSettings> = {}): Strategy<VpaSettings> {
  const settings = resolveSettings('vpa', VPA_DEFAULTS, DOCS, overrides);
  const margin = 1 + settings.safetyMarginFraction;
  return {
    name: 'vpa',
    description: `VPA recommender: CPU = p${settings.targetCpuPercentile} × ${margin}; memory = p${settings.targetMemoryPeaksPercentile} of daily peaks (OOM-bumped) × ${margin}; limits keep the current ratio`,
    settings,
    settingDocs: DOCS,
    needs: {
      cpuPercentiles: [settings.targetCpuPercentile, 50, 95],
      memoryPercentiles: [],
      throttlingPercentiles: [],
      memoryPeakIntervalMs: settings.memoryAggregationIntervalMs,
    },
    recommend(history: ContainerHistory, context: StrategyContext): StrategyResult {
      const missing = missingHistory(history, { minSamples: 1, minHistoryHours: 0 });
      if (missing || !history.cpu || !history.memory) {
        return { kind: 'not_enough_data', strategy: 'vpa', reason: missing ?? 'no data' };
      }
      const peaks = bumpedPeaks(history, context, settings);
      const memoryPeak = peakPercentile(peaks, settings.targetMemoryPeaksPercentile / 100);
      const cpu = roundCpuUp(
        Math.max(
          settings.podMinCpuCores,
          percentileOf(history.cpu, settings.targetCpuPercentile) * margin,
        ),
      );
      const memory = roundMemoryUp(Math.max(settings.podMinMemoryBytes, memoryPeak * margin));
      // The recommender's confidence: days of history; bounds widen as it shrinks.
      const days = Math.max((history.cpu.last - history.cpu.first) / DAY, 1 / 24);
      const upperCpu = percentileOf(history.cpu, 95) * margin * (1 + 1 / days);
      const lowerCpu = percentileOf(history.cpu, 50) * margin * Math.pow(1 + 0.001 / days, -2);
      return {
        kind: 'recommendation',
        strategy: 'vpa',
        requests: { cpuCores: cpu, memoryBytes: memory },
        limits: settings.keepLimitProportion
          ? proportionalLimits(history.current, { cpuCores: cpu, memoryBytes: memory })
          : {},
        confidence: historyConfidence([history.cpu, history.memory], 8 * 24),
        basis: [
          `CPU target = p${settings.targetCpuPercentile} of CPU usage × ${margin} (bounds ${lowerCpu.toFixed(3)}–${upperCpu.toFixed(3)} cores)`,
          `memory target = p${settings.targetMemoryPeaksPercentile} of ${peaks.length} interval peaks × ${margin}`,
          settings.keepLimitProportion
            ? 'limits keep the current limit/request ratio'
            : 'limits left unset',
        ],
      };
    },
  };
}

/** Interval peaks with each OOM kill folded in as the VPA's bumped sample for its interval. */
function bumpedPeaks(
  history: ContainerHistory,
  context: StrategyContext,
  settings: VpaSettings,
): number[] {
  const peaks = history.memoryPeaks?.length ? [...history.memoryPeaks] : [history.memory?.max ?? 0];
  const intervals = peaks.length;
  const observed = [...peaks];
  for (const kill of history.oomKills) {
    const index = Math.min(
      intervals - 1,
      Math.max(
        0,
        Math.floor((kill.at - context.window.from) / settings.memoryAggregationIntervalMs),
      ),
    );
    // From the observed peak, not an already bumped one: a live recommender's updater would have
    // applied each bump before the next kill, so bumps compounding within one fit are an artefact.
    const used = Math.max(kill.requestBytes ?? 0, observed[index] ?? 0);
    const needed = Math.max(used + settings.oomMinBumpUpBytes, used * settings.oomBumpUpRatio);
    peaks[index] = Math.max(peaks[index] ?? 0, needed);
  }
  return peaks;
}

/** The smallest peak with at least `q` of the peaks at or below it. */
export function peakPercentile(peaks: readonly number[], q: number): number {
  if (peaks.length === 0) return 0;
  const sorted = [...peaks].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? 0;
}

function proportionalLimits(
  current: ContainerHistory['current'],
  requests: { cpuCores: number; memoryBytes: number },
): ResourceAmounts {
  const limits: { cpuCores?: number; memoryBytes?: number } = {};
  const cpuRatio = ratio(current?.requests.cpuCores, current?.limits.cpuCores);
  if (cpuRatio !== undefined) limits.cpuCores = roundCpuUp(requests.cpuCores * cpuRatio);
  const memoryRatio = ratio(current?.requests.memoryBytes, current?.limits.memoryBytes);
  if (memoryRatio !== undefined) {
    limits.memoryBytes = roundMemoryUp(requests.memoryBytes * memoryRatio);
  }
  return limits;
}

/** Limit over request; a limit without a request means request = limit (the API's default). */
function ratio(request: number | undefined, limit: number | undefined): number | undefined {
  if (limit === undefined) return undefined;
  if (request === undefined || request <= 0) return 1;
  return limit / request;
}
