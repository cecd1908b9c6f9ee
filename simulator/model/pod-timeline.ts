// Pods and container runs over time. A slot (workload replica) is served by a sequence of pod
// incarnations: a rollout or an eviction replaces the pod (new name, new uid) while the workload
// stays. Within an incarnation each container runs, dies (OOMKilled, node reboot) and restarts with
// the kubelet's back-off, so restartCount, lastState and CrashLoopBackOff follow from the runs.
// A pod runs only once bound to its slot's node: never for a Pending slot, and after a short wait
// when a rollout finds no room next to the pod it replaces (rollout-room.ts).
import { between, hashString, mix, nameSuffix, unit, uuid } from './rng.js';
import { REBOOT_DOWN_MS, rebootAtOf, type NodeTimeline } from './node-timeline.js';
import { leavesTerminatingPod, RolloutRoom } from './rollout-room.js';
import { AFFINITY_MISMATCH, failedSchedulingMessage } from './scheduler.js';
import {
  HOUR,
  MINUTE,
  type AnySlot,
  type ClusterModel,
  type ContainerModel,
  type Slot,
  replicaSetNameOf,
} from './types.js';

export const ROLLOUT_STAGGER_MS = 15_000;
export const TERMINATION_GRACE_MS = 30_000;
export const EVICTED_POD_TTL_MS = HOUR;

export interface Incarnation<S extends AnySlot = Slot> {
  slot: S;
  /** Rollout generation (ReplicaSet revision) and evictions so far: together, the pod identity. */
  generation: number;
  evictions: number;
  name: string;
  uid: string;
  templateHash: string;
  createdAt: number;
  /**
   * When the scheduler bound it to the slot's node: its creation, unless a rollout found no room
   * until the pod it replaces was gone; Infinity for a Pending slot.
   */
  boundAt: number;
  /** The scheduler's FailedScheduling message while it is not bound. */
  unschedulable?: string;
  /** When this pod stops being the slot's current pod (Infinity if not replaced). */
  endsAt: number;
  /**
   * `drained`: evicted through the API by a node drain (deleted after its grace period);
   * `node-deleted`: its node was deleted (autoscaled away) and the pod with it. Neither has a
   * successor on the slot (the model keeps a slot on one node).
   */
  endKind: 'rollout' | 'evicted' | 'drained' | 'node-deleted' | null;
}

/**
 * When a slot's pods leave its node for good: a drain evicts the non-DaemonSet pods (staggered by
 * a few seconds), a node deletion takes the rest. Undefined: never.
 */
export function slotGoneAt(
  slot: AnySlot,
  seed: number,
): { at: number; kind: 'drained' | 'node-deleted' } | undefined {
  const node = slot.node;
  if (!node) return undefined;
  const b = node.behaviour;
  if (b.kind === 'drain' && slot.workload.kind !== 'DaemonSet') {
    const at = b.evictAt + Math.floor(unit(seed, slot.index, 91) * 20_000);
    if (node.deletedAt === undefined || at < node.deletedAt) return { at, kind: 'drained' };
  }
  return node.deletedAt === undefined ? undefined : { at: node.deletedAt, kind: 'node-deleted' };
}

/** Whether a pod is on a node at t (bound by then); narrows it to a placed slot's pod. */
export function isBound(pod: Incarnation<AnySlot>, t: number): pod is Incarnation<Slot> {
  return pod.slot.node !== undefined && pod.boundAt <= t;
}

export interface Termination {
  reason: string;
  exitCode: number;
  signal?: number;
  message?: string;
}

export interface Run {
  index: number;
  start: number;
  /** Infinity while still running at the end of the incarnation. */
  end: number;
  termination?: Termination;
  /** Planned length for growing behaviours (leak, start-up), for usage shaping. */
  plannedEnd: number;
  /** Spike that kills or peaks inside this run, if any. */
  spikes: Spike[];
}

export interface Spike {
  start: number;
  peak: number;
  end: number;
  /** Peak working set above the baseline in bytes. */
  amount: number;
}

interface RunCache {
  runs: Run[];
  nextStart: number;
  backoffMs: number;
  done: boolean;
}

const BACKOFF_INITIAL_MS = 10_000;
const BACKOFF_MAX_MS = 300_000;
const SPIKE_RAMP_MS = 3 * MINUTE;
const SPIKE_FALL_MS = 6 * MINUTE;

export class PodTimeline {
  private readonly cache = new Map<string, RunCache>();
  private readonly room: RolloutRoom;
  /** FailedScheduling message of a rollout's new pod that has to wait (null: it did not). */
  private readonly roomAt = new Map<string, string | null>();

  constructor(
    private readonly model: ClusterModel,
    private readonly nodes: NodeTimeline,
  ) {
    this.room = new RolloutRoom(
      model,
      (slot, k) => this.rolloutTime(slot, k),
      TERMINATION_GRACE_MS,
    );
  }

  /** Rollout time of generation k for a workload (absolute epoch ms). */
  rolloutTime(slot: AnySlot, k: number): number {
    const w = slot.workload;
    if (w.rolloutEveryMs === null) return -Infinity;
    const jitter = unit(this.model.seed, w.index, k, 21) * w.rolloutEveryMs * 0.2;
    return w.rolloutPhaseMs + k * w.rolloutEveryMs + jitter + slot.replica * ROLLOUT_STAGGER_MS;
  }

  /** Generation of the slot's pod at t. */
  generationAt(slot: AnySlot, t: number): number {
    const w = slot.workload;
    if (w.rolloutEveryMs === null) return 0;
    let k = Math.floor((t - w.rolloutPhaseMs) / w.rolloutEveryMs) + 1;
    while (this.rolloutTime(slot, k) > t) k--;
    return k;
  }

  private incarnation<S extends AnySlot>(
    slot: S,
    generation: number,
    evictions: number,
  ): Incarnation<S> {
    const w = slot.workload;
    const seed = this.model.seed;
    const rolledAt = this.rolloutTime(slot, generation);
    const nextRolloutAt = this.rolloutTime(slot, generation + 1);
    // Evictions are looked up a few days ahead so that a pod's end is known while it lives.
    const bounded = Number.isFinite(nextRolloutAt);
    let horizon = bounded ? nextRolloutAt : this.model.start + 3 * 86_400_000;
    const lookup = () =>
      this.nodes
        .evictions(slot.index, horizon)
        .filter((e) => e > rolledAt && (!bounded || e < nextRolloutAt));
    let evictionTimes = lookup();
    while (
      !bounded &&
      slot.node?.behaviour.kind === 'flapping' &&
      evictionTimes.length <= evictions &&
      horizon < this.model.start + 400 * 86_400_000
    ) {
      horizon += 3 * 86_400_000;
      evictionTimes = lookup();
    }
    const evictedAt = evictions > 0 ? (evictionTimes[evictions - 1] ?? -Infinity) : -Infinity;
    const floor =
      Math.max(w.createdAt, slot.node?.createdAt ?? -Infinity) + slot.replica * ROLLOUT_STAGGER_MS;
    // Sub-second jitter: real creation times are not on the second.
    const createdAt =
      Math.max(floor, rolledAt, evictedAt + 1200) +
      Math.floor(unit(seed, slot.index, generation, evictions) * 900);
    const nextRollout = nextRolloutAt;
    const nextEviction = evictionTimes[evictions];
    let endsAt = Infinity;
    let endKind: Incarnation['endKind'] = null;
    if (w.rolloutEveryMs !== null && nextRollout < endsAt) {
      endsAt = nextRollout;
      endKind = 'rollout';
    }
    if (nextEviction !== undefined && nextEviction < endsAt) {
      endsAt = nextEviction;
      endKind = 'evicted';
    }
    const gone = slotGoneAt(slot, seed);
    if (gone && gone.at < endsAt) {
      endsAt = gone.at;
      endKind = gone.kind;
    }
    const templateHash = nameSuffix(10, seed, w.index, generation, 31).slice(
      0,
      w.kind === 'Deployment' ? 10 : 9,
    );
    const suffix = nameSuffix(5, seed, slot.index, generation, evictions, 32);
    const name =
      w.kind === 'StatefulSet'
        ? `${w.name}-${slot.replica}`
        : w.kind === 'Deployment'
          ? `${replicaSetNameOf(w, templateHash)}-${suffix}`
          : `${w.name}-${suffix}`;
    return {
      slot,
      generation,
      evictions,
      name,
      uid: uuid(seed, 3, slot.index, generation, evictions),
      templateHash,
      createdAt,
      ...this.binding(slot, generation, evictions, rolledAt, floor, createdAt),
      endsAt,
      endKind,
    };
  }

  /** When the scheduler binds a new pod, and why it waits if it does (see Incarnation.boundAt). */
  private binding(
    slot: AnySlot,
    generation: number,
    evictions: number,
    rolledAt: number,
    floor: number,
    createdAt: number,
  ): Pick<Incarnation, 'boundAt' | 'unschedulable'> {
    if (slot.node === undefined) return { boundAt: Infinity, unschedulable: slot.unschedulable };
    // Only a rollout leaves a predecessor terminating beside the new pod; an evicted one is Failed
    // and holds nothing.
    if (evictions > 0 || !leavesTerminatingPod(slot) || rolledAt < floor) {
      return { boundAt: createdAt };
    }
    const key = `${slot.index}:${generation}`;
    let unschedulable = this.roomAt.get(key);
    if (unschedulable === undefined) {
      const failures = this.room.failuresAt(slot, rolledAt);
      // The slot's node is the only one the simulated pod may go to.
      unschedulable =
        failures.length === 0
          ? null
          : failedSchedulingMessage(
              this.model.nodes.length,
              this.model.nodes.map((n) => (n === slot.node ? failures : [AFFINITY_MISMATCH])),
            );
      if (this.roomAt.size > 200_000) this.roomAt.clear();
      this.roomAt.set(key, unschedulable);
    }
    if (unschedulable === null) return { boundAt: createdAt };
    // The scheduler retries as soon as the predecessor is deleted.
    const retry = 100 + Math.floor(unit(this.model.seed, slot.index, generation, 33) * 900);
    return { boundAt: Math.max(createdAt, rolledAt + TERMINATION_GRACE_MS) + retry, unschedulable };
  }

  /** The slot's current pod at t. */
  currentAt<S extends AnySlot>(slot: S, at: number): Incarnation<S> {
    // After its pods left the node for good, the slot's last pod is the one that left.
    const gone = slotGoneAt(slot, this.model.seed);
    const t = gone && at >= gone.at ? gone.at - 1 : at;
    const generation = this.generationAt(slot, t);
    const rolledAt = this.rolloutTime(slot, generation);
    const evictions = this.nodes
      .evictions(slot.index, t)
      .filter((e) => e > rolledAt && e <= t).length;
    return this.incarnation(slot, generation, evictions);
  }

  /** All pods of a slot visible at t: the current one, a terminating predecessor, evicted ones. */
  visibleAt<S extends AnySlot>(
    slot: S,
    t: number,
  ): { pod: Incarnation<S>; terminating: boolean; evicted: boolean }[] {
    const current = this.currentAt(slot, t);
    if (current.endKind === 'node-deleted' && t >= current.endsAt) return [];
    if (current.endKind === 'drained' && t >= current.endsAt) {
      return t < current.endsAt + TERMINATION_GRACE_MS
        ? [{ pod: current, terminating: true, evicted: false }]
        : [];
    }
    const out = [{ pod: current, terminating: false, evicted: false }];
    if (current.evictions > 0) {
      for (let e = current.evictions - 1; e >= 0; e--) {
        const prev = this.incarnation(slot, current.generation, e);
        if (prev.endsAt + EVICTED_POD_TTL_MS <= t) break;
        out.push({ pod: prev, terminating: false, evicted: true });
      }
    } else if (slot.node !== undefined && leavesTerminatingPod(slot)) {
      // (A Pending pod is deleted at once: it has no containers to stop.)
      const prev = this.previousOf(current);
      if (prev && prev.endKind === 'rollout' && t < prev.endsAt + TERMINATION_GRACE_MS) {
        out.push({ pod: prev, terminating: true, evicted: false });
      }
    }
    return out;
  }

  private previousOf<S extends AnySlot>(pod: Incarnation<S>): Incarnation<S> | undefined {
    const slot = pod.slot;
    const rolledAt = this.rolloutTime(slot, pod.generation - 1);
    const before = this.rolloutTime(slot, pod.generation) - 1;
    const evictions = this.nodes
      .evictions(slot.index, before)
      .filter((e) => e > rolledAt && e <= before).length;
    return this.incarnation(slot, pod.generation - 1, evictions);
  }

  /** Pods of a slot that existed at some point in [from, to), oldest first. */
  incarnationsBetween<S extends AnySlot>(slot: S, from: number, to: number): Incarnation<S>[] {
    const out: Incarnation<S>[] = [];
    let pod = this.currentAt(slot, from);
    for (let guard = 0; guard < 100_000; guard++) {
      out.push(pod);
      if (pod.endsAt >= to || pod.endKind === 'drained' || pod.endKind === 'node-deleted') break;
      pod = this.currentAt(slot, pod.endsAt);
    }
    return out;
  }

  /** Runs of container `ci` in a pod, computed lazily up to `upTo` (none before it is bound). */
  runs(pod: Incarnation<AnySlot>, ci: number, upTo: number): Run[] {
    const container = pod.slot.workload.containers[ci];
    if (!container || !isBound(pod, Infinity)) return [];
    const key = `${pod.uid}:${ci}`;
    let cache = this.cache.get(key);
    if (!cache) {
      const startDelay =
        1500 +
        Math.floor(
          unit(this.model.seed, pod.slot.index, pod.generation, pod.evictions, ci, 41) * 6000,
        );
      cache = { runs: [], nextStart: pod.boundAt + startDelay, backoffMs: 0, done: false };
      // Bound the cache: steady containers are recomputed cheaply; loops keep their history.
      if (this.cache.size > 50_000) this.cache.clear();
      this.cache.set(key, cache);
    }
    while (!cache.done && cache.nextStart <= upTo) this.extend(pod, ci, container, cache);
    return cache.runs;
  }

  private extend(pod: Incarnation, ci: number, container: ContainerModel, cache: RunCache): void {
    const seed = this.model.seed;
    const slot = pod.slot;
    const index = cache.runs.length;
    const start = cache.nextStart;
    const h = (n: number) => unit(seed, slot.index, pod.generation, pod.evictions, ci, index, n);
    const limit = container.limits.memoryBytes;
    let natural: { at: number; termination: Termination } | undefined;
    let plannedEnd = Infinity;
    let spikes: Spike[] = [];
    const oom = (at: number): { at: number; termination: Termination } => ({
      at,
      termination: {
        reason: 'OOMKilled',
        exitCode: container.oomExitCodes?.length
          ? (container.oomExitCodes[Math.floor(h(9) * container.oomExitCodes.length)] ?? 137)
          : oomExitCode(h(9)),
      },
    });
    const b = container.behaviour;
    if (b.kind === 'leak') {
      plannedEnd =
        start +
        Math.round(
          between(b.minHours, b.maxHours, seed, slot.index, pod.generation, ci, index, 51) * HOUR,
        );
      natural = oom(plannedEnd);
    } else if (b.kind === 'startup-oom') {
      plannedEnd =
        start +
        Math.round(
          between(
            b.minRunSeconds,
            b.maxRunSeconds,
            seed,
            slot.index,
            ci,
            index,
            pod.generation,
            52,
          ) * 1000,
        );
      natural = oom(plannedEnd);
    } else if ((b.kind === 'spike' || b.kind === 'single-oom') && limit !== undefined) {
      const found = this.spikesFrom(pod, ci, container, start, pod.endsAt);
      spikes = found.spikes;
      if (found.killAt !== undefined) natural = oom(found.killAt);
    }
    const interruption = this.interruption(pod, start);
    let end = Infinity;
    let termination: Termination | undefined;
    let restartAt: number | undefined;
    if (natural && natural.at < pod.endsAt) {
      end = natural.at;
      termination = natural.termination;
    }
    if (interruption && interruption.at < end && interruption.at < pod.endsAt) {
      end = interruption.at;
      termination = interruption.termination;
      restartAt = interruption.restartAt;
      spikes = spikes.filter((s) => s.start < end);
    }
    cache.runs.push({ index, start, end, termination, plannedEnd, spikes });
    if (end === Infinity) {
      cache.done = true;
      return;
    }
    // Kubelet back-off: 10s doubling to 5m, reset once a container has run for 10 minutes.
    const ranFor = end - start;
    cache.backoffMs =
      ranFor > 10 * MINUTE || cache.backoffMs === 0
        ? BACKOFF_INITIAL_MS
        : Math.min(cache.backoffMs * 2, BACKOFF_MAX_MS);
    cache.nextStart = restartAt ?? end + cache.backoffMs + Math.floor(h(10) * 1500);
    if (cache.nextStart >= pod.endsAt) cache.done = true;
  }

  /** Node-caused interruptions: a reboot, or the kernel choosing this container in a SystemOOM. */
  private interruption(
    pod: Incarnation,
    after: number,
  ): { at: number; termination: Termination; restartAt?: number } | undefined {
    const node = pod.slot.node;
    const rebootAt = rebootAtOf(node);
    if (rebootAt !== undefined && rebootAt >= after) {
      const at = rebootAt;
      return {
        at,
        termination: { reason: 'Unknown', exitCode: 255 },
        restartAt:
          at +
          REBOOT_DOWN_MS +
          5000 +
          Math.floor(unit(this.model.seed, pod.slot.index, 61) * 20_000),
      };
    }
    if (node.behaviour.kind === 'flapping') {
      for (const e of this.nodes.episodesBetween(
        node,
        after,
        Math.min(pod.endsAt, after + 40 * 86_400_000),
      )) {
        for (const c of e.cycles) {
          if (c.systemOom && c.systemOom.slot === pod.slot.index && c.systemOom.at > after) {
            return {
              at: c.systemOom.at,
              termination: { reason: 'OOMKilled', exitCode: 137 },
            };
          }
        }
      }
    }
    return undefined;
  }

  /** Spikes after `from` until the first one that crosses the memory limit. */
  private spikesFrom(
    pod: Incarnation,
    ci: number,
    container: ContainerModel,
    from: number,
    until: number,
  ): { spikes: Spike[]; killAt?: number } {
    const limit = container.limits.memoryBytes ?? Infinity;
    const seed = this.model.seed;
    const w = pod.slot.workload;
    const b = container.behaviour;
    const spikes: Spike[] = [];
    const baseline = (t: number) => memoryBaseline(seed, pod.slot, ci, container, t);
    const consider = (start: number, amountFraction: number): number | undefined => {
      const peak = start + SPIKE_RAMP_MS;
      const base = baseline(peak);
      const amount = Math.max(0, limit * amountFraction - base);
      const spike = { start, peak, end: peak + SPIKE_FALL_MS, amount };
      spikes.push(spike);
      if (base + amount < limit) return undefined;
      // The kill happens where the ramp crosses the limit.
      const needed = (limit - baseline(start)) / amount;
      return (
        start +
        Math.max(1000, Math.min(SPIKE_RAMP_MS, Math.round(Math.max(0, needed) * SPIKE_RAMP_MS)))
      );
    };
    if (b.kind === 'single-oom') {
      if (b.at > from + MINUTE && b.at < until) {
        const killAt = consider(b.at - SPIKE_RAMP_MS, 1.08);
        return { spikes, killAt };
      }
      return { spikes };
    }
    if (b.kind !== 'spike') return { spikes };
    const horizon = Math.min(until, from + 60 * 86_400_000);
    for (let hour = Math.floor(from / HOUR); hour * HOUR < horizon; hour++) {
      const start = hour * HOUR + Math.floor(unit(seed, w.index, hour, 71) * 50 * MINUTE);
      if (start <= from + MINUTE || start >= horizon) continue;
      const r = unit(seed, w.index, ci, hour, 72);
      // Load spikes come with the daytime peak: more likely when the diurnal curve is high.
      const p = (b.killsPerDay / 24) * (1 + diurnal(start));
      if (r < p) {
        const killAt = consider(start, 1.05 + unit(seed, w.index, hour, 73) * 0.2);
        if (killAt !== undefined) return { spikes, killAt };
      } else if (r < p + 0.25) {
        consider(start, 0.72 + unit(seed, w.index, hour, 74) * 0.2);
      }
      if (spikes.length > 4000) spikes.splice(0, 2000);
    }
    return { spikes };
  }
}

/** OOM kills usually surface as 137 (SIGKILL), but a wrapper process can report its own code. */
export function oomExitCode(r: number): number {
  if (r < 0.88) return 137;
  if (r < 0.94) return 1;
  if (r < 0.97) return 2;
  return 255;
}

/** Diurnal load curve in [-1, 1], peaking at 14:00 UTC. */
export function diurnal(t: number): number {
  return Math.sin((2 * Math.PI * t) / 86_400_000 - PHASE);
}
const PHASE = (2 * Math.PI * 14) / 24 - Math.PI / 2;

/** Antiderivative of diurnal(t) in seconds (for CPU counters). */
export function diurnalIntegralSeconds(t: number): number {
  const period = 86_400;
  return (-Math.cos((2 * Math.PI * t) / 86_400_000 - PHASE) * period) / (2 * Math.PI);
}

/** The container's memory without behaviour: diurnal swing plus slow noise. */
export function memoryBaseline(
  seed: number,
  slot: AnySlot,
  ci: number,
  c: ContainerModel,
  t: number,
): number {
  const key = mix(seed, slot.index, ci, 81);
  const noise = smooth(key, t, 5 * MINUTE);
  return c.usage.memoryBytes * (1 + c.usage.memoryAmplitude * diurnal(t)) * (1 + 0.02 * noise);
}

function smooth(key: number, t: number, step: number): number {
  const x = t / step;
  const i = Math.floor(x);
  const f = x - i;
  const a = unit(key, i) * 2 - 1;
  const b = unit(key, i + 1) * 2 - 1;
  return a + (b - a) * f * f * (3 - 2 * f);
}

export const containerKey = (slot: AnySlot, ci: number) =>
  hashString(`${slot.workload.namespace}/${slot.workload.name}/${ci}`);
