// Room for a rollout's new pod. A Deployment (or DaemonSet) rollout creates the slot's new pod
// while the old one is still terminating on the same node for its grace period, and the scheduler
// counts terminating pods against allocatable. So the new pod binds at once only if the node fits
// it next to everything that may be terminating there meanwhile; otherwise it stays Pending until
// its predecessor is gone, which always frees exactly its requests.
//
// The check is deliberately conservative: it counts every rollout on the node whose grace period
// overlaps the new pod's, whatever their own outcome. Then for any instant, the latest pod bound
// beside a terminating predecessor was checked against a superset of what terminates at that
// instant, so a node never holds more than its allocatable.
import { fitFailures, podRequests, type FitFailure } from './scheduler.js';
import type { ClusterModel, NodeModel, Slot } from './types.js';

interface NodeLoad {
  cpu: number;
  memory: number;
  pods: number;
  /** Slots whose rollouts leave a terminating predecessor behind. */
  rolling: Slot[];
}

export class RolloutRoom {
  private readonly loads = new Map<number, NodeLoad>();

  constructor(
    private readonly model: ClusterModel,
    private readonly rolloutTime: (slot: Slot, k: number) => number,
    private readonly graceMs: number,
  ) {}

  /** Why the pod a rollout creates at `at` cannot bind to its slot's node right away (none: it can). */
  failuresAt(slot: Slot, at: number): FitFailure[] {
    const load = this.load(slot.node);
    let cpu = load.cpu;
    let memory = load.memory;
    let pods = load.pods;
    // A grace period [r, r + grace) overlaps this pod's, with a second of slack for creation jitter.
    const lo = at - this.graceMs;
    const hi = at + this.graceMs + 1000;
    for (const other of load.rolling) {
      const w = other.workload;
      const every = w.rolloutEveryMs;
      if (every === null) continue;
      // Rollout k happens within a fifth of a period (plus a few seconds of stagger) after
      // phase + k * every, so only the periods around `at` can overlap.
      const k0 = Math.floor((at - w.rolloutPhaseMs) / every);
      const requests = podRequests(w);
      for (let k = k0 - 2; k <= k0 + 1; k++) {
        const r = this.rolloutTime(other, k);
        if (r > lo && r < hi) {
          cpu += requests.cpu;
          memory += requests.memory;
          pods += 1;
        }
      }
    }
    return fitFailures(slot.node, cpu, memory, pods);
  }

  private load(node: NodeModel): NodeLoad {
    const cached = this.loads.get(node.index);
    if (cached) return cached;
    const load: NodeLoad = { cpu: 0, memory: 0, pods: 0, rolling: [] };
    for (const s of this.model.slotsByNode[node.index] ?? []) {
      const slot = this.model.slots[s];
      if (!slot) continue;
      const requests = podRequests(slot.workload);
      load.cpu += requests.cpu;
      load.memory += requests.memory;
      load.pods += 1;
      if (leavesTerminatingPod(slot)) load.rolling.push(slot);
    }
    this.loads.set(node.index, load);
    return load;
  }
}

/** StatefulSets replace pods one at a time (delete, then create); others overlap old and new. */
export function leavesTerminatingPod(slot: Slot): boolean {
  return slot.workload.rolloutEveryMs !== null && slot.workload.kind !== 'StatefulSet';
}
