// A pod's life and its containers' states over time, as the simulated API (Simulation.podView)
// shows them at each instant, but computed as intervals from the runs rather than instant by
// instant, so weeks of history cost one pass over each container's runs. The rules mirror
// Simulation.podView / containerAt / evictedContainer and PodTimeline.visibleAt; the export test
// checks them against podView at every grid time, so a change in the model shows up there.
import type { Simulation } from '../../model/simulation.js';
import {
  EVICTED_POD_TTL_MS,
  TERMINATION_GRACE_MS,
  type Incarnation,
  type Run,
  type Termination,
} from '../../model/pod-timeline.js';
import { leavesTerminatingPod } from '../../model/rollout-room.js';
import type { AnySlot } from '../../model/types.js';

export interface PodLife {
  slot: AnySlot;
  pod: Incarnation<AnySlot>;
  /** Listed from its creation. */
  from: number;
  /** Bound to the slot's node from here (Infinity: Pending all along). */
  boundAt: number;
  /** Containers may run until here: the eviction, or the end of the termination grace period. */
  runEnd: number;
  /** Listed until here: end of the grace period, or an evicted pod's removal (Infinity: still there). */
  to: number;
  /** Being deleted (a rollout replaced it, or a drain evicted it) from here until `to`. */
  deletingFrom?: number;
  /** Evicted at `runEnd`, then listed as Failed/Evicted until `to`. */
  evicted: boolean;
}

export function podLife(sim: Simulation, pod: Incarnation<AnySlot>): PodLife {
  const slot = pod.slot;
  const boundAt = slot.node === undefined ? Infinity : Math.max(pod.createdAt, pod.boundAt);
  const base = { slot, pod, from: pod.createdAt, boundAt, evicted: false };
  if (pod.endKind === 'evicted') {
    // Evicted pods stay listed for a while, but only while their generation is current.
    const nextRollout =
      slot.workload.rolloutEveryMs === null
        ? Infinity
        : sim.pods.rolloutTime(slot, pod.generation + 1);
    const to = Math.min(pod.endsAt + EVICTED_POD_TTL_MS, nextRollout);
    return { ...base, runEnd: pod.endsAt, to, evicted: true };
  }
  if (pod.endKind === 'rollout') {
    // A replaced pod terminates beside its successor; a StatefulSet's or a Pending one goes at once.
    if (slot.node === undefined || !leavesTerminatingPod(slot))
      return { ...base, runEnd: pod.endsAt, to: pod.endsAt };
    let to = pod.endsAt + TERMINATION_GRACE_MS;
    const successor = sim.pods.currentAt(slot, pod.endsAt);
    if (successor.endKind === 'evicted' && successor.endsAt < to) to = successor.endsAt;
    return { ...base, runEnd: to, to, deletingFrom: pod.endsAt };
  }
  if (pod.endKind === 'drained') {
    // Evicted through the API by a drain: deleted with its grace period, no successor on the slot.
    const to = pod.endsAt + TERMINATION_GRACE_MS;
    return { ...base, runEnd: to, to, deletingFrom: pod.endsAt };
  }
  if (pod.endKind === 'node-deleted') return { ...base, runEnd: pod.endsAt, to: pod.endsAt };
  return { ...base, runEnd: Infinity, to: Infinity };
}

/** Every replica, placed and Pending (Simulation.allSlots). */
export function allSlots(sim: Simulation): AnySlot[] {
  return [...sim.model.slots, ...sim.model.pendingSlots];
}

/** Every pod listed at some instant of [from, to), slot by slot, oldest first. */
export function* podsInWindow(sim: Simulation, from: number, to: number): Generator<PodLife> {
  for (const slot of allSlots(sim)) yield* slotPods(sim, slot, from, to);
}

export function* slotPods(
  sim: Simulation,
  slot: AnySlot,
  from: number,
  to: number,
): Generator<PodLife> {
  // Start early enough to catch evicted pods still listed at `from`.
  for (const pod of sim.pods.incarnationsBetween(slot, from - EVICTED_POD_TTL_MS, to)) {
    const life = podLife(sim, pod);
    if (life.to > from && life.from < to && life.from < life.to) yield life;
  }
}

export interface LastTermination extends Termination {
  finishedAt: number;
}

export interface ContainerState {
  from: number;
  to: number;
  kind: 'creating' | 'running' | 'waiting' | 'evicted';
  /** The run in progress (running), the last one (waiting, evicted); none while creating. */
  run?: Run;
  restarts: number;
  last?: LastTermination;
}

const lastOf = (run: Run | undefined): LastTermination | undefined =>
  run?.termination ? { ...run.termination, finishedAt: run.end } : undefined;

/**
 * The states of container `ci` of a pod up to `until`, in time order. None before the pod is
 * bound (the kubelet reports container statuses); then creating until the first run, running /
 * waiting (CrashLoopBackOff) per run, and for an evicted pod terminated until it is removed.
 */
export function* containerStates(
  sim: Simulation,
  life: PodLife,
  ci: number,
  until: number,
): Generator<ContainerState> {
  const from = Math.max(life.from, life.boundAt);
  const runEnd = Math.min(life.runEnd, until);
  if (!(from < runEnd)) return;
  const runs = sim.pods.runs(life.pod, ci, runEnd);
  const first = runs[0];
  const firstStart = first && first.start < runEnd ? first.start : runEnd;
  if (from < firstStart) yield { from, to: firstStart, kind: 'creating', restarts: 0 };
  let lastStarted: Run | undefined;
  for (let i = 0; i < runs.length; i++) {
    const run = runs[i];
    if (!run || run.start >= runEnd) break;
    lastStarted = run;
    const end = Math.min(run.end, runEnd);
    const last = lastOf(runs[i - 1]);
    yield {
      from: run.start,
      to: end,
      kind: 'running',
      run,
      restarts: run.index,
      ...(last && { last }),
    };
    if (end < runEnd) {
      const next = runs[i + 1];
      const resumes = next && next.start < runEnd ? next.start : runEnd;
      const ended = lastOf(run);
      yield {
        from: end,
        to: resumes,
        kind: 'waiting',
        run,
        restarts: run.index + 1,
        ...(ended && { last: ended }),
      };
    }
  }
  const to = Math.min(life.to, until);
  if (life.evicted && life.runEnd < to) {
    // The kubelet reports an evicted pod's containers as terminated, without a last state.
    yield {
      from: life.runEnd,
      to,
      kind: 'evicted',
      ...(lastStarted && { run: lastStarted }),
      restarts: lastStarted?.index ?? 0,
    };
  }
}

/** When the pod leaves Pending: the first start of any of its containers before `until`. */
export function firstStart(sim: Simulation, life: PodLife, until: number): number {
  const end = Math.min(life.runEnd, until);
  let at = end;
  life.slot.workload.containers.forEach((_, ci) => {
    const run = sim.pods.runs(life.pod, ci, end)[0];
    if (run && run.start < at) at = run.start;
  });
  return at;
}

export type Phase = 'Pending' | 'Running' | 'Failed';

/** The pod's phase over its listed life up to `until`. */
export function phases(
  sim: Simulation,
  life: PodLife,
  until: number,
): { from: number; to: number; phase: Phase }[] {
  const started = firstStart(sim, life, until);
  const out: { from: number; to: number; phase: Phase }[] = [];
  if (life.from < started) out.push({ from: life.from, to: started, phase: 'Pending' });
  if (started < life.runEnd) out.push({ from: started, to: life.runEnd, phase: 'Running' });
  if (life.evicted && life.runEnd < life.to)
    out.push({ from: life.runEnd, to: life.to, phase: 'Failed' });
  return out;
}
