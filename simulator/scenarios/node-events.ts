// Node events that are not memory flapping, with ground truth listing them as negatives:
// `node-not-memory`: a node whose Ready condition toggles on network partitions (no
// MemoryPressure, no evictions, memory available far above the threshold) and a planned drain
// (cordoned, pods evicted through the API, rebooted, uncordoned). `node-autoscaled`: a node
// drained and deleted by the cluster autoscaler mid-window, and a spot node reclaimed with its
// pods on it; their series end, their pods are gone.
import type { ClusterBuilder } from '../model/builder.js';
import { REBOOT_DOWN_MS } from '../model/node-timeline.js';
import { DAY, HOUR, MINUTE, type NodeModel } from '../model/types.js';
import { addDaemonSets, addServices } from './catalog.js';

function general(b: ClusterBuilder, nodes: number, min: number): NodeModel[] {
  const pool = b.addPool({
    name: 'general',
    count: Math.max(nodes, min),
    instanceType: 'm5.2xlarge',
    cpuCores: 8,
    memoryGi: 32,
    style: 'eks',
  });
  return pool;
}

/** Partitions of 60-150 s, several an hour for two hours a day: Ready flaps, memory is fine. */
function networkFlaps(b: ClusterBuilder, node: NodeModel): void {
  const at: number[] = [];
  for (let day = 0; day < 7; day++) {
    let t = b.start + day * DAY + Math.round((9 + b.rng.next() * 6) * HOUR);
    const end = t + 2 * HOUR;
    while (t < end) {
      at.push(t);
      t += Math.round((8 + b.rng.next() * 14) * MINUTE);
    }
  }
  node.behaviour = {
    kind: 'network-flaps',
    at,
    downMs: Math.round(60_000 + b.rng.next() * 90_000),
  };
}

/** A maintenance drain: cordon, evict, reboot, uncordon. */
function drain(b: ClusterBuilder, node: NodeModel, at: number, reboot: boolean): void {
  const rebootAt = reboot ? at + 2 * MINUTE + Math.round(b.rng.next() * MINUTE) : null;
  node.behaviour = {
    kind: 'drain',
    at,
    evictAt: at + 3000,
    rebootAt,
    uncordonAt: rebootAt === null ? null : rebootAt + REBOOT_DOWN_MS + 90_000,
  };
}

export function nodeNotMemory(b: ClusterBuilder, nodes = 4): void {
  const pool = general(b, nodes, 3);
  const [flapping, drained] = pool.slice(-2);
  if (!flapping || !drained) throw new Error('node-not-memory needs at least two nodes');
  networkFlaps(b, flapping);
  drain(b, drained, b.start + Math.round(DAY - 4 * HOUR + b.rng.next() * 2 * HOUR), true);
  addDaemonSets(b);
  addServices(b, pool.length * 12);
}

export function nodeAutoscaled(b: ClusterBuilder, nodes = 4): void {
  const pool = general(b, nodes, 3);
  const [scaledDown, reclaimed] = pool.slice(-2);
  if (!scaledDown || !reclaimed) throw new Error('node-autoscaled needs at least two nodes');
  // The autoscaler drains an underused node (its pods go), then deletes it.
  const at = b.start + Math.round(14 * HOUR + b.rng.next() * 2 * HOUR);
  drain(b, scaledDown, at, false);
  scaledDown.deletedAt = at + 10 * MINUTE;
  // A spot instance reclaimed with its pods on it: they are gone with the node.
  reclaimed.deletedAt = b.start + Math.round(DAY + 3 * HOUR + b.rng.next() * 2 * HOUR);
  addDaemonSets(b);
  addServices(b, pool.length * 12);
}
