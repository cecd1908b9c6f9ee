// What a Prometheus holds, checked before a scan reads it: which kube-state-metrics, cAdvisor and
// node-exporter series exist (in either naming generation), and, for each one missing, what the
// scan loses without it. Without pods from kube-state-metrics there is nothing to scan at all.
import type { PromClient } from '../collectors/prometheus/client.js';
import { METRIC_NAMES } from '../collectors/prometheus/compat.js';

export interface SeriesFamily {
  /** What the series are, in a reader's words. */
  readonly label: string;
  /** Any one of these names will do (two generations of kube-state-metrics, say). */
  readonly names: readonly string[];
  /** What the scan cannot do without them. */
  readonly without: string;
  /** The scan cannot run at all without them. */
  readonly required?: boolean;
}

export const SERIES_FAMILIES: readonly SeriesFamily[] = [
  {
    label: 'kube-state-metrics pods',
    names: METRIC_NAMES.podInfo,
    without: 'no pods are known, so there is nothing to scan',
    required: true,
  },
  {
    label: 'kube-state-metrics requests and limits',
    names: [...METRIC_NAMES.requests, ...METRIC_NAMES.limits],
    without: 'no requests or limits: misfit and recommendations cannot compare usage with them',
  },
  {
    label: 'kube-state-metrics owners',
    names: METRIC_NAMES.podOwner,
    without: 'pods cannot be grouped into their workloads; each pod stands alone',
  },
  {
    label: 'kube-state-metrics restart counter',
    names: METRIC_NAMES.restarts,
    without: 'container kills cannot be counted: no OOM loop can be found',
  },
  {
    label: 'kube-state-metrics last termination reason',
    names: METRIC_NAMES.lastTerminatedReason,
    without: 'an OOM kill cannot be told from another crash: no OOM loop can be found',
  },
  {
    label: 'kube-state-metrics last termination timestamp',
    names: METRIC_NAMES.lastTerminatedTimestamp,
    without: 'kill times are approximate to the step (the restart counter’s rise is used)',
  },
  {
    label: 'kube-state-metrics node conditions',
    names: METRIC_NAMES.nodeCondition,
    without: 'Ready and MemoryPressure changes are unknown: node flapping cannot be found',
  },
  {
    label: 'cAdvisor memory working set',
    names: ['container_memory_working_set_bytes'],
    without: 'no memory usage: misfit, recommendations and OOM-loop classes cannot be judged',
  },
  {
    label: 'cAdvisor CPU usage',
    names: ['container_cpu_usage_seconds_total'],
    without: 'no CPU usage: CPU requests cannot be judged',
  },
  {
    label: 'cAdvisor CPU throttling',
    names: ['container_cpu_cfs_throttled_periods_total'],
    without: 'CPU throttling is not seen: a CPU limit that caps a container goes unnoticed',
  },
  {
    label: 'node-exporter available memory',
    names: ['node_memory_MemAvailable_bytes'],
    without: 'node memory comes from cAdvisor’s root cgroup only',
  },
];

export interface SeriesCheck {
  readonly family: SeriesFamily;
  /** The names found (empty: missing). */
  readonly found: readonly string[];
}

/** Which families have a series in the hour before `at`. */
export async function checkSeries(client: PromClient, at: number): Promise<SeriesCheck[]> {
  const names = [...new Set(SERIES_FAMILIES.flatMap((f) => f.names))];
  // One query for every name: group by name over the last hour (a scan's end may be in the past).
  const rows = await client.query(
    `group by (__name__) (last_over_time({__name__=~"${names.join('|')}"}[1h]))`,
    at,
  );
  const present = new Set(rows.map((r) => r.metric.__name__ ?? ''));
  return SERIES_FAMILIES.map((family) => ({
    family,
    found: family.names.filter((name) => present.has(name)),
  }));
}

/** "missing: … — what it costs" lines for the families that are absent. */
export function missingSeriesText(checks: readonly SeriesCheck[]): string[] {
  return checks
    .filter((c) => c.found.length === 0)
    .map((c) => `no ${c.family.label} (${c.family.names.join(' or ')}): ${c.family.without}`);
}
