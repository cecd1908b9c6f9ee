// Scores one strategy's recommendations against the replay window. Usage in the replay is what
// the workloads did under their current spec; the question is what the recommended spec would
// have done with the same usage:
// - would-be OOM kills = 5-minute windows in which some replica's working set exceeded the
//   recommended memory limit, plus OOM kills that really happened in the replay whose demand the
//   recommended limit would not have covered. A kill at limit L is censored — the working set
//   stops at L — so its demand is taken as max(L × 1.2, L + 100 MiB), the VPA recommender's own
//   assumption about an OOM; a recommended limit below that counts the kill.
// - CPU above request = the share of CPU samples above the recommended request.
// - reserved CPU/memory = requests × replicas running at the end of the fit window.
// A recommendation without a memory limit cannot be OOM-killed by its cgroup; what it risks
// instead (the node's memory) is outside this score.
import type { Recommendation } from '../../analyzers/recommendations/types.js';
import type { UsageStats } from '../../store/store.js';
import { shareAbove } from './share-above.js';

const MIB = 2 ** 20;
export const OOM_WINDOW_MS = 5 * 60_000;

export interface ReplayEvidence {
  /** Peak working set per 5-minute window in the replay (workload-wide). */
  readonly memoryWindowPeaks: readonly number[];
  /** Limits the container was OOM-killed at during the replay. */
  readonly killLimits: readonly number[];
  readonly cpu?: UsageStats | undefined;
  readonly memory?: UsageStats | undefined;
  readonly replicas: number;
}

export interface ContainerScore {
  readonly oomWindows: number;
  readonly uncoveredKills: number;
  readonly cpuAboveRequest: number;
  readonly memoryAboveRequest: number;
  readonly reservedCpuCores: number;
  readonly reservedMemoryBytes: number;
}

export type Sizing = Pick<Recommendation, 'requests' | 'limits'>;

export function scoreContainer(sizing: Sizing, replay: ReplayEvidence): ContainerScore {
  const limit = sizing.limits.memoryBytes;
  const oomWindows =
    limit === undefined ? 0 : replay.memoryWindowPeaks.filter((peak) => peak > limit).length;
  const uncoveredKills =
    limit === undefined
      ? 0
      : replay.killLimits.filter((killed) => limit < Math.max(killed * 1.2, killed + 100 * MIB))
          .length;
  const cpuRequest = sizing.requests.cpuCores ?? 0;
  const memRequest = sizing.requests.memoryBytes ?? 0;
  return {
    oomWindows,
    uncoveredKills,
    cpuAboveRequest: replay.cpu ? shareAbove(replay.cpu, cpuRequest) : 0,
    memoryAboveRequest: replay.memory ? shareAbove(replay.memory, memRequest) : 0,
    reservedCpuCores: cpuRequest * replay.replicas,
    reservedMemoryBytes: memRequest * replay.replicas,
  };
}
