// History read back from Prometheus, one chunk at a time: a time range × a batch of namespaces.
// Each chunk is a handful of query_range calls whose answers are turned into records and dropped;
// what must survive between chunks — the last restart count and finish time per container and the
// last status per node condition — is kept in ChunkState, whose size follows the cluster, not the
// history. Container terminations are in terminations.ts.
import type {
  ConditionStatus,
  NodeTransition,
  UsageMetric,
  UsageSample,
  WorkloadRef,
} from '../../core/domain.js';
import type { PromClient } from './client.js';
import type { RestartMark } from './terminations.js';
import { inventoryRange, type ObjectMark } from './inventory.js';
import {
  CADVISOR_DIALECTS,
  conditionStatus,
  containerIdentity,
  METRIC_NAMES,
  nameSelector,
  nsSelector,
} from './compat.js';

export interface ConditionMark {
  readonly status: ConditionStatus;
  readonly seenAt: number;
  /** When the status last changed, where the history showed the change. */
  readonly since?: number;
}

export interface ChunkState {
  /** Per container (pod uid or namespace/pod, and container name). */
  readonly restarts: Map<string, RestartMark>;
  /** Last status per node/condition. */
  readonly conditions: Map<string, ConditionMark>;
  /** Last record emitted per node (`node/<name>`) and pod (`pod/<uid>`). */
  readonly objects: Map<string, ObjectMark>;
}

export function newChunkState(): ChunkState {
  return { restarts: new Map(), conditions: new Map(), objects: new Map() };
}

/** A copy a chunk may change and throw away if it fails: marks are replaced, never mutated. */
export function copyChunkState(state: ChunkState): ChunkState {
  return {
    restarts: new Map(state.restarts),
    conditions: new Map(state.conditions),
    objects: new Map(state.objects),
  };
}

export interface PodMeta {
  uid?: string;
  node?: string;
  workload: WorkloadRef;
  /** From kube_pod_labels, names as kube-state-metrics exports them (without `label_`). */
  labels: Readonly<Record<string, string>>;
  requests: Map<string, { cpuCores?: number; memoryBytes?: number }>;
  limits: Map<string, { cpuCores?: number; memoryBytes?: number }>;
}

export interface ChunkInput {
  readonly client: PromClient;
  readonly cluster: string;
  readonly from: number;
  /** Exclusive. */
  readonly to: number;
  readonly stepMs: number;
  /** PromQL rate() window, at least two steps. */
  readonly rateWindow: string;
  /** Start of the history being read: terminations that finished before it are not reported. */
  readonly historyFrom?: number;
  readonly state: ChunkState;
}

const podKey = (namespace: string, pod: string) => `${namespace}/${pod}`;

function num(text: string): number {
  return Number(text);
}

/** Namespaces with pods in the chunk (or just before it, to see pods that left), from kube_pod_info. */
export async function namespacesIn(
  input: Omit<ChunkInput, 'state' | 'rateWindow'>,
): Promise<string[]> {
  const range = inventoryRange(input);
  const rows = await input.client.query(
    `count by (namespace) (last_over_time({${nameSelector(METRIC_NAMES.podInfo)}}[${range}]))`,
    input.to - 1,
  );
  return rows
    .map((r) => r.metric.namespace)
    .filter((n): n is string => !!n)
    .sort();
}

interface UsageQuery {
  readonly metric: UsageMetric;
  readonly expr: (ns: string, by: string, filter: string) => string;
}

/**
 * A container's gauge from its newest instance alone. Each run of a container is its own cAdvisor
 * series (its `id`). A Prometheus that scraped the run's end marks the old series stale, but blocks
 * backfilled from files carry no staleness markers, so a dead run stays visible for the whole query
 * look-back and a `max` over instances would start the new run at the dead run's last value — the
 * near-limit working set of a leak that was just killed. The live instance is the one whose sample
 * is freshest.
 */
export function newestInstanceGauge(selector: string, by: string): string {
  const sampledAt = `timestamp(${selector})`;
  const freshest = `${sampledAt} == on (${by}) group_left () max by (${by}) (${sampledAt})`;
  return `max by (${by}) (${selector} and (${freshest}))`;
}

const USAGE_QUERIES = (w: string): UsageQuery[] => [
  {
    metric: 'memory_working_set_bytes',
    expr: (ns, by, f) => newestInstanceGauge(`container_memory_working_set_bytes{${ns}, ${f}}`, by),
  },
  {
    metric: 'memory_rss_bytes',
    expr: (ns, by, f) => newestInstanceGauge(`container_memory_rss{${ns}, ${f}}`, by),
  },
  {
    metric: 'cpu_usage_cores',
    expr: (ns, by, f) =>
      `sum by (${by}) (rate(container_cpu_usage_seconds_total{${ns}, ${f}}[${w}]))`,
  },
  {
    metric: 'cpu_throttled_ratio',
    expr: (ns, by, f) =>
      `sum by (${by}) (rate(container_cpu_cfs_throttled_periods_total{${ns}, ${f}}[${w}])) / ` +
      `sum by (${by}) (rate(container_cpu_cfs_periods_total{${ns}, ${f}}[${w}])) > -1`,
  },
];

/** Container usage samples of the chunk for a namespace batch, in both cAdvisor dialects. */
export async function containerUsage(
  input: ChunkInput,
  namespaces: readonly string[],
  pods: ReadonlyMap<string, PodMeta>,
  metrics?: readonly UsageMetric[],
): Promise<UsageSample[]> {
  const ns = nsSelector(namespaces);
  const queries = USAGE_QUERIES(input.rateWindow).filter(
    (q) => !metrics || metrics.includes(q.metric),
  );
  const out: UsageSample[] = [];
  for (const dialect of CADVISOR_DIALECTS) {
    const by = `namespace, ${dialect.pod}, ${dialect.container}`;
    const filter = `${dialect.container}!="", ${dialect.container}!="POD"`;
    for (const q of queries) {
      const series = await input.client.queryRange(
        q.expr(ns, by, filter),
        input.from,
        input.to - input.stepMs,
        input.stepMs,
      );
      for (const s of series) {
        const id = containerIdentity(s.metric);
        if (!id) continue;
        const meta = pods.get(podKey(id.namespace, id.pod));
        for (const [t, v] of s.values) {
          const value = num(v);
          if (!(value >= 0) || value === Infinity) continue;
          out.push({
            cluster: input.cluster,
            metric: q.metric,
            timestamp: Math.round(t * 1000),
            value: q.metric === 'cpu_throttled_ratio' ? Math.min(1, value) : value,
            ...(meta?.node !== undefined && { node: meta.node }),
            namespace: id.namespace,
            pod: id.pod,
            ...(meta?.uid !== undefined && { podUid: meta.uid }),
            container: id.container,
            workload: meta?.workload ?? { namespace: id.namespace, kind: 'Pod', name: id.pod },
          });
        }
      }
    }
  }
  return out;
}

/**
 * Node working set and CPU from each node's root cgroup (`id="/"`), and memory available as the
 * kubelet's eviction signal computes it: capacity minus that working set. Nodes without a root
 * cgroup series take node-exporter's MemAvailable, joined to the node name through
 * node_uname_info the way kube-prometheus does.
 */
export async function nodeUsage(
  input: ChunkInput,
  memoryCapacity: ReadonlyMap<string, number>,
): Promise<UsageSample[]> {
  const queries: [UsageMetric, string][] = [
    [
      'node_memory_working_set_bytes',
      'max by (node) (container_memory_working_set_bytes{id="/", node!=""})',
    ],
    [
      'node_cpu_usage_cores',
      `sum by (node) (rate(container_cpu_usage_seconds_total{id="/", node!=""}[${input.rateWindow}]))`,
    ],
    [
      'node_memory_available_bytes',
      'max by (nodename) (node_memory_MemAvailable_bytes * on (instance) group_left (nodename) ' +
        'max by (instance, nodename) (node_uname_info))',
    ],
  ];
  const out: UsageSample[] = [];
  const fromRootCgroup = new Set<string>();
  for (const [metric, expr] of queries) {
    for (const s of await input.client.queryRange(
      expr,
      input.from,
      input.to - input.stepMs,
      input.stepMs,
    )) {
      const node = s.metric.node ?? s.metric.nodename;
      if (!node || (metric === 'node_memory_available_bytes' && fromRootCgroup.has(node))) continue;
      const capacity =
        metric === 'node_memory_working_set_bytes' ? memoryCapacity.get(node) : undefined;
      if (capacity !== undefined) fromRootCgroup.add(node);
      for (const [t, v] of s.values) {
        const value = num(v);
        if (!(value >= 0) || value === Infinity) continue;
        const timestamp = Math.round(t * 1000);
        out.push({ cluster: input.cluster, metric, timestamp, value, node });
        if (capacity !== undefined) {
          out.push({
            cluster: input.cluster,
            metric: 'node_memory_available_bytes',
            timestamp,
            value: Math.max(0, capacity - value),
            node,
          });
        }
      }
    }
  }
  return out;
}

/** Node condition transitions from kube_node_status_condition, at the first sample showing them. */
export async function conditionTransitions(input: ChunkInput): Promise<NodeTransition[]> {
  const series = await input.client.queryRange(
    `{${nameSelector(METRIC_NAMES.nodeCondition)}} == 1`,
    input.from,
    input.to - input.stepMs,
    input.stepMs,
  );
  // (node, condition) → time → status
  const byKey = new Map<string, Map<number, ConditionStatus>>();
  for (const s of series) {
    const { node, condition } = s.metric;
    const status = conditionStatus(s.metric.status);
    if (!node || !condition || !status) continue;
    const key = `${node}\u0000${condition}`;
    const times = byKey.get(key) ?? new Map<number, ConditionStatus>();
    for (const [t] of s.values) times.set(Math.round(t * 1000), status);
    byKey.set(key, times);
  }
  const out: NodeTransition[] = [];
  for (const [key, times] of byKey) {
    const [node, condition] = key.split('\u0000') as [string, string];
    const mark = input.state.conditions.get(key);
    let previous = mark?.status;
    let since = mark?.since;
    for (const t of [...times.keys()].sort((a, b) => a - b)) {
      const status = times.get(t)!;
      if (previous !== undefined && status !== previous) {
        out.push({ cluster: input.cluster, node, condition, from: previous, to: status, at: t });
        since = t;
      }
      previous = status;
      input.state.conditions.set(key, { status, seenAt: t, ...(since !== undefined && { since }) });
    }
  }
  return out;
}
