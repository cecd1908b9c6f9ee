// When each node exists and when its scrape targets answer. KSM reads the API server, so a node's
// inventory series run through kubelet restarts; cAdvisor is served by the kubelet and has gaps
// while it is down (reboots, network partitions, kubelet restarts); node-exporter misses the
// reboot itself and the partitions (the scrape cannot reach the host), not kubelet restarts.
import type { Simulation } from '../../model/simulation.js';
import { REBOOT_DOWN_MS, rebootAtOf } from '../../model/node-timeline.js';
import type { NodeModel } from '../../model/types.js';
import type { Interval } from './window.js';

/** [created, deleted) of a node: a `deletedAt` (autoscaled away, reclaimed) ends its series. */
export function nodeLife(node: NodeModel): Interval {
  return [node.createdAt, node.deletedAt ?? Infinity];
}

/** When the host itself is unreachable: its reboot and its network partitions, in time order. */
export function hostDown(node: NodeModel): Interval[] {
  const out: Interval[] = [];
  const rebootAt = rebootAtOf(node);
  if (rebootAt !== undefined) out.push([rebootAt, rebootAt + REBOOT_DOWN_MS]);
  const b = node.behaviour;
  if (b.kind === 'network-flaps') for (const at of b.at) out.push([at, at + b.downMs]);
  return out.sort((x, y) => x[0] - y[0]);
}

/** Intervals in [from, to) when the node's kubelet does not answer (NodeTimeline.kubeletUp). */
export function kubeletDown(
  sim: Simulation,
  node: NodeModel,
  from: number,
  to: number,
): Interval[] {
  const out: Interval[] = [...hostDown(node)];
  for (const e of sim.nodes.episodesBetween(node, from, to))
    for (const c of e.cycles)
      if (c.kubeletRestart) out.push([c.kubeletRestart.downAt, c.kubeletRestart.upAt]);
  return out.filter(([a, b]) => b > from && a < to).sort((x, y) => x[0] - y[0]);
}

/** Kubelet-down intervals per node, computed once per export (a few per flapping day). */
export class DownTimes {
  private readonly cache = new Map<number, Interval[]>();

  constructor(
    private readonly sim: Simulation,
    private readonly from: number,
    private readonly to: number,
  ) {}

  kubelet(node: NodeModel): Interval[] {
    let list = this.cache.get(node.index);
    if (!list) {
      list = kubeletDown(this.sim, node, this.from, this.to);
      this.cache.set(node.index, list);
    }
    return list;
  }
}
