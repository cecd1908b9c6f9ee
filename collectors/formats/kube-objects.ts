// core/v1 Node, Pod and Event JSON (from the API server, a watch, or the kubelet's /pods) mapped
// to the domain model, plus the diffs the kubernetes collector emits as events: node condition
// transitions and container terminations, each with an identity that re-observing cannot change.
//
// Fallbacks, each reported as an Issue so it can be counted:
// - an unknown pod phase becomes 'Unknown'; an unknown qosClass is recomputed from the spec;
// - an unknown condition status becomes 'Unknown'; an unknown container state kind 'unknown';
// - an event type other than Normal/Warning is kept verbatim;
// - a missing creation time becomes the kubelet's `kubernetes.io/config.seen` annotation (static
//   pods), then status.startTime, then 0;
// - an unparsable quantity leaves that resource unset.
import type {
  ConditionStatus,
  Container,
  ContainerState,
  ContainerTermination,
  InvolvedObject,
  KubeEvent,
  Node,
  NodeCondition,
  NodeTransition,
  Pod,
  QosClass,
  ResourceAmounts,
  Termination,
} from '../../core/domain.js';
import {
  arrayAt,
  isObject,
  numberAt,
  objectAt,
  stringMapAt,
  textAt,
  type JsonObject,
} from './json-read.js';
import { nodePool } from './node-pool.js';
import { parseCpuCores, parseMemoryBytes } from './quantity.js';
import type { Issue, Mapped } from './result.js';
import { runtimeHintsOf } from './runtime-hints.js';
import { epochMsOf } from './time.js';
import { resolveWorkload, type OwnerRef, type WorkloadLookups } from './workload-ref.js';

const POD_PHASES = new Set(['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown']);
const QOS_CLASSES = new Set<string>(['Guaranteed', 'Burstable', 'BestEffort']);
const CONDITION_STATUSES = new Set<string>(['True', 'False', 'Unknown']);
const EVENT_TYPES = new Set(['Normal', 'Warning']);
const MESSAGE_LIMIT = 4096;

class IssueList {
  readonly items: Issue[] = [];
  add(code: Issue['code'], path: string, message: string): void {
    this.items.push({ code, path, message });
  }
}

function capped(text: string): string {
  return text.length > MESSAGE_LIMIT ? text.slice(0, MESSAGE_LIMIT) : text;
}

function amounts(raw: unknown, path: string, issues: IssueList): ResourceAmounts {
  const source = objectAt(raw);
  const out: { cpuCores?: number; memoryBytes?: number } = {};
  if (source.cpu !== undefined) {
    const cpu = parseCpuCores(source.cpu);
    if (cpu.ok) out.cpuCores = cpu.value;
    else issues.add('invalid_quantity', `${path}.cpu`, cpu.error);
  }
  if (source.memory !== undefined) {
    const memory = parseMemoryBytes(source.memory);
    if (memory.ok) out.memoryBytes = memory.value;
    else issues.add('invalid_quantity', `${path}.memory`, memory.error);
  }
  return out;
}

function conditionStatus(raw: unknown, path: string, issues: IssueList): ConditionStatus {
  if (typeof raw === 'string' && CONDITION_STATUSES.has(raw)) return raw as ConditionStatus;
  issues.add('unknown_enum', path, `condition status ${JSON.stringify(raw)} mapped to Unknown`);
  return 'Unknown';
}

/** core/v1 Node → Node. Fails only without metadata.name or metadata.uid. */
export function mapNode(raw: unknown, cluster: string): Mapped<Node> {
  const issues = new IssueList();
  const metadata = objectAt(objectAt(raw).metadata);
  const spec = objectAt(objectAt(raw).spec);
  const status = objectAt(objectAt(raw).status);
  const name = textAt(metadata.name);
  const uid = textAt(metadata.uid);
  if (name === undefined || uid === undefined) {
    return { ok: false, error: 'node without metadata.name or metadata.uid', issues: [] };
  }
  const labels = stringMapAt(metadata.labels);
  const conditions: NodeCondition[] = [];
  arrayAt(status.conditions).forEach((entry, index) => {
    const path = `status.conditions[${index}]`;
    const condition = objectAt(entry);
    const type = textAt(condition.type);
    if (type === undefined) {
      issues.add('missing_field', `${path}.type`, 'condition without type skipped');
      return;
    }
    let at = epochMsOf(condition.lastTransitionTime) ?? epochMsOf(condition.lastHeartbeatTime);
    if (at === undefined) {
      issues.add('invalid_time', `${path}.lastTransitionTime`, 'no transition time; using 0');
      at = 0;
    }
    const reason = textAt(condition.reason);
    const message = textAt(condition.message);
    conditions.push({
      type,
      status: conditionStatus(condition.status, `${path}.status`, issues),
      ...(reason !== undefined && { reason }),
      ...(message !== undefined && { message: capped(message) }),
      lastTransitionTime: at,
    });
  });
  let createdAt = epochMsOf(metadata.creationTimestamp);
  if (createdAt === undefined) {
    issues.add('invalid_time', 'metadata.creationTimestamp', 'no creation time; using 0');
    createdAt = 0;
  }
  const deletedAt = epochMsOf(metadata.deletionTimestamp);
  const pool = nodePool(labels);
  const kubeletVersion = textAt(objectAt(status.nodeInfo).kubeletVersion);
  return {
    ok: true,
    value: {
      cluster,
      name,
      uid,
      labels,
      ...(pool !== undefined && { pool }),
      capacity: amounts(status.capacity, 'status.capacity', issues),
      allocatable: amounts(status.allocatable, 'status.allocatable', issues),
      conditions,
      unschedulable: spec.unschedulable === true,
      createdAt,
      ...(deletedAt !== undefined && { deletedAt }),
      ...(kubeletVersion !== undefined && { kubeletVersion }),
    },
    issues: issues.items,
  };
}

/**
 * The Kubernetes QoS rules (pkg/apis/core/v1/helper/qos), init containers included: BestEffort
 * when no container sets a non-zero CPU or memory request or limit; Guaranteed when every
 * container has CPU and memory limits and its requests (defaulting to the limits) equal them.
 */
export function computeQosClass(containers: readonly Pick<Container, 'resources'>[]): QosClass {
  let anySet = false;
  let guaranteed = containers.length > 0;
  for (const { resources } of containers) {
    const { requests, limits } = resources;
    if (requests.cpuCores || requests.memoryBytes || limits.cpuCores || limits.memoryBytes) {
      anySet = true;
    }
    if (!limits.cpuCores || !limits.memoryBytes) {
      guaranteed = false;
      continue;
    }
    const cpuRequest = requests.cpuCores ?? limits.cpuCores;
    const memoryRequest = requests.memoryBytes ?? limits.memoryBytes;
    if (cpuRequest !== limits.cpuCores || memoryRequest !== limits.memoryBytes) guaranteed = false;
  }
  if (!anySet) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

function termination(raw: JsonObject, path: string, issues: IssueList): Termination | undefined {
  const exitCode = numberAt(raw.exitCode);
  const finishedAt = epochMsOf(raw.finishedAt);
  if (exitCode === undefined || !Number.isInteger(exitCode)) {
    issues.add('missing_field', `${path}.exitCode`, 'termination without exitCode skipped');
    return undefined;
  }
  if (finishedAt === undefined) {
    issues.add('invalid_time', `${path}.finishedAt`, 'termination without finishedAt skipped');
    return undefined;
  }
  const startedAt = epochMsOf(raw.startedAt);
  const signal = numberAt(raw.signal);
  const message = textAt(raw.message);
  return {
    // An empty reason happens (e.g. a signal with no runtime verdict); 'Unknown' keeps it visible.
    reason: textAt(raw.reason) ?? 'Unknown',
    exitCode,
    ...(signal !== undefined && Number.isInteger(signal) && { signal }),
    ...(startedAt !== undefined && { startedAt }),
    finishedAt,
    ...(message !== undefined && { message: capped(message) }),
  };
}

function containerState(raw: unknown, path: string, issues: IssueList): ContainerState {
  const state = objectAt(raw);
  if (isObject(state.running)) {
    const startedAt = epochMsOf(state.running.startedAt);
    return { kind: 'running', ...(startedAt !== undefined && { startedAt }) };
  }
  if (isObject(state.terminated)) {
    const reason = textAt(state.terminated.reason);
    const startedAt = epochMsOf(state.terminated.startedAt);
    return {
      kind: 'terminated',
      ...(reason !== undefined && { reason }),
      ...(startedAt !== undefined && { startedAt }),
    };
  }
  if (isObject(state.waiting)) {
    const reason = textAt(state.waiting.reason);
    return { kind: 'waiting', ...(reason !== undefined && { reason }) };
  }
  const keys = Object.keys(state);
  if (keys.length > 0) {
    issues.add('unknown_enum', path, `container state ${keys.join(',')} mapped to unknown`);
  }
  return { kind: 'unknown' };
}

function mapContainers(
  specs: readonly unknown[],
  statuses: readonly unknown[],
  init: boolean,
  issues: IssueList,
): Container[] {
  const kind = init ? 'initContainers' : 'containers';
  const statusKind = init ? 'initContainerStatuses' : 'containerStatuses';
  const statusByName = new Map<string, [JsonObject, number]>();
  statuses.forEach((entry, index) => {
    const status = objectAt(entry);
    const name = textAt(status.name);
    if (name !== undefined) statusByName.set(name, [status, index]);
  });
  const out: Container[] = [];
  specs.forEach((entry, index) => {
    const spec = objectAt(entry);
    const path = `spec.${kind}[${index}]`;
    const name = textAt(spec.name);
    if (name === undefined) {
      issues.add('missing_field', `${path}.name`, 'container without name skipped');
      return;
    }
    const [status, statusIndex] = statusByName.get(name) ?? [objectAt(undefined), -1];
    const statusPath = `status.${statusKind}[${statusIndex}]`;
    const resources = objectAt(spec.resources);
    const currentTerminated = objectAt(status.state).terminated;
    const previousTerminated = objectAt(status.lastState).terminated;
    // The most recent termination: the current state's while the container is down, else the
    // previous run's. containerTerminations relies on this pairing with state.kind.
    const lastTermination = isObject(currentTerminated)
      ? termination(currentTerminated, `${statusPath}.state.terminated`, issues)
      : isObject(previousTerminated)
        ? termination(previousTerminated, `${statusPath}.lastState.terminated`, issues)
        : undefined;
    const restarts = numberAt(status.restartCount);
    const hints = runtimeHintsOf(spec);
    out.push({
      name,
      image: textAt(spec.image) ?? textAt(status.image) ?? '',
      resources: {
        requests: amounts(resources.requests, `${path}.resources.requests`, issues),
        limits: amounts(resources.limits, `${path}.resources.limits`, issues),
      },
      ...(hints.length > 0 && { runtimeHints: hints }),
      state: containerState(status.state, `${statusPath}.state`, issues),
      ...(lastTermination !== undefined && { lastTermination }),
      restartCount: restarts !== undefined && restarts >= 0 ? Math.floor(restarts) : 0,
      init,
    });
  });
  return out;
}

function ownersOf(metadata: JsonObject): OwnerRef[] {
  const owners: OwnerRef[] = [];
  for (const entry of arrayAt(metadata.ownerReferences)) {
    const ref = objectAt(entry);
    const kind = textAt(ref.kind);
    const name = textAt(ref.name);
    if (kind !== undefined && name !== undefined) {
      owners.push({ kind, name, controller: ref.controller === true });
    }
  }
  return owners;
}

export interface PodMapOptions {
  readonly cluster: string;
  /** Authoritative ReplicaSet → Deployment and Job → CronJob answers, when the caller has them. */
  readonly lookups?: WorkloadLookups;
}

/** core/v1 Pod → Pod. Fails only without metadata.name or metadata.uid. */
export function mapPod(raw: unknown, options: PodMapOptions): Mapped<Pod> {
  const issues = new IssueList();
  const metadata = objectAt(objectAt(raw).metadata);
  const spec = objectAt(objectAt(raw).spec);
  const status = objectAt(objectAt(raw).status);
  const name = textAt(metadata.name);
  const uid = textAt(metadata.uid);
  if (name === undefined || uid === undefined) {
    return { ok: false, error: 'pod without metadata.name or metadata.uid', issues: [] };
  }
  let namespace = textAt(metadata.namespace);
  if (namespace === undefined) {
    issues.add('missing_field', 'metadata.namespace', 'pod without namespace; using default');
    namespace = 'default';
  }
  const labels = stringMapAt(metadata.labels);
  const containers = [
    ...mapContainers(
      arrayAt(spec.initContainers),
      arrayAt(status.initContainerStatuses),
      true,
      issues,
    ),
    ...mapContainers(arrayAt(spec.containers), arrayAt(status.containerStatuses), false, issues),
  ];

  let qosClass: QosClass;
  const reportedQos = status.qosClass;
  if (typeof reportedQos === 'string' && QOS_CLASSES.has(reportedQos)) {
    qosClass = reportedQos as QosClass;
  } else {
    qosClass = computeQosClass(containers);
    if (reportedQos !== undefined) {
      issues.add(
        'unknown_enum',
        'status.qosClass',
        `qosClass ${JSON.stringify(reportedQos)} recomputed as ${qosClass}`,
      );
    }
  }

  let phase = textAt(status.phase);
  if (phase === undefined || !POD_PHASES.has(phase)) {
    issues.add(
      phase === undefined ? 'missing_field' : 'unknown_enum',
      'status.phase',
      `phase ${JSON.stringify(status.phase)} mapped to Unknown`,
    );
    phase = 'Unknown';
  }

  const annotations = stringMapAt(metadata.annotations);
  let createdAt =
    epochMsOf(metadata.creationTimestamp) ??
    epochMsOf(annotations['kubernetes.io/config.seen']) ??
    epochMsOf(status.startTime);
  if (epochMsOf(metadata.creationTimestamp) === undefined) {
    issues.add(
      'invalid_time',
      'metadata.creationTimestamp',
      `no creation time; using ${createdAt === undefined ? '0' : 'config.seen or startTime'}`,
    );
  }
  createdAt ??= 0;
  const deletedAt = epochMsOf(metadata.deletionTimestamp);
  const nodeName = textAt(spec.nodeName);
  const podTemplateHash = labels['pod-template-hash'];

  return {
    ok: true,
    value: {
      cluster: options.cluster,
      namespace,
      name,
      uid,
      ...(nodeName !== undefined && { nodeName }),
      workload: resolveWorkload(
        {
          namespace,
          podName: name,
          owners: ownersOf(metadata),
          ...(podTemplateHash !== undefined && { podTemplateHash }),
        },
        options.lookups,
      ),
      qosClass,
      phase,
      labels,
      containers,
      createdAt,
      ...(deletedAt !== undefined && { deletedAt }),
    },
    issues: issues.items,
  };
}

export interface PodListResult {
  readonly pods: Pod[];
  /** Issues of every item, paths prefixed with `items[i].`. */
  readonly issues: Issue[];
  /** Items that could not be mapped at all. */
  readonly rejected: number;
}

/** A PodList (API list response or the kubelet's /pods). */
export function mapPodList(raw: unknown, options: PodMapOptions): PodListResult {
  const pods: Pod[] = [];
  const issues: Issue[] = [];
  let rejected = 0;
  if (!Array.isArray(objectAt(raw).items)) {
    return {
      pods,
      issues: [{ code: 'malformed', path: 'items', message: 'not a list: no items array' }],
      rejected: 0,
    };
  }
  arrayAt(objectAt(raw).items).forEach((item, index) => {
    const mapped = mapPod(item, options);
    for (const issue of mapped.issues)
      issues.push({ ...issue, path: `items[${index}].${issue.path}` });
    if (mapped.ok) {
      pods.push(mapped.value);
    } else {
      rejected++;
      issues.push({ code: 'malformed', path: `items[${index}]`, message: mapped.error });
    }
  });
  return { pods, issues, rejected };
}

/**
 * core/v1 Event or events.k8s.io/v1 Event → KubeEvent. Count and times fall back to the newer
 * API's fields (series, eventTime, deprecated*), since new-style events leave the old ones empty.
 */
export function mapEvent(raw: unknown, cluster: string): Mapped<KubeEvent> {
  const issues = new IssueList();
  const event = objectAt(raw);
  const metadata = objectAt(event.metadata);
  const series = objectAt(event.series);
  const uid = textAt(metadata.uid);
  if (uid === undefined) return { ok: false, error: 'event without metadata.uid', issues: [] };

  const first =
    epochMsOf(event.firstTimestamp) ??
    epochMsOf(event.deprecatedFirstTimestamp) ??
    epochMsOf(event.eventTime) ??
    epochMsOf(metadata.creationTimestamp);
  const lastCandidates = [
    epochMsOf(event.lastTimestamp),
    epochMsOf(event.deprecatedLastTimestamp),
    epochMsOf(series.lastObservedTime),
  ].filter((t): t is number => t !== undefined);
  if (first === undefined && lastCandidates.length === 0) {
    return { ok: false, error: 'event without any timestamp', issues: [] };
  }
  const last = lastCandidates.length > 0 ? Math.max(...lastCandidates) : (first ?? 0);
  const firstTimestamp = Math.min(first ?? last, last);

  const rawCount =
    numberAt(event.count) ?? numberAt(series.count) ?? numberAt(event.deprecatedCount);
  const count = rawCount !== undefined && rawCount >= 1 ? Math.floor(rawCount) : 1;

  let type = textAt(event.type);
  if (type === undefined) {
    issues.add('missing_field', 'type', 'event without type; using Normal');
    type = 'Normal';
  } else if (!EVENT_TYPES.has(type)) {
    issues.add('unknown_enum', 'type', `event type ${JSON.stringify(type)} kept verbatim`);
  }
  let reason = textAt(event.reason);
  if (reason === undefined) {
    issues.add('missing_field', 'reason', 'event without reason; using Unknown');
    reason = 'Unknown';
  }

  const regarding = objectAt(
    isObject(event.involvedObject) ? event.involvedObject : event.regarding,
  );
  const objectNamespace = textAt(regarding.namespace);
  const objectUid = textAt(regarding.uid);
  const objectName = textAt(regarding.name);
  if (objectName === undefined)
    issues.add('missing_field', 'involvedObject.name', 'event about an unnamed object');
  const involvedObject: InvolvedObject = {
    kind: textAt(regarding.kind) ?? '',
    ...(objectNamespace !== undefined && { namespace: objectNamespace }),
    name: objectName ?? '',
    ...(objectUid !== undefined && { uid: objectUid }),
  };
  const source = objectAt(isObject(event.source) ? event.source : event.deprecatedSource);
  const sourceComponent =
    textAt(source.component) ??
    textAt(event.reportingComponent) ??
    textAt(event.reportingController);
  const sourceHost = textAt(source.host) ?? textAt(event.reportingInstance);

  return {
    ok: true,
    value: {
      cluster,
      uid,
      type,
      reason,
      message: capped(textAt(event.message) ?? textAt(event.note) ?? ''),
      involvedObject,
      count,
      firstTimestamp,
      lastTimestamp: last,
      ...(sourceComponent !== undefined && { sourceComponent }),
      ...(sourceHost !== undefined && { sourceHost }),
    },
    issues: issues.items,
  };
}

/**
 * Condition changes between two observations of a node. With no previous observation, each
 * condition's last transition is reported from 'Absent'. When the status is unchanged but
 * lastTransitionTime moved, the node flipped and back between observations: that is reported
 * with from === to, so the round trip is not lost. Identity (node, condition, to, at) comes from
 * the kubelet's own times, so re-observing a node reproduces the same transitions.
 */
export function nodeTransitions(previous: Node | undefined, current: Node): NodeTransition[] {
  const before = new Map(previous?.conditions.map((c) => [c.type, c]) ?? []);
  const out: NodeTransition[] = [];
  for (const condition of current.conditions) {
    const old = before.get(condition.type);
    if (
      old !== undefined &&
      old.status === condition.status &&
      old.lastTransitionTime === condition.lastTransitionTime
    ) {
      continue;
    }
    if (old !== undefined && condition.lastTransitionTime < old.lastTransitionTime) continue;
    out.push({
      cluster: current.cluster,
      node: current.name,
      condition: condition.type,
      from: old?.status ?? 'Absent',
      to: condition.status,
      at: condition.lastTransitionTime,
      ...(condition.reason !== undefined && { reason: condition.reason }),
    });
  }
  return out;
}

/**
 * One record per container with a known termination. restartCount is that of the run that
 * terminated: the container's current count while it is still down, one less once it has been
 * restarted (lastState). A termination seen first as state and later as lastState therefore keeps
 * the identity podUid + container + restartCount + finishedAt.
 */
export function containerTerminations(pod: Pod): ContainerTermination[] {
  const out: ContainerTermination[] = [];
  for (const container of pod.containers) {
    const t = container.lastTermination;
    if (t === undefined) continue;
    const runNumber =
      container.state.kind === 'terminated'
        ? container.restartCount
        : Math.max(0, container.restartCount - 1);
    out.push({
      cluster: pod.cluster,
      namespace: pod.namespace,
      pod: pod.name,
      podUid: pod.uid,
      ...(pod.nodeName !== undefined && { node: pod.nodeName }),
      workload: pod.workload,
      container: container.name,
      termination: t,
      restartCount: runNumber,
      requests: container.resources.requests,
      limits: container.resources.limits,
    });
  }
  return out;
}
