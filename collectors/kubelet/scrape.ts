// One scrape of one node: `/metrics/resource` for CPU and working set (the metrics-server set),
// plus from `/metrics/cadvisor` only what the resource endpoint lacks — RSS, CFS throttling, OOM
// events — or, alternatively, the Summary API. Parsing and mapping live in collectors/formats;
// this module decides what to fetch and turns the outcome into samples and counts.
import type { UsageSample, WorkloadRef } from '../../core/domain.js';
import { mapKubeletSummary } from '../formats/kubelet-summary.js';
import { parseJsonText } from '../formats/json-read.js';
import { mapPodList } from '../formats/kube-objects.js';
import { parsePrometheusText, type Sample } from '../formats/prometheus-text.js';
import { mapKubeletMetrics, type CounterRates } from '../formats/resource-metrics.js';
import type { Issue } from '../formats/result.js';
import { KubeApiError } from '../kubernetes/api.js';
import type { KubeletClient } from './client.js';

export type KubeletSource = 'metrics' | 'summary';

/** cAdvisor families that add to /metrics/resource; the rest would duplicate it. */
const CADVISOR_EXTRA = new Set([
  'container_memory_rss',
  'container_cpu_cfs_periods_total',
  'container_cpu_cfs_throttled_periods_total',
  'container_oom_events_total',
  'container_spec_memory_limit_bytes',
]);

export interface ScrapeOutcome {
  readonly samples: UsageSample[];
  /** Exposition lines or JSON fields that could not be read. */
  readonly malformed: number;
  readonly issues: Issue[];
  /** OOM events cAdvisor counted since the previous scrape (all containers of the node). */
  readonly oomEvents: number;
}

export interface ScrapeContext {
  readonly client: KubeletClient;
  readonly cluster: string;
  readonly node: string;
  readonly source: KubeletSource;
  readonly timeoutMs: number;
  readonly rates: CounterRates;
  readonly workloadOf: (
    namespace: string,
    pod: string,
    podUid: string | undefined,
  ) => WorkloadRef | undefined;
}

function isOpenMetrics(contentType: string): boolean {
  return contentType.includes('application/openmetrics-text');
}

export async function scrapeNode(ctx: ScrapeContext): Promise<ScrapeOutcome> {
  if (ctx.source === 'summary') {
    const response = await ctx.client.get(ctx.node, '/stats/summary', { timeoutMs: ctx.timeoutMs });
    const json = parseJsonText(response.text);
    if (!json.ok) return { samples: [], malformed: 1, issues: [], oomEvents: 0 };
    const mapped = mapKubeletSummary(json.value, {
      cluster: ctx.cluster,
      workloadOf: ctx.workloadOf,
    });
    return { samples: mapped.samples, malformed: 0, issues: mapped.issues, oomEvents: 0 };
  }
  const scrapedAtMs = Date.now();
  const [resource, cadvisor] = await Promise.all([
    ctx.client.get(ctx.node, '/metrics/resource', { timeoutMs: ctx.timeoutMs }),
    ctx.client.get(ctx.node, '/metrics/cadvisor', { timeoutMs: ctx.timeoutMs }),
  ]);
  const fromResource = parsePrometheusText(resource.text, {
    openMetrics: isOpenMetrics(resource.contentType),
  });
  const fromCadvisor = parsePrometheusText(cadvisor.text, {
    openMetrics: isOpenMetrics(cadvisor.contentType),
  });
  const extra: Sample[] = fromCadvisor.samples.filter((s) => CADVISOR_EXTRA.has(s.name));
  const options = {
    cluster: ctx.cluster,
    node: ctx.node,
    scrapedAtMs,
    rates: ctx.rates,
    workloadOf: ctx.workloadOf,
  };
  const a = mapKubeletMetrics(fromResource.samples, options);
  const b = mapKubeletMetrics(extra, options);
  const oomEvents = b.facts.reduce((sum, fact) => sum + (fact.oomEventsIncrease ?? 0), 0);
  // NaN, infinite or negative usage parses fine but is no usage: skipped by the mapper, counted here.
  const invalid: Issue[] = Array.from(
    { length: a.skipped.invalid_value + b.skipped.invalid_value },
    () => ({
      code: 'invalid_value',
      path: 'usage',
      message: 'NaN, infinite or negative usage value',
    }),
  );
  return {
    samples: [...a.samples, ...b.samples],
    malformed: fromResource.errorCount + fromCadvisor.errorCount,
    issues: [...a.issues, ...b.issues, ...invalid],
    oomEvents,
  };
}

/** Workload of each pod on the node, from the kubelet's own /pods (no API server list needed). */
export async function nodeWorkloads(
  client: KubeletClient,
  cluster: string,
  node: string,
  timeoutMs: number,
): Promise<Map<string, WorkloadRef>> {
  const response = await client.get(node, '/pods', { timeoutMs });
  const json = parseJsonText(response.text);
  // Thrown, not an empty map: the caller keeps the map it had and counts the failure.
  if (!json.ok) throw new KubeApiError(`node ${node}: unreadable pod list: ${json.error}`, 200);
  const out = new Map<string, WorkloadRef>();
  for (const pod of mapPodList(json.value, { cluster }).pods) {
    out.set(`${pod.namespace}/${pod.name}`, pod.workload);
    out.set(pod.uid, pod.workload);
  }
  return out;
}
