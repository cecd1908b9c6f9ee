// Kubernetes Events derived from the timeline. Occurrences are generated for a window, then
// aggregated the way the kubelet's event correlator and the API's TTL do: identical events bump
// `count` and `lastTimestamp`; an event not repeated for an hour expires.
import { hashString, hexId, mix, unit, uuid } from './rng.js';
import { REBOOT_DOWN_MS, rebootAtOf } from './node-timeline.js';
import { TERMINATION_GRACE_MS, type Incarnation, type Run } from './pod-timeline.js';
import type { Simulation } from './simulation.js';
import { HOUR, MI, MINUTE, type AnySlot, type NodeModel, type Slot } from './types.js';

export const EVENT_TTL_MS = HOUR;
/** kube-scheduler retries an unschedulable pod at least this often (podMaxInUnschedulablePodsDuration). */
export const UNSCHEDULABLE_RETRY_MS = 5 * MINUTE;

export interface InvolvedObject {
  kind: 'Pod' | 'Node';
  namespace?: string;
  name: string;
  uid?: string;
  fieldPath?: string;
}

export interface Occurrence {
  at: number;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  involved: InvolvedObject;
  component: string;
  host?: string;
}

export interface SimEvent {
  name: string;
  namespace: string;
  uid: string;
  type: Occurrence['type'];
  reason: string;
  message: string;
  involved: InvolvedObject;
  component: string;
  host?: string;
  count: number;
  firstTimestamp: number;
  lastTimestamp: number;
}

/** Events the API would list at t (those repeated or created within the TTL). */
export function eventsAt(sim: Simulation, t: number, lookbackMs = 6 * HOUR): SimEvent[] {
  const occurrences = occurrencesBetween(sim, t - lookbackMs, t + 1);
  const byKey = new Map<string, Occurrence[]>();
  for (const o of occurrences) {
    const key = `${o.involved.kind}/${o.involved.namespace ?? ''}/${o.involved.name}/${o.involved.uid ?? ''}/${o.reason}/${o.component}/${o.message}`;
    const list = byKey.get(key);
    if (list) list.push(o);
    else byKey.set(key, [o]);
  }
  const out: SimEvent[] = [];
  for (const [key, list] of byKey) {
    list.sort((a, b) => a.at - b.at);
    // Split into series where the event expired in between; only the last one can be alive.
    let first = 0;
    for (let i = 1; i < list.length; i++) {
      const prev = list[i - 1];
      const cur = list[i];
      if (prev && cur && cur.at - prev.at > EVENT_TTL_MS) first = i;
    }
    const head = list[first];
    const tail = list[list.length - 1];
    if (!head || !tail || tail.at < t - EVENT_TTL_MS) continue;
    const h = hashString(key);
    const name = `${head.involved.name}.${hexId(16, h, Math.floor(head.at / 1000))}`;
    out.push({
      name,
      namespace: head.involved.namespace ?? 'default',
      uid: uuid(h, Math.floor(head.at / 1000), 5),
      type: tail.type,
      reason: tail.reason,
      message: tail.message,
      involved: tail.involved,
      component: tail.component,
      ...(tail.host ? { host: tail.host } : {}),
      count: list.length - first,
      firstTimestamp: head.at,
      lastTimestamp: tail.at,
    });
  }
  return out.sort((a, b) => a.lastTimestamp - b.lastTimestamp || a.name.localeCompare(b.name));
}

/** Every event occurrence in [from, to), in no particular order. */
export function occurrencesBetween(sim: Simulation, from: number, to: number): Occurrence[] {
  const out: Occurrence[] = [];
  for (const node of sim.model.nodes) nodeOccurrences(sim, node, from, to, out);
  for (const slot of sim.model.slots) {
    if (!slotMayHaveEvents(sim, slot, from, to)) continue;
    for (const pod of sim.pods.incarnationsBetween(slot, from, to)) {
      schedulingOccurrences(sim, pod, from, to, out);
      podOccurrences(sim, pod, from, to, out);
    }
  }
  for (const slot of sim.model.pendingSlots) {
    for (const pod of sim.pods.incarnationsBetween(slot, from, to))
      schedulingOccurrences(sim, pod, from, to, out);
  }
  return out;
}

/**
 * The scheduler's verdicts on a pod: FailedScheduling while it waits for room (on creation, then
 * at each retry), Scheduled once bound.
 */
function schedulingOccurrences(
  sim: Simulation,
  pod: Incarnation<AnySlot>,
  from: number,
  to: number,
  out: Occurrence[],
): void {
  const slot = pod.slot;
  const push = (o: Occurrence) => {
    if (o.at >= from && o.at < to) out.push(o);
  };
  const latency = (n: number) =>
    40 + Math.floor(unit(sim.model.seed, slot.index, pod.generation, n) * 200);
  const waitsUntil = Math.min(pod.boundAt, pod.endsAt);
  if (pod.unschedulable !== undefined && waitsUntil > pod.createdAt) {
    const first = pod.createdAt + latency(8);
    const start = Math.max(
      first,
      first + Math.ceil((from - first) / UNSCHEDULABLE_RETRY_MS) * UNSCHEDULABLE_RETRY_MS,
    );
    for (let at = start; at < Math.min(to, waitsUntil); at += UNSCHEDULABLE_RETRY_MS) {
      push({
        at,
        type: 'Warning',
        reason: 'FailedScheduling',
        message: pod.unschedulable,
        involved: podRef(pod),
        component: 'default-scheduler',
      });
    }
  }
  if (slot.node !== undefined && pod.boundAt < pod.endsAt) {
    push({
      at: pod.boundAt + latency(7),
      type: 'Normal',
      reason: 'Scheduled',
      message: `Successfully assigned ${slot.workload.namespace}/${pod.name} to ${slot.node.name}`,
      involved: podRef(pod),
      component: 'default-scheduler',
    });
  }
}

/**
 * Cheap filter: steady pods on quiet nodes only produce events when they are created or replaced
 * (a rollout that has to wait for room is a replacement too).
 */
function slotMayHaveEvents(sim: Simulation, slot: Slot, from: number, to: number): boolean {
  if (slot.node.behaviour.kind !== 'normal') return true;
  if (slot.workload.containers.some((c) => c.behaviour.kind !== 'steady')) return true;
  const created = Math.max(slot.workload.createdAt, slot.node.createdAt);
  if (created >= from - HOUR && created < to) return true;
  return (
    sim.pods.generationAt(slot, to) !== sim.pods.generationAt(slot, from - TERMINATION_GRACE_MS)
  );
}

function podRef(pod: Incarnation<AnySlot>, container?: string): InvolvedObject {
  return {
    kind: 'Pod',
    namespace: pod.slot.workload.namespace,
    name: pod.name,
    uid: pod.uid,
    ...(container ? { fieldPath: `spec.containers{${container}}` } : {}),
  };
}

function podOccurrences(
  sim: Simulation,
  pod: Incarnation,
  from: number,
  to: number,
  out: Occurrence[],
): void {
  const slot = pod.slot;
  const node = slot.node;
  const ns = slot.workload.namespace;
  const push = (o: Occurrence) => {
    if (o.at >= from && o.at < to) out.push(o);
  };
  slot.workload.containers.forEach((c, ci) => {
    const runs = sim.pods.runs(pod, ci, Math.min(to, pod.endsAt));
    const kubelet = { component: 'kubelet', host: node.name };
    for (const run of runsOverlapping(runs, from, to)) {
      const ref = podRef(pod, c.name);
      push({
        at: run.start - 900,
        type: 'Normal',
        reason: 'Pulled',
        message: `Container image "${c.image}" already present on machine`,
        involved: ref,
        ...kubelet,
      });
      push({
        at: run.start - 300,
        type: 'Normal',
        reason: 'Created',
        message: `Created container ${c.name}`,
        involved: ref,
        ...kubelet,
      });
      push({
        at: run.start,
        type: 'Normal',
        reason: 'Started',
        message: `Started container ${c.name}`,
        involved: ref,
        ...kubelet,
      });
      if (run.termination && run.end < to) {
        oomOccurrences(sim, pod, ci, run, push);
        const next = runs[run.index + 1];
        if (next && next.start - run.end > 5000) {
          // The kubelet reports BackOff on each sync while it waits.
          for (let at = run.end + 1000; at < next.start; at += 15_000) {
            push({
              at,
              type: 'Warning',
              reason: 'BackOff',
              message: `Back-off restarting failed container ${c.name} in pod ${pod.name}_${ns}(${pod.uid})`,
              involved: ref,
              ...kubelet,
            });
          }
        }
      }
    }
    if (pod.endKind !== null && pod.endsAt >= from && pod.endsAt < to) {
      push({
        at: pod.endsAt + 200,
        type: 'Normal',
        reason: 'Killing',
        message: `Stopping container ${c.name}`,
        involved: podRef(pod, c.name),
        ...kubelet,
      });
    }
  });
  if (pod.endKind === 'evicted') {
    const run = sim.pods.runs(pod, 0, pod.endsAt).at(-1);
    const used = run ? sim.usage.memory(pod, 0, run, pod.endsAt - 1000) : 0;
    const c = slot.workload.containers[0];
    push({
      at: pod.endsAt,
      type: 'Warning',
      reason: 'Evicted',
      message: `The node was low on resource: memory. Threshold quantity: 100Mi, available: ${Math.round((80 * MI) / 1024)}Ki. Container ${c?.name ?? 'app'} was using ${Math.round(used / 1024)}Ki, request is 0, has larger consumption of memory. `,
      involved: podRef(pod),
      component: 'kubelet',
      host: node.name,
    });
  }
}

function runsOverlapping(runs: Run[], from: number, to: number): Run[] {
  return runs.filter((r) => r.start - 1000 < to && (r.end >= from || r.end === Infinity));
}

function oomOccurrences(
  sim: Simulation,
  pod: Incarnation,
  ci: number,
  run: Run,
  push: (o: Occurrence) => void,
): void {
  const t = run.termination;
  if (t?.reason !== 'OOMKilled') return;
  const node = pod.slot.node;
  const c = pod.slot.workload.containers[ci];
  const pid = 1000 + (mix(sim.model.seed, pod.slot.index, run.index, run.start) % 3_000_000);
  const process = processName(c?.logStyle, c?.name ?? 'app');
  const rssKb = Math.round(
    (c?.limits.memoryBytes ?? sim.usage.memory(pod, ci, run, run.end - 1)) / 1024,
  );
  const nodeRef: InvolvedObject = { kind: 'Node', name: node.name, uid: node.name };
  const cycle = sim.nodes.cycleAt(node, run.end);
  const systemOom = cycle?.systemOom?.slot === pod.slot.index && cycle.systemOom.at === run.end;
  const vm = rssKb + 250_000 + (pid % 100_000);
  if (systemOom) {
    push({
      at: run.end + 120,
      type: 'Warning',
      reason: 'SystemOOM',
      message: `System OOM encountered, victim process: ${process}, pid: ${pid}`,
      involved: nodeRef,
      component: 'kubelet',
      host: node.name,
    });
    push({
      at: run.end + 40,
      type: 'Warning',
      reason: 'OOMKilling',
      message: `Out of memory: Killed process ${pid} (${process}) total-vm:${vm}kB, anon-rss:${rssKb - 9000}kB, file-rss:${8200 + (pid % 900)}kB, shmem-rss:0kB, UID:0 pgtables:${Math.round(rssKb / 500)}kB oom_score_adj:1000`,
      involved: nodeRef,
      component: 'kernel-monitor',
      host: node.name,
    });
    return;
  }
  push({
    at: run.end + 40,
    type: 'Warning',
    reason: 'OOMKilling',
    message: `Memory cgroup out of memory: Killed process ${pid} (${process}) total-vm:${vm}kB, anon-rss:${rssKb - 9000}kB, file-rss:${8200 + (pid % 900)}kB, shmem-rss:0kB, UID:0 pgtables:${Math.round(rssKb / 500)}kB oom_score_adj:${pod.slot.workload.containers.every((x) => x.requests.memoryBytes !== undefined) ? 984 : 1000}`,
    involved: nodeRef,
    component: 'kernel-monitor',
    host: node.name,
  });
}

export function processName(style: string | undefined, fallback: string): string {
  return style === 'jvm' ? 'java' : style === 'cache' ? 'suggestd' : fallback.slice(0, 15);
}

function nodeOccurrences(
  sim: Simulation,
  node: NodeModel,
  from: number,
  to: number,
  out: Occurrence[],
): void {
  if (node.behaviour.kind === 'normal') return;
  const push = (
    at: number,
    type: Occurrence['type'],
    reason: string,
    message: string,
    component = 'kubelet',
  ) => {
    if (at >= from && at < to) {
      out.push({
        at,
        type,
        reason,
        message,
        involved: { kind: 'Node', name: node.name, uid: node.name },
        component,
        ...(component === 'node-controller' ? {} : { host: node.name }),
      });
    }
  };
  const status = (s: string) => `Node ${node.name} status is now: ${s}`;
  const kubeletStart = (at: number) => {
    push(at, 'Normal', 'Starting', 'Starting kubelet.');
    push(
      at + 300,
      'Normal',
      'NodeAllocatableEnforced',
      'Updated Node Allocatable limit across pods',
    );
    push(at + 500, 'Normal', 'NodeHasSufficientMemory', status('NodeHasSufficientMemory'));
    push(at + 500, 'Normal', 'NodeHasNoDiskPressure', status('NodeHasNoDiskPressure'));
    push(at + 500, 'Normal', 'NodeHasSufficientPID', status('NodeHasSufficientPID'));
  };
  if (node.behaviour.kind === 'network-flaps') {
    for (const at of node.behaviour.at) {
      push(at + 40_000, 'Normal', 'NodeNotReady', status('NodeNotReady'), 'node-controller');
      push(at + node.behaviour.downMs, 'Normal', 'NodeReady', status('NodeReady'));
    }
    return;
  }
  if (node.behaviour.kind === 'drain') {
    const b = node.behaviour;
    push(b.at, 'Normal', 'NodeNotSchedulable', status('NodeNotSchedulable'));
    if (b.uncordonAt !== null)
      push(b.uncordonAt, 'Normal', 'NodeSchedulable', status('NodeSchedulable'));
  }
  const rebootAt = rebootAtOf(node);
  if (rebootAt !== undefined) {
    const at = rebootAt;
    push(at + 40_000, 'Normal', 'NodeNotReady', status('NodeNotReady'), 'node-controller');
    kubeletStart(at + REBOOT_DOWN_MS);
    push(
      at + REBOOT_DOWN_MS + 600,
      'Warning',
      'Rebooted',
      `Node ${node.name} has been rebooted, boot id: ${uuid(sim.nodes.bootId(node, at + REBOOT_DOWN_MS))}`,
    );
    push(at + REBOOT_DOWN_MS + 25_000, 'Normal', 'NodeReady', status('NodeReady'));
    return;
  }
  for (const e of sim.nodes.episodesBetween(node, from, to)) {
    for (const c of e.cycles) {
      if (c.end < from || c.start >= to) continue;
      push(
        c.pressureAt,
        'Normal',
        'NodeHasInsufficientMemory',
        status('NodeHasInsufficientMemory'),
      );
      push(c.pressureAt + 2000, 'Warning', 'EvictionThresholdMet', 'Attempting to reclaim memory');
      if (c.kubeletRestart) {
        const k = c.kubeletRestart;
        push(k.unknownAt, 'Normal', 'NodeNotReady', status('NodeNotReady'), 'node-controller');
        kubeletStart(k.upAt);
        push(k.readyAt, 'Normal', 'NodeReady', status('NodeReady'));
      } else {
        push(c.clearedAt, 'Normal', 'NodeHasSufficientMemory', status('NodeHasSufficientMemory'));
      }
    }
  }
}
