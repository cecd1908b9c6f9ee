// What the API would list at virtual time t, as store items. Pods are recomputed per slot only
// when something about that slot can have changed (a rollout, a kill, a restart), which keeps a
// 30,000-pod cluster cheap to refresh every tick.
import { eventsAt, type SimEvent } from '../model/events.js';
import { EVICTED_POD_TTL_MS, TERMINATION_GRACE_MS } from '../model/pod-timeline.js';
import type { PodView, Simulation } from '../model/simulation.js';
import type { AnySlot, NodeModel } from '../model/types.js';
import { eventFingerprint, renderEvent } from '../render/events.js';
import { renderNode } from '../render/nodes.js';
import { podFingerprint, podIp, renderPod } from '../render/pods.js';
import { apiTime } from '../render/quantity.js';
import { eventCells, nodeCells, podCells } from '../render/table.js';
import { workloadItems, type WorkloadResource } from '../render/workloads.js';
import { humanDuration } from '../render/age.js';
import { hashString, uuid } from '../model/rng.js';
import type { Item } from './store.js';

const RECHECK_MS = 3_600_000;

export class LiveCluster {
  private readonly slotViews: (PodView[] | undefined)[];
  private readonly nextCheck: Float64Array;
  readonly slotsByWorkload: AnySlot[][];
  /** Placed and Pending slots; a slot's index is its position here. */
  private readonly slots: AnySlot[];

  constructor(readonly sim: Simulation) {
    this.slots = sim.allSlots();
    this.slotViews = new Array<PodView[] | undefined>(this.slots.length);
    this.nextCheck = new Float64Array(this.slots.length);
    this.slotsByWorkload = sim.model.workloads.map(() => []);
    for (const slot of this.slots) this.slotsByWorkload[slot.workload.index]?.push(slot);
  }

  nodes(t: number): Item[] {
    return this.sim.model.nodes
      .filter((node) => node.deletedAt === undefined || t < node.deletedAt)
      .map((node) => this.nodeItem(node, t));
  }

  private nodeItem(node: NodeModel, t: number): Item {
    const sim = this.sim;
    const conditions = sim.nodes.conditionsAt(node, t);
    const heartbeat = Math.floor(t / 300_000);
    return {
      uid: node.uid,
      name: node.name,
      labels: {
        [node.poolLabel]: node.pool,
        'node.kubernetes.io/instance-type': node.instanceType,
        'topology.kubernetes.io/zone': node.zone,
        'kubernetes.io/hostname': node.name,
      },
      fields: { 'metadata.name': node.name, 'spec.unschedulable': 'false' },
      fingerprint: `${heartbeat}|${sim.nodes.kubeletUp(node, t) ? 1 : 0}|${conditions.map((c) => `${c.status}:${c.lastTransitionTime}`).join(',')}`,
      render: (rv) => renderNode(sim, node, t, rv),
      cells: (now) => nodeCells(node, conditions, now),
    };
  }

  /** Current pod views, refreshing only the slots whose state may have changed by t. */
  podViews(t: number): PodView[] {
    const sim = this.sim;
    const out: PodView[] = [];
    for (const slot of this.slots) {
      let views = this.slotViews[slot.index];
      if (!views || (this.nextCheck[slot.index] ?? 0) <= t) {
        views = sim.pods
          .visibleAt(slot, t)
          .filter((v) => v.pod.createdAt <= t)
          .map((v) => sim.podView(v.pod, t, v.terminating, v.evicted));
        this.slotViews[slot.index] = views;
        this.nextCheck[slot.index] = this.nextChange(slot, views, t);
      }
      for (const v of views) out.push(v);
    }
    return out;
  }

  /** The earliest instant after t at which the slot's pods can look different. */
  private nextChange(slot: AnySlot, views: PodView[], t: number): number {
    const sim = this.sim;
    let next = t + RECHECK_MS;
    const consider = (at: number) => {
      if (at > t && at < next) next = at;
    };
    const current = sim.pods.currentAt(slot, t);
    consider(current.createdAt);
    consider(current.boundAt);
    consider(current.endsAt);
    consider(sim.pods.rolloutTime(slot, sim.pods.generationAt(slot, t) + 1));
    for (const v of views) {
      if (v.terminating) consider(v.pod.endsAt + TERMINATION_GRACE_MS);
      if (v.evicted) consider(v.pod.endsAt + EVICTED_POD_TTL_MS);
    }
    slot.workload.containers.forEach((_, ci) => {
      for (const run of sim.pods.runs(current, ci, t + 600_000)) {
        if (run.end !== Infinity && run.end < t) continue;
        consider(run.start);
        consider(run.start + 5001);
        consider(run.end);
        if (run.start > t) break;
      }
    });
    return next;
  }

  pods(t: number): Item[] {
    const sim = this.sim;
    return this.podViews(t).map((view) => {
      const w = view.slot.workload;
      const ip = podIp(view);
      return {
        uid: view.pod.uid,
        namespace: w.namespace,
        name: view.pod.name,
        labels:
          w.kind === 'Deployment'
            ? { ...w.labels, 'pod-template-hash': view.pod.templateHash }
            : w.labels,
        fields: {
          'metadata.name': view.pod.name,
          'metadata.namespace': w.namespace,
          'spec.nodeName': view.node?.name ?? '',
          'status.phase': view.phase,
          'spec.restartPolicy': 'Always',
          'spec.schedulerName': 'default-scheduler',
          'spec.serviceAccountName': 'default',
          'status.podIP': view.evicted ? '' : ip,
        },
        fingerprint: podFingerprint(view),
        render: (rv) => renderPod(sim, view, t, rv),
        cells: (now) => podCells(view, now, ip),
      };
    });
  }

  events(t: number): Item[] {
    return eventsAt(this.sim, t).map((e: SimEvent) => ({
      uid: e.uid,
      namespace: e.namespace,
      name: e.name,
      labels: {},
      fields: {
        'metadata.name': e.name,
        'metadata.namespace': e.namespace,
        'involvedObject.kind': e.involved.kind,
        'involvedObject.name': e.involved.name,
        'involvedObject.namespace': e.involved.namespace ?? '',
        'involvedObject.uid': e.involved.uid ?? '',
        'involvedObject.fieldPath': e.involved.fieldPath ?? '',
        'involvedObject.apiVersion': 'v1',
        reason: e.reason,
        type: e.type,
        'source.component': e.component,
        reportingComponent: e.component,
      },
      fingerprint: eventFingerprint(e),
      render: (rv) => renderEvent(e, rv),
      cells: (now) => eventCells(e, now),
    }));
  }

  workloads(resource: WorkloadResource, t: number): Item[] {
    const readiness = (slot: AnySlot) => {
      const current = this.slotViews[slot.index]?.find((v) => !v.terminating && !v.evicted);
      return { exists: current !== undefined, ready: current?.ready ?? false };
    };
    return workloadItems(this.sim, resource, t, this.slotsByWorkload, readiness).map((w) => ({
      uid: w.uid,
      namespace: w.namespace,
      name: w.name,
      labels: w.labels,
      fields: { 'metadata.name': w.name, 'metadata.namespace': w.namespace },
      fingerprint: w.fingerprint,
      render: w.render,
      cells: w.cells,
    }));
  }

  namespaces(): Item[] {
    const created = this.sim.model.start - 400 * 86_400_000;
    return [
      'default',
      'kube-node-lease',
      'kube-public',
      ...this.sim.model.namespaces.filter((n) => n !== 'default'),
    ].map((name) => {
      const uid = uuid(this.sim.model.seed, 6, hashString(name));
      return {
        uid,
        name,
        labels: { 'kubernetes.io/metadata.name': name },
        fields: { 'metadata.name': name, 'status.phase': 'Active' },
        fingerprint: '',
        render: (rv: string) => ({
          kind: 'Namespace',
          apiVersion: 'v1',
          metadata: {
            name,
            uid,
            resourceVersion: rv,
            creationTimestamp: apiTime(created),
            labels: { 'kubernetes.io/metadata.name': name },
          },
          spec: { finalizers: ['kubernetes'] },
          status: { phase: 'Active' },
        }),
        cells: (now: number) => [name, 'Active', humanDuration(now - created)],
      };
    });
  }
}
