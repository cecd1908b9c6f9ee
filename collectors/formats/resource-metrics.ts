// The kubelet's Prometheus endpoints → usage samples: `/metrics/resource` (the small set the
// metrics-server reads) and `/metrics/cadvisor`. Both are parsed with prometheus-text first; this
// module only decides which series matter and how. CPU and CFS figures are counters, so a rate
// needs the previous scrape: CounterRates keeps one value per series between scrapes, bounded.
// Series that cannot be attributed to a pod container are skipped and counted by reason, never
// guessed: cAdvisor's pod-level cgroup (container=""), the pause container ("POD"), the pod
// aggregates of /metrics/resource, and system cgroups without pod labels.
import type { UsageMetric, UsageSample, WorkloadRef } from '../../core/domain.js';
import { identityFromCgroupPath } from './cgroup-path.js';
import type { Sample } from './prometheus-text.js';
import type { Issue } from './result.js';

export interface CounterIncrease {
  readonly increase: number;
  readonly seconds: number;
}

export interface CounterRatesOptions {
  /** Series kept between scrapes; the least recently updated go first. Default 200_000. */
  readonly maxSeries?: number;
}

/**
 * Previous value per counter series. A value below the previous one is a counter reset (the
 * container or kubelet restarted) and counts as an increase from zero, as Prometheus' rate() does.
 */
export class CounterRates {
  private readonly last = new Map<string, { value: number; timestampMs: number }>();
  private readonly maxSeries: number;

  constructor(options: CounterRatesOptions = {}) {
    this.maxSeries = Math.max(1, options.maxSeries ?? 200_000);
  }

  get size(): number {
    return this.last.size;
  }

  /**
   * Increase since the previous observation, or undefined the first time a series is seen and
   * when time did not move forward (a cached or out-of-order scrape, which is not stored).
   */
  observe(key: string, value: number, timestampMs: number): CounterIncrease | undefined {
    const previous = this.last.get(key);
    if (previous !== undefined && timestampMs <= previous.timestampMs) return undefined;
    // Delete then set moves the key to the end of the Map's order, making eviction LRU.
    this.last.delete(key);
    this.last.set(key, { value, timestampMs });
    if (this.last.size > this.maxSeries) {
      const oldest = this.last.keys().next();
      if (oldest.done !== true) this.last.delete(oldest.value);
    }
    if (previous === undefined) return undefined;
    const increase = value >= previous.value ? value - previous.value : value;
    return { increase, seconds: (timestampMs - previous.timestampMs) / 1000 };
  }

  /** Per-second rate since the previous observation; see observe. */
  rate(key: string, value: number, timestampMs: number): number | undefined {
    const step = this.observe(key, value, timestampMs);
    return step === undefined ? undefined : step.increase / step.seconds;
  }

  /** Drops series last seen before the given time (pods that are gone); returns how many. */
  forgetOlderThan(timestampMs: number): number {
    let dropped = 0;
    for (const [key, entry] of this.last) {
      if (entry.timestampMs < timestampMs) {
        this.last.delete(key);
        dropped++;
      }
    }
    return dropped;
  }
}

export type SkipReason =
  'no_pod_labels' | 'pod_aggregate' | 'pause_container' | 'first_observation' | 'invalid_value';

export interface KubeletMetricsOptions {
  readonly cluster: string;
  /** The scraped node; /metrics/resource and /metrics/cadvisor do not always label it. */
  readonly node?: string;
  /** Timestamp for samples the exposition left without one. */
  readonly scrapedAtMs: number;
  /** Shared across scrapes of the same endpoint. */
  readonly rates: CounterRates;
  readonly workloadOf?: (
    namespace: string,
    pod: string,
    podUid: string | undefined,
  ) => WorkloadRef | undefined;
}

/** Per-container facts that are not usage but matter to the OOM and misfit analyzers. */
export interface ContainerFact {
  readonly namespace: string;
  readonly pod: string;
  readonly podUid?: string;
  readonly container: string;
  readonly timestamp: number;
  readonly memoryLimitBytes?: number;
  readonly startedAtMs?: number;
  /** OOM events since the previous scrape (cAdvisor's container_oom_events_total). */
  readonly oomEventsIncrease?: number;
}

export interface KubeletMetricsResult {
  readonly samples: UsageSample[];
  readonly facts: ContainerFact[];
  readonly skipped: Record<SkipReason, number>;
  /** scrape_error == 1: the kubelet could not collect some of its own metrics. */
  readonly scrapeErrors: number;
  readonly issues: Issue[];
}

type Role =
  | { kind: 'gauge'; metric: UsageMetric }
  | { kind: 'rate'; metric: UsageMetric }
  | { kind: 'counter'; counter: 'throttled' | 'periods' | 'oom' }
  | { kind: 'fact'; fact: 'memoryLimitBytes' | 'startedAtMs' }
  | { kind: 'pod_aggregate' };

const NODE_ROLES: Readonly<Record<string, UsageMetric>> = {
  node_memory_working_set_bytes: 'node_memory_working_set_bytes',
};

const CONTAINER_ROLES: Readonly<Record<string, Role>> = {
  container_cpu_usage_seconds_total: { kind: 'rate', metric: 'cpu_usage_cores' },
  container_memory_working_set_bytes: { kind: 'gauge', metric: 'memory_working_set_bytes' },
  container_memory_rss: { kind: 'gauge', metric: 'memory_rss_bytes' },
  container_cpu_cfs_throttled_periods_total: { kind: 'counter', counter: 'throttled' },
  container_cpu_cfs_periods_total: { kind: 'counter', counter: 'periods' },
  container_oom_events_total: { kind: 'counter', counter: 'oom' },
  container_spec_memory_limit_bytes: { kind: 'fact', fact: 'memoryLimitBytes' },
  container_start_time_seconds: { kind: 'fact', fact: 'startedAtMs' },
  pod_cpu_usage_seconds_total: { kind: 'pod_aggregate' },
  pod_memory_working_set_bytes: { kind: 'pod_aggregate' },
  pod_memory_rss_bytes: { kind: 'pod_aggregate' },
  pod_swap_usage_bytes: { kind: 'pod_aggregate' },
};

interface ContainerKey {
  namespace: string;
  pod: string;
  podUid?: string;
  container: string;
}

interface Group {
  subject: ContainerKey;
  timestamp: number;
  cpuTotal?: number;
  cpuPerCore: number;
  cpuCores: number;
  throttled?: number;
  periods?: number;
  oom?: number;
  memoryLimitBytes?: number;
  startedAtMs?: number;
}

function containerKeyOf(labels: Readonly<Record<string, string>>): ContainerKey | SkipReason {
  const namespace = labels.namespace;
  const pod = labels.pod ?? labels.pod_name;
  const container = labels.container ?? labels.container_name;
  if (!namespace || !pod) return 'no_pod_labels';
  if (container === undefined || container === '') return 'pod_aggregate';
  if (container === 'POD') return 'pause_container';
  const podUid = labels.uid ?? (labels.id ? identityFromCgroupPath(labels.id).podUid : undefined);
  return { namespace, pod, container, ...(podUid !== undefined && { podUid }) };
}

/** Usage samples and container facts from one parsed scrape of /metrics/resource or /metrics/cadvisor. */
export function mapKubeletMetrics(
  samples: readonly Sample[],
  options: KubeletMetricsOptions,
): KubeletMetricsResult {
  const out: UsageSample[] = [];
  const facts: ContainerFact[] = [];
  const issues: Issue[] = [];
  const skipped: Record<SkipReason, number> = {
    no_pod_labels: 0,
    pod_aggregate: 0,
    pause_container: 0,
    first_observation: 0,
    invalid_value: 0,
  };
  let scrapeErrors = 0;
  const groups = new Map<string, Group>();
  const nodeLabel = options.node;

  for (const sample of samples) {
    const timestamp = sample.timestampMs ?? options.scrapedAtMs;
    const { name, value, labels } = sample;
    if (name === 'scrape_error') {
      if (value !== 0) {
        scrapeErrors++;
        issues.push({
          code: 'invalid_value',
          path: name,
          message: 'kubelet reported scrape_error',
        });
      }
      continue;
    }
    const nodeMetric = NODE_ROLES[name];
    if (nodeMetric !== undefined || name === 'node_cpu_usage_seconds_total') {
      if (!(value >= 0) || value === Infinity) {
        skipped.invalid_value++;
        continue;
      }
      const node = labels.node ?? nodeLabel;
      const subject = node !== undefined ? { node } : {};
      if (nodeMetric !== undefined) {
        out.push({ cluster: options.cluster, metric: nodeMetric, timestamp, value, ...subject });
        continue;
      }
      const rate = options.rates.rate(`node_cpu\u0000${node ?? ''}`, value, timestamp);
      if (rate === undefined) skipped.first_observation++;
      else
        out.push({
          cluster: options.cluster,
          metric: 'node_cpu_usage_cores',
          timestamp,
          value: rate,
          ...subject,
        });
      continue;
    }
    const role = CONTAINER_ROLES[name];
    if (role === undefined) continue;
    if (role.kind === 'pod_aggregate') {
      skipped.pod_aggregate++;
      continue;
    }
    const key = containerKeyOf(labels);
    if (typeof key === 'string') {
      skipped[key]++;
      continue;
    }
    if (!(value >= 0) || value === Infinity) {
      skipped.invalid_value++;
      continue;
    }
    if (role.kind === 'gauge') {
      out.push({
        cluster: options.cluster,
        metric: role.metric,
        timestamp,
        value,
        ...withSubject(key, nodeLabel, options),
      });
      continue;
    }
    const groupKey = `${key.namespace}\u0000${key.pod}\u0000${key.podUid ?? ''}\u0000${key.container}`;
    let group = groups.get(groupKey);
    if (group === undefined) {
      group = { subject: key, timestamp, cpuPerCore: 0, cpuCores: 0 };
      groups.set(groupKey, group);
    }
    group.timestamp = Math.max(group.timestamp, timestamp);
    if (role.kind === 'rate') {
      // Old cAdvisor exports one series per CPU; the kubelet's exports cpu="total" or no label.
      const cpu = labels.cpu;
      if (cpu === undefined || cpu === 'total') group.cpuTotal = value;
      else {
        group.cpuPerCore += value;
        group.cpuCores++;
      }
    } else if (role.kind === 'counter') {
      group[role.counter] = value;
    } else if (role.fact === 'startedAtMs') {
      group.startedAtMs = Math.round(value * 1000);
    } else if (value > 0) {
      // cAdvisor reports 0 for "no limit".
      group.memoryLimitBytes = value;
    }
  }

  for (const [groupKey, group] of groups) {
    const subject = withSubject(group.subject, nodeLabel, options);
    const { timestamp } = group;
    const cpu = group.cpuTotal ?? (group.cpuCores > 0 ? group.cpuPerCore : undefined);
    if (cpu !== undefined) {
      const rate = options.rates.rate(`cpu\u0000${groupKey}`, cpu, timestamp);
      if (rate === undefined) skipped.first_observation++;
      else
        out.push({
          cluster: options.cluster,
          metric: 'cpu_usage_cores',
          timestamp,
          value: rate,
          ...subject,
        });
    }
    if (group.throttled !== undefined && group.periods !== undefined) {
      const throttled = options.rates.observe(
        `throttled\u0000${groupKey}`,
        group.throttled,
        timestamp,
      );
      const periods = options.rates.observe(`periods\u0000${groupKey}`, group.periods, timestamp);
      if (throttled === undefined || periods === undefined) skipped.first_observation++;
      else if (periods.increase > 0) {
        const ratio = Math.min(1, throttled.increase / periods.increase);
        out.push({
          cluster: options.cluster,
          metric: 'cpu_throttled_ratio',
          timestamp,
          value: ratio,
          ...subject,
        });
      }
    }
    let oomEventsIncrease: number | undefined;
    if (group.oom !== undefined) {
      oomEventsIncrease = options.rates.observe(
        `oom\u0000${groupKey}`,
        group.oom,
        timestamp,
      )?.increase;
    }
    if (
      group.memoryLimitBytes !== undefined ||
      group.startedAtMs !== undefined ||
      oomEventsIncrease !== undefined
    ) {
      facts.push({
        ...group.subject,
        timestamp,
        ...(group.memoryLimitBytes !== undefined && { memoryLimitBytes: group.memoryLimitBytes }),
        ...(group.startedAtMs !== undefined && { startedAtMs: group.startedAtMs }),
        ...(oomEventsIncrease !== undefined && { oomEventsIncrease }),
      });
    }
  }
  return { samples: out, facts, skipped, scrapeErrors, issues };
}

function withSubject(
  key: ContainerKey,
  node: string | undefined,
  options: KubeletMetricsOptions,
): Pick<UsageSample, 'node' | 'namespace' | 'pod' | 'podUid' | 'container' | 'workload'> {
  const workload = options.workloadOf?.(key.namespace, key.pod, key.podUid);
  return {
    ...(node !== undefined && { node }),
    namespace: key.namespace,
    pod: key.pod,
    ...(key.podUid !== undefined && { podUid: key.podUid }),
    container: key.container,
    ...(workload !== undefined && { workload }),
  };
}
