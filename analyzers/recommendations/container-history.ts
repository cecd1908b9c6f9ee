// Gathers, for every workload container with usage in a window, what strategies and the misfit
// rules read: store-computed percentiles (paged by container), optional per-interval memory peaks
// (one bucketed series per container, aggregated in the store), OOM kills, and the current spec
// from the pod inventory. Raw samples never leave the store.
import type { Pod, TimeWindow, UsageMetric } from '../../core/domain.js';
import { containerKeyString } from '../../store/keys.js';
import type { UsageStats } from '../../store/store.js';
import type { AnalysisReader } from '../analyzer.js';
import type { ContainerHistory, OomKill, StrategyNeeds } from './types.js';

export interface GatherOptions {
  readonly store: AnalysisReader;
  readonly cluster: string;
  readonly window: TimeWindow;
  /** Which pods count as "current" (default: the end of the window). */
  readonly inventoryAt?: number | undefined;
  readonly needs: readonly StrategyNeeds[];
  readonly namespace?: string | undefined;
}

const OOM_REASONS = ['OOMKilled'];
const COMMON_PERCENTILES = [50, 90, 95, 99];
/** Pods in these phases hold their requests on a node. */
const RESERVING_PHASES = new Set(['Running', 'Pending']);

export async function gatherHistories(options: GatherOptions): Promise<ContainerHistory[]> {
  const { store, cluster, window, namespace } = options;
  // Every caller asks at least the common percentiles (free: read off the same sketch), so
  // analyzers in one run ask identical questions and share the answers (analyzers/shared-reader).
  const union = (pick: (n: StrategyNeeds) => readonly number[]) =>
    [...new Set([...COMMON_PERCENTILES, ...options.needs.flatMap(pick)])].sort((a, b) => a - b);
  const stats = (metric: UsageMetric, percentiles: number[]) =>
    allUsageStats(store, { cluster, metric, window, percentiles, namespace });
  const throttlingPercentiles = union((n) => n.throttlingPercentiles);
  const inventoryAt = options.inventoryAt ?? window.to - 1;
  const [cpu, memory, throttling, kills, pods, nodes] = await Promise.all([
    stats(
      'cpu_usage_cores',
      union((n) => n.cpuPercentiles),
    ),
    stats(
      'memory_working_set_bytes',
      union((n) => n.memoryPercentiles),
    ),
    options.needs.some((n) => n.throttlingPercentiles.length > 0)
      ? stats('cpu_throttled_ratio', throttlingPercentiles)
      : Promise.resolve(new Map<string, UsageStats>()),
    oomKills(store, cluster, window, namespace),
    store.pods({ cluster, at: inventoryAt, namespace }),
    store.nodes({ cluster, at: inventoryAt }),
  ]);
  const inventory = currentContainers(pods);
  const nodesByName = new Map(nodes.map((n) => [n.name, n]));
  const peakInterval = options.needs.reduce<number | undefined>(
    (found, n) => found ?? n.memoryPeakIntervalMs,
    undefined,
  );
  const keys = [...new Set([...cpu.keys(), ...memory.keys()])].sort();
  const histories: ContainerHistory[] = [];
  for (const keyText of keys) {
    const anyStats = (cpu.get(keyText) ?? memory.get(keyText))!;
    const current = inventory.get(keyText);
    histories.push({
      key: anyStats.key,
      cpu: cpu.get(keyText),
      memory: memory.get(keyText),
      throttling: throttling.get(keyText),
      memoryPeaks:
        peakInterval === undefined
          ? undefined
          : await intervalPeaks(store, anyStats.key, window, peakInterval),
      oomKills: kills.get(keyText) ?? [],
      current: current?.spec,
      replicas: current?.replicas ?? 0,
      runtimeHints: current?.runtimeHints ?? [],
      node: current?.mainNode === undefined ? undefined : nodesByName.get(current.mainNode),
    });
  }
  return histories;
}

/** Every page of usage stats for one metric, keyed by container. */
export async function allUsageStats(
  store: AnalysisReader,
  query: {
    cluster: string;
    metric: UsageMetric;
    window: TimeWindow;
    percentiles: readonly number[];
    namespace?: string | undefined;
  },
): Promise<Map<string, UsageStats>> {
  const out = new Map<string, UsageStats>();
  let after: string | undefined;
  do {
    const page = await store.usageStats({ ...query, after, pageSize: 500 });
    for (const item of page.items) out.set(containerKeyString(item.key), item);
    after = page.next;
  } while (after !== undefined);
  return out;
}

async function oomKills(
  store: AnalysisReader,
  cluster: string,
  window: TimeWindow,
  namespace: string | undefined,
): Promise<Map<string, OomKill[]>> {
  const terminations = await store.terminations({
    cluster,
    window,
    reasons: OOM_REASONS,
    namespace,
  });
  const out = new Map<string, OomKill[]>();
  for (const t of terminations) {
    const key = containerKeyString({ cluster, workload: t.workload, container: t.container });
    const list = out.get(key) ?? [];
    list.push({
      at: t.termination.finishedAt,
      limitBytes: t.limits.memoryBytes,
      requestBytes: t.requests.memoryBytes,
    });
    out.set(key, list);
  }
  return out;
}

interface CurrentContainer {
  spec: ContainerHistory['current'];
  replicas: number;
  runtimeHints: string[];
  /** The node most of its reserving pods run on (ties: the first name in order). */
  mainNode?: string | undefined;
}

/** The newest pod's spec per workload container, and how many pods reserve it. */
export function currentContainers(pods: readonly Pod[]): Map<string, CurrentContainer> {
  const newest = new Map<string, { createdAt: number; entry: CurrentContainer }>();
  const replicas = new Map<string, number>();
  const placements = new Map<string, Map<string, number>>();
  for (const pod of pods) {
    const reserving = RESERVING_PHASES.has(pod.phase);
    for (const container of pod.containers) {
      if (container.init) continue;
      const key = containerKeyString({
        cluster: pod.cluster,
        workload: pod.workload,
        container: container.name,
      });
      if (reserving) replicas.set(key, (replicas.get(key) ?? 0) + 1);
      if (reserving && pod.nodeName) {
        const onNodes = placements.get(key) ?? new Map<string, number>();
        onNodes.set(pod.nodeName, (onNodes.get(pod.nodeName) ?? 0) + 1);
        placements.set(key, onNodes);
      }
      const seen = newest.get(key);
      if (!seen || seen.createdAt < pod.createdAt) {
        newest.set(key, {
          createdAt: pod.createdAt,
          entry: {
            spec: container.resources,
            replicas: 0,
            runtimeHints: container.runtimeHints ?? [],
          },
        });
      }
    }
  }
  const out = new Map<string, CurrentContainer>();
  for (const [key, { entry }] of newest) {
    out.set(key, {
      ...entry,
      replicas: replicas.get(key) ?? 0,
      mainNode: mostCommon(placements.get(key)),
    });
  }
  return out;
}

function mostCommon(counts: ReadonlyMap<string, number> | undefined): string | undefined {
  let best: [string, number] | undefined;
  for (const [name, count] of [...(counts ?? [])].sort(([a], [b]) => a.localeCompare(b))) {
    if (!best || count > best[1]) best = [name, count];
  }
  return best?.[0];
}

async function intervalPeaks(
  store: AnalysisReader,
  key: ContainerHistory['key'],
  window: TimeWindow,
  stepMs: number,
): Promise<number[]> {
  const points = await store.usageSeries({
    cluster: key.cluster,
    metric: 'memory_working_set_bytes',
    subject: { type: 'workload_container', key },
    window,
    stepMs,
  });
  return points.map((p) => p.max);
}
