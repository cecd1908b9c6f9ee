// Builds the static cluster layout (nodes, workloads, pod slots) for a scenario. Placement is a
// first-fit over requests so that node allocatable is respected the way the scheduler would.
import { hashString, hexId, mix, Rng, uuid } from './rng.js';
import {
  DAY,
  GI,
  type ClusterModel,
  type NodeBehaviour,
  type NodeModel,
  type Slot,
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

  build(): ClusterModel {
    const nodes = this.nodes;
    const slotsByNode: number[][] = nodes.map(() => []);
    const usedCpu = nodes.map(() => 0);
    const usedMem = nodes.map(() => 0);
    const slots: Slot[] = [];
    const byPool = new Map<string, NodeModel[]>();
    for (const node of nodes) {
      const list = byPool.get(node.pool) ?? [];
      list.push(node);
      byPool.set(node.pool, list);
    }
    const cursor = new Map<string, number>();
    const place = (workload: WorkloadModel, replica: number, node: NodeModel) => {
      const slot: Slot = { index: slots.length, workload, replica, node };
      slots.push(slot);
      slotsByNode[node.index]?.push(slot.index);
      for (const c of workload.containers) {
        usedCpu[node.index] = (usedCpu[node.index] ?? 0) + (c.requests.cpuCores ?? 0);
        usedMem[node.index] = (usedMem[node.index] ?? 0) + (c.requests.memoryBytes ?? 0);
      }
    };
    // DaemonSets first, as the scheduler admits them on every node regardless of pressure.
    const ordered = [...this.workloads].sort(
      (a, b) => Number(b.kind === 'DaemonSet') - Number(a.kind === 'DaemonSet'),
    );
    for (const workload of ordered) {
      if (workload.kind === 'DaemonSet') {
        const targets = workload.pool ? (byPool.get(workload.pool) ?? []) : nodes;
        targets.forEach((node, replica) => place(workload, replica, node));
        continue;
      }
      const cpu = workload.containers.reduce((s, c) => s + (c.requests.cpuCores ?? 0), 0);
      const mem = workload.containers.reduce((s, c) => s + (c.requests.memoryBytes ?? 0), 0);
      for (let replica = 0; replica < workload.replicas; replica++) {
        if (workload.pinnedNode !== undefined) {
          const pinned = nodes[workload.pinnedNode];
          if (!pinned) throw new Error(`workload ${workload.name} pinned to a missing node`);
          place(workload, replica, pinned);
          continue;
        }
        const key = workload.pool ?? '*';
        const candidates = (workload.pool ? byPool.get(workload.pool) : undefined) ?? nodes;
        const general = candidates.filter((n) => n.behaviour.kind !== 'flapping');
        const pool = general.length > 0 ? general : candidates;
        let at = cursor.get(key) ?? 0;
        let chosen: NodeModel | undefined;
        for (let tries = 0; tries < pool.length; tries++) {
          const node = pool[(at + tries) % pool.length];
          if (!node) continue;
          const fits =
            (usedCpu[node.index] ?? 0) + cpu <= node.allocatableCpuCores &&
            (usedMem[node.index] ?? 0) + mem <= node.allocatableMemoryBytes &&
            (slotsByNode[node.index]?.length ?? 0) < node.podsCapacity;
          if (fits) {
            chosen = node;
            at = at + tries + 1;
            break;
          }
        }
        // An unschedulable replica lands on the next node anyway: the simulator has no Pending.
        chosen ??= pool[at % pool.length];
        if (!chosen) throw new Error(`no node for workload ${workload.name}`);
        cursor.set(key, at);
        place(workload, replica, chosen);
      }
    }
    const namespaces = [...new Set(this.workloads.map((w) => w.namespace))].sort();
    return {
      scenario: this.scenario,
      seed: this.seed,
      cluster: this.cluster,
      start: this.start,
      nodes,
      workloads: this.workloads,
      slots,
      slotsByNode,
      namespaces,
    };
  }
}
