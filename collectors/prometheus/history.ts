// History read back from Prometheus, one chunk at a time: a time range × a batch of namespaces.
// Each chunk is a handful of query_range calls whose answers are turned into records and dropped;
// what must survive between chunks — the last restart count per container and the last status per
// node condition — is kept in ChunkState, whose size follows the cluster, not the history.
import type {
  ConditionStatus,
  ContainerTermination,
  NodeTransition,
  ResourceAmounts,
  UsageMetric,
  UsageSample,
  WorkloadRef,
} from '../../core/domain.js';
import { resolveWorkload } from '../formats/workload-ref.js';
import type { PromClient, PromSeries } from './client.js';
import {
  CADVISOR_DIALECTS,
  conditionStatus,
  containerIdentity,
  METRIC_NAMES,
  nameSelector,
  resourceOf,
} from './compat.js';

export interface ChunkState {
  /** Last restart count per namespace/pod/container. */
  readonly restarts: Map<string, { value: number; seenAt: number }>;
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
  readonly state: ChunkState;
}

const podKey = (namespace: string, pod: string) => `${namespace}/${pod}`;
const containerKey = (namespace: string, pod: string, container: string) =>
  `${namespace}/${pod}/${container}`;

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

/** Value of a labelled series at or after t (the first sample not older than t), per key. */
class Timeline<T> {
  private readonly points = new Map<string, [number, T, number][]>();
  private sorted = true;
  /** `rank` breaks ties at one instant: the higher wins (the most recently started series). */
  add(key: string, t: number, value: T, rank = 0): void {
    const list = this.points.get(key) ?? [];
    list.push([t, value, rank]);
    this.points.set(key, list);
    this.sorted = false;
  }
  atOrAfter(key: string, t: number): T | undefined {
    if (!this.sorted) {
      // Points arrive series by series (one per reason label); lookups need time order.
      for (const list of this.points.values()) list.sort((a, b) => a[0] - b[0] || b[2] - a[2]);
      this.sorted = true;
    }
    const list = this.points.get(key);
    if (!list) return undefined;
    for (const [at, value] of list) if (at >= t) return value;
    return list[list.length - 1]?.[1];
  }
}

/**
 * Container terminations from restart counters: each increase of the counter is one run that
 * ended. Reason and exit code are the kube-state-metrics `last_terminated_*` values once the
 * restart is visible; the time is `last_terminated_timestamp` when exported (KSM ≥ 2.?), else the
 * sample at which the restart became visible (at most one step after the kill).
 */
export async function terminations(
  input: ChunkInput,
  namespaces: readonly string[],
  pods: ReadonlyMap<string, PodMeta>,
): Promise<ContainerTermination[]> {
  const ns = nsSelector(namespaces);
  const end = input.to - input.stepMs;
  const range = (names: readonly string[], suffix = '') =>
    input.client.queryRange(
      `{${nameSelector(names)}, ${ns}}${suffix}`,
      input.from,
      end,
      input.stepMs,
    );
  const [restarts, reasons, exitCodes, times] = await Promise.all([
    range(METRIC_NAMES.restarts),
    range(METRIC_NAMES.lastTerminatedReason, ' == 1'),
    range(METRIC_NAMES.lastTerminatedExitCode),
    range(METRIC_NAMES.lastTerminatedTimestamp),
  ]);
  const reasonAt = new Timeline<string>();
  const exitAt = new Timeline<number>();
  const timeAt = new Timeline<number>();
  const keyOf = (labels: Record<string, string>) => {
    const id = containerIdentity(labels);
    return id ? containerKey(id.namespace, id.pod, id.container) : undefined;
  };
  for (const s of reasons) {
    const key = keyOf(s.metric);
    const reason = s.metric.reason;
    if (!key || !reason) continue;
    // Without staleness markers (backfilled blocks) the previous reason stays visible for the
    // lookback period next to the new one; the series whose current run started last is current.
    let runStart = 0;
    let last = -Infinity;
    for (const [seconds] of s.values) {
      const t = seconds * 1000;
      if (t - last > input.stepMs) runStart = t;
      last = t;
      reasonAt.add(key, t, reason, runStart);
    }
  }
  for (const s of exitCodes) {
    const key = keyOf(s.metric);
    if (key) for (const [t, v] of s.values) exitAt.add(key, t * 1000, num(v));
  }
  for (const s of times) {
    const key = keyOf(s.metric);
    if (key) for (const [t, v] of s.values) timeAt.add(key, t * 1000, num(v) * 1000);
  }
  const out: ContainerTermination[] = [];
  for (const s of restarts) {
    const id = containerIdentity(s.metric);
    if (!id) continue;
    const key = containerKey(id.namespace, id.pod, id.container);
    const meta = pods.get(podKey(id.namespace, id.pod));
    let previous = input.state.restarts.get(key)?.value;
    const first = s.values[0];
    if (previous === undefined && first !== undefined && first[0] * 1000 > input.from) {
      // The series starts inside the chunk: a new pod, whose counter started at zero. (A series
      // already there when the window opens has an unknown past and only counts from here.)
      previous = 0;
    }
    for (const [seconds, text] of s.values) {
      const t = Math.round(seconds * 1000);
      const value = num(text);
      if (!(value >= 0)) continue;
      if (previous !== undefined && value > previous) {
        const reason = reasonAt.atOrAfter(key, t) ?? 'Unknown';
        const exitCode = exitAt.atOrAfter(key, t);
        const exported = timeAt.atOrAfter(key, t);
        for (let run = previous; run < value; run++) {
          // Only the latest run's details are exported; earlier runs in the same step share them.
          const finishedAt =
            exported !== undefined && exported > 0 && run === value - 1 ? exported : t;
          out.push({
            cluster: input.cluster,
            namespace: id.namespace,
            pod: id.pod,
            podUid: meta?.uid ?? s.metric.uid ?? `${id.namespace}/${id.pod}`,
            ...(meta?.node !== undefined && { node: meta.node }),
            workload: meta?.workload ?? { namespace: id.namespace, kind: 'Pod', name: id.pod },
            container: id.container,
            termination: {
              reason,
              exitCode:
                exitCode !== undefined && Number.isInteger(exitCode)
                  ? exitCode
                  : reason === 'OOMKilled'
                    ? 137
                    : 1,
              finishedAt,
            },
            restartCount: run,
            requests: amounts(meta?.requests.get(id.container)),
            limits: amounts(meta?.limits.get(id.container)),
          });
        }
      }
      previous = value;
      input.state.restarts.set(key, { value, seenAt: t });
    }
  }
  return out;
}

function amounts(value: { cpuCores?: number; memoryBytes?: number } | undefined): ResourceAmounts {
  return value ? { ...value } : {};
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
