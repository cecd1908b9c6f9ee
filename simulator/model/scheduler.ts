// kube-scheduler's NodeResourcesFit, the predicate that decides where simulated pods go: a pod fits
// a node when the requests of the pods bound there plus its own stay within allocatable (cpu and
// memory) and the node's pod count stays within its `pods` capacity. Limits play no part, which
// is why limits may overcommit a node while requests never do. A pod that fits nowhere it may go
// stays Pending with the scheduler's FailedScheduling message.
import type { NodeModel, WorkloadModel } from './types.js';

export interface PodRequests {
  cpu: number;
  memory: number;
}

/** What the scheduler counts for a pod: container requests, defaulted to limits as the API does. */
export function podRequests(w: WorkloadModel): PodRequests {
  let cpu = 0;
  let memory = 0;
  for (const c of w.containers) {
    cpu += c.requests.cpuCores ?? c.limits.cpuCores ?? 0;
    memory += c.requests.memoryBytes ?? c.limits.memoryBytes ?? 0;
  }
  return { cpu, memory };
}

/** NodeResourcesFit's reasons, worded as in the scheduler's events. */
export type FitFailure = 'Insufficient cpu' | 'Insufficient memory' | 'Too many pods';

/** Kept out by nodeSelector/affinity (pool, pinned node, DaemonSet target, dedicated node). */
export const AFFINITY_MISMATCH = "node(s) didn't match Pod's node affinity/selector";

// Requests are decimal fractions of cores and bytes: compare with a little slack so a node filled
// to exactly its allocatable is not refused over floating-point dust.
const EPSILON = 1e-9;

/** What is bound to each node, and whether one more pod fits there. */
export class NodeAllocations {
  private readonly cpu: Float64Array;
  private readonly memory: Float64Array;
  private readonly pods: Int32Array;

  constructor(nodes: readonly NodeModel[]) {
    this.cpu = new Float64Array(nodes.length);
    this.memory = new Float64Array(nodes.length);
    this.pods = new Int32Array(nodes.length);
  }

  /** Why `pod` does not fit `node` (none: it fits). */
  failures(
    node: NodeModel,
    pod: PodRequests,
    extra?: PodRequests & { pods: number },
  ): FitFailure[] {
    return fitFailures(
      node,
      (this.cpu[node.index] ?? 0) + (extra?.cpu ?? 0) + pod.cpu,
      (this.memory[node.index] ?? 0) + (extra?.memory ?? 0) + pod.memory,
      (this.pods[node.index] ?? 0) + (extra?.pods ?? 0) + 1,
    );
  }

  bind(node: NodeModel, pod: PodRequests): void {
    this.cpu[node.index] = (this.cpu[node.index] ?? 0) + pod.cpu;
    this.memory[node.index] = (this.memory[node.index] ?? 0) + pod.memory;
    this.pods[node.index] = (this.pods[node.index] ?? 0) + 1;
  }

  requested(node: NodeModel): PodRequests & { pods: number } {
    return {
      cpu: this.cpu[node.index] ?? 0,
      memory: this.memory[node.index] ?? 0,
      pods: this.pods[node.index] ?? 0,
    };
  }
}

/** NodeResourcesFit for totals that already include the incoming pod. */
export function fitFailures(
  node: NodeModel,
  cpu: number,
  memory: number,
  pods: number,
): FitFailure[] {
  const out: FitFailure[] = [];
  if (cpu > node.allocatableCpuCores + EPSILON) out.push('Insufficient cpu');
  if (memory > node.allocatableMemoryBytes + EPSILON) out.push('Insufficient memory');
  if (pods > node.podsCapacity) out.push('Too many pods');
  return out;
}

/**
 * The FailedScheduling message of kube-scheduler 1.27+ with default preemption: a histogram of
 * filter reasons (a node can count under several), then the preemption verdict per node. Every
 * simulated pod but the node-critical DaemonSets has priority 0, so nothing can be preempted for
 * it; nodes rejected by affinity are not worth preempting on at all.
 */
export function failedSchedulingMessage(
  totalNodes: number,
  perNode: readonly (readonly string[])[],
): string {
  const filter = new Map<string, number>();
  const preemption = new Map<string, number>();
  const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  for (const reasons of perNode) {
    for (const r of reasons) bump(filter, r);
    bump(
      preemption,
      reasons.includes(AFFINITY_MISMATCH)
        ? 'Preemption is not helpful for scheduling'
        : 'No preemption victims found for incoming pod',
    );
  }
  const histogram = (m: Map<string, number>) =>
    [...m]
      .map(([k, n]) => `${n} ${k}`)
      .sort()
      .join(', ');
  return `0/${totalNodes} nodes are available: ${histogram(filter)}. preemption: 0/${totalNodes} nodes are available: ${histogram(preemption)}..`;
}
