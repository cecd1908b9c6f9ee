// Resource usage as a deterministic function of (seed, container, run, time). Kills in the
// timeline happen where these curves cross the memory limit, so the metrics agree with the
// OOM history by construction.
import { mix, smoothNoise } from './rng.js';
import type { FlapCycle, NodeTimeline } from './node-timeline.js';
import {
  diurnal,
  diurnalIntegralSeconds,
  memoryBaseline,
  type Incarnation,
  type Run,
} from './pod-timeline.js';
import {
  MI,
  type AnySlot,
  type ClusterModel,
  type ContainerModel,
  type NodeModel,
} from './types.js';

/** memory.available the kubelet sees at the peak of a pressure cycle (threshold is 100Mi). */
const PRESSURE_AVAILABLE = 80 * MI;
/** cAdvisor CFS period: 100ms. */
const PERIODS_PER_SECOND = 10;

export interface CpuSample {
  /** Instantaneous usage in cores. */
  cores: number;
  /** Cumulative CPU seconds since the container started. */
  seconds: number;
  /** CFS periods, throttled periods and throttled seconds since start (0 without a CPU limit). */
  periods: number;
  throttledPeriods: number;
  throttledSeconds: number;
}

export class Usage {
  private readonly growth = new Map<string, number>();

  constructor(
    private readonly model: ClusterModel,
    private readonly nodes: NodeTimeline,
  ) {}

  /** Working set of a running container in bytes. */
  memory(pod: Incarnation<AnySlot>, ci: number, run: Run, t: number): number {
    const c = pod.slot.workload.containers[ci];
    if (!c) return 0;
    const seed = this.model.seed;
    const limit = c.limits.memoryBytes;
    const b = c.behaviour;
    const noise = 1 + 0.01 * smoothNoise(mix(seed, pod.slot.index, ci, 91), t, 60_000);
    let ws: number;
    if (b.kind === 'leak' && limit !== undefined) {
      const from = c.usage.memoryBytes * 0.8;
      const frac = clamp01((t - run.start) / (run.plannedEnd - run.start));
      ws = (from + (limit - from) * frac) * (frac > 0.98 ? 1 : noise);
    } else if (b.kind === 'startup-oom' && limit !== undefined) {
      // A JVM touching heap as it starts: fast at first, then approaching -Xmx above the limit.
      const frac = clamp01((t - run.start) / (run.plannedEnd - run.start));
      ws = limit * (0.35 + 0.65 * Math.pow(frac, 0.6));
    } else {
      ws = memoryBaseline(seed, pod.slot, ci, c, t);
      for (const s of run.spikes) {
        if (t < s.start || t >= s.end) continue;
        const shape =
          t < s.peak ? (t - s.start) / (s.peak - s.start) : 1 - (t - s.peak) / (s.end - s.peak);
        ws += s.amount * shape;
      }
      if (b.kind === 'pressure-grower') ws += this.growerExtra(pod, ci, c, t);
    }
    // Only the kernel's kill lets the working set reach the limit.
    if (limit !== undefined) {
      const killing = run.termination?.reason === 'OOMKilled' && run.end - t < 1000;
      ws = Math.min(ws, killing ? limit : limit * 0.985);
    }
    // cgroup accounting is page-granular.
    return Math.max(4096, Math.round(ws / 4096) * 4096);
  }

  /** Extra memory of a BestEffort grower during its node's pressure cycle. */
  private growerExtra(pod: Incarnation<AnySlot>, ci: number, c: ContainerModel, t: number): number {
    if (c.behaviour.kind !== 'pressure-grower') return 0;
    const node = pod.slot.node;
    if (!node) return 0;
    const cycle = this.nodes.cycleAt(node, t);
    if (!cycle || t >= cycle.evictAt) return 0;
    const frac = t >= cycle.pressureAt ? 1 : (t - cycle.start) / (cycle.pressureAt - cycle.start);
    const shares = this.growerShares(node);
    const mine = c.behaviour.share / (shares || 1);
    return this.cycleGrowth(node, cycle) * mine * frac;
  }

  private growerShares(node: NodeModel): number {
    let total = 0;
    for (const s of this.model.slotsByNode[node.index] ?? []) {
      for (const c of this.model.slots[s]?.workload.containers ?? []) {
        if (c.behaviour.kind === 'pressure-grower') total += c.behaviour.share;
      }
    }
    return total;
  }

  /** How much the growers add at a cycle's peak so that memory.available hits ~80Mi. */
  cycleGrowth(node: NodeModel, cycle: FlapCycle): number {
    const key = `${node.index}:${cycle.start}`;
    const cached = this.growth.get(key);
    if (cached !== undefined) return cached;
    const t = cycle.pressureAt;
    let used = node.systemMemoryBytes;
    for (const s of this.model.slotsByNode[node.index] ?? []) {
      const slot = this.model.slots[s];
      if (!slot) continue;
      slot.workload.containers.forEach((c, ci) => {
        used += memoryBaseline(this.model.seed, slot, ci, c, t);
      });
    }
    const growth = Math.max(0, node.memoryBytes - PRESSURE_AVAILABLE - used);
    if (this.growth.size > 10_000) this.growth.clear();
    this.growth.set(key, growth);
    return growth;
  }

  /** CPU usage and counters of a running container. */
  cpu(pod: Incarnation<AnySlot>, ci: number, run: Run, t: number): CpuSample {
    const c = pod.slot.workload.containers[ci];
    if (!c) return { cores: 0, seconds: 0, periods: 0, throttledPeriods: 0, throttledSeconds: 0 };
    const { mean, amplitude, throttleRatio } = cpuShape(c);
    const key = mix(this.model.seed, pod.slot.index, ci, 92);
    const elapsed = Math.max(0, (t - run.start) / 1000);
    const integral = diurnalIntegralSeconds(t) - diurnalIntegralSeconds(run.start);
    // Jitter is bounded in slope so the counter stays monotonic between any two scrapes.
    const jitter = mean * 2 * (smoothNoise(key, t, 60_000) - smoothNoise(key, run.start, 60_000));
    const seconds = Math.max(0, mean * (elapsed + amplitude * integral) + jitter);
    const cores = Math.max(
      0,
      mean * (1 + amplitude * diurnal(t)) * (1 + 0.05 * smoothNoise(key, t, 30_000)),
    );
    const hasLimit = c.limits.cpuCores !== undefined;
    const periods = hasLimit ? Math.floor(elapsed * PERIODS_PER_SECOND * 0.85) : 0;
    const throttledPeriods = Math.floor(periods * throttleRatio);
    return {
      cores,
      seconds,
      periods,
      throttledPeriods,
      throttledSeconds: throttledPeriods * 0.1 * 0.35,
    };
  }
}

/** Effective CPU curve: demand capped by the CFS quota, and how often the cap bites. */
export function cpuShape(c: ContainerModel): {
  mean: number;
  amplitude: number;
  throttleRatio: number;
} {
  const limit = c.limits.cpuCores;
  const demand = c.usage.cpuCores;
  const amplitude = c.usage.cpuAmplitude;
  if (limit === undefined || demand * (1 + amplitude) <= limit) {
    return {
      mean: demand,
      amplitude,
      throttleRatio:
        limit === undefined ? 0 : demand * (1 + amplitude) > limit * 0.8 ? 0.02 : 0.001,
    };
  }
  // Demand above the quota: usage pins just under the limit and most periods are throttled.
  const over = (demand - limit) / demand;
  return {
    mean: Math.min(demand, limit * 0.95),
    amplitude: Math.min(amplitude, 0.04),
    throttleRatio: Math.min(0.9, 0.15 + Math.max(0, over)),
  };
}

function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}
