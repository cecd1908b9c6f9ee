// What the API and the web pages say about workload containers: usage percentiles against current
// requests and limits, OOM kills of the window, and the open recommendation. One module, so the
// JSON at /api/v1/workloads and the pages under /ui show the same numbers for the same container.
import { Type, type Static } from '@sinclair/typebox';
import {
  ContainerTerminationSchema,
  FindingSchema,
  ResourceAmountsSchema,
  WorkloadRefSchema,
  type ContainerTermination,
  type Finding,
  type Pod,
  type ResourceAmounts,
  type TimeWindow,
  type UsageMetric,
  type WorkloadRef,
} from '../core/domain.js';
import {
  containerKeyString,
  decodeCursor,
  encodeCursor,
  hasFields,
  InvalidCursorError,
  sameWorkload,
} from '../store/keys.js';
import type { ContainerKey, Page, Store, UsageStats } from '../store/store.js';
import { BadRequest, NotFound } from './schemas/common.js';

const PERCENTILES = [50, 95, 99];

/** The window a workload's numbers cover unless the query names one: 14 days. */
export const WORKLOAD_WINDOW_MS = 14 * 86_400_000;

/** Terminations a workload's detail carries; older ones are paged. */
export const TERMINATIONS_SHOWN = 100;

interface TerminationCursor {
  /** Page terminations that finished before this time. */
  readonly before: number;
}

const UsageSchema = Type.Object({
  samples: Type.Integer(),
  from: Type.Integer({ description: 'First sample (epoch ms)' }),
  to: Type.Integer({ description: 'Last sample (epoch ms)' }),
  mean: Type.Number(),
  p50: Type.Number(),
  p95: Type.Number(),
  p99: Type.Number(),
  max: Type.Number(),
});

export const WorkloadContainerSchema = Type.Object({
  workload: WorkloadRefSchema,
  container: Type.String(),
  cpuCores: Type.Optional(UsageSchema),
  memoryBytes: Type.Optional(UsageSchema),
  requests: ResourceAmountsSchema,
  limits: ResourceAmountsSchema,
  oomKills: Type.Integer({ description: 'OOM kills in the window' }),
  recommendation: Type.Optional(
    Type.Object({
      findingId: Type.String(),
      summary: Type.String(),
      evidence: Type.Record(Type.String(), Type.Unknown()),
    }),
  ),
});
export type WorkloadContainer = Static<typeof WorkloadContainerSchema>;

export const WorkloadDetailSchema = Type.Object({
  workload: WorkloadRefSchema,
  containers: Type.Array(WorkloadContainerSchema),
  pods: Type.Array(
    Type.Object({
      name: Type.String(),
      node: Type.Optional(Type.String()),
      qosClass: Type.String(),
    }),
  ),
  terminations: Type.Array(ContainerTerminationSchema, {
    description: `The newest ${TERMINATIONS_SHOWN} terminations of the window, oldest first; terminationsNext pages back`,
  }),
  terminationsNext: Type.Optional(
    Type.String({ description: 'Cursor of the older terminations (…/terminations?cursor=)' }),
  ),
  terminationCounts: Type.Record(Type.String(), Type.Integer(), {
    description: 'Every termination of the window, counted by reason (OOMKilled, Error, …)',
  }),
  findings: Type.Array(FindingSchema),
});
export type WorkloadDetail = Static<typeof WorkloadDetailSchema>;

const usage = (stats: UsageStats | undefined): Static<typeof UsageSchema> | undefined =>
  stats && {
    samples: stats.samples,
    from: stats.first,
    to: stats.last,
    mean: stats.mean,
    p50: stats.percentiles['50'] ?? 0,
    p95: stats.percentiles['95'] ?? 0,
    p99: stats.percentiles['99'] ?? 0,
    max: stats.max,
  };

/** Requests and limits of a container as its newest pod declares them. */
function currentResources(
  pods: readonly Pod[],
  key: ContainerKey,
): { requests: ResourceAmounts; limits: ResourceAmounts } {
  const newest = pods
    .filter((pod) => sameWorkload(pod.workload, key.workload))
    .sort((a, b) => b.createdAt - a.createdAt)[0];
  const container = newest?.containers.find((c) => c.name === key.container);
  return {
    requests: container?.resources.requests ?? {},
    limits: container?.resources.limits ?? {},
  };
}

/** Most items a list read whole holds: a web page shows no more, and says so. */
export const MAX_LISTED = 10_000;

/** Every finding matching the query, all pages, up to MAX_LISTED. */
export async function allFindings(
  store: Store,
  query: Parameters<Store['findings']>[0],
): Promise<Finding[]> {
  const found: Finding[] = [];
  let after: string | undefined;
  do {
    const page = await store.findings({ ...query, limit: 500, after });
    found.push(...page.items);
    after = page.next;
  } while (after && found.length < MAX_LISTED);
  return found;
}

export class WorkloadData {
  constructor(
    private readonly store: Store,
    private readonly cluster: string,
  ) {}

  private async statsPage(
    metric: UsageMetric,
    window: TimeWindow,
    namespace: string | undefined,
    pageSize: number,
    after: string | undefined,
  ): Promise<Page<UsageStats>> {
    try {
      return await this.store.usageStats({
        cluster: this.cluster,
        metric,
        window,
        percentiles: PERCENTILES,
        namespace,
        pageSize,
        after,
      });
    } catch (error) {
      if (error instanceof InvalidCursorError)
        throw new BadRequest(`querystring/cursor: ${error.message}`);
      throw error;
    }
  }

  private async describe(
    keys: readonly ContainerKey[],
    memory: Map<string, UsageStats>,
    cpu: Map<string, UsageStats>,
    window: TimeWindow,
    namespace: string | undefined,
  ): Promise<WorkloadContainer[]> {
    const { store, cluster } = this;
    const [pods, kills, recommendations] = await Promise.all([
      store.pods({ cluster, namespace }),
      store.terminations({ cluster, window, namespace, reasons: ['OOMKilled'] }),
      allFindings(store, { cluster, namespace, kinds: ['recommendation'], status: 'open' }),
    ]);
    return keys.map((key) => {
      const text = containerKeyString(key);
      const recommendation = recommendations.find(
        (finding) =>
          finding.subject.type === 'workload_container' &&
          sameWorkload(finding.subject.workload, key.workload) &&
          finding.subject.container === key.container,
      );
      return {
        workload: key.workload,
        container: key.container,
        cpuCores: usage(cpu.get(text)),
        memoryBytes: usage(memory.get(text)),
        ...currentResources(pods, key),
        oomKills: kills.filter(
          (kill) => sameWorkload(kill.workload, key.workload) && kill.container === key.container,
        ).length,
        recommendation: recommendation && {
          findingId: recommendation.id,
          summary: recommendation.recommendation,
          evidence: recommendation.evidence,
        },
      };
    });
  }

  /** One page of containers with memory samples in the window, in key order. */
  async containers(query: {
    window: TimeWindow;
    namespace?: string | undefined;
    limit: number;
    cursor?: string | undefined;
  }): Promise<Page<WorkloadContainer>> {
    const { window, namespace, limit, cursor } = query;
    const memoryPage = await this.statsPage(
      'memory_working_set_bytes',
      window,
      namespace,
      limit,
      cursor,
    );
    // CPU pages in the same key order; twice the size covers containers without memory samples.
    const cpuPage = await this.statsPage('cpu_usage_cores', window, namespace, limit * 2, cursor);
    const memory = new Map(memoryPage.items.map((row) => [containerKeyString(row.key), row]));
    const cpu = new Map(cpuPage.items.map((row) => [containerKeyString(row.key), row]));
    const keys = memoryPage.items.map((row) => row.key);
    return {
      items: await this.describe(keys, memory, cpu, window, namespace),
      next: memoryPage.next,
    };
  }

  /** Every container of a namespace (all pages), for a page that lists them at once. */
  async allContainers(window: TimeWindow, namespace: string): Promise<WorkloadContainer[]> {
    const all: WorkloadContainer[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.containers({ window, namespace, limit: 500, cursor });
      all.push(...page.items);
      cursor = page.next;
    } while (cursor && all.length < MAX_LISTED);
    return all;
  }

  /**
   * A page of a workload's terminations, going back in time from the window's end (or the
   * cursor): the newest `limit` of them, oldest first. Terminations that finished at the same
   * instant stay on one page, so paging by time misses none.
   */
  async terminations(
    workload: WorkloadRef,
    window: TimeWindow,
    limit: number,
    cursor?: string,
  ): Promise<Page<ContainerTermination> & { counts: Record<string, number> }> {
    const position = decodeCursor(cursor, hasFields<TerminationCursor>({ before: 'number' }));
    if (cursor !== undefined && position === undefined) {
      throw new BadRequest(`querystring/cursor: ${new InvalidCursorError().message}`);
    }
    const to = Math.min(position?.before ?? window.to, window.to);
    const all = await this.store.terminations({
      cluster: this.cluster,
      window: { from: window.from, to },
      workload,
    });
    const counts: Record<string, number> = {};
    for (const t of all) counts[t.termination.reason] = (counts[t.termination.reason] ?? 0) + 1;
    let start = Math.max(all.length - limit, 0);
    const boundary = all[start]?.termination.finishedAt;
    while (start > 0 && all[start - 1]!.termination.finishedAt === boundary) start -= 1;
    return {
      items: all.slice(start),
      next: start > 0 && boundary !== undefined ? encodeCursor({ before: boundary }) : undefined,
      counts,
    };
  }

  /** One workload: its containers, pods, terminations and findings; NotFound when unknown. */
  async detail(workload: WorkloadRef, window: TimeWindow): Promise<WorkloadDetail> {
    const { store, cluster } = this;
    const collect = async (metric: UsageMetric) => {
      const rows = new Map<string, UsageStats>();
      let after: string | undefined;
      do {
        const page = await this.statsPage(metric, window, workload.namespace, 500, after);
        for (const row of page.items) {
          if (sameWorkload(row.key.workload, workload)) rows.set(containerKeyString(row.key), row);
        }
        after = page.next;
      } while (after);
      return rows;
    };
    const [memory, cpu, pods, terminations, findings] = await Promise.all([
      collect('memory_working_set_bytes'),
      collect('cpu_usage_cores'),
      store.pods({ cluster, namespace: workload.namespace }),
      this.terminations(workload, window, TERMINATIONS_SHOWN),
      allFindings(store, { cluster, namespace: workload.namespace, window }),
    ]);
    const own = pods.filter((pod) => sameWorkload(pod.workload, workload));
    const names = new Set([...memory.keys(), ...cpu.keys()]);
    for (const pod of own) {
      for (const container of pod.containers) {
        if (!container.init)
          names.add(containerKeyString({ cluster, workload, container: container.name }));
      }
    }
    if (names.size === 0 && terminations.items.length === 0) {
      throw new NotFound(
        `no workload ${workload.kind}/${workload.name} in namespace ${workload.namespace}`,
      );
    }
    const keys = [...names]
      .sort()
      .map((text) => ({ cluster, workload, container: text.split('\u0000')[4]! }));
    return {
      workload,
      containers: await this.describe(keys, memory, cpu, window, workload.namespace),
      pods: own.map((pod) => ({ name: pod.name, node: pod.nodeName, qosClass: pod.qosClass })),
      terminations: terminations.items,
      ...(terminations.next ? { terminationsNext: terminations.next } : {}),
      terminationCounts: terminations.counts,
      findings: findings.filter(
        (finding) =>
          (finding.subject.type === 'workload' || finding.subject.type === 'workload_container') &&
          sameWorkload(finding.subject.workload, workload),
      ),
    };
  }
}
