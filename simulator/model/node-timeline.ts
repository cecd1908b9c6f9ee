// Node condition history. A flapping node goes through memory-pressure cycles during daily
// episodes; a rebooted node goes down once. Everything is computed per UTC day and cached, so
// any instant can be answered without replaying the history before it.
import { between, mix, unit } from './rng.js';
import { DAY, HOUR, MINUTE, type ClusterModel, type NodeModel } from './types.js';

export type Status = 'True' | 'False' | 'Unknown';

export interface FlapCycle {
  node: number;
  start: number;
  /** memory.available fell below the eviction threshold: MemoryPressure=True. */
  pressureAt: number;
  /** The kernel killed a process (SystemOOM) before the kubelet could evict. */
  systemOom?: { at: number; slot: number };
  evictAt: number;
  evictedSlots: number[];
  /** The kubelet was killed too; Ready went Unknown then False then True. */
  kubeletRestart?: { downAt: number; unknownAt: number; upAt: number; readyAt: number };
  /** MemoryPressure=False again. */
  clearedAt: number;
  end: number;
}

export interface Episode {
  node: number;
  from: number;
  to: number;
  cycles: FlapCycle[];
}

export interface ConditionChange {
  at: number;
  condition: 'Ready' | 'MemoryPressure' | 'DiskPressure' | 'PIDPressure';
  status: Status;
  reason: string;
  message: string;
}

export interface NodeConditionState {
  type: ConditionChange['condition'];
  status: Status;
  reason: string;
  message: string;
  lastTransitionTime: number;
}

const CONDITIONS = ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'Ready'] as const;

const NORMAL: Record<ConditionChange['condition'], [Status, string, string]> = {
  MemoryPressure: [
    'False',
    'KubeletHasSufficientMemory',
    'kubelet has sufficient memory available',
  ],
  DiskPressure: ['False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'],
  PIDPressure: ['False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'],
  Ready: ['True', 'KubeletReady', 'kubelet is posting ready status'],
};

const UNKNOWN_MESSAGE = 'Kubelet stopped posting node status.';

export const REBOOT_DOWN_MS = 3 * MINUTE;

/** When a node reboots, if it does: a single reboot, or the one after a planned drain. */
export function rebootAtOf(node: NodeModel): number | undefined {
  const b = node.behaviour;
  if (b.kind === 'reboot') return b.at;
  if (b.kind === 'drain' && b.rebootAt !== null) return b.rebootAt;
  return undefined;
}

/** Whether the node is cordoned (spec.unschedulable) at t: during a drain until uncordoned. */
export function cordonedAt(node: NodeModel, t: number): boolean {
  const b = node.behaviour;
  return b.kind === 'drain' && t >= b.at && (b.uncordonAt === null || t < b.uncordonAt);
}

/** The grower (BestEffort) slots on a node: the ones pressure cycles evict or kill. */
export function growerSlots(model: ClusterModel, node: NodeModel): number[] {
  return (model.slotsByNode[node.index] ?? []).filter((s) =>
    model.slots[s]?.workload.containers.some((c) => c.behaviour.kind === 'pressure-grower'),
  );
}

export class NodeTimeline {
  private readonly episodes = new Map<string, Episode | null>();
  private readonly evictionsBySlot = new Map<number, number[]>();
  private evictionHorizon = new Map<number, number>();

  constructor(private readonly model: ClusterModel) {}

  /** The flapping episode of a node on one UTC day, if any. */
  episodeOnDay(node: NodeModel, day: number): Episode | null {
    if (node.behaviour.kind !== 'flapping') return null;
    const key = `${node.index}:${day}`;
    const cached = this.episodes.get(key);
    if (cached !== undefined) return cached;
    const seed = this.model.seed;
    const firstDay = Math.floor(this.model.start / DAY);
    let episode: Episode | null = null;
    // Episodes ride the daily load peak; most days have one.
    if (day >= firstDay && unit(seed, node.index, day, 11) < 0.85) {
      const from = day * DAY + Math.round(between(8, 11, seed, node.index, day, 12) * HOUR);
      const to = from + Math.round(between(2, 5, seed, node.index, day, 13) * HOUR);
      episode = { node: node.index, from, to, cycles: this.cycles(node, day, from, to) };
    }
    this.episodes.set(key, episode);
    return episode;
  }

  private cycles(node: NodeModel, day: number, from: number, to: number): FlapCycle[] {
    const seed = this.model.seed;
    const growers = growerSlots(this.model, node);
    const cycles: FlapCycle[] = [];
    let t = from;
    for (let c = 0; t < to; c++) {
      const h = (n: number) => unit(seed, node.index, day, c, n);
      const start = t;
      const pressureAt = start + Math.round((8 + h(1) * 6) * MINUTE);
      const evictAt = pressureAt + Math.round((12 + h(2) * 13) * 1000);
      const pick = (n: number) => growers[Math.floor(h(n) * growers.length)];
      const evicted = pick(3);
      const victim = pick(4);
      const cycle: FlapCycle = {
        node: node.index,
        start,
        pressureAt,
        evictAt,
        evictedSlots: evicted === undefined ? [] : [evicted],
        clearedAt: 0,
        end: 0,
      };
      if (victim !== undefined && victim !== evicted && h(5) < 0.6) {
        cycle.systemOom = { at: pressureAt + Math.round((3 + h(6) * 5) * 1000), slot: victim };
      }
      if (h(7) < 0.75) {
        const downAt = evictAt + Math.round((5 + h(8) * 15) * 1000);
        const upAt = downAt + Math.round((50 + h(9) * 40) * 1000);
        cycle.kubeletRestart = {
          downAt,
          unknownAt: downAt + 40_000,
          upAt,
          readyAt: upAt + Math.round((15 + h(10) * 15) * 1000),
        };
        cycle.clearedAt = upAt;
      } else {
        // eviction-pressure-transition-period (5m) keeps the condition set after relief.
        cycle.clearedAt = evictAt + 5 * MINUTE + Math.round(h(11) * 20_000);
      }
      const lastAt = Math.max(cycle.clearedAt, cycle.kubeletRestart?.readyAt ?? 0);
      cycle.end = lastAt + Math.round((1 + h(12) * 3) * MINUTE);
      cycles.push(cycle);
      t = cycle.end;
    }
    return cycles;
  }

  /** Episodes overlapping [from, to). */
  episodesBetween(node: NodeModel, from: number, to: number): Episode[] {
    if (node.behaviour.kind !== 'flapping') return [];
    const out: Episode[] = [];
    for (let day = Math.floor(from / DAY) - 1; day <= Math.floor(to / DAY); day++) {
      const e = this.episodeOnDay(node, day);
      if (e && e.to > from && e.from < to) out.push(e);
    }
    return out;
  }

  /** The cycle containing t (between its start and end), if any. */
  cycleAt(node: NodeModel, t: number): FlapCycle | undefined {
    if (node.behaviour.kind !== 'flapping') return undefined;
    const e = this.episodeOnDay(node, Math.floor(t / DAY));
    if (!e) return undefined;
    return e.cycles.find((c) => c.start <= t && t < c.end);
  }

  /** Sorted eviction times of a slot from history start up to `upTo` (inclusive). */
  evictions(slotIndex: number, upTo: number): number[] {
    const slot = this.model.slots[slotIndex];
    if (!slot || slot.node.behaviour.kind !== 'flapping') return [];
    const node = slot.node;
    let list = this.evictionsBySlot.get(slotIndex);
    if (!list) {
      list = [];
      this.evictionsBySlot.set(slotIndex, list);
    }
    // Extend by whole days so the list is shared between callers.
    const horizon = this.evictionHorizon.get(slotIndex) ?? Math.floor(this.model.start / DAY) - 1;
    const lastDay = Math.floor(upTo / DAY) + 1;
    for (let day = horizon + 1; day <= lastDay; day++) {
      const e = this.episodeOnDay(node, day);
      for (const c of e?.cycles ?? []) if (c.evictedSlots.includes(slotIndex)) list.push(c.evictAt);
    }
    if (lastDay > horizon) this.evictionHorizon.set(slotIndex, lastDay);
    return list;
  }

  /** Condition changes of a node in [from, to), in time order. */
  changesBetween(node: NodeModel, from: number, to: number): ConditionChange[] {
    const out: ConditionChange[] = [];
    const push = (c: ConditionChange) => {
      if (c.at >= from && c.at < to) out.push(c);
    };
    const allUnknown = (at: number) => {
      for (const condition of CONDITIONS) {
        push({
          at,
          condition,
          status: 'Unknown',
          reason: 'NodeStatusUnknown',
          message: UNKNOWN_MESSAGE,
        });
      }
    };
    const allNormal = (at: number, except?: ConditionChange['condition']) => {
      for (const condition of CONDITIONS) {
        if (condition === except) continue;
        const [status, reason, message] = NORMAL[condition];
        push({ at, condition, status, reason, message });
      }
    };
    const rebootAt = rebootAtOf(node);
    if (rebootAt !== undefined) {
      const at = rebootAt;
      allUnknown(at + 40_000);
      allNormal(at + REBOOT_DOWN_MS, 'Ready');
      push({
        at: at + REBOOT_DOWN_MS,
        condition: 'Ready',
        status: 'False',
        reason: 'KubeletNotReady',
        message: 'container runtime status check may not have completed yet',
      });
      push({ at: at + REBOOT_DOWN_MS + 25_000, condition: 'Ready', ...readyTrue() });
    }
    if (node.behaviour.kind === 'network-flaps') {
      // The node controller marks every condition Unknown after the 40 s grace period; the
      // kubelet posts Ready again once the network is back. Memory never enters into it.
      for (const at of node.behaviour.at) {
        allUnknown(at + 40_000);
        allNormal(at + node.behaviour.downMs);
      }
    }
    for (const e of this.episodesBetween(node, from - DAY, to)) {
      for (const c of e.cycles) {
        push({
          at: c.pressureAt,
          condition: 'MemoryPressure',
          status: 'True',
          reason: 'KubeletHasInsufficientMemory',
          message: 'kubelet has insufficient memory available',
        });
        if (c.kubeletRestart) {
          const k = c.kubeletRestart;
          allUnknown(k.unknownAt);
          allNormal(k.upAt, 'Ready');
          push({
            at: k.upAt,
            condition: 'Ready',
            status: 'False',
            reason: 'KubeletNotReady',
            message: 'PLEG is not healthy: pleg has yet to be successful',
          });
          push({ at: k.readyAt, condition: 'Ready', ...readyTrue() });
        } else {
          const [status, reason, message] = NORMAL.MemoryPressure;
          push({ at: c.clearedAt, condition: 'MemoryPressure', status, reason, message });
        }
      }
    }
    return out.sort((a, b) => a.at - b.at);
  }

  /** Conditions as the API shows them at t, with their last transition times. */
  conditionsAt(node: NodeModel, t: number): NodeConditionState[] {
    // Looking back three days always reaches the last change of a flapping node; other nodes
    // have not changed since they were created (or rebooted).
    const changes = this.changesBetween(node, Math.max(node.createdAt, t - 3 * DAY), t + 1);
    const state = new Map<ConditionChange['condition'], NodeConditionState>();
    for (const condition of CONDITIONS) {
      const [status, reason, message] = NORMAL[condition];
      const since =
        node.behaviour.kind === 'flapping' ? Math.max(node.createdAt, t - 3 * DAY) : node.createdAt;
      state.set(condition, { type: condition, status, reason, message, lastTransitionTime: since });
    }
    for (const c of changes) {
      const prev = state.get(c.condition);
      if (!prev) continue;
      const changed = prev.status !== c.status;
      state.set(c.condition, {
        type: c.condition,
        status: c.status,
        reason: c.reason,
        message: c.message,
        lastTransitionTime: changed ? c.at : prev.lastTransitionTime,
      });
    }
    return CONDITIONS.map((c) => state.get(c)).filter((s): s is NodeConditionState => !!s);
  }

  /** Whether the kubelet answers at t (its proxy endpoints fail while it is down). */
  kubeletUp(node: NodeModel, t: number): boolean {
    const rebootAt = rebootAtOf(node);
    if (rebootAt !== undefined && t >= rebootAt && t < rebootAt + REBOOT_DOWN_MS) return false;
    if (node.behaviour.kind === 'network-flaps') {
      const downMs = node.behaviour.downMs;
      if (node.behaviour.at.some((at) => t >= at && t < at + downMs)) return false;
    }
    const c = this.cycleAt(node, t);
    if (c?.kubeletRestart && t >= c.kubeletRestart.downAt && t < c.kubeletRestart.upAt)
      return false;
    return true;
  }

  /** Boot id changes with each reboot (the kubelet's Rebooted event compares them). */
  bootId(node: NodeModel, t: number): number {
    const rebootAt = rebootAtOf(node);
    const rebooted = rebootAt !== undefined && t >= rebootAt + REBOOT_DOWN_MS;
    return mix(this.model.seed, node.index, rebooted ? 1 : 0);
  }
}

function readyTrue(): Omit<ConditionChange, 'at' | 'condition'> {
  return { status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' };
}
