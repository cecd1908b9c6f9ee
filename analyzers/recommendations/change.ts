// What a recommendation changes against the current spec, in reserved capacity and money across
// all replicas, and which risks it removes. Kept apart from wording so the backtest and the
// analyzer agree on the numbers.
import type { ResourceAmounts } from '../../core/domain.js';
import { monthlyCost, type Rates } from './prices.js';
import type { ContainerHistory, Recommendation } from './types.js';

export interface MaterialityThresholds {
  /** Smallest CPU request change worth a finding, in cores per replica. */
  readonly minCpuCores: number;
  /** Smallest memory change worth a finding, in bytes per replica. */
  readonly minMemoryBytes: number;
  /** Smallest relative change worth a finding (0.2 = 20 %). */
  readonly minRelative: number;
}

export const DEFAULT_MATERIALITY: MaterialityThresholds = {
  minCpuCores: 0.05,
  minMemoryBytes: 64 * 2 ** 20,
  minRelative: 0.2,
};

export type Risk =
  | 'oom_kills'
  | 'peak_at_limit'
  | 'memory_above_request'
  | 'cpu_above_request'
  | 'no_memory_limit'
  | 'no_requests'
  | 'cpu_throttled';

export interface ResourceChange {
  /** Recommended minus current request, across replicas (negative = released). */
  readonly cpuCoresDelta: number;
  readonly memoryBytesDelta: number;
  /** Monthly cost of the delta at the given prices (negative = saving). */
  readonly monthlyCostDelta: number;
  readonly risksRemoved: readonly Risk[];
  readonly material: boolean;
}

export function describeChange(
  history: ContainerHistory,
  recommendation: Recommendation,
  prices: Rates,
  thresholds: MaterialityThresholds = DEFAULT_MATERIALITY,
): ResourceChange {
  const current = history.current ?? { requests: {}, limits: {} };
  const replicas = Math.max(1, history.replicas);
  const cpuNow = current.requests.cpuCores ?? 0;
  const memNow = current.requests.memoryBytes ?? 0;
  const cpuNext = recommendation.requests.cpuCores ?? 0;
  const memNext = recommendation.requests.memoryBytes ?? 0;
  const cpuCoresDelta = (cpuNext - cpuNow) * replicas;
  const memoryBytesDelta = (memNext - memNow) * replicas;
  const risks = risksRemoved(history, current, recommendation);
  const material =
    risks.length > 0 ||
    changed(cpuNow, cpuNext, thresholds.minCpuCores, thresholds.minRelative) ||
    changed(memNow, memNext, thresholds.minMemoryBytes, thresholds.minRelative);
  return {
    cpuCoresDelta,
    memoryBytesDelta,
    monthlyCostDelta: monthlyCost(prices, cpuCoresDelta, memoryBytesDelta),
    risksRemoved: risks,
    material,
  };
}

function changed(now: number, next: number, absolute: number, relative: number): boolean {
  const delta = Math.abs(next - now);
  return delta >= absolute && delta >= relative * Math.max(now, next);
}

function risksRemoved(
  history: ContainerHistory,
  current: { requests: ResourceAmounts; limits: ResourceAmounts },
  next: Recommendation,
): Risk[] {
  const risks: Risk[] = [];
  const limitNow = current.limits.memoryBytes;
  const limitNext = next.limits.memoryBytes;
  const raisesLimit = limitNow !== undefined && limitNext !== undefined && limitNext > limitNow;
  if (history.oomKills.length > 0 && raisesLimit) risks.push('oom_kills');
  else if (raisesLimit && history.memory && history.memory.max >= limitNow * 0.9) {
    risks.push('peak_at_limit');
  }
  const memP99 = history.memory?.percentiles['99'] ?? history.memory?.max;
  const memRequest = current.requests.memoryBytes;
  if (
    memRequest !== undefined &&
    memP99 !== undefined &&
    memP99 > memRequest &&
    (next.requests.memoryBytes ?? 0) >= memP99
  ) {
    risks.push('memory_above_request');
  }
  const cpuP95 = history.cpu?.percentiles['95'];
  const cpuRequest = current.requests.cpuCores;
  if (
    cpuRequest !== undefined &&
    cpuP95 !== undefined &&
    cpuP95 > cpuRequest * 1.2 &&
    (next.requests.cpuCores ?? 0) >= cpuP95
  ) {
    risks.push('cpu_above_request');
  }
  if (limitNow === undefined && limitNext !== undefined) risks.push('no_memory_limit');
  if (current.requests.cpuCores === undefined && current.requests.memoryBytes === undefined) {
    risks.push('no_requests');
  }
  const throttled = history.throttling?.percentiles['50'] ?? history.throttling?.mean;
  if (
    throttled !== undefined &&
    throttled >= 0.1 &&
    current.limits.cpuCores !== undefined &&
    (next.limits.cpuCores === undefined || next.limits.cpuCores > current.limits.cpuCores)
  ) {
    risks.push('cpu_throttled');
  }
  return risks;
}
