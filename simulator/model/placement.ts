// Where each workload replica runs: the scheduler's decision when the replica was first created.
// As kube-scheduler does, it filters nodes with NodeResourcesFit, looking at a sample of nodes
// that starts where the previous search stopped, and binds to the feasible node with the best
// score (NodeResourcesFit's LeastAllocated plus NodeResourcesBalancedAllocation), so requests
// spread evenly instead of filling small nodes first. A replica no allowed node can take becomes
// a Pending slot: nothing is ever placed beyond allocatable. Slots keep their node for the whole
// history; see pod-timeline for the moments a replacement pod has to wait for room on it.
import {
  AFFINITY_MISMATCH,
  failedSchedulingMessage,
  NodeAllocations,
  podRequests,
  type PodRequests,
} from './scheduler.js';
import type { NodeModel, PendingSlot, Slot, WorkloadModel } from './types.js';

export interface Placement {
  slots: Slot[];
  pendingSlots: PendingSlot[];
  slotsByNode: number[][];
}

export function placeReplicas(
  nodes: readonly NodeModel[],
  workloads: readonly WorkloadModel[],
): Placement {
  const slots: Slot[] = [];
  const pending: Omit<PendingSlot, 'index'>[] = [];
  const slotsByNode: number[][] = nodes.map(() => []);
  const allocations = new NodeAllocations(nodes);
  const byPool = new Map<string, NodeModel[]>();
  for (const node of nodes) {
    const list = byPool.get(node.pool) ?? [];
    list.push(node);
    byPool.set(node.pool, list);
  }
  const cursor = new Map<string, number>();

  /**
   * Binds to the best-scoring feasible node among the first ones found searching `allowed`
   * round-robin from `from`; answers how many nodes the search went through.
   */
  const schedule = (
    workload: WorkloadModel,
    replica: number,
    allowed: readonly NodeModel[],
    from = 0,
  ): number | undefined => {
    const requests = podRequests(workload);
    const wanted = nodesToFind(allowed.length);
    let best: NodeModel | undefined;
    let bestScore = -Infinity;
    let found = 0;
    let tries = 0;
    for (; tries < allowed.length && found < wanted; tries++) {
      const node = allowed[(from + tries) % allowed.length];
      if (!node || allocations.failures(node, requests).length > 0) continue;
      found++;
      const s = score(node, allocations.requested(node), requests);
      if (s > bestScore) {
        best = node;
        bestScore = s;
      }
    }
    if (best) {
      allocations.bind(best, requests);
      const slot: Slot = { index: slots.length, workload, replica, node: best };
      slots.push(slot);
      slotsByNode[best.index]?.push(slot.index);
      return tries;
    }
    const allowedSet = new Set(allowed);
    const reasons = nodes.map((node) =>
      allowedSet.has(node) ? allocations.failures(node, requests) : [AFFINITY_MISMATCH],
    );
    pending.push({
      workload,
      replica,
      unschedulable: failedSchedulingMessage(nodes.length, reasons),
    });
    return undefined;
  };

  // DaemonSets go first: their pods exist from the moment a node joins, before the services that
  // were scheduled onto it later (and their node-critical priority would preempt those anyway).
  const ordered = [...workloads].sort(
    (a, b) => Number(b.kind === 'DaemonSet') - Number(a.kind === 'DaemonSet'),
  );
  for (const workload of ordered) {
    if (workload.kind === 'DaemonSet') {
      // The DaemonSet controller targets each node by affinity; the scheduler still has to fit it.
      const targets = workload.pool ? (byPool.get(workload.pool) ?? []) : nodes;
      targets.forEach((node, replica) => schedule(workload, replica, [node]));
      continue;
    }
    for (let replica = 0; replica < workload.replicas; replica++) {
      if (workload.pinnedNode !== undefined) {
        const pinned = nodes[workload.pinnedNode];
        if (!pinned) throw new Error(`workload ${workload.name} pinned to a missing node`);
        schedule(workload, replica, [pinned]);
        continue;
      }
      const key = workload.pool ?? '*';
      const candidates = (workload.pool ? byPool.get(workload.pool) : undefined) ?? nodes;
      // Flapping nodes are dedicated to their pinned tenants (a taint in a real cluster).
      const general = candidates.filter((n) => n.behaviour.kind !== 'flapping');
      const allowed = general.length > 0 ? general : candidates;
      const at = cursor.get(key) ?? 0;
      const tries = schedule(workload, replica, allowed, at);
      if (tries !== undefined) cursor.set(key, (at + tries) % allowed.length);
    }
  }
  const pendingSlots = pending.map((p, i) => ({ ...p, index: slots.length + i }));
  return { slots, pendingSlots, slotsByNode };
}

/**
 * How many feasible nodes kube-scheduler looks for before scoring (percentageOfNodesToScore left
 * adaptive): all of a small cluster, then 50 % less 1 % per 125 nodes, at least 100 nodes and 5 %.
 */
function nodesToFind(nodes: number): number {
  if (nodes < 100) return nodes;
  const percentage = Math.max(5, 50 - nodes / 125);
  return Math.max(100, Math.floor((nodes * percentage) / 100));
}

/** LeastAllocated (free share after binding) plus BalancedAllocation (cpu and memory even). */
function score(node: NodeModel, requested: PodRequests, pod: PodRequests): number {
  const cpu = (requested.cpu + pod.cpu) / node.allocatableCpuCores;
  const memory = (requested.memory + pod.memory) / node.allocatableMemoryBytes;
  const leastAllocated = ((1 - cpu + (1 - memory)) / 2) * 100;
  const balanced = (1 - Math.abs(cpu - memory) / 2) * 100;
  return leastAllocated + balanced;
}
