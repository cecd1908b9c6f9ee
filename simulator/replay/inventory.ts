// Node and Pod objects of a simulated cluster, observed the way a list+watch collector sees them:
// a node at every condition change, a pod when it appears, at every container kill and when it
// goes away. Objects are rendered to core/v1 JSON by the simulator and mapped by the production
// mappers, so transitions and terminations carry the identities the real collector would give.
import type { Node, Pod, WorkloadRef } from '../../core/domain.js';
import { envelope, type AnyEnvelope } from '../../core/envelope.js';
import {
  containerTerminations,
  mapNode,
  mapPod,
  nodeTransitions,
} from '../../collectors/formats/kube-objects.js';
import { EVICTED_POD_TTL_MS, type Incarnation } from '../model/pod-timeline.js';
import type { Simulation } from '../model/simulation.js';
import type { NodeModel } from '../model/types.js';
import { renderNode } from '../render/nodes.js';
import { renderPod } from '../render/pods.js';

/** What other replay parts need to know about a pod once it has been observed. */
export interface ObservedPod {
  readonly uid: string;
  readonly name: string;
  readonly namespace: string;
  readonly node: string | undefined;
  readonly workload: WorkloadRef;
}

/** A container run that ended with a termination inside the chunk. */
export interface ObservedKill {
  readonly pod: Incarnation;
  readonly containerIndex: number;
  readonly runIndex: number;
}

const STARTED_AFTER_MS = 10_000;

export class InventoryReplay {
  private readonly nodes = new Map<string, Node>();
  private readonly pods = new Map<string, ObservedPod>();
  private readonly ended = new Set<string>();

  constructor(
    private readonly sim: Simulation,
    private readonly cluster: string,
    private readonly source: string,
  ) {}

  podByUid(uid: string): ObservedPod | undefined {
    return this.pods.get(uid);
  }

  /** Node snapshots at the chunk start and at each condition change, with their transitions. */
  nodeRecords(node: NodeModel, from: number, to: number): AnyEnvelope[] {
    const out: AnyEnvelope[] = [];
    const instants = new Set<number>();
    if (!this.nodes.has(node.name)) instants.add(Math.max(from, node.createdAt));
    for (const change of this.sim.nodes.changesBetween(node, from, to)) instants.add(change.at);
    for (const t of [...instants].sort((a, b) => a - b)) {
      if (t < node.createdAt) continue;
      const mapped = mapNode(renderNode(this.sim, node, t, '1'), this.cluster);
      if (!mapped.ok) continue;
      const previous = this.nodes.get(node.name);
      for (const transition of nodeTransitions(previous, mapped.value)) {
        out.push(envelope('node_transition', transition, this.source, Math.floor(t)));
      }
      out.push(envelope('node', mapped.value, this.source, Math.floor(t)));
      this.nodes.set(node.name, mapped.value);
    }
    return out;
  }

  /** Pod snapshots, terminations and the kills they report for one pod in [from, to). */
  podRecords(pod: Incarnation, from: number, to: number, kills: ObservedKill[]): AnyEnvelope[] {
    const out: AnyEnvelope[] = [];
    // Its creation, unless a rollout's new pod waited for room on its node (pod.boundAt).
    const boundAt = Math.max(pod.createdAt, pod.boundAt);
    if (!this.pods.has(pod.uid) && boundAt < to) {
      // A few seconds after it is bound the containers run: the state a watch settles on.
      const t = Math.min(Math.max(boundAt + STARTED_AFTER_MS, from), pod.endsAt - 1);
      const mapped = this.observe(pod, t, false, false);
      if (mapped) out.push(envelope('pod', mapped, this.source, Math.floor(t)));
    }
    const containers = pod.slot.workload.containers;
    containers.forEach((container, ci) => {
      const runs = this.sim.pods.runs(pod, ci, Math.min(to, pod.endsAt));
      for (const run of runs) {
        if (!run.termination || run.end < from || run.end >= to || run.end >= pod.endsAt) continue;
        const mapped = this.observe(pod, run.end, false, false);
        if (!mapped) continue;
        out.push(envelope('pod', mapped, this.source, Math.floor(run.end)));
        for (const termination of containerTerminations(mapped)) {
          if (termination.container !== container.name) continue;
          out.push(
            envelope('container_termination', termination, this.source, Math.floor(run.end)),
          );
        }
        kills.push({ pod, containerIndex: ci, runIndex: run.index });
      }
    });
    if (pod.endKind !== null && pod.endsAt >= from && pod.endsAt < to && !this.ended.has(pod.uid)) {
      out.push(...this.endRecords(pod));
    }
    return out;
  }

  /** The last look at a pod: evicted (Failed, kept for an hour) or terminating after a rollout. */
  private endRecords(pod: Incarnation): AnyEnvelope[] {
    this.ended.add(pod.uid);
    const evicted = pod.endKind === 'evicted';
    const mapped = this.observe(pod, pod.endsAt, !evicted, evicted);
    if (!mapped) return [];
    const out: AnyEnvelope[] = [];
    if (evicted) {
      for (const termination of containerTerminations(mapped)) {
        out.push(
          envelope('container_termination', termination, this.source, Math.floor(pod.endsAt)),
        );
      }
    }
    // The collector sees the DELETED watch event later; the snapshot carries when it happens so
    // inventory "at t" queries stop counting the pod from then on.
    const deletedAt = Math.floor(
      evicted ? pod.endsAt + EVICTED_POD_TTL_MS : (mapped.deletedAt ?? pod.endsAt),
    );
    out.push(envelope('pod', { ...mapped, deletedAt }, this.source, Math.floor(pod.endsAt)));
    return out;
  }

  private observe(
    pod: Incarnation,
    t: number,
    terminating: boolean,
    evicted: boolean,
  ): Pod | undefined {
    const view = this.sim.podView(pod, t, terminating, evicted);
    const mapped = mapPod(renderPod(this.sim, view, t, '1'), { cluster: this.cluster });
    if (!mapped.ok) return undefined;
    const value = mapped.value;
    this.pods.set(pod.uid, {
      uid: value.uid,
      name: value.name,
      namespace: value.namespace,
      node: value.nodeName,
      workload: value.workload,
    });
    return value;
  }
}
