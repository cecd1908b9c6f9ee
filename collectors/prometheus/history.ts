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
import { resolveWorkload } from '../formats/workload-ref.js';
import type { PromClient, PromSeries } from './client.js';
import type { RestartMark } from './terminations.js';
import {
  CADVISOR_DIALECTS,
  conditionStatus,
  containerIdentity,
  METRIC_NAMES,
  nameSelector,
  resourceOf,
} from './compat.js';

export interface ChunkState {
  /** Per container (pod uid or namespace/pod, and container name). */
  readonly restarts: Map<string, RestartMark>;
  /** Last status per node/condition. */
  readonly conditions: Map<string, { status: ConditionStatus; seenAt: number }>;
}

export function newChunkState(): ChunkState {
  return { restarts: new Map(), conditions: new Map() };
}

export interface PodMeta {
  uid?: string;
  node?: string;
  workload: WorkloadRef;
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

function rangeSeconds(ms: number): string {
  return `${Math.max(1, Math.round(ms / 1000))}s`;
}

/** Namespaces with pods in the chunk, from kube_pod_info. */
export async function namespacesIn(
  input: Omit<ChunkInput, 'state' | 'rateWindow'>,
): Promise<string[]> {
  const range = rangeSeconds(input.to - input.from);
  const rows = await input.client.query(
    `count by (namespace) (last_over_time({${nameSelector(METRIC_NAMES.podInfo)}}[${range}]))`,
    input.to - 1,
  );
  return rows
    .map((r) => r.metric.namespace)
    .filter((n): n is string => !!n)
    .sort();
}

function nsSelector(namespaces: readonly string[]): string {
  const escaped = namespaces.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\\\$&'));
  return `namespace=~"${escaped.join('|')}"`;
}

/** Pods seen in the chunk: uid, node, owner workload, requests and limits per container. */
export async function podMeta(
  input: ChunkInput,
  namespaces: readonly string[],
): Promise<Map<string, PodMeta>> {
  const ns = nsSelector(namespaces);
  const range = rangeSeconds(input.to - input.from);
  const at = input.to - 1;
  const last = (names: readonly string[]) =>
    input.client.query(`last_over_time({${nameSelector(names)}, ${ns}}[${range}])`, at);
  const [info, owners, requests, limits] = await Promise.all([
    last(METRIC_NAMES.podInfo),
    last(METRIC_NAMES.podOwner),
    // last_over_time drops __name__; the v1 names are told apart by querying them one by one.
    Promise.all(METRIC_NAMES.requests.map((n) => last([n]).then((rows) => tagName(rows, n)))),
    Promise.all(METRIC_NAMES.limits.map((n) => last([n]).then((rows) => tagName(rows, n)))),
  ]);
  const out = new Map<string, PodMeta>();
  const get = (namespace: string, pod: string): PodMeta => {
    const key = podKey(namespace, pod);
    let meta = out.get(key);
    if (!meta) {
      meta = {
        workload: { namespace, kind: 'Pod', name: pod },
        requests: new Map(),
        limits: new Map(),
      };
      out.set(key, meta);
    }
    return meta;
  };
  for (const row of info) {
    const { namespace, pod, uid, node } = row.metric;
    if (!namespace || !pod) continue;
    const meta = get(namespace, pod);
    if (uid) meta.uid = uid;
    if (node) meta.node = node;
  }
  for (const row of owners) {
    const { namespace, pod, owner_kind: kind, owner_name: name } = row.metric;
    if (!namespace || !pod || !kind || !name || kind === '<none>') continue;
    get(namespace, pod).workload = resolveWorkload({
      namespace,
      podName: pod,
      owners: [{ kind, name, controller: row.metric.owner_is_controller !== 'false' }],
    });
  }
  for (const [rows, target] of [
    [requests.flat(), 'requests'],
    [limits.flat(), 'limits'],
  ] as const) {
    for (const row of rows) {
      const id = containerIdentity(row.metric);
      const resource = resourceOf(row.metric);
      const value = num(row.values[0]?.[1] ?? 'NaN');
      if (!id || !resource || !(value >= 0)) continue;
      const map = get(id.namespace, id.pod)[target];
      const amounts = map.get(id.container) ?? {};
      if (resource === 'cpu') amounts.cpuCores = value;
      else amounts.memoryBytes = value;
      map.set(id.container, amounts);
    }
  }
  return out;
}

function tagName(rows: PromSeries[], name: string): PromSeries[] {
  return rows.map((r) => ({ ...r, metric: { ...r.metric, __name__: name } }));
}

interface UsageQuery {
  readonly metric: UsageMetric;
  readonly expr: (ns: string, by: string, filter: string) => string;
}

const USAGE_QUERIES = (w: string): UsageQuery[] => [
  {
    metric: 'memory_working_set_bytes',
    expr: (ns, by, f) => `max by (${by}) (container_memory_working_set_bytes{${ns}, ${f}})`,
  },
  {
    metric: 'memory_rss_bytes',
    expr: (ns, by, f) => `max by (${by}) (container_memory_rss{${ns}, ${f}})`,
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
): Promise<UsageSample[]> {
  const ns = nsSelector(namespaces);
  const out: UsageSample[] = [];
  for (const dialect of CADVISOR_DIALECTS) {
    const by = `namespace, ${dialect.pod}, ${dialect.container}`;
    const filter = `${dialect.container}!="", ${dialect.container}!="POD"`;
    for (const q of USAGE_QUERIES(input.rateWindow)) {
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

/** Node working set and CPU from each node's root cgroup (`id="/"`). */
export async function nodeUsage(input: ChunkInput): Promise<UsageSample[]> {
  const queries: [UsageMetric, string][] = [
    [
      'node_memory_working_set_bytes',
      'max by (node) (container_memory_working_set_bytes{id="/", node!=""})',
    ],
    [
      'node_cpu_usage_cores',
      `sum by (node) (rate(container_cpu_usage_seconds_total{id="/", node!=""}[${input.rateWindow}]))`,
    ],
  ];
  const out: UsageSample[] = [];
  for (const [metric, expr] of queries) {
    for (const s of await input.client.queryRange(
      expr,
      input.from,
      input.to - input.stepMs,
      input.stepMs,
    )) {
      const node = s.metric.node;
      if (!node) continue;
      for (const [t, v] of s.values) {
        const value = num(v);
        if (value >= 0 && value !== Infinity) {
          out.push({
            cluster: input.cluster,
            metric,
            timestamp: Math.round(t * 1000),
            value,
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
    let previous = input.state.conditions.get(key)?.status;
    for (const t of [...times.keys()].sort((a, b) => a - b)) {
      const status = times.get(t)!;
      if (previous !== undefined && status !== previous) {
        out.push({ cluster: input.cluster, node, condition, from: previous, to: status, at: t });
      }
      previous = status;
      input.state.conditions.set(key, { status, seenAt: t });
    }
  }
  return out;
}
