// One week's capacity figures per cluster and pool, from three Store reads:
// - nodes({cluster, at}) and pods({cluster, at}) at snapshots through the week (every
//   24/snapshotsPerDay hours, the last one just before the week's end, or now): the last snapshot
//   gives nodes, capacity, allocatable, requests and limits; all of them give each workload's
//   average running replicas and the pools its pods ran in;
// - usageStats({cluster, metric, window: week, percentiles: [p]}) for cpu_usage_cores and
//   memory_working_set_bytes, paged: per workload container, the mean and percentile of its
//   replicas' samples.
// Usage of a workload container = per-replica figure × average replicas, split across pools by
// where its replicas ran. Store samples are pooled across replicas, which is why the replica
// count has to come from the inventory.
import { allocatableOf, capacityOf, holdsResources, podResources } from '../core/capacity.js';
import type { AllocationAccumulator } from './allocation.js';
import type { Node, Pod, TimeWindow, UsageMetric, WorkloadRef } from '../core/domain.js';
import type { CoverageQuery, Store, UsageStats } from '../store/store.js';
import type { CapacityFigures, Coverage, PoolFigures, Resources, WeekFigures } from './model.js';
import { weekWindow } from './week.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
export const UNKNOWN_POOL = 'default';
const NO_COVERAGE: Coverage = { hoursWithData: 0, hours: 0, longestGapHours: 0 };

export interface WeekQuery {
  readonly cluster: string;
  readonly week: string;
  readonly timezone: string;
  readonly now: number;
  readonly percentile: number;
  readonly snapshotsPerDay: number;
  /** Filled with requests and usage by namespace and team; only the report week needs it. */
  readonly allocation?: AllocationAccumulator | undefined;
}

/** Requests of the pods on one node at the week's end: what stranded capacity is judged on. */
export interface NodeLoad {
  readonly node: Node;
  readonly pool: string;
  readonly requests: Resources;
}

export interface WeekInventory {
  readonly figures: WeekFigures;
  readonly loads: readonly NodeLoad[];
}

interface MutableFigures {
  nodes: number;
  coverage: Coverage;
  capacity: Acc;
  allocatable: Acc;
  requests: Acc;
  limits: Acc;
  usageMean: Acc;
  usagePeak: Acc;
}
interface Acc {
  cpuCores: number;
  memoryBytes: number;
}

const zero = (): Acc => ({ cpuCores: 0, memoryBytes: 0 });
const emptyFigures = (): MutableFigures => ({
  nodes: 0,
  coverage: NO_COVERAGE,
  capacity: zero(),
  allocatable: zero(),
  requests: zero(),
  limits: zero(),
  usageMean: zero(),
  usagePeak: zero(),
});

export const workloadKey = (w: WorkloadRef) => `${w.namespace}\u0000${w.kind}\u0000${w.name}`;

const add = (into: Acc, from: Resources, factor = 1) => {
  into.cpuCores += from.cpuCores * factor;
  into.memoryBytes += from.memoryBytes * factor;
};

/** Snapshot instants: every `1/perDay` day through the week, the last just before its end. */
export function snapshotTimes(window: TimeWindow, end: number, perDay: number): number[] {
  if (end <= window.from) return [];
  const step = DAY / perDay;
  const times = new Set<number>();
  for (let t = window.from + step; t < end; t += step) times.add(Math.floor(t) - 1);
  times.add(end - 1);
  return [...times].sort((a, b) => a - b);
}

/** Hours of [from, end) with usage data (on `nodes`, of a namespace, when given), and the longest gap. */
export async function weekCoverage(
  store: Store,
  cluster: string,
  from: number,
  end: number,
  only: Pick<CoverageQuery, 'nodes' | 'namespace'> = {},
): Promise<{ coverage: Coverage; hoursWithData: ReadonlySet<number> }> {
  if (end <= from) return { coverage: NO_COVERAGE, hoursWithData: new Set() };
  const hours = Math.ceil((end - from) / HOUR);
  const covered = new Set(
    await store.usageCoverage({ cluster, window: { from, to: end }, stepMs: HOUR, ...only }),
  );
  let longestGapHours = 0;
  let gap = 0;
  for (let i = 0; i < hours; i++) {
    gap = covered.has(from + i * HOUR) ? 0 : gap + 1;
    longestGapHours = Math.max(longestGapHours, gap);
  }
  return {
    coverage: { hoursWithData: covered.size, hours, longestGapHours },
    hoursWithData: covered,
  };
}

export async function allUsageStats(
  store: Store,
  cluster: string,
  metric: UsageMetric,
  window: TimeWindow,
  percentile: number,
): Promise<UsageStats[]> {
  const rows: UsageStats[] = [];
  let after: string | undefined;
  do {
    const page = await store.usageStats({
      cluster,
      metric,
      window,
      percentiles: [percentile],
      pageSize: 500,
      after,
    });
    rows.push(...page.items);
    after = page.next;
  } while (after);
  return rows;
}

export async function gatherWeekInventory(store: Store, query: WeekQuery): Promise<WeekInventory> {
  const window = weekWindow(query.week, query.timezone);
  const end = Math.min(window.to, query.now);
  const partial = query.now < window.to;
  const times = snapshotTimes(window, end, query.snapshotsPerDay);
  const pools = new Map<string, MutableFigures>();
  const pool = (name: string) => {
    let figures = pools.get(name);
    if (!figures) pools.set(name, (figures = emptyFigures()));
    return figures;
  };

  const { coverage, hoursWithData } = await weekCoverage(store, query.cluster, window.from, end);
  // Usage is a mean over the hours with samples, so replicas are averaged over the same time: a
  // week with three hours of data is not diluted by snapshots taken before collection began. A
  // snapshot stands for the interval since the one before it, so it counts if that has data.
  const interval = DAY / query.snapshotsPerDay;
  const covered = (at: number) => {
    const last = window.from + Math.floor((at - window.from) / HOUR) * HOUR;
    for (let hour = last; hour > at - interval - HOUR && hour >= window.from; hour -= HOUR) {
      if (hoursWithData.has(hour)) return true;
    }
    return false;
  };
  // Usage kept only in the daily tier has no hourly coverage: then every snapshot counts.
  const countsReplicas = hoursWithData.size > 0 ? covered : () => true;
  const replicaSnapshots = times.filter(countsReplicas).length;

  // Replica-snapshots of each workload per pool, summed over the covered snapshots.
  const placements = new Map<string, Map<string, number>>();
  const poolNodes = new Map<string, Set<string>>();
  const allocation = query.allocation;
  let lastNodes: Node[] = [];
  let lastPods: Pod[] = [];
  let podsSeen = 0;
  for (const at of times) {
    const [nodes, pods] = await Promise.all([
      store.nodes({ cluster: query.cluster, at }),
      store.pods({ cluster: query.cluster, at }),
    ]);
    podsSeen += pods.length;
    const poolOf = new Map(nodes.map((n) => [n.name, n.pool ?? UNKNOWN_POOL]));
    for (const [name, where] of poolOf) {
      poolNodes.set(where, (poolNodes.get(where) ?? new Set()).add(name));
    }
    lastNodes = nodes;
    lastPods = pods;
    allocation?.addSnapshot(nodes, pods);
    if (!countsReplicas(at)) continue;
    for (const pod of pods) {
      const where = pod.nodeName ? poolOf.get(pod.nodeName) : undefined;
      if (!holdsResources(pod) || where === undefined) continue;
      const key = workloadKey(pod.workload);
      const counts = placements.get(key) ?? new Map<string, number>();
      counts.set(where, (counts.get(where) ?? 0) + 1);
      placements.set(key, counts);
    }
  }

  for (const node of lastNodes) {
    const figures = pool(node.pool ?? UNKNOWN_POOL);
    figures.nodes += 1;
    add(figures.capacity, capacityOf(node));
    add(figures.allocatable, allocatableOf(node));
  }
  const byNode = new Map<string, Acc>();
  const poolOfNode = new Map(lastNodes.map((n) => [n.name, n.pool ?? UNKNOWN_POOL]));
  let pods = 0;
  let unscheduledPods = 0;
  const unscheduledRequests = zero();
  for (const pod of lastPods) {
    if (!holdsResources(pod)) continue;
    pods += 1;
    const { requests, limits } = podResources(pod);
    const where = pod.nodeName ? poolOfNode.get(pod.nodeName) : undefined;
    if (where === undefined) {
      unscheduledPods += 1;
      add(unscheduledRequests, requests);
      continue;
    }
    add(pool(where).requests, requests);
    add(pool(where).limits, limits);
    const onNode = byNode.get(pod.nodeName!) ?? zero();
    add(onNode, requests);
    byNode.set(pod.nodeName!, onNode);
  }

  const usageWindow = { from: window.from, to: end };
  const containers = new Set<string>();
  const unattributed = new Set<string>();
  if (end > window.from) {
    for (const [metric, field] of [
      ['cpu_usage_cores', 'cpuCores'],
      ['memory_working_set_bytes', 'memoryBytes'],
    ] as const) {
      const rows = await allUsageStats(store, query.cluster, metric, usageWindow, query.percentile);
      for (const row of rows) {
        const key = workloadKey(row.key.workload);
        const containerId = `${key}\u0000${row.key.container}`;
        containers.add(containerId);
        const counts = placements.get(key);
        if (!counts) {
          unattributed.add(containerId);
          continue;
        }
        const peak = row.percentiles[String(query.percentile)] ?? row.max;
        const replicaSum = [...counts.values()].reduce((sum, count) => sum + count, 0);
        allocation?.addUsage(row.key.workload, field, (row.mean * replicaSum) / replicaSnapshots);
        for (const [where, count] of counts) {
          const replicas = count / replicaSnapshots;
          pool(where).usageMean[field] += row.mean * replicas;
          pool(where).usagePeak[field] += peak * replicas;
        }
      }
    }
  }

  for (const [name, members] of poolNodes) {
    const figures = pools.get(name);
    if (figures) {
      figures.coverage = (
        await weekCoverage(store, query.cluster, window.from, end, { nodes: [...members].sort() })
      ).coverage;
    }
  }
  const poolFigures: PoolFigures[] = [...pools]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, figures]) => ({ pool: name, ...freeze(figures) }));
  const cluster = emptyFigures();
  cluster.coverage = coverage;
  for (const p of poolFigures) {
    cluster.nodes += p.nodes;
    for (const field of [
      'capacity',
      'allocatable',
      'requests',
      'limits',
      'usageMean',
      'usagePeak',
    ] as const) {
      add(cluster[field], p[field]);
    }
  }
  const figures: WeekFigures = {
    week: query.week,
    window,
    snapshotAt: times[times.length - 1] ?? window.from,
    partial,
    hasData: lastNodes.length > 0 || podsSeen > 0 || containers.size > 0,
    cluster: freeze(cluster),
    pools: poolFigures,
    pods,
    unscheduledPods,
    unscheduledRequests: { ...unscheduledRequests },
    usageContainers: containers.size,
    unattributedContainers: unattributed.size,
  };
  const loads = lastNodes.map((node) => ({
    node,
    pool: node.pool ?? UNKNOWN_POOL,
    requests: byNode.get(node.name) ?? zero(),
  }));
  return { figures, loads };
}

function freeze(figures: MutableFigures): CapacityFigures {
  return {
    nodes: figures.nodes,
    coverage: figures.coverage,
    capacity: { ...figures.capacity },
    allocatable: { ...figures.allocatable },
    requests: { ...figures.requests },
    limits: { ...figures.limits },
    usageMean: { ...figures.usageMean },
    usagePeak: { ...figures.usagePeak },
  };
}
