// kube-state-metrics facts as the domain's Node and Pod records, so that a Prometheus alone feeds
// the analyzers that need an inventory (flapping causes, node capacity, misfit, recommendations).
// kube-state-metrics exports no Node uid: a node is identified by name and creation time, which is
// also what the record id of every source rests on (core/envelope.ts), so the kubernetes collector
// and this path write one document per node. Pods carry their uid (v2, and v1 since 1.4); without
// one the pod is named namespace/name, as terminations from the same data are.
import type {
  Container,
  ContainerState,
  Node,
  NodeCondition,
  Pod,
  QosClass,
  ResourceAmounts,
} from '../../core/domain.js';
import { computeQosClass } from './kube-objects.js';
import type { KsmContainer, KsmNode, KsmPod } from './kube-state-metrics.js';

/** What kube-state-metrics cannot say and the reader of the history knows. */
export interface NodeHistory {
  /** First time the node was seen in the history (creation time when kube_node_created is absent). */
  readonly firstSeenAt: number;
  /** The node left: no series of it after this time. */
  readonly goneAt?: number | undefined;
  /** When each condition last changed to its current status, where the history showed it. */
  readonly conditionSince: ReadonlyMap<string, number>;
}

export interface PodHistory {
  readonly firstSeenAt: number;
  readonly goneAt?: number | undefined;
}

const QOS: ReadonlySet<string> = new Set(['Guaranteed', 'Burstable', 'BestEffort']);

/** The synthetic uid of a node read from kube-state-metrics (its record id ignores it). */
export function ksmNodeUid(name: string, createdAt: number): string {
  return `kube-state-metrics/${name}/${createdAt}`;
}

export function nodeFromKsm(node: KsmNode, cluster: string, history: NodeHistory): Node {
  const createdAt = node.createdAtMs ?? history.firstSeenAt;
  const conditions: NodeCondition[] = [...node.conditions].map(([type, status]) => ({
    type,
    status,
    lastTransitionTime: history.conditionSince.get(type) ?? createdAt,
  }));
  return {
    cluster,
    name: node.name,
    uid: ksmNodeUid(node.name, createdAt),
    labels: { ...node.labels },
    ...(node.pool !== undefined && { pool: node.pool }),
    capacity: { ...node.capacity },
    allocatable: { ...node.allocatable },
    conditions,
    unschedulable: node.unschedulable === true,
    createdAt,
    ...(history.goneAt !== undefined && { deletedAt: Math.max(history.goneAt, createdAt + 1) }),
    ...(node.kubeletVersion !== undefined && { kubeletVersion: node.kubeletVersion }),
  };
}

function containerState(c: KsmContainer): ContainerState {
  switch (c.state) {
    case 'running':
      return { kind: 'running', ...(c.startedAtMs !== undefined && { startedAt: c.startedAtMs }) };
    case 'waiting':
      return { kind: 'waiting', ...(c.waitingReason !== undefined && { reason: c.waitingReason }) };
    case 'terminated':
      return {
        kind: 'terminated',
        ...(c.terminatedReason !== undefined && { reason: c.terminatedReason }),
      };
    default:
      return { kind: 'unknown' };
  }
}

function amounts(value: ResourceAmounts): ResourceAmounts {
  return {
    ...(value.cpuCores !== undefined && { cpuCores: value.cpuCores }),
    ...(value.memoryBytes !== undefined && { memoryBytes: value.memoryBytes }),
  };
}

function container(c: KsmContainer): Container {
  const lastTermination =
    c.lastTerminatedAtMs !== undefined
      ? {
          reason: c.lastTerminatedReason ?? 'Unknown',
          exitCode: c.lastTerminatedExitCode ?? (c.lastTerminatedReason === 'OOMKilled' ? 137 : 1),
          finishedAt: c.lastTerminatedAtMs,
        }
      : undefined;
  return {
    name: c.name,
    image: c.image ?? '',
    resources: { requests: amounts(c.requests), limits: amounts(c.limits) },
    state: containerState(c),
    ...(lastTermination !== undefined && { lastTermination }),
    restartCount: Math.max(0, Math.round(c.restarts ?? 0)),
    init: c.init,
  };
}

/**
 * Phase as the API would show it: kube_pod_status_phase where exported; an evicted pod is Failed;
 * otherwise a pod on a node is taken as Running and one without as Pending.
 */
function phaseOf(pod: KsmPod): string {
  if (pod.phase !== undefined) return pod.phase;
  if (pod.reason === 'Evicted') return 'Failed';
  return pod.node ? 'Running' : 'Pending';
}

export function podFromKsm(pod: KsmPod, cluster: string, history: PodHistory): Pod {
  const containers = [...pod.containers.values()].map(container);
  const qosClass: QosClass =
    pod.qosClass !== undefined && QOS.has(pod.qosClass)
      ? (pod.qosClass as QosClass)
      : computeQosClass(containers);
  const createdAt = pod.createdAtMs ?? history.firstSeenAt;
  const deletedAt =
    history.goneAt === undefined
      ? undefined
      : Math.max(createdAt + 1, Math.min(history.goneAt, pod.deletingSinceMs ?? Infinity));
  return {
    cluster,
    namespace: pod.namespace,
    name: pod.name,
    uid: pod.uid ?? `${pod.namespace}/${pod.name}`,
    ...(pod.node !== undefined && { nodeName: pod.node }),
    workload: pod.workload,
    qosClass,
    phase: phaseOf(pod),
    labels: { ...pod.labels },
    containers,
    createdAt,
    ...(deletedAt !== undefined && { deletedAt }),
  };
}
