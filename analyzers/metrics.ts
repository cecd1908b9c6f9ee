// Findings and capacity figures as Prometheus gauges, so Grafana panels and alert rules show the
// same names and numbers as Plimsoll's reports. Gauges are rebuilt from the store on every
// refresh (the runner calls refresh() after each analysis): a finding that disappears takes its
// series with it, and a scrape never sees a half-updated set because the swap is synchronous.
//
// Cardinality is bounded by design: labels are cluster, namespace, node, workload, container and
// small enums (kind, severity, status, category, resource, condition). Per-node and per-container
// families keep only the top N subjects per cluster (default 100, ordered by how much they
// matter: open before resolved, then by the family's own ranking); the number of subjects cut is
// exported as plimsoll_finding_metrics_truncated_series{family}.
import { Gauge, type Registry } from 'prom-client';
import {
  addResources,
  allocatableOf,
  capacityOf,
  NO_RESOURCES,
  requestsByNode,
  strandedOnNode,
  type Resources,
} from '../core/capacity.js';
import type {
  EpochMs,
  Finding,
  FindingKind,
  Node,
  Pod,
  ResourceAmounts,
  Severity,
  UsageMetric,
  WorkloadRef,
} from '../core/domain.js';
import { evidenceOf } from '../core/evidence.js';
import type {
  FindingQuery,
  InventoryQuery,
  Page,
  UsageStats,
  UsageStatsQuery,
} from '../store/store.js';

/** What refresh() reads; the Store satisfies it. */
export interface FindingMetricsReader {
  findings(query: FindingQuery): Promise<Page<Finding>>;
  nodes(query: InventoryQuery): Promise<Node[]>;
  pods(query: InventoryQuery): Promise<Pod[]>;
  usageStats(query: UsageStatsQuery): Promise<Page<UsageStats>>;
}

export interface FindingMetricsOptions {
  readonly registry: Registry;
  readonly reader: FindingMetricsReader;
  /** Clusters to export; usually the one in the configuration. */
  readonly clusters: readonly string[];
  /** Subjects kept per cluster in each per-node or per-container family. */
  readonly topN?: number;
  /** Window whose mean usage is "current usage" in plimsoll_cluster_usage. */
  readonly usageWindowMs?: number;
  /** Resolved findings last seen this recently still export a 0, so graphs show the end. */
  readonly resolvedLookbackMs?: number;
  /** Findings read per cluster and status at most; a runaway store cannot exhaust memory. */
  readonly maxFindings?: number;
  readonly now?: () => EpochMs;
  /**
   * The team a flapping node or OOM loop is routed to, so the rules path labels its alerts as the
   * pushed alerts are labelled (alerts/teams.ts). Without it, `team` is empty.
   */
  readonly teamOf?: (finding: Finding) => Promise<string>;
  /**
   * When an open OOM loop last needed a human now (it formed or got faster), for the rules path's
   * page (alerts/policy.ts). Without it, the escalation family stays empty.
   */
  readonly escalatedAt?: (finding: Finding) => EpochMs | undefined;
}

export const DEFAULT_TOP_N = 100;
const PAGE = 500;
const MINUTE = 60_000;

const CONTAINER = ['cluster', 'namespace', 'workload', 'workload_type', 'container'] as const;

/** Every family this module exports: name, help and labels, for docs and tests. */
export const FINDING_METRIC_FAMILIES = {
  findings: {
    name: 'plimsoll_findings',
    help: 'Findings by kind, severity and status (resolved: last seen within the lookback)',
    labels: ['cluster', 'kind', 'severity', 'status'],
  },
  nodeFlapping: {
    name: 'plimsoll_node_flapping',
    help: '1 while a node has an open memory-pressure flapping finding, 0 once it resolved',
    labels: ['cluster', 'node', 'category', 'team', 'finding_id'],
  },
  nodeConditionFlaps: {
    name: 'plimsoll_node_condition_flaps',
    help: "Flaps in the open finding's window: Ready leaving True, MemoryPressure becoming True",
    labels: ['cluster', 'node', 'condition'],
  },
  oomLoop: {
    name: 'plimsoll_oom_loop',
    help: '1 while a workload container has an open OOM-loop finding, 0 once it resolved',
    labels: [...CONTAINER, 'category', 'team', 'finding_id'],
  },
  oomLoopKills: {
    name: 'plimsoll_oom_loop_kills',
    help: "OOM kills in the open loop's window",
    labels: [...CONTAINER, 'team', 'finding_id'],
  },
  oomLoopLastKill: {
    name: 'plimsoll_oom_loop_last_kill_timestamp_seconds',
    help: 'Time of the last OOM kill of an open loop',
    labels: [...CONTAINER, 'team', 'finding_id'],
  },
  oomLoopNextKill: {
    name: 'plimsoll_oom_loop_seconds_to_next_kill',
    help: 'Slow leaks: seconds until the fitted growth reaches the limit, as of the last analysis',
    labels: [...CONTAINER, 'team', 'finding_id'],
  },
  oomLoopEscalated: {
    name: 'plimsoll_oom_loop_escalated_timestamp_seconds',
    help: 'When an open OOM loop last needed a human now: it formed, or its runs got shorter',
    labels: [...CONTAINER, 'team', 'finding_id'],
  },
  requestUsageRatio: {
    name: 'plimsoll_misfit_request_usage_ratio',
    help: 'Request / usage (CPU p95, memory p99) over the misfit window; >1 waste, <1 risk',
    labels: [...CONTAINER, 'resource'],
  },
  limitPeakRatio: {
    name: 'plimsoll_misfit_limit_peak_ratio',
    help: 'Limit / peak usage over the misfit window; near 1 means kills or throttling',
    labels: [...CONTAINER, 'resource'],
  },
  misfitFindings: {
    name: 'plimsoll_misfit_findings',
    help: 'Open requests/limits misfit findings by namespace and category',
    labels: ['cluster', 'namespace', 'category', 'severity'],
  },
  misfitWaste: {
    name: 'plimsoll_misfit_wasted',
    help: 'Requested and unused, summed over over-requested containers (cores, bytes)',
    labels: ['cluster', 'namespace', 'resource'],
  },
  misfitMonthlyWaste: {
    name: 'plimsoll_misfit_monthly_waste',
    help: 'Monthly cost of over-requested capacity, in the configured currency',
    labels: ['cluster', 'namespace'],
  },
  recommendedRequest: {
    name: 'plimsoll_recommended_request',
    help: 'Recommended request (cores, bytes) of an open recommendation',
    labels: [...CONTAINER, 'resource'],
  },
  currentRequest: {
    name: 'plimsoll_current_request',
    help: 'Current request (cores, bytes) of a container with an open recommendation',
    labels: [...CONTAINER, 'resource'],
  },
  recommendedLimit: {
    name: 'plimsoll_recommended_limit',
    help: 'Recommended limit (cores, bytes) of an open recommendation',
    labels: [...CONTAINER, 'resource'],
  },
  currentLimit: {
    name: 'plimsoll_current_limit',
    help: 'Current limit (cores, bytes) of a container with an open recommendation',
    labels: [...CONTAINER, 'resource'],
  },
  recommendationCostDelta: {
    name: 'plimsoll_recommendation_monthly_cost_delta',
    help: 'Monthly cost change if the recommendation is applied (negative: a saving)',
    labels: [...CONTAINER],
  },
  clusterNodes: {
    name: 'plimsoll_cluster_nodes',
    help: 'Nodes in the inventory',
    labels: ['cluster'],
  },
  clusterCapacity: {
    name: 'plimsoll_cluster_capacity',
    help: 'Summed node capacity (cores, bytes)',
    labels: ['cluster', 'resource'],
  },
  clusterAllocatable: {
    name: 'plimsoll_cluster_allocatable',
    help: 'Summed node allocatable (cores, bytes)',
    labels: ['cluster', 'resource'],
  },
  clusterRequests: {
    name: 'plimsoll_cluster_requests',
    help: 'Summed container requests of scheduled, unfinished pods (cores, bytes)',
    labels: ['cluster', 'resource'],
  },
  clusterLimits: {
    name: 'plimsoll_cluster_limits',
    help: 'Summed container limits of scheduled, unfinished pods (cores, bytes)',
    labels: ['cluster', 'resource'],
  },
  clusterUsage: {
    name: 'plimsoll_cluster_usage',
    help: 'Summed mean container usage over the usage window (cores, bytes)',
    labels: ['cluster', 'resource'],
  },
  clusterStranded: {
    name: 'plimsoll_cluster_stranded',
    help: 'Unrequested capacity no pod can use because the other resource is exhausted on its node',
    labels: ['cluster', 'resource'],
  },
  lastRefresh: {
    name: 'plimsoll_finding_metrics_last_refresh_timestamp_seconds',
    help: 'Time of the last successful refresh of the finding metrics',
    labels: [],
  },
  truncated: {
    name: 'plimsoll_finding_metrics_truncated_series',
    help: 'Subjects left out of a family by the top-N bound on the last refresh',
    labels: ['family'],
  },
} as const satisfies Record<string, { name: string; help: string; labels: readonly string[] }>;

export type FindingMetricFamily = keyof typeof FINDING_METRIC_FAMILIES;

type Labels = Record<string, string>;
interface Sample {
  readonly labels: Labels;
  readonly value: number;
}
type Snapshot = Record<FindingMetricFamily, Sample[]>;

export interface RefreshSummary {
  readonly findings: number;
  readonly series: number;
  readonly truncated: number;
}

export class FindingMetrics {
  private readonly gauges: Record<FindingMetricFamily, Gauge>;
  private readonly reader: FindingMetricsReader;
  private readonly clusters: readonly string[];
  private readonly topN: number;
  private readonly usageWindowMs: number;
  private readonly resolvedLookbackMs: number;
  private readonly maxFindings: number;
  private readonly now: () => EpochMs;
  private readonly teamOf: ((finding: Finding) => Promise<string>) | undefined;
  private readonly escalatedAt: ((finding: Finding) => EpochMs | undefined) | undefined;

  constructor(options: FindingMetricsOptions) {
    if (options.clusters.length === 0) throw new Error('FindingMetrics: clusters is empty');
    this.reader = options.reader;
    this.clusters = options.clusters;
    this.topN = positive(options.topN ?? DEFAULT_TOP_N, 'topN');
    this.usageWindowMs = positive(options.usageWindowMs ?? 10 * MINUTE, 'usageWindowMs');
    this.resolvedLookbackMs = positive(
      options.resolvedLookbackMs ?? 60 * MINUTE,
      'resolvedLookbackMs',
    );
    this.maxFindings = positive(options.maxFindings ?? 20_000, 'maxFindings');
    this.now = options.now ?? Date.now;
    this.teamOf = options.teamOf;
    this.escalatedAt = options.escalatedAt;
    const gauges = {} as Record<FindingMetricFamily, Gauge>;
    for (const [key, family] of Object.entries(FINDING_METRIC_FAMILIES)) {
      gauges[key as FindingMetricFamily] = new Gauge({
        name: family.name,
        help: family.help,
        labelNames: [...family.labels],
        registers: [options.registry],
      });
    }
    this.gauges = gauges;
  }

  /**
   * Reads findings and inventory for every cluster and replaces all series. Rejects when the
   * store fails; the previous values then stay, and the last-refresh timestamp tells how old.
   */
  async refresh(): Promise<RefreshSummary> {
    const now = this.now();
    const snapshot = emptySnapshot();
    let findingsRead = 0;
    const truncated = new Map<FindingMetricFamily, number>();
    for (const cluster of this.clusters) {
      const open = await this.readFindings({ cluster, status: 'open' });
      const resolved = await this.readFindings({
        cluster,
        status: 'resolved',
        window: { from: Math.max(0, now - this.resolvedLookbackMs), to: now },
      });
      findingsRead += open.length + resolved.length;
      const routing = await this.routing([...open, ...resolved]);
      const parts = [
        findingCounts(cluster, open, resolved),
        flappingSeries(open, resolved, this.topN, routing),
        oomLoopSeries(open, resolved, this.topN, routing),
        misfitSeries(cluster, open, this.topN),
        recommendationSeries(open, this.topN),
        await this.capacitySeries(cluster, now),
      ];
      for (const part of parts) {
        for (const [family, samples] of Object.entries(part.samples)) {
          snapshot[family as FindingMetricFamily].push(...samples);
        }
        for (const [family, cut] of Object.entries(part.truncated)) {
          const key = family as FindingMetricFamily;
          truncated.set(key, (truncated.get(key) ?? 0) + cut);
        }
      }
    }
    for (const key of Object.keys(FINDING_METRIC_FAMILIES) as FindingMetricFamily[]) {
      if (key === 'truncated' || key === 'lastRefresh') continue;
      snapshot.truncated.push({
        labels: { family: FINDING_METRIC_FAMILIES[key].name },
        value: truncated.get(key) ?? 0,
      });
    }
    snapshot.lastRefresh.push({ labels: {}, value: now / 1000 });
    let series = 0;
    for (const [key, samples] of Object.entries(snapshot)) {
      const gauge = this.gauges[key as FindingMetricFamily];
      gauge.reset();
      for (const sample of samples) gauge.set(sample.labels, sample.value);
      series += samples.length;
    }
    return {
      findings: findingsRead,
      series,
      truncated: [...truncated.values()].reduce((a, b) => a + b, 0),
    };
  }

  /** Team and escalation of the flapping and OOM-loop findings, the ones alerts are made of. */
  private async routing(findings: readonly Finding[]): Promise<Routing> {
    const teams = new Map<string, string>();
    const escalated = new Map<string, EpochMs>();
    for (const f of findings) {
      if (f.kind !== 'node_memory_flapping' && f.kind !== 'oom_loop') continue;
      if (this.teamOf) teams.set(f.id, await this.teamOf(f));
      const at = f.kind === 'oom_loop' && f.status === 'open' ? this.escalatedAt?.(f) : undefined;
      if (at !== undefined) escalated.set(f.id, at);
    }
    return { teams, escalated };
  }

  private async readFindings(query: FindingQuery): Promise<Finding[]> {
    const out: Finding[] = [];
    let after: string | undefined;
    do {
      const page = await this.reader.findings({ ...query, limit: PAGE, after });
      out.push(...page.items);
      after = page.next;
    } while (after !== undefined && out.length < this.maxFindings);
    return out.slice(0, this.maxFindings);
  }

  private async capacitySeries(cluster: string, now: EpochMs): Promise<Part> {
    const nodes = await this.reader.nodes({ cluster, at: now });
    const pods = await this.reader.pods({ cluster, at: now });
    const part = newPart();
    const byNode = requestsByNode(pods);
    let requests = NO_RESOURCES;
    let limits = NO_RESOURCES;
    for (const sum of byNode.values()) {
      requests = addResources(requests, sum.requests);
      limits = addResources(limits, sum.limits);
    }
    let capacity = NO_RESOURCES;
    let allocatable = NO_RESOURCES;
    let stranded = NO_RESOURCES;
    for (const node of nodes) {
      capacity = addResources(capacity, capacityOf(node));
      allocatable = addResources(allocatable, allocatableOf(node));
      const onNode = byNode.get(node.name)?.requests ?? NO_RESOURCES;
      stranded = addResources(stranded, strandedOnNode(node, onNode));
    }
    const usage: Resources = {
      cpuCores: await this.meanUsage(cluster, 'cpu_usage_cores', now),
      memoryBytes: await this.meanUsage(cluster, 'memory_working_set_bytes', now),
    };
    part.samples.clusterNodes = [{ labels: { cluster }, value: nodes.length }];
    part.samples.clusterCapacity = resourceSamples(cluster, capacity);
    part.samples.clusterAllocatable = resourceSamples(cluster, allocatable);
    part.samples.clusterRequests = resourceSamples(cluster, requests);
    part.samples.clusterLimits = resourceSamples(cluster, limits);
    part.samples.clusterUsage = resourceSamples(cluster, usage);
    part.samples.clusterStranded = resourceSamples(cluster, stranded);
    return part;
  }

  private async meanUsage(cluster: string, metric: UsageMetric, now: EpochMs): Promise<number> {
    let total = 0;
    let after: string | undefined;
    let pages = 0;
    do {
      const page = await this.reader.usageStats({
        cluster,
        metric,
        window: { from: now - this.usageWindowMs, to: now },
        percentiles: [],
        pageSize: 1000,
        after,
      });
      for (const stats of page.items) total += stats.mean;
      after = page.next;
      pages += 1;
    } while (after !== undefined && pages < 1000);
    return total;
  }
}

interface Part {
  samples: Partial<Record<FindingMetricFamily, Sample[]>>;
  truncated: Partial<Record<FindingMetricFamily, number>>;
}

interface Totals {
  cpu: number;
  memory: number;
}

function findingCounts(cluster: string, open: Finding[], resolved: Finding[]): Part {
  const counts = new Map<
    string,
    { kind: FindingKind; severity: Severity; status: string; n: number }
  >();
  for (const finding of [...open, ...resolved]) {
    const key = `${finding.kind}/${finding.severity}/${finding.status}`;
    const entry = counts.get(key) ?? {
      kind: finding.kind,
      severity: finding.severity,
      status: finding.status,
      n: 0,
    };
    entry.n += 1;
    counts.set(key, entry);
  }
  const part = newPart();
  part.samples.findings = [...counts.values()].map((c) => ({
    labels: { cluster, kind: c.kind, severity: c.severity, status: c.status },
    value: c.n,
  }));
  return part;
}

interface Routing {
  /** Team per finding id. */
  readonly teams: ReadonlyMap<string, string>;
  /** Escalation time per open OOM-loop finding id. */
  readonly escalated: ReadonlyMap<string, EpochMs>;
}

const routeLabels = (finding: Finding, routing: Routing) => ({
  team: routing.teams.get(finding.id) ?? '',
  finding_id: finding.id,
});

function flappingSeries(
  open: Finding[],
  resolved: Finding[],
  topN: number,
  routing: Routing,
): Part {
  const part = newPart();
  const subjects = latestPerSubject(open, resolved, 'node_memory_flapping');
  const ranked = rank(subjects, (f) => (f.status === 'open' ? 1e9 : 0) + flapCount(f));
  part.truncated.nodeFlapping = Math.max(0, subjects.length - topN);
  part.samples.nodeFlapping = [];
  part.samples.nodeConditionFlaps = [];
  for (const finding of ranked.slice(0, topN)) {
    if (finding.subject.type !== 'node') continue;
    const node = { cluster: finding.subject.cluster, node: finding.subject.node };
    const isOpen = finding.status === 'open';
    part.samples.nodeFlapping.push({
      labels: {
        ...node,
        category: finding.category ?? 'unknown',
        ...routeLabels(finding, routing),
      },
      value: isOpen ? 1 : 0,
    });
    if (!isOpen) continue;
    const flaps = conditionFlaps(finding);
    part.samples.nodeConditionFlaps.push(
      { labels: { ...node, condition: 'Ready' }, value: flaps.ready },
      { labels: { ...node, condition: 'MemoryPressure' }, value: flaps.memoryPressure },
    );
  }
  return part;
}

function oomLoopSeries(open: Finding[], resolved: Finding[], topN: number, routing: Routing): Part {
  const part = newPart();
  const subjects = latestPerSubject(open, resolved, 'oom_loop');
  const ranked = rank(subjects, (f) => (f.status === 'open' ? 1e9 : 0) + killCount(f));
  part.truncated.oomLoop = Math.max(0, subjects.length - topN);
  part.samples.oomLoop = [];
  part.samples.oomLoopKills = [];
  part.samples.oomLoopLastKill = [];
  part.samples.oomLoopNextKill = [];
  part.samples.oomLoopEscalated = [];
  for (const finding of ranked.slice(0, topN)) {
    const subject = containerLabels(finding);
    if (!subject) continue;
    const labels = { ...subject, ...routeLabels(finding, routing) };
    const isOpen = finding.status === 'open';
    part.samples.oomLoop.push({
      labels: { ...labels, category: finding.category ?? 'unknown' },
      value: isOpen ? 1 : 0,
    });
    if (!isOpen) continue;
    part.samples.oomLoopKills.push({ labels, value: killCount(finding) });
    part.samples.oomLoopLastKill.push({ labels, value: finding.window.to / 1000 });
    const inMs = evidenceOf(finding, 'oom_loop')?.nextOom?.inMs;
    if (inMs !== undefined) part.samples.oomLoopNextKill.push({ labels, value: inMs / 1000 });
    const escalated = routing.escalated.get(finding.id);
    if (escalated !== undefined)
      part.samples.oomLoopEscalated.push({ labels, value: escalated / 1000 });
  }
  return part;
}

interface Fit {
  labels: Labels;
  requestUsage: Partial<Totals>;
  limitPeak: Partial<Totals>;
}

function misfitSeries(cluster: string, open: Finding[], topN: number): Part {
  const part = newPart();
  const fits = new Map<string, Fit>();
  const byNamespace = new Map<
    string,
    { severity: Severity; category: string; n: number; ns: string }
  >();
  const waste = new Map<string, Totals & { money: number }>();
  for (const finding of open) {
    if (finding.kind !== 'requests_misfit' && finding.kind !== 'recommendation') continue;
    const labels = containerLabels(finding);
    if (!labels) continue;
    const key = JSON.stringify(labels);
    const fit = fits.get(key) ?? { labels, requestUsage: {}, limitPeak: {} };
    fits.set(key, fit);
    mergeFit(fit, finding);
    if (finding.kind !== 'requests_misfit') continue;
    const category = finding.category ?? 'unknown';
    const nsKey = `${labels.namespace}/${category}/${finding.severity}`;
    const entry = byNamespace.get(nsKey) ?? {
      severity: finding.severity,
      category,
      n: 0,
      ns: labels.namespace ?? '',
    };
    entry.n += 1;
    byNamespace.set(nsKey, entry);
    if (category === 'over_requested') {
      const w = waste.get(labels.namespace ?? '') ?? { cpu: 0, memory: 0, money: 0 };
      const evidence = evidenceOf(finding, 'requests_misfit');
      w.cpu += evidence?.wastedCpuCores ?? 0;
      w.memory += evidence?.wastedMemoryBytes ?? 0;
      w.money += evidence?.monthlyWaste ?? 0;
      waste.set(labels.namespace ?? '', w);
    }
  }
  const all = [...fits.values()];
  const ranked = rank(all, (f) =>
    Math.max(
      ...[f.requestUsage.cpu, f.requestUsage.memory, f.limitPeak.cpu, f.limitPeak.memory].map(
        (r) => (r !== undefined && r > 0 ? Math.abs(Math.log(r)) : 0),
      ),
    ),
  );
  part.truncated.requestUsageRatio = Math.max(0, all.length - topN);
  part.samples.requestUsageRatio = [];
  part.samples.limitPeakRatio = [];
  for (const fit of ranked.slice(0, topN)) {
    for (const resource of ['cpu', 'memory'] as const) {
      const ru = fit.requestUsage[resource];
      const lp = fit.limitPeak[resource];
      if (ru !== undefined)
        part.samples.requestUsageRatio.push({ labels: { ...fit.labels, resource }, value: ru });
      if (lp !== undefined)
        part.samples.limitPeakRatio.push({ labels: { ...fit.labels, resource }, value: lp });
    }
  }
  const namespaces = rank([...waste.entries()], ([, w]) => w.money + w.memory / 2 ** 30 + w.cpu);
  part.truncated.misfitWaste = Math.max(0, namespaces.length - topN);
  part.samples.misfitWaste = [];
  part.samples.misfitMonthlyWaste = [];
  for (const [namespace, w] of namespaces.slice(0, topN)) {
    part.samples.misfitWaste.push(
      { labels: { cluster, namespace, resource: 'cpu' }, value: w.cpu },
      { labels: { cluster, namespace, resource: 'memory' }, value: w.memory },
    );
    part.samples.misfitMonthlyWaste.push({ labels: { cluster, namespace }, value: w.money });
  }
  // Namespaces × a handful of categories and severities: bounded by the namespace cut.
  const keptNamespaces = new Set(
    rank([...new Set([...byNamespace.values()].map((e) => e.ns))], (ns) =>
      [...byNamespace.values()].filter((e) => e.ns === ns).reduce((s, e) => s + e.n, 0),
    ).slice(0, topN),
  );
  part.samples.misfitFindings = [...byNamespace.values()]
    .filter((e) => keptNamespaces.has(e.ns))
    .map((e) => ({
      labels: { cluster, namespace: e.ns, category: e.category, severity: e.severity },
      value: e.n,
    }));
  return part;
}

/** Usage against requests and limits, as a misfit or a recommendation states them. */
function fitFacts(finding: Finding):
  | {
      usage: { cpuP95?: number; memoryP99?: number; cpuMax?: number; memoryMax?: number };
      requests?: ResourceAmounts | undefined;
      limits?: ResourceAmounts | undefined;
    }
  | undefined {
  // Misfit evidence spreads its usage facts at the top; recommendation evidence nests them.
  const recommendation = evidenceOf(finding, 'recommendation');
  if (recommendation) {
    return {
      usage: recommendation.usage ?? {},
      requests: recommendation.current?.requests,
      limits: recommendation.current?.limits,
    };
  }
  const misfit = evidenceOf(finding, 'requests_misfit');
  if (!misfit) return undefined;
  return {
    usage: misfit,
    requests: misfit.requests,
    limits: {
      cpuCores: misfit.limits?.cpuCores ?? misfit.cpuLimit,
      memoryBytes: misfit.limits?.memoryBytes ?? misfit.limitBytes,
    },
  };
}

function mergeFit(fit: Fit, finding: Finding): void {
  const facts = fitFacts(finding);
  if (!facts) return;
  const { usage, requests, limits } = facts;
  fit.requestUsage.cpu ??= ratio(requests?.cpuCores, usage.cpuP95);
  fit.requestUsage.memory ??= ratio(requests?.memoryBytes, usage.memoryP99);
  fit.limitPeak.cpu ??= ratio(limits?.cpuCores, usage.cpuMax);
  fit.limitPeak.memory ??= ratio(limits?.memoryBytes, usage.memoryMax);
}

function recommendationSeries(open: Finding[], topN: number): Part {
  const part = newPart();
  const recs = open.filter((f) => f.kind === 'recommendation' && containerLabels(f));
  const ranked = rank(
    recs,
    (f) =>
      (f.severity === 'info' ? 0 : 1e12) +
      Math.abs(evidenceOf(f, 'recommendation')?.monthlyCostDelta ?? 0),
  );
  part.truncated.recommendedRequest = Math.max(0, recs.length - topN);
  const families = {
    recommendedRequest: [] as Sample[],
    currentRequest: [] as Sample[],
    recommendedLimit: [] as Sample[],
    currentLimit: [] as Sample[],
    recommendationCostDelta: [] as Sample[],
  };
  const seen = new Set<string>();
  for (const finding of ranked.slice(0, topN)) {
    const labels = containerLabels(finding)!;
    const key = JSON.stringify(labels);
    if (seen.has(key)) continue;
    seen.add(key);
    const evidence = evidenceOf(finding, 'recommendation');
    const put = (target: Sample[], amounts: ResourceAmounts | undefined) => {
      const cpu = amounts?.cpuCores;
      const memory = amounts?.memoryBytes;
      if (cpu !== undefined) target.push({ labels: { ...labels, resource: 'cpu' }, value: cpu });
      if (memory !== undefined)
        target.push({ labels: { ...labels, resource: 'memory' }, value: memory });
    };
    put(families.recommendedRequest, evidence?.recommended?.requests);
    put(families.currentRequest, evidence?.current?.requests);
    put(families.recommendedLimit, evidence?.recommended?.limits);
    put(families.currentLimit, evidence?.current?.limits);
    const delta = evidence?.monthlyCostDelta;
    if (delta !== undefined) families.recommendationCostDelta.push({ labels, value: delta });
  }
  Object.assign(part.samples, families);
  return part;
}

/** Per subject, the open finding if there is one, else the latest resolved one. */
function latestPerSubject(open: Finding[], resolved: Finding[], kind: FindingKind): Finding[] {
  const bySubject = new Map<string, Finding>();
  for (const finding of [...open, ...resolved]) {
    if (finding.kind !== kind) continue;
    const key = JSON.stringify(finding.subject);
    const held = bySubject.get(key);
    const better =
      !held ||
      (finding.status === 'open' && held.status !== 'open') ||
      (finding.status === held.status && finding.lastSeen > held.lastSeen);
    if (better) bySubject.set(key, finding);
  }
  return [...bySubject.values()];
}

function containerLabels(finding: Finding): Labels | undefined {
  const s = finding.subject;
  if (s.type !== 'workload_container') return undefined;
  return workloadLabels(s.cluster, s.workload, s.container);
}

export function workloadLabels(cluster: string, workload: WorkloadRef, container: string): Labels {
  return {
    cluster,
    namespace: workload.namespace,
    workload: workload.name,
    // kubernetes-mixin spells the owner kind in lower case (namespace_workload_pod:kube_pod_owner).
    workload_type: workload.kind.toLowerCase(),
    container,
  };
}

function flapCount(finding: Finding): number {
  const flaps = conditionFlaps(finding);
  return Math.max(flaps.ready, flaps.memoryPressure, flaps.listed);
}

/** Flips by condition as the evidence counts them, and the flaps it lists. */
function conditionFlaps(finding: Finding): {
  ready: number;
  memoryPressure: number;
  listed: number;
} {
  const evidence = evidenceOf(finding, 'node_memory_flapping');
  const list = evidence?.flaps ?? [];
  return {
    ready: evidence?.notReadyFlaps ?? list.filter((f) => f.notReady).length,
    memoryPressure: evidence?.memoryPressureFlaps ?? list.filter((f) => f.memoryPressure).length,
    listed: list.length,
  };
}

function killCount(finding: Finding): number {
  const evidence = evidenceOf(finding, 'oom_loop');
  return evidence?.killCount ?? evidence?.kills?.length ?? 0;
}

function rank<T>(items: T[], score: (item: T) => number): T[] {
  return items
    .map((item, index) => ({ item, index, score: score(item) }))
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .map((entry) => entry.item);
}

function ratio(numerator: number | undefined, denominator: number | undefined): number | undefined {
  if (numerator === undefined || denominator === undefined || denominator <= 0) return undefined;
  return numerator / denominator;
}

function resourceSamples(cluster: string, totals: Resources): Sample[] {
  return [
    { labels: { cluster, resource: 'cpu' }, value: totals.cpuCores },
    { labels: { cluster, resource: 'memory' }, value: totals.memoryBytes },
  ];
}

function newPart(): Part {
  return { samples: {}, truncated: {} };
}

function emptySnapshot(): Snapshot {
  const snapshot = {} as Snapshot;
  for (const key of Object.keys(FINDING_METRIC_FAMILIES)) snapshot[key as FindingMetricFamily] = [];
  return snapshot;
}

function positive(value: number, name: string): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new Error(`FindingMetrics: ${name} must be a positive number, got ${value}`);
  }
  return value;
}
