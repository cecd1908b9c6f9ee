// Usage samples of a simulated cluster on a scrape grid, as the kubelet collector publishes them:
// working set, CPU and (under a CPU limit) the share of CFS periods throttled per running container, and per node its working set, CPU and
// memory.available (capacity minus working set, the number the kubelet evicts on). While a
// node's kubelet is down nothing is scraped from it, exactly as in a real cluster.
import type { UsageSample, WorkloadRef } from '../../core/domain.js';
import { envelope, type AnyEnvelope } from '../../core/envelope.js';
import type { Incarnation, Run } from '../model/pod-timeline.js';
import type { Simulation } from '../model/simulation.js';
import type { NodeModel } from '../model/types.js';
import { cpuShape } from '../model/usage.js';

interface NodeTotals {
  workingSet: Float64Array;
  cores: Float64Array;
}

export interface UsageGrid {
  /** Scrape instants of the chunk. */
  readonly times: readonly number[];
}

export function usageGrid(from: number, to: number, stepMs: number): UsageGrid {
  const times: number[] = [];
  for (let t = Math.ceil(from / stepMs) * stepMs; t < to; t += stepMs) times.push(t);
  return { times };
}

/** Accumulates one chunk: container samples as they are produced, node totals at the end. */
export class UsageChunk {
  private readonly totals = new Map<number, NodeTotals>();
  readonly records: AnyEnvelope[] = [];

  constructor(
    private readonly sim: Simulation,
    private readonly grid: UsageGrid,
    private readonly cluster: string,
    private readonly source: string,
  ) {}

  /** Samples of every container of a pod while it runs. */
  addPod(pod: Incarnation, podName: string, workload: WorkloadRef): void {
    const node = pod.slot.node;
    const { times } = this.grid;
    if (times.length === 0) return;
    const last = times[times.length - 1]!;
    const totals = this.totalsOf(node);
    pod.slot.workload.containers.forEach((container, ci) => {
      // The share cAdvisor's throttled/total period counters give between two scrapes.
      const throttled =
        container.limits.cpuCores === undefined ? undefined : cpuShape(container).throttleRatio;
      const runs = this.sim.pods.runs(pod, ci, Math.min(last + 1, pod.endsAt));
      let r = 0;
      times.forEach((t, i) => {
        if (t < pod.createdAt || t >= pod.endsAt || !this.sim.nodes.kubeletUp(node, t)) return;
        while (r < runs.length && runs[r]!.end <= t) r++;
        const run: Run | undefined = runs[r];
        if (!run || run.start > t) return;
        const memory = this.sim.usage.memory(pod, ci, run, t);
        const cpu = this.sim.usage.cpu(pod, ci, run, t).cores;
        totals.workingSet[i]! += memory;
        totals.cores[i]! += cpu;
        const base = {
          cluster: this.cluster,
          timestamp: t,
          node: node.name,
          namespace: pod.slot.workload.namespace,
          pod: podName,
          podUid: pod.uid,
          container: container.name,
          workload,
        };
        this.push({ ...base, metric: 'memory_working_set_bytes', value: memory });
        this.push({ ...base, metric: 'cpu_usage_cores', value: cpu });
        if (throttled !== undefined)
          this.push({ ...base, metric: 'cpu_throttled_ratio', value: throttled });
      });
    });
  }

  /** Node samples; call once every pod of the chunk has been added. */
  finish(nodes: readonly NodeModel[]): AnyEnvelope[] {
    for (const node of nodes) {
      const totals = this.totalsOf(node);
      this.grid.times.forEach((t, i) => {
        if (t < node.createdAt || !this.sim.nodes.kubeletUp(node, t)) return;
        const workingSet = node.systemMemoryBytes + totals.workingSet[i]!;
        const base = { cluster: this.cluster, timestamp: t, node: node.name };
        this.push({ ...base, metric: 'node_memory_working_set_bytes', value: workingSet });
        this.push({
          ...base,
          metric: 'node_memory_available_bytes',
          value: Math.max(0, node.memoryBytes - workingSet),
        });
        this.push({
          ...base,
          metric: 'node_cpu_usage_cores',
          value: 0.08 + 0.015 * node.cpuCores + totals.cores[i]!,
        });
      });
    }
    return this.records;
  }

  private push(sample: UsageSample): void {
    this.records.push(envelope('usage_sample', sample, this.source, sample.timestamp));
  }

  private totalsOf(node: NodeModel): NodeTotals {
    let totals = this.totals.get(node.index);
    if (!totals) {
      const n = this.grid.times.length;
      totals = { workingSet: new Float64Array(n), cores: new Float64Array(n) };
      this.totals.set(node.index, totals);
    }
    return totals;
  }
}
