// Nodes and pods as they were over the history, read back from kube-state-metrics series: each
// chunk reads the last value of every inventory family over the chunk (plus an overlap, so an
// object whose series ended just before the chunk is still seen once more and can be marked gone),
// folds them with the same code that reads a kube-state-metrics scrape, and emits a record only
// when the object changed since the last one emitted. Evicted pods also yield an `Evicted` event
// reported from their node, the way the kubelet reports it.
import { createHash } from 'node:crypto';
import type { KubeEvent, Node, Pod } from '../../core/domain.js';
import { nodeFromKsm, podFromKsm } from '../formats/ksm-inventory.js';
import { buildKsmSnapshot, ksmPodKey, type KsmPod } from '../formats/kube-state-metrics.js';
import type { Sample } from '../formats/prometheus-text.js';
import type { PromSeries } from './client.js';
import { nameSelector, nsSelector } from './compat.js';
import type { ChunkInput, PodMeta } from './history.js';

/** What was last emitted for one object; replaced, never mutated (chunks retry on a copy). */
export interface ObjectMark {
  readonly hash: string;
  /** Newest sample of the object (epoch ms). */
  readonly seenAt: number;
  /** Oldest sample seen, the creation time when kube-state-metrics does not export one. */
  readonly firstSeenAt: number;
  readonly gone: boolean;
  /** An Evicted event was emitted for this pod. */
  readonly evicted?: boolean;
}

/** How far back each chunk looks before its start, to see objects whose series just ended. */
export const INVENTORY_OVERLAP_MS = 3_600_000;
/** Prometheus's default lookback: a live object's newest sample may be this old. */
const LOOKBACK_MS = 5 * 60_000;

const NODE_FAMILIES = [
  'kube_node_info',
  'kube_node_created',
  'kube_node_labels',
  'kube_node_spec_unschedulable',
  'kube_node_status_condition',
  'kube_node_status_capacity',
  'kube_node_status_allocatable',
  'kube_node_status_capacity_cpu_cores',
  'kube_node_status_capacity_memory_bytes',
  'kube_node_status_allocatable_cpu_cores',
  'kube_node_status_allocatable_memory_bytes',
] as const;

const POD_FAMILIES = [
  'kube_pod_info',
  'kube_pod_owner',
  'kube_pod_created',
  'kube_pod_deletion_timestamp',
  'kube_pod_status_phase',
  'kube_pod_status_qos_class',
  'kube_pod_status_reason',
  'kube_pod_labels',
  'kube_pod_container_info',
  'kube_pod_container_resource_requests',
  'kube_pod_container_resource_limits',
  'kube_pod_container_resource_requests_cpu_cores',
  'kube_pod_container_resource_requests_memory_bytes',
  'kube_pod_container_resource_limits_cpu_cores',
  'kube_pod_container_resource_limits_memory_bytes',
  'kube_pod_container_status_restarts_total',
  'kube_pod_container_status_restarts',
  'kube_pod_container_status_running',
  'kube_pod_container_status_waiting',
  'kube_pod_container_status_terminated',
  'kube_pod_container_status_waiting_reason',
  'kube_pod_container_state_started',
  'kube_replicaset_owner',
  'kube_job_owner',
] as const;

/**
 * Families whose samples show a node is there, read one family per query: timestamp() drops the
 * metric name, and kube-state-metrics v1 writes capacity as one family per resource with the same
 * labels (`kube_node_status_capacity_cpu_cores{node}`, `…_memory_bytes{node}`), which a single
 * regex selector would turn into duplicate series that Prometheus rejects.
 */
const NODE_PRESENCE_FAMILIES = [
  'kube_node_info',
  'kube_node_status_condition',
  'kube_node_status_capacity',
  'kube_node_status_capacity_memory_bytes',
] as const;

function seconds(ms: number): string {
  return `${Math.max(1, Math.round(ms / 1000))}s`;
}

/** The range an inventory read of the chunk covers. */
export function inventoryRange(input: Pick<ChunkInput, 'from' | 'to'>): string {
  return seconds(input.to - input.from + INVENTORY_OVERLAP_MS);
}

/** Last value of each family over the chunk, as samples of a scrape (names put back). */
async function lastValues(
  input: ChunkInput,
  families: readonly string[],
  filter: string,
): Promise<Sample[]> {
  const range = inventoryRange(input);
  const extra = filter ? `, ${filter}` : '';
  const answers = await Promise.all(
    families.map((name) =>
      input.client
        // last_over_time drops __name__: one query per family puts it back.
        .query(`last_over_time({${nameSelector([name])}${extra}}[${range}])`, input.to - 1)
        .then((rows) => rows.map((row) => sampleOf(name, row))),
    ),
  );
  return answers.flat().filter((s): s is Sample => s !== undefined);
}

function sampleOf(name: string, row: PromSeries): Sample | undefined {
  const value = Number(row.values[0]?.[1]);
  return Number.isFinite(value) ? { name, labels: row.metric, value } : undefined;
}

/** Oldest and newest sample time of an instant-vector expression per object, keyed by `key(labels)`. */
async function presence(
  input: ChunkInput,
  expr: string,
  by: string,
  key: (labels: Record<string, string>) => string | undefined,
): Promise<Map<string, { first: number; last: number }>> {
  const range = inventoryRange(input);
  const step = seconds(input.stepMs);
  const at = input.to - 1;
  const [newest, oldest] = await Promise.all(
    (['max', 'min'] as const).map((f) =>
      input.client.query(
        `${f} by (${by}) (${f}_over_time(timestamp(${expr})[${range}:${step}]))`,
        at,
      ),
    ),
  );
  const out = new Map<string, { first: number; last: number }>();
  for (const [rows, side] of [
    [newest!, 'last'],
    [oldest!, 'first'],
  ] as const) {
    for (const row of rows) {
      const k = key(row.metric);
      const t = Number(row.values[0]?.[1]) * 1000;
      if (k === undefined || !Number.isFinite(t)) continue;
      const entry = out.get(k) ?? { first: t, last: t };
      entry[side] = Math.round(t);
      out.set(k, entry);
    }
  }
  return out;
}

/** Each object's oldest and newest sample across several presence reads. */
function mergePresence(
  reads: readonly Map<string, { first: number; last: number }>[],
): Map<string, { first: number; last: number }> {
  const out = new Map<string, { first: number; last: number }>();
  for (const read of reads) {
    for (const [key, { first, last }] of read) {
      const seen = out.get(key);
      out.set(
        key,
        seen
          ? { first: Math.min(seen.first, first), last: Math.max(seen.last, last) }
          : { first, last },
      );
    }
  }
  return out;
}

function hashOf(value: unknown): string {
  return createHash('sha1').update(JSON.stringify(value)).digest('base64url');
}

/** An object not seen for longer than a scrape can lag has left. */
function goneAt(input: ChunkInput, last: number): number | undefined {
  return last < input.to - LOOKBACK_MS - 2 * input.stepMs ? last + input.stepMs : undefined;
}

/**
 * Records for `key` unless unchanged since the last emitted one. Returns the mark to keep, and
 * whether the payload is new.
 */
function track<T>(
  input: ChunkInput,
  key: string,
  seen: { first: number; last: number },
  build: (firstSeenAt: number, gone: number | undefined) => T,
): { record: T; changed: boolean; mark: ObjectMark } {
  const previous = input.state.objects.get(key);
  const firstSeenAt = Math.min(previous?.firstSeenAt ?? Infinity, seen.first);
  const gone = goneAt(input, seen.last);
  const record = build(firstSeenAt, gone);
  const hash = hashOf(record);
  const mark: ObjectMark = {
    hash,
    seenAt: Math.max(previous?.seenAt ?? 0, seen.last),
    firstSeenAt,
    gone: gone !== undefined,
    ...(previous?.evicted && { evicted: true }),
  };
  input.state.objects.set(key, mark);
  return { record, changed: previous?.hash !== hash, mark };
}

export interface NodeInventory {
  /** Every node seen in the chunk, as it stood at its end (or when it left). */
  readonly nodes: Node[];
  /** The nodes whose record changed: what to emit. */
  readonly changed: Node[];
}

export async function nodeInventory(input: ChunkInput): Promise<NodeInventory> {
  const [samples, ...seenPerFamily] = await Promise.all([
    lastValues(input, NODE_FAMILIES, ''),
    ...NODE_PRESENCE_FAMILIES.map((family) =>
      presence(input, `{${nameSelector([family])}}`, 'node', (l) => l.node || undefined),
    ),
  ]);
  const seen = mergePresence(seenPerFamily);
  const snapshot = buildKsmSnapshot(samples);
  const nodes: Node[] = [];
  const changed: Node[] = [];
  for (const [name, node] of snapshot.nodes) {
    const at = seen.get(name);
    if (at === undefined) continue;
    const conditionSince = new Map<string, number>();
    for (const type of node.conditions.keys()) {
      const since = input.state.conditions.get(`${name}\u0000${type}`)?.since;
      if (since !== undefined) conditionSince.set(type, since);
    }
    const { record, changed: isNew } = track(input, `node/${name}`, at, (firstSeenAt, gone) =>
      nodeFromKsm(node, input.cluster, { firstSeenAt, goneAt: gone, conditionSince }),
    );
    nodes.push(record);
    if (isNew) changed.push(record);
  }
  return { nodes, changed };
}

export interface PodInventory {
  /** Per namespace/pod: what terminations and usage samples are labelled with. */
  readonly meta: Map<string, PodMeta>;
  readonly changed: Pod[];
  readonly evictions: KubeEvent[];
}

const podKeyOf = (labels: Record<string, string>) =>
  labels.namespace && labels.pod ? ksmPodKey(labels.namespace, labels.pod) : undefined;

/** Pods of a namespace batch: their records where changed, and Evicted events new in the chunk. */
export async function podInventory(
  input: ChunkInput,
  namespaces: readonly string[],
): Promise<PodInventory> {
  const ns = nsSelector(namespaces);
  const [samples, seen, evictedSince] = await Promise.all([
    lastValues(input, POD_FAMILIES, ns),
    presence(input, `{${nameSelector(['kube_pod_info'])}, ${ns}}`, 'namespace, pod', podKeyOf),
    presence(
      input,
      `({${nameSelector(['kube_pod_status_reason'])}, ${ns}, reason="Evicted"} == 1)`,
      'namespace, pod',
      podKeyOf,
    ),
  ]);
  const snapshot = buildKsmSnapshot(samples);
  const meta = new Map<string, PodMeta>();
  const changed: Pod[] = [];
  const evictions: KubeEvent[] = [];
  for (const [key, pod] of snapshot.pods) {
    meta.set(key, metaOf(pod));
    const at = seen.get(key);
    if (at === undefined) continue;
    const objectKey = `pod/${pod.uid ?? key}`;
    const {
      record,
      changed: isNew,
      mark,
    } = track(input, objectKey, at, (firstSeenAt, gone) =>
      podFromKsm(pod, input.cluster, { firstSeenAt, goneAt: gone }),
    );
    if (isNew) changed.push(record);
    if (pod.reason === 'Evicted' && !mark.evicted) {
      const since = evictedSince.get(key)?.first ?? at.last;
      evictions.push(evictionEvent(record, since));
      input.state.objects.set(objectKey, { ...mark, evicted: true });
    }
  }
  return { meta, changed, evictions };
}

export function metaOf(pod: KsmPod): PodMeta {
  const requests = new Map<string, { cpuCores?: number; memoryBytes?: number }>();
  const limits = new Map<string, { cpuCores?: number; memoryBytes?: number }>();
  for (const c of pod.containers.values()) {
    requests.set(c.name, { ...c.requests });
    limits.set(c.name, { ...c.limits });
  }
  return {
    ...(pod.uid !== undefined && { uid: pod.uid }),
    ...(pod.node !== undefined && { node: pod.node }),
    workload: pod.workload,
    labels: pod.labels,
    requests,
    limits,
  };
}

/** The kubelet's eviction, as an event from the node: kube-state-metrics keeps only the fact. */
function evictionEvent(pod: Pod, at: number): KubeEvent {
  return {
    cluster: pod.cluster,
    uid: `kube-state-metrics/evicted/${pod.uid}`,
    type: 'Warning',
    reason: 'Evicted',
    message: 'The pod was evicted (kube_pod_status_reason="Evicted").',
    involvedObject: { kind: 'Pod', namespace: pod.namespace, name: pod.name, uid: pod.uid },
    count: 1,
    firstTimestamp: at,
    lastTimestamp: at,
    sourceComponent: 'kubelet',
    ...(pod.nodeName !== undefined && { sourceHost: pod.nodeName }),
  };
}
