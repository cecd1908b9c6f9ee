// The cluster at an instant: which pods exist, what their containers are doing, how much they use.
// This is the one facade the renderers, the server, the export and the ground truth read from.
import { hexId } from './rng.js';
import { NodeTimeline } from './node-timeline.js';
import {
  isBound,
  PodTimeline,
  type Incarnation,
  type Run,
  type Termination,
} from './pod-timeline.js';
import { Usage } from './usage.js';
import type { AnySlot, ClusterModel, ContainerModel, NodeModel } from './types.js';

export type ContainerStateView =
  | { kind: 'running'; startedAt: number }
  | { kind: 'waiting'; reason: string; message?: string }
  | {
      kind: 'terminated';
      reason: string;
      exitCode: number;
      startedAt: number;
      finishedAt: number;
      message?: string;
    };

export interface LastTermination extends Termination {
  startedAt: number;
  finishedAt: number;
  containerId: string;
}

export interface ContainerView {
  index: number;
  model: ContainerModel;
  state: ContainerStateView;
  ready: boolean;
  restartCount: number;
  lastTermination?: LastTermination;
  containerId?: string;
  /** The run in progress (absent while waiting or after the pod ended). */
  run?: Run;
}

export interface PodView {
  pod: Incarnation<AnySlot>;
  slot: AnySlot;
  /** The node the pod is bound to at t; undefined while the scheduler finds no room for it. */
  node: NodeModel | undefined;
  phase: 'Pending' | 'Running' | 'Failed';
  terminating: boolean;
  evicted: boolean;
  qosClass: 'Guaranteed' | 'Burstable' | 'BestEffort';
  /** Container statuses: none until the pod is bound (the kubelet reports them). */
  containers: ContainerView[];
  ready: boolean;
}

export class Simulation {
  readonly nodes: NodeTimeline;
  readonly pods: PodTimeline;
  readonly usage: Usage;

  constructor(readonly model: ClusterModel) {
    this.nodes = new NodeTimeline(model);
    this.pods = new PodTimeline(model, this.nodes);
    this.usage = new Usage(model, this.nodes);
  }

  /** Placed slots, then Pending ones: every replica, in slot index order. */
  allSlots(): AnySlot[] {
    return [...this.model.slots, ...this.model.pendingSlots];
  }

  /** Every pod visible at t, slot by slot. */
  podsAt(t: number): PodView[] {
    const out: PodView[] = [];
    for (const slot of this.model.slots) this.slotPodsAt(slot, t, out);
    for (const slot of this.model.pendingSlots) this.slotPodsAt(slot, t, out);
    return out;
  }

  /** The pods bound to a node at t (what its kubelet runs). */
  podsOnNodeAt(node: NodeModel, t: number): PodView[] {
    const out: PodView[] = [];
    for (const s of this.model.slotsByNode[node.index] ?? []) {
      const slot = this.model.slots[s];
      if (slot) this.slotPodsAt(slot, t, out);
    }
    return out.filter((v) => v.node === node);
  }

  private slotPodsAt(slot: AnySlot, t: number, out: PodView[]): void {
    for (const v of this.pods.visibleAt(slot, t)) {
      if (v.pod.createdAt > t) continue;
      out.push(this.podView(v.pod, t, v.terminating, v.evicted));
    }
  }

  podView(pod: Incarnation<AnySlot>, t: number, terminating: boolean, evicted: boolean): PodView {
    if (!isBound(pod, t)) {
      return {
        pod,
        slot: pod.slot,
        node: undefined,
        phase: 'Pending',
        terminating,
        evicted: false,
        qosClass: qosClass(pod.slot.workload.containers),
        containers: [],
        ready: false,
      };
    }
    const containers = pod.slot.workload.containers.map((c, ci) =>
      evicted ? this.evictedContainer(pod, ci, c) : this.containerAt(pod, ci, c, t),
    );
    const started = containers.some((c) => c.state.kind !== 'waiting' || c.restartCount > 0);
    return {
      pod,
      slot: pod.slot,
      node: pod.slot.node,
      phase: evicted ? 'Failed' : started ? 'Running' : 'Pending',
      terminating,
      evicted,
      qosClass: qosClass(pod.slot.workload.containers),
      containers,
      ready: !evicted && containers.every((c) => c.ready),
    };
  }

  containerId(pod: Incarnation<AnySlot>, ci: number, run: number): string {
    return `containerd://${hexId(64, this.model.seed, pod.slot.index, pod.generation, pod.evictions, ci, run)}`;
  }

  containerAt(pod: Incarnation<AnySlot>, ci: number, c: ContainerModel, t: number): ContainerView {
    const runs = this.pods.runs(pod, ci, t);
    const i = lastRunStartedBy(runs, t);
    const run = i >= 0 ? runs[i] : undefined;
    if (!run) {
      return {
        index: ci,
        model: c,
        state: { kind: 'waiting', reason: 'ContainerCreating' },
        ready: false,
        restartCount: 0,
      };
    }
    const previous = i > 0 ? runs[i - 1] : undefined;
    const last = (r: Run | undefined, idx: number): LastTermination | undefined =>
      r?.termination
        ? {
            ...r.termination,
            startedAt: r.start,
            finishedAt: r.end,
            containerId: this.containerId(pod, ci, idx),
          }
        : undefined;
    if (t < run.end) {
      return {
        index: ci,
        model: c,
        state: { kind: 'running', startedAt: run.start },
        // Readiness probes pass a few seconds after start.
        ready: t - run.start > 5000,
        restartCount: run.index,
        lastTermination: last(previous, i - 1),
        containerId: this.containerId(pod, ci, i),
        run,
      };
    }
    const name = pod.name;
    return {
      index: ci,
      model: c,
      state: {
        kind: 'waiting',
        reason: 'CrashLoopBackOff',
        message: `back-off ${backoffText(runs, i)} restarting failed container=${c.name} pod=${name}_${pod.slot.workload.namespace}(${pod.uid})`,
      },
      ready: false,
      restartCount: run.index + 1,
      lastTermination: last(run, i),
      containerId: this.containerId(pod, ci, i),
    };
  }

  private evictedContainer(
    pod: Incarnation<AnySlot>,
    ci: number,
    c: ContainerModel,
  ): ContainerView {
    const runs = this.pods.runs(pod, ci, pod.endsAt);
    const i = lastRunStartedBy(runs, pod.endsAt);
    const run = runs[i];
    return {
      index: ci,
      model: c,
      state: {
        kind: 'terminated',
        reason: 'ContainerStatusUnknown',
        exitCode: 137,
        startedAt: run?.start ?? pod.createdAt,
        finishedAt: pod.endsAt,
        message: 'The container could not be located when the pod was terminated',
      },
      ready: false,
      restartCount: Math.max(0, i),
    };
  }

  /** Working set and CPU of a container view at t (zero when it is not running). */
  containerUsage(view: PodView, cv: ContainerView, t: number) {
    if (!cv.run || view.evicted || !isBound(view.pod, t)) return undefined;
    return {
      memory: this.usage.memory(view.pod, cv.index, cv.run, t),
      cpu: this.usage.cpu(view.pod, cv.index, cv.run, t),
    };
  }
}

function lastRunStartedBy(runs: Run[], t: number): number {
  let lo = 0;
  let hi = runs.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = runs[mid];
    if (r && r.start <= t) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

function backoffText(runs: Run[], i: number): string {
  const run = runs[i];
  const next = runs[i + 1];
  if (!run || !next) return '10s';
  const seconds = Math.round((next.start - run.end) / 1000 / 10) * 10;
  return seconds >= 60 ? `${Math.floor(seconds / 60)}m${seconds % 60}s` : `${seconds}s`;
}

export function qosClass(containers: ContainerModel[]): PodView['qosClass'] {
  const none = containers.every(
    (c) =>
      c.requests.cpuCores === undefined &&
      c.requests.memoryBytes === undefined &&
      c.limits.cpuCores === undefined &&
      c.limits.memoryBytes === undefined,
  );
  if (none) return 'BestEffort';
  const guaranteed = containers.every(
    (c) =>
      c.limits.cpuCores !== undefined &&
      c.limits.memoryBytes !== undefined &&
      (c.requests.cpuCores ?? c.limits.cpuCores) === c.limits.cpuCores &&
      (c.requests.memoryBytes ?? c.limits.memoryBytes) === c.limits.memoryBytes,
  );
  return guaranteed ? 'Guaranteed' : 'Burstable';
}
