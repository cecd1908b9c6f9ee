// Builds the static cluster layout (nodes, workloads, pod slots) for a scenario. Placement
// (placement.ts) respects node allocatable the way the scheduler does; what fits nowhere is Pending.
import { placeReplicas } from './placement.js';
import { podRequests, type PodRequests } from './scheduler.js';
import { hashString, hexId, mix, Rng, uuid } from './rng.js';
import {
  DAY,
  GI,
  type ClusterModel,
  type NodeBehaviour,
  type NodeModel,
  type WorkloadModel,
} from './types.js';

export interface PoolSpec {
  name: string;
  count: number;
  instanceType: string;
  cpuCores: number;
  memoryGi: number;
  style: 'gke' | 'eks' | 'karpenter';
  /** Misconfigured kubelet: no kube/system reserved, so allocatable == capacity. */
  noReserved?: boolean;
  behaviour?: NodeBehaviour;
}

export type WorkloadSpec = Omit<WorkloadModel, 'index' | 'uid' | 'createdAt'> & {
  createdAt?: number;
};

const ZONES: Record<PoolSpec['style'], { region: string; zones: string[] }> = {
  gke: { region: 'europe-west1', zones: ['europe-west1-b', 'europe-west1-c', 'europe-west1-d'] },
  eks: { region: 'eu-west-1', zones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'] },
  karpenter: { region: 'eu-west-1', zones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'] },
};

const POOL_LABEL: Record<PoolSpec['style'], string> = {
  gke: 'cloud.google.com/gke-nodepool',
  eks: 'eks.amazonaws.com/nodegroup',
  karpenter: 'karpenter.sh/nodepool',
};

/** GKE-like reservation: memory reserved is tiered (25 % of first 4 GiB, 20 % of next 4, ...). */
function reservedMemory(memoryBytes: number): number {
  const gi = memoryBytes / GI;
  const tiers: [number, number][] = [
    [4, 0.25],
    [4, 0.2],
    [8, 0.1],
    [112, 0.06],
    [Infinity, 0.02],
  ];
  let left = gi;
  let reserved = 0;
  for (const [size, share] of tiers) {
    const part = Math.min(left, size);
    reserved += part * share;
    left -= part;
    if (left <= 0) break;
  }
  // plus the default 100Mi hard eviction threshold
  return Math.round(reserved * GI + 100 * 1024 * 1024);
}

export class ClusterBuilder {
  readonly rng: Rng;
  private readonly nodes: NodeModel[] = [];
  private readonly workloads: WorkloadModel[] = [];

  constructor(
    readonly scenario: string,
    readonly seed: number,
    readonly start: number,
    readonly cluster: string,
  ) {
    this.rng = new Rng(mix(seed, hashString(scenario)));
  }

  addPool(spec: PoolSpec): NodeModel[] {
    const { region, zones } = ZONES[spec.style];
    const added: NodeModel[] = [];
    const poolHash = hexId(8, this.seed, hashString(spec.name));
    for (let i = 0; i < spec.count; i++) {
      const index = this.nodes.length;
      const zone = zones[i % zones.length] ?? 'zone-a';
      const ip = `10.${(index >> 14) & 0xff}.${(index >> 6) & 0xff}.${((index & 0x3f) << 2) + 10}`;
      const name =
        spec.style === 'gke'
          ? `gke-${this.cluster}-${spec.name}-${poolHash}-${hexId(4, this.seed, index)}`
          : `ip-${ip.replaceAll('.', '-')}.${region}.compute.internal`;
      const memoryBytes = spec.memoryGi * GI;
      const reservedCpu = spec.noReserved ? 0 : 0.06 + 0.01 * Math.max(0, spec.cpuCores - 1);
      const node: NodeModel = {
        index,
        name,
        uid: uuid(this.seed, 1, index),
        pool: spec.name,
        poolLabel: POOL_LABEL[spec.style],
        instanceType: spec.instanceType,
        zone,
        region,
        cpuCores: spec.cpuCores,
        memoryBytes,
        allocatableCpuCores: Math.round((spec.cpuCores - reservedCpu) * 1000) / 1000,
        allocatableMemoryBytes: spec.noReserved
          ? memoryBytes
          : memoryBytes - reservedMemory(memoryBytes),
        podsCapacity: 110,
        systemMemoryBytes: Math.round(memoryBytes * (0.05 + 0.02 * this.rng.next())),
        createdAt: this.start - Math.round((20 + this.rng.next() * 60) * DAY),
        kubeletVersion: this.rng.pick(['v1.29.6', 'v1.29.6', 'v1.30.2']),
        internalIp: ip,
        behaviour: spec.behaviour ?? { kind: 'normal' },
      };
      this.nodes.push(node);
      added.push(node);
    }
    return added;
  }

  addWorkload(spec: WorkloadSpec): WorkloadModel {
    const index = this.workloads.length;
    const workload: WorkloadModel = {
      ...spec,
      index,
      uid: uuid(this.seed, 2, index),
      createdAt: spec.createdAt ?? this.start - Math.round((30 + this.rng.next() * 200) * DAY),
    };
    this.workloads.push(workload);
    return workload;
  }

  /**
   * The requests of the workloads added so far that may land on `pool` (every node if undefined),
   * and that pool's allocatable: how full the scheduler will find it.
   */
  requestsOn(pool?: string): { requested: PodRequests; allocatable: PodRequests } {
    const nodes = this.nodes.filter((n) => pool === undefined || n.pool === pool);
    const inPool = new Set(nodes);
    const allocatable = { cpu: 0, memory: 0 };
    for (const n of nodes) {
      allocatable.cpu += n.allocatableCpuCores;
      allocatable.memory += n.allocatableMemoryBytes;
    }
    const requested = { cpu: 0, memory: 0 };
    for (const w of this.workloads) {
      const pinned = w.pinnedNode === undefined ? undefined : this.nodes[w.pinnedNode];
      const pods =
        w.kind === 'DaemonSet'
          ? nodes.filter((n) => w.pool === undefined || n.pool === w.pool).length
          : pinned
            ? inPool.has(pinned)
              ? w.replicas
              : 0
            : pool === undefined || w.pool === undefined || w.pool === pool
              ? w.replicas
              : 0;
      const each = podRequests(w);
      requested.cpu += pods * each.cpu;
      requested.memory += pods * each.memory;
    }
    return { requested, allocatable };
  }

  build(): ClusterModel {
    const nodes = this.nodes;
    const { slots, pendingSlots, slotsByNode } = placeReplicas(nodes, this.workloads);
    const namespaces = [...new Set(this.workloads.map((w) => w.namespace))].sort();
    return {
      scenario: this.scenario,
      seed: this.seed,
      cluster: this.cluster,
      start: this.start,
      nodes,
      workloads: this.workloads,
      slots,
      pendingSlots,
      slotsByNode,
      namespaces,
    };
  }
}
