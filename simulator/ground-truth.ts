// What a scenario planted, computed from the same timeline that drives the API and the metrics:
// flapping episodes and their transitions, every OOM kill (grouped into loops by workload and
// container, across pod replacements), evictions, the sizing of deliberately misfit workloads, and
// the pods the scheduler could not place.
import type { ResourceAmounts, TimeWindow, WorkloadRef } from '../core/domain.js';
import type { Simulation } from './model/simulation.js';
import { cpuShape } from './model/usage.js';
import type {
  Behaviour,
  ContainerModel,
  MisfitKind,
  NodeModel,
  Resources,
  Slot,
  WorkloadModel,
} from './model/types.js';
import { qosClass } from './model/simulation.js';

export interface OomKillTruth {
  namespace: string;
  pod: string;
  podUid: string;
  node: string;
  container: string;
  /** When the kernel killed it (lastState.terminated.finishedAt). */
  at: number;
  startedAt: number;
  exitCode: number;
  /** restartCount the pod shows once the container has restarted. */
  restartCount: number;
  /** `cgroup`: the container hit its own limit; `system`: chosen by a node-wide (System) OOM. */
  scope: 'cgroup' | 'system';
}

export type OomLoopKind = 'slow_leak' | 'startup' | 'load_spike';

export interface OomLoopTruth {
  workload: WorkloadRef;
  container: string;
  kind: OomLoopKind;
  limitBytes: number;
  kills: OomKillTruth[];
  /** Whether the container sits in CrashLoopBackOff between kills for longer than a few seconds. */
  crashLoopBackOff: boolean;
}

export interface SingleOomTruth {
  workload: WorkloadRef;
  container: string;
  kill: OomKillTruth;
}

export interface FlappingEpisodeTruth {
  from: number;
  to: number;
  cycles: number;
  memoryPressureTrue: number[];
  notReady: number[];
  readyAgain: number[];
  systemOoms: number[];
  evictions: number[];
}

export interface FlappingNodeTruth {
  node: string;
  pool: string;
  cause: {
    allocatableEqualsCapacity: boolean;
    bestEffortWorkloads: WorkloadRef[];
    /** Sum of memory limits (where set) over allocatable, at the planted pods. */
    memoryLimitOvercommit: number;
  };
  episodes: FlappingEpisodeTruth[];
}

export interface RebootTruth {
  node: string;
  at: number;
  readyAgainAt: number;
}

/**
 * A node whose Ready condition toggled because the node controller lost it (network), with no
 * memory evidence: no MemoryPressure, no evictions, memory available far above the threshold.
 * A negative for memory flapping: a node_memory_flapping finding on it is a false alarm.
 */
export interface NetworkFlapTruth {
  node: string;
  /** Ready went Unknown (node controller) ... */
  notReady: number[];
  /** ... and True again. */
  readyAgain: number[];
  /** The node's lowest memory.available over allocatable in the window (nominal, no noise). */
  minMemoryAvailableBytes: number;
  evictionThresholdBytes: number;
}

/**
 * A planned drain: cordoned, its pods evicted through the API (not kubelet memory evictions),
 * maybe rebooted and uncordoned. A negative for memory flapping.
 */
export interface DrainTruth {
  node: string;
  cordonedAt: number;
  uncordonedAt: number | null;
  rebootAt: number | null;
  readyAgainAt: number | null;
  /** Pods the drain evicted (deleted with their grace period). */
  evictedPods: { namespace: string; pod: string; workload: WorkloadRef; at: number }[];
}

/** A node deleted mid-window (autoscaled away): its series end, its pods are gone. */
export interface DeletedNodeTruth {
  node: string;
  deletedAt: number;
  /** Pods that were on it when it went (drained before, or taken with it). */
  pods: { namespace: string; pod: string; workload: WorkloadRef; endedAt: number }[];
}

export interface EvictionTruth {
  namespace: string;
  pod: string;
  podUid: string;
  node: string;
  workload: WorkloadRef;
  at: number;
}

export interface MisfitTruth {
  workload: WorkloadRef;
  container: string;
  kind: MisfitKind;
  requests: ResourceAmounts;
  limits: ResourceAmounts;
  /** Nominal usage percentiles from the usage model (before noise). */
  usage: { cpuP50: number; cpuP95: number; memoryP50: number; memoryP99: number };
  /** A right size an analyzer should land near, and the range considered correct. */
  rightSize: { requests: ResourceAmounts; limits: ResourceAmounts };
  acceptable: { cpuRequest: [number, number]; memoryRequest: [number, number] };
  /** CFS throttled-period ratio the metrics will show. */
  throttledRatio: number;
}

/** A pod that waited Pending because no node it may go to had room for its requests. */
export interface UnschedulableTruth {
  namespace: string;
  pod: string;
  podUid: string;
  workload: WorkloadRef;
  /** Pending from (its creation) ... */
  from: number;
  /** ... until bound or replaced; null while still Pending at the end of the window. */
  to: number | null;
  /** The FailedScheduling message, e.g. `0/8 nodes are available: 8 Insufficient cpu. ...`. */
  message: string;
}

export interface GroundTruth {
  scenario: string;
  seed: number;
  cluster: string;
  window: TimeWindow;
  flappingNodes: FlappingNodeTruth[];
  reboots: RebootTruth[];
  oomLoops: OomLoopTruth[];
  singleOoms: SingleOomTruth[];
  /** Kills chosen by SystemOOM on a flapping node: symptoms of the node, not loops. */
  systemOoms: OomKillTruth[];
  evictions: EvictionTruth[];
  misfits: MisfitTruth[];
  /** Always computed; optional so hand-built truths (tests, fixtures) need not list it. */
  unschedulable?: UnschedulableTruth[];
  /** Negatives for memory flapping (always computed; optional for hand-built truths). */
  networkFlaps?: NetworkFlapTruth[];
  drains?: DrainTruth[];
  deletedNodes?: DeletedNodeTruth[];
}

function ref(w: WorkloadModel): WorkloadRef {
  // A ReplicaSet owned by an Argo Rollout belongs to the Rollout, whatever its name.
  return { namespace: w.namespace, kind: w.ownerKind ?? w.kind, name: w.name };
}

function amounts(r: Resources): ResourceAmounts {
  return {
    ...(r.cpuCores === undefined ? {} : { cpuCores: r.cpuCores }),
    ...(r.memoryBytes === undefined ? {} : { memoryBytes: r.memoryBytes }),
  };
}

const LOOP_KIND: Partial<Record<Behaviour['kind'], OomLoopKind>> = {
  leak: 'slow_leak',
  'startup-oom': 'startup',
  spike: 'load_spike',
};

/** OOM kills of one slot's container in the window, oldest first. */
function killsOf(sim: Simulation, slot: Slot, ci: number, window: TimeWindow): OomKillTruth[] {
  const out: OomKillTruth[] = [];
  const c = slot.workload.containers[ci];
  if (!c) return out;
  for (const pod of sim.pods.incarnationsBetween(slot, window.from, window.to)) {
    const runs = sim.pods.runs(pod, ci, Math.min(window.to, pod.endsAt));
    for (const run of runs) {
      if (
        run.termination?.reason !== 'OOMKilled' ||
        run.end < window.from ||
        run.end >= window.to ||
        run.end >= pod.endsAt
      )
        continue;
      const cycle = sim.nodes.cycleAt(slot.node, run.end);
      out.push({
        namespace: slot.workload.namespace,
        pod: pod.name,
        podUid: pod.uid,
        node: slot.node.name,
        container: c.name,
        at: run.end,
        startedAt: run.start,
        exitCode: run.termination.exitCode,
        restartCount: run.index + 1,
        scope:
          cycle?.systemOom?.slot === slot.index && cycle.systemOom.at === run.end
            ? 'system'
            : 'cgroup',
      });
    }
  }
  return out;
}

export function computeGroundTruth(sim: Simulation, window: TimeWindow): GroundTruth {
  const model = sim.model;
  const oomLoops: OomLoopTruth[] = [];
  const singleOoms: SingleOomTruth[] = [];
  const systemOoms: OomKillTruth[] = [];
  const evictions: EvictionTruth[] = [];
  const slotsByWorkload = new Map<number, Slot[]>();
  for (const slot of model.slots) {
    const list = slotsByWorkload.get(slot.workload.index) ?? [];
    list.push(slot);
    slotsByWorkload.set(slot.workload.index, list);
  }
  for (const w of model.workloads) {
    const slots = slotsByWorkload.get(w.index) ?? [];
    w.containers.forEach((c, ci) => {
      const interesting =
        c.behaviour.kind !== 'steady' || slots.some((s) => s.node.behaviour.kind !== 'normal');
      if (!interesting) return;
      const kills = slots.flatMap((s) => killsOf(sim, s, ci, window)).sort((a, b) => a.at - b.at);
      const own = kills.filter((k) => k.scope === 'cgroup');
      systemOoms.push(...kills.filter((k) => k.scope === 'system'));
      const loopKind = LOOP_KIND[c.behaviour.kind];
      if (loopKind && own.length > 0) {
        oomLoops.push({
          workload: ref(w),
          container: c.name,
          kind: loopKind,
          limitBytes: c.limits.memoryBytes ?? 0,
          kills: own,
          crashLoopBackOff: loopKind === 'startup',
        });
      } else if (c.behaviour.kind === 'single-oom') {
        for (const kill of own) singleOoms.push({ workload: ref(w), container: c.name, kill });
      }
    });
  }
  for (const slot of model.slots) {
    if (slot.node.behaviour.kind !== 'flapping') continue;
    for (const pod of sim.pods.incarnationsBetween(slot, window.from, window.to)) {
      if (pod.endKind === 'evicted' && pod.endsAt >= window.from && pod.endsAt < window.to) {
        evictions.push({
          namespace: slot.workload.namespace,
          pod: pod.name,
          podUid: pod.uid,
          node: slot.node.name,
          workload: ref(slot.workload),
          at: pod.endsAt,
        });
      }
    }
  }
  evictions.sort((a, b) => a.at - b.at);
  systemOoms.sort((a, b) => a.at - b.at);
  return {
    scenario: model.scenario,
    seed: model.seed,
    cluster: model.cluster,
    window,
    flappingNodes: model.nodes
      .filter((n) => n.behaviour.kind === 'flapping')
      .map((n) => flappingTruth(sim, n, window)),
    reboots: model.nodes.flatMap((n) =>
      n.behaviour.kind === 'reboot' && n.behaviour.at >= window.from && n.behaviour.at < window.to
        ? [
            {
              node: n.name,
              at: n.behaviour.at,
              readyAgainAt:
                sim.nodes
                  .changesBetween(n, n.behaviour.at, n.behaviour.at + 3_600_000)
                  .filter((c) => c.condition === 'Ready' && c.status === 'True')
                  .at(-1)?.at ?? n.behaviour.at,
            },
          ]
        : [],
    ),
    oomLoops,
    singleOoms,
    systemOoms,
    evictions,
    misfits: model.workloads.flatMap((w) =>
      w.misfit ? w.containers.map((c) => misfitTruth(w, c, w.misfit ?? 'right_sized')) : [],
    ),
    unschedulable: unschedulableTruth(sim, window),
    networkFlaps: networkFlapTruth(sim, window),
    drains: drainTruth(sim, window),
    deletedNodes: deletedNodeTruth(sim, window),
  };
}

/** Kubelet hard eviction threshold the simulated nodes use (memory.available<100Mi). */
const EVICTION_THRESHOLD_BYTES = 100 * 1024 * 1024;

function networkFlapTruth(sim: Simulation, window: TimeWindow): NetworkFlapTruth[] {
  const out: NetworkFlapTruth[] = [];
  for (const node of sim.model.nodes) {
    if (node.behaviour.kind !== 'network-flaps') continue;
    const changes = sim.nodes
      .changesBetween(node, window.from, window.to)
      .filter((c) => c.condition === 'Ready');
    // Nominal memory in use: the pods' usage profiles at their diurnal peak, plus the system.
    let used = node.systemMemoryBytes;
    for (const s of sim.model.slotsByNode[node.index] ?? []) {
      for (const c of sim.model.slots[s]?.workload.containers ?? [])
        used += c.usage.memoryBytes * (1 + c.usage.memoryAmplitude);
    }
    out.push({
      node: node.name,
      notReady: changes.filter((c) => c.status !== 'True').map((c) => c.at),
      readyAgain: changes.filter((c) => c.status === 'True').map((c) => c.at),
      minMemoryAvailableBytes: Math.round(node.memoryBytes - used),
      evictionThresholdBytes: EVICTION_THRESHOLD_BYTES,
    });
  }
  return out;
}

function podsLeaving(sim: Simulation, node: NodeModel, window: TimeWindow, kinds: string[]) {
  const out: { namespace: string; pod: string; workload: WorkloadRef; at: number }[] = [];
  for (const s of sim.model.slotsByNode[node.index] ?? []) {
    const slot = sim.model.slots[s];
    if (!slot) continue;
    for (const pod of sim.pods.incarnationsBetween(slot, window.from, window.to)) {
      if (pod.endKind === null || !kinds.includes(pod.endKind)) continue;
      if (pod.endsAt < window.from || pod.endsAt >= window.to) continue;
      out.push({
        namespace: slot.workload.namespace,
        pod: pod.name,
        workload: ref(slot.workload),
        at: pod.endsAt,
      });
    }
  }
  return out.sort((a, b) => a.at - b.at || a.pod.localeCompare(b.pod));
}

function drainTruth(sim: Simulation, window: TimeWindow): DrainTruth[] {
  const out: DrainTruth[] = [];
  for (const node of sim.model.nodes) {
    const b = node.behaviour;
    if (b.kind !== 'drain' || b.at >= window.to) continue;
    const readyAgainAt =
      b.rebootAt === null
        ? null
        : (sim.nodes
            .changesBetween(node, b.rebootAt, b.rebootAt + 3_600_000)
            .filter((c) => c.condition === 'Ready' && c.status === 'True')
            .at(-1)?.at ?? null);
    out.push({
      node: node.name,
      cordonedAt: b.at,
      uncordonedAt: b.uncordonAt,
      rebootAt: b.rebootAt,
      readyAgainAt,
      evictedPods: podsLeaving(sim, node, window, ['drained']),
    });
  }
  return out;
}

function deletedNodeTruth(sim: Simulation, window: TimeWindow): DeletedNodeTruth[] {
  const out: DeletedNodeTruth[] = [];
  for (const node of sim.model.nodes) {
    const at = node.deletedAt;
    if (at === undefined || at < window.from || at >= window.to) continue;
    out.push({
      node: node.name,
      deletedAt: at,
      pods: podsLeaving(sim, node, window, ['drained', 'node-deleted']).map((p) => ({
        namespace: p.namespace,
        pod: p.pod,
        workload: p.workload,
        endedAt: p.at,
      })),
    });
  }
  return out;
}

function unschedulableTruth(sim: Simulation, window: TimeWindow): UnschedulableTruth[] {
  const out: UnschedulableTruth[] = [];
  for (const slot of sim.allSlots()) {
    for (const pod of sim.pods.incarnationsBetween(slot, window.from, window.to)) {
      const until = Math.min(pod.boundAt, pod.endsAt);
      if (pod.unschedulable === undefined || until <= window.from || pod.createdAt >= window.to)
        continue;
      out.push({
        namespace: slot.workload.namespace,
        pod: pod.name,
        podUid: pod.uid,
        workload: ref(slot.workload),
        from: pod.createdAt,
        to: until < window.to ? until : null,
        message: pod.unschedulable,
      });
    }
  }
  return out.sort((a, b) => a.from - b.from || a.pod.localeCompare(b.pod));
}

function flappingTruth(sim: Simulation, node: NodeModel, window: TimeWindow): FlappingNodeTruth {
  const model = sim.model;
  const slots = (model.slotsByNode[node.index] ?? [])
    .map((s) => model.slots[s])
    .filter((s): s is Slot => !!s);
  const bestEffort = new Map<string, WorkloadRef>();
  let limits = 0;
  for (const slot of slots) {
    if (qosClass(slot.workload.containers) === 'BestEffort')
      bestEffort.set(slot.workload.uid, ref(slot.workload));
    for (const c of slot.workload.containers) limits += c.limits.memoryBytes ?? 0;
  }
  const episodes = sim.nodes.episodesBetween(node, window.from, window.to).map((e) => {
    const cycles = e.cycles.filter((c) => c.start >= window.from && c.start < window.to);
    return {
      from: e.from,
      to: cycles.at(-1)?.end ?? e.to,
      cycles: cycles.length,
      memoryPressureTrue: cycles.map((c) => c.pressureAt),
      notReady: cycles.flatMap((c) => (c.kubeletRestart ? [c.kubeletRestart.unknownAt] : [])),
      readyAgain: cycles.flatMap((c) => (c.kubeletRestart ? [c.kubeletRestart.readyAt] : [])),
      systemOoms: cycles.flatMap((c) => (c.systemOom ? [c.systemOom.at] : [])),
      evictions: cycles.map((c) => c.evictAt),
    };
  });
  return {
    node: node.name,
    pool: node.pool,
    cause: {
      allocatableEqualsCapacity: node.allocatableMemoryBytes === node.memoryBytes,
      bestEffortWorkloads: [...bestEffort.values()],
      memoryLimitOvercommit: Math.round((limits / node.allocatableMemoryBytes) * 100) / 100,
    },
    episodes: episodes.filter((e) => e.cycles > 0),
  };
}

function misfitTruth(w: WorkloadModel, c: ContainerModel, kind: MisfitKind): MisfitTruth {
  const demandP50 = c.usage.cpuCores;
  const demandP95 = c.usage.cpuCores * (1 + 0.988 * c.usage.cpuAmplitude);
  const shape = cpuShape(c);
  const cpuP50 = shape.mean;
  const cpuP95 = shape.mean * (1 + 0.988 * shape.amplitude);
  const memoryP50 = c.usage.memoryBytes;
  const memoryP99 = c.usage.memoryBytes * (1 + c.usage.memoryAmplitude) * 1.02;
  const round = (x: number, step: number) => Math.ceil(x / step) * step;
  const cpuRequest = round(demandP95 * 1.1, 0.01);
  const memoryRequest = round(memoryP99 * 1.15, 1024 * 1024);
  return {
    workload: ref(w),
    container: c.name,
    kind,
    requests: amounts(c.requests),
    limits: amounts(c.limits),
    usage: { cpuP50, cpuP95, memoryP50, memoryP99 },
    rightSize: {
      requests: { cpuCores: cpuRequest, memoryBytes: memoryRequest },
      limits: {
        memoryBytes: round(memoryP99 * 1.5, 1024 * 1024),
        ...(kind === 'cpu_throttled' ? { cpuCores: round(demandP95 * 1.5, 0.01) } : {}),
      },
    },
    acceptable: {
      cpuRequest: [demandP50, demandP95 * 1.6],
      memoryRequest: [memoryP99, memoryP99 * 1.7],
    },
    throttledRatio: shape.throttleRatio,
  };
}
