// KRR's "simple" strategy (robusta-dev/krr, robusta_krr/strategies/simple.py), reimplemented:
// CPU request at a high percentile of usage and no CPU limit; memory request = limit = the peak
// working set plus a buffer. It has no notion of OOM history: a container killed at its limit
// shows a peak equal to that limit, so the buffer is all the headroom it gets.
import { historyConfidence } from '../confidence.js';
import { missingHistory, percentileOf } from '../history-checks.js';
import { roundCpuUp, roundMemoryUp } from '../quantities.js';
import { resolveSettings } from '../strategy-settings.js';
import type { ContainerHistory, SettingDoc, Strategy, StrategyResult } from '../types.js';

export interface KrrSimpleSettings {
  cpuPercentile: number;
  memoryBufferPercentage: number;
  pointsRequired: number;
}

export const KRR_SIMPLE_DEFAULTS: KrrSimpleSettings = {
  cpuPercentile: 95,
  memoryBufferPercentage: 15,
  pointsRequired: 100,
};

const DOCS: Record<keyof KrrSimpleSettings, SettingDoc> = {
  cpuPercentile: {
    description: 'Percentile of CPU usage used as the CPU request',
    min: 1,
    max: 100,
  },
  memoryBufferPercentage: {
    description: 'Percent added to the peak working set for the memory request and limit',
    min: 0,
    max: 500,
  },
  pointsRequired: {
    description: 'Fewest samples per series before recommending anything',
    min: 1,
  },
};

export function krrSimpleStrategy(
  overrides: Partial<KrrSimpleSettings> = {},
): Strategy<KrrSimpleSettings> {
  const settings = resolveSettings('krr-simple', KRR_SIMPLE_DEFAULTS, DOCS, overrides);
  return {
    name: 'krr-simple',
    description: `KRR simple: CPU request = p${settings.cpuPercentile}, no CPU limit; memory request = limit = max + ${settings.memoryBufferPercentage}%`,
    settings,
    settingDocs: DOCS,
    needs: {
      cpuPercentiles: [settings.cpuPercentile],
      memoryPercentiles: [],
      throttlingPercentiles: [],
    },
    recommend(history: ContainerHistory): StrategyResult {
      const missing = missingHistory(history, {
        minSamples: settings.pointsRequired,
        minHistoryHours: 0,
      });
      if (missing || !history.cpu || !history.memory) {
        return { kind: 'not_enough_data', strategy: 'krr-simple', reason: missing ?? 'no data' };
      }
      const cpu = roundCpuUp(percentileOf(history.cpu, settings.cpuPercentile));
      const memory = roundMemoryUp(
        history.memory.max * (1 + settings.memoryBufferPercentage / 100),
      );
      return {
        kind: 'recommendation',
        strategy: 'krr-simple',
        requests: { cpuCores: cpu, memoryBytes: memory },
        limits: { memoryBytes: memory },
        confidence: historyConfidence([history.cpu, history.memory], 7 * 24),
        basis: [
          `CPU request = p${settings.cpuPercentile} of CPU usage`,
          `memory request = limit = peak working set + ${settings.memoryBufferPercentage}%`,
        ],
      };
    },
  };
}
