// Capacity arithmetic over nodes and pods, computed once: what a pod holds on its node, what a
// node offers, what it loses to overhead, and what it strands. The node-capacity analyzer, the
// exported gauges, the weekly report and the dashboards built on them all read these functions, so
// one figure cannot carry two values.
import type { Node, Pod } from './domain.js';

/** CPU in cores, memory in bytes; zero when nothing is known. */
export interface Resources {
  readonly cpuCores: number;
  readonly memoryBytes: number;
}

const GIB = 2 ** 30;
/** Nothing: the start of every sum of resources. */
export const NO_RESOURCES: Resources = { cpuCores: 0, memoryBytes: 0 };

export const addResources = (a: Resources, b: Resources, factor = 1): Resources => ({
  cpuCores: a.cpuCores + b.cpuCores * factor,
  memoryBytes: a.memoryBytes + b.memoryBytes * factor,
});

/** A pod holds its requests on its node until it has finished, as the scheduler counts. */
export const holdsResources = (pod: Pod): boolean =>
  pod.phase !== 'Succeeded' && pod.phase !== 'Failed';

export interface PodResources {
  /** App containers' requests; a missing request counts its limit, as the API server defaults it. */
  readonly requests: Resources;
  readonly limits: Resources;
  /** Some app container has no memory limit: the pod's use is bounded by nothing. */
  readonly unboundedMemory: boolean;
}

export function podResources(pod: Pod): PodResources {
  let requests = NO_RESOURCES;
  let limits = NO_RESOURCES;
  let unboundedMemory = false;
  for (const container of pod.containers) {
    if (container.init) continue;
    const { requests: r, limits: l } = container.resources;
    requests = addResources(requests, {
      cpuCores: r.cpuCores ?? l.cpuCores ?? 0,
      memoryBytes: r.memoryBytes ?? l.memoryBytes ?? 0,
    });
    limits = addResources(limits, { cpuCores: l.cpuCores ?? 0, memoryBytes: l.memoryBytes ?? 0 });
    if (l.memoryBytes === undefined) unboundedMemory = true;
  }
  return { requests, limits, unboundedMemory };
}

export interface NodeRequests {
  readonly pods: number;
  readonly requests: Resources;
  readonly limits: Resources;
  readonly podsWithoutMemoryLimit: number;
}

export const NO_REQUESTS: NodeRequests = {
  pods: 0,
  requests: NO_RESOURCES,
  limits: NO_RESOURCES,
  podsWithoutMemoryLimit: 0,
};

/** Requests and limits of the pods holding resources on each node, by node name. */
export function requestsByNode(pods: readonly Pod[]): Map<string, NodeRequests> {
  const byNode = new Map<string, NodeRequests>();
  for (const pod of pods) {
    if (!pod.nodeName || !holdsResources(pod)) continue;
    const sum = byNode.get(pod.nodeName) ?? NO_REQUESTS;
    const { requests, limits, unboundedMemory } = podResources(pod);
    byNode.set(pod.nodeName, {
      pods: sum.pods + 1,
      requests: addResources(sum.requests, requests),
      limits: addResources(sum.limits, limits),
      podsWithoutMemoryLimit: sum.podsWithoutMemoryLimit + (unboundedMemory ? 1 : 0),
    });
  }
  return byNode;
}

/** A node that reports no allocatable offers its capacity (nothing known to be reserved). */
export function allocatableOf(node: Node): Resources {
  return {
    cpuCores: node.allocatable.cpuCores ?? node.capacity.cpuCores ?? 0,
    memoryBytes: node.allocatable.memoryBytes ?? node.capacity.memoryBytes ?? 0,
  };
}

export function capacityOf(node: Node): Resources {
  return { cpuCores: node.capacity.cpuCores ?? 0, memoryBytes: node.capacity.memoryBytes ?? 0 };
}

/** capacity − allocatable: kube/system reserved and eviction thresholds. */
export function overheadOf(node: Node): Resources {
  const capacity = capacityOf(node);
  const allocatable = allocatableOf(node);
  return {
    cpuCores: Math.max(0, capacity.cpuCores - allocatable.cpuCores),
    memoryBytes: Math.max(0, capacity.memoryBytes - allocatable.memoryBytes),
  };
}

/** Allocatable nobody requested. */
export function freeOf(node: Node, requested: Resources): Resources {
  const allocatable = allocatableOf(node);
  return {
    cpuCores: Math.max(0, allocatable.cpuCores - requested.cpuCores),
    memoryBytes: Math.max(0, allocatable.memoryBytes - requested.memoryBytes),
  };
}

/**
 * Capacity no pod can use because the other resource ran out on the same node: free CPU where
 * less than max(10 %, 1 GiB) of memory is unrequested, free memory where less than
 * max(10 %, 0.25 cores) of CPU is. Only a sizeable remainder counts (CPU: ≥ 25 % of allocatable
 * and ≥ 0.5 cores; memory: ≥ 25 % and ≥ 1 GiB) — a sliver left over is packing, not stranding.
 * A cordoned node strands nothing: no pod may land on it anyway.
 */
export function strandedOnNode(node: Node, requested: Resources): Resources {
  if (node.unschedulable) return NO_RESOURCES;
  const allocatable = allocatableOf(node);
  const free = freeOf(node, requested);
  const memoryOut = free.memoryBytes < Math.max(0.1 * allocatable.memoryBytes, GIB);
  const cpuOut = free.cpuCores < Math.max(0.1 * allocatable.cpuCores, 0.25);
  if (memoryOut && free.cpuCores >= 0.25 * allocatable.cpuCores && free.cpuCores >= 0.5) {
    return { cpuCores: free.cpuCores, memoryBytes: 0 };
  }
  if (cpuOut && free.memoryBytes >= 0.25 * allocatable.memoryBytes && free.memoryBytes >= GIB) {
    return { cpuCores: 0, memoryBytes: free.memoryBytes };
  }
  return NO_RESOURCES;
}

/** requested ÷ allocatable per resource; 0 where nothing is allocatable. */
export function requestedShare(requested: Resources, allocatable: Resources): Resources {
  return {
    cpuCores: allocatable.cpuCores > 0 ? requested.cpuCores / allocatable.cpuCores : 0,
    memoryBytes: allocatable.memoryBytes > 0 ? requested.memoryBytes / allocatable.memoryBytes : 0,
  };
}
