// Usage statistics pushed down to Elasticsearch. Percentiles over weeks come from rollups: one
// composite aggregation pages through containers and, per container, sums the sketch buckets of
// every 5-minute window in range; only those bucket counts (a few hundred per container) reach
// Node, where the quantile is read off with the sketch's guaranteed relative error.
import type { Client, estypes } from '@elastic/elasticsearch';
import type { EpochMs, TimeWindow } from '../../core/domain.js';
import {
  decodeCursor,
  hasFields,
  encodeCursor,
  InvalidCursorError,
  parseContainerSeries,
  percentileKey,
} from '../keys.js';
import type {
  CoverageQuery,
  LatestNodeValuesQuery,
  Page,
  SeriesPoint,
  SeriesQuery,
  UsageStats,
  UsageStatsQuery,
} from '../store.js';
import { DAY_MS, startOfDay } from './daily-rollups.js';
import type { IndexNames } from './layout.js';
import { readSummary, sketchOf, summaryAggregations } from './rollup-summary.js';
import { ROLLUP_WINDOW_MS } from './rollups.js';
import { range, term } from './search.js';

const R = 'rollup';
const S = 'plimsoll.usage_sample';
const MAX_BUCKETS_PER_CONTAINER = 5_000;
/** Nodes one latestNodeValues answers for; Kubernetes supports 5,000 nodes a cluster. */
const MAX_NODES = 10_000;

type Composite = estypes.AggregationsCompositeAggregate;
type CompositeBucket = estypes.AggregationsCompositeBucket;
type Metric = estypes.AggregationsSingleMetricAggregateBase;

export class UsageQueries {
  constructor(
    private readonly client: Client,
    private readonly indices: IndexNames,
    /** Days before this one are in the daily tier (undefined: none yet). */
    private readonly dailyComplete: () => Promise<number | undefined>,
  ) {}

  async usageStats(query: UsageStatsQuery): Promise<Page<UsageStats>> {
    const after = decodeCursor(query.after, hasFields<{ series: string }>({ series: 'string' }));
    if (query.after !== undefined && after === undefined) {
      throw new InvalidCursorError();
    }
    const pageSize = query.pageSize ?? 500;
    const filters: estypes.QueryDslQueryContainer[] = [
      term(`${R}.cluster`, query.cluster),
      term(`${R}.metric`, query.metric),
      await this.tiers(query.window),
      { exists: { field: `${R}.series` } },
    ];
    if (query.namespace) filters.push(term(`${R}.namespace`, query.namespace));
    // Two steps keep a page's cost proportional to the page: first the next containers' names
    // alone (cheap, and stops early on the sorted index), then their summaries, aggregated only
    // over their own documents.
    const series = await this.nextSeries(filters, pageSize, after?.series);
    if (series.length === 0) return { items: [] };
    const response = await this.client.search({
      index: this.indices.pattern('rollups'),
      ignore_unavailable: true,
      allow_no_indices: true,
      size: 0,
      query: { bool: { filter: [...filters, { terms: { [`${R}.series`]: series } }] } },
      aggs: {
        containers: {
          terms: { field: `${R}.series`, size: series.length },
          aggs: summaryAggregations(MAX_BUCKETS_PER_CONTAINER),
        },
      },
    });
    const groups = ((
      response.aggregations?.containers as estypes.AggregationsStringTermsAggregate | undefined
    )?.buckets ?? []) as estypes.AggregationsStringTermsBucket[];
    const bySeries = new Map(groups.map((group) => [String(group.key), group]));
    const items: UsageStats[] = [];
    for (const name of series) {
      const group = bySeries.get(name);
      const parsed = parseContainerSeries(name);
      if (group && parsed) items.push(this.stats(query, parsed, group));
    }
    const next =
      series.length === pageSize ? encodeCursor({ series: series[series.length - 1] }) : undefined;
    return { items, next };
  }

  private stats(
    query: UsageStatsQuery,
    key: { workload: UsageStats['key']['workload']; container: string },
    group: estypes.AggregationsStringTermsBucket,
  ): UsageStats {
    const summary = readSummary(group);
    const sketch = sketchOf(summary);
    const percentiles: Record<string, number> = {};
    for (const p of query.percentiles)
      percentiles[percentileKey(p)] = sketch.quantile(p / 100) ?? 0;
    return {
      key: { cluster: query.cluster, ...key },
      metric: query.metric,
      samples: summary.count,
      first: summary.first,
      last: summary.last,
      min: summary.min,
      max: summary.max,
      mean: summary.count > 0 ? summary.sum / summary.count : 0,
      percentiles,
    };
  }

  /** The next page of container series after `after`, in order. */
  private async nextSeries(
    filters: estypes.QueryDslQueryContainer[],
    pageSize: number,
    after: string | undefined,
  ): Promise<string[]> {
    const response = await this.client.search({
      index: this.indices.pattern('rollups'),
      ignore_unavailable: true,
      allow_no_indices: true,
      size: 0,
      query: { bool: { filter: filters } },
      aggs: {
        series: {
          composite: {
            size: pageSize,
            sources: [{ series: { terms: { field: `${R}.series` } } }],
            ...(after !== undefined ? { after: { series: after } } : {}),
          },
        },
      },
    });
    const agg = response.aggregations?.series as Composite | undefined;
    return ((agg?.buckets ?? []) as CompositeBucket[]).map((bucket) => String(bucket.key.series));
  }

  /**
   * Which rollup documents cover a window: daily ones for the whole days the daily tier has,
   * 5-minute ones for the rest (the window's partial first and last days, and recent days).
   */
  private async tiers(window: TimeWindow): Promise<estypes.QueryDslQueryContainer> {
    const fiveMinute = (from: number, to: number) => ({
      bool: { filter: [term(`${R}.window_ms`, ROLLUP_WINDOW_MS), range('@timestamp', from, to)] },
    });
    const firstWholeDay = Math.ceil(window.from / DAY_MS) * DAY_MS;
    const dailyUntil = Math.min(startOfDay(window.to), (await this.dailyComplete()) ?? 0);
    if (firstWholeDay >= dailyUntil) return fiveMinute(window.from, window.to);
    return {
      bool: {
        should: [
          fiveMinute(window.from, firstWholeDay),
          {
            bool: {
              filter: [
                term(`${R}.window_ms`, DAY_MS),
                range('@timestamp', firstWholeDay, dailyUntil),
              ],
            },
          },
          fiveMinute(dailyUntil, window.to),
        ],
        minimum_should_match: 1,
      },
    };
  }

  /** Raw samples where they are still kept; rollups (per window) beyond that. */
  async usageSeries(query: SeriesQuery): Promise<SeriesPoint[]> {
    const raw = await this.rawSeries(query);
    return raw.length > 0 ? raw : this.rollupSeries(query);
  }

  async latestNodeValues(query: LatestNodeValuesQuery): Promise<Map<string, number>> {
    const response = await this.client.search({
      index: this.indices.pattern('samples'),
      ignore_unavailable: true,
      allow_no_indices: true,
      size: 0,
      query: {
        bool: {
          filter: [
            term('orchestrator.cluster.name', query.cluster),
            term(`${S}.metric`, query.metric),
            range('@timestamp', query.window.from, query.window.to),
          ],
          // A node's own readings, not the containers' samples that also name their node.
          must_not: [{ exists: { field: `${S}.container` } }],
        },
      },
      aggs: {
        nodes: {
          terms: { field: `${S}.node`, size: MAX_NODES },
          aggs: {
            // top_hits rather than top_metrics, which only the default distribution's x-pack has.
            newest: {
              top_hits: {
                size: 1,
                sort: [{ '@timestamp': 'desc' }],
                _source: false,
                docvalue_fields: [`${S}.value`],
              },
            },
          },
        },
      },
    });
    type NodeBucket = {
      key: string;
      newest: { hits: { hits: { fields?: Record<string, number[]> }[] } };
    };
    const buckets = (response.aggregations?.nodes as { buckets?: NodeBucket[] } | undefined)
      ?.buckets;
    const values = new Map<string, number>();
    for (const bucket of buckets ?? []) {
      const value = bucket.newest.hits.hits[0]?.fields?.[`${S}.value`]?.[0];
      if (value !== undefined) values.set(bucket.key, value);
    }
    return values;
  }

  /**
   * Buckets with raw samples or 5-minute rollups (raw samples may have aged out already); for a
   * set of nodes, the node-keyed rollups stand for the node's samples.
   */
  async usageCoverage(query: CoverageQuery): Promise<EpochMs[]> {
    const window = range('@timestamp', query.window.from, query.window.to);
    const onNodes = (field: string) =>
      query.nodes ? [{ terms: { [field]: [...query.nodes] } }] : [];
    const inNamespace = (field: string) => (query.namespace ? [term(field, query.namespace)] : []);
    const [raw, rolled] = await Promise.all([
      this.histogram(
        this.indices.pattern('samples'),
        [
          term('orchestrator.cluster.name', query.cluster),
          window,
          ...onNodes(`${S}.node`),
          ...inNamespace(`${S}.workload.namespace`),
        ],
        query,
        {},
      ),
      this.histogram(
        this.indices.pattern('rollups'),
        [
          term(`${R}.cluster`, query.cluster),
          term(`${R}.window_ms`, ROLLUP_WINDOW_MS),
          window,
          ...onNodes(`${R}.node`),
          ...inNamespace(`${R}.namespace`),
        ],
        query,
        {},
      ),
    ]);
    return [...new Set([...raw, ...rolled].map((point) => point.t))].sort((a, b) => a - b);
  }

  private async rawSeries(query: SeriesQuery): Promise<SeriesPoint[]> {
    const filters: estypes.QueryDslQueryContainer[] = [
      term('orchestrator.cluster.name', query.cluster),
      term(`${S}.metric`, query.metric),
      range('@timestamp', query.window.from, query.window.to),
    ];
    const subject = query.subject;
    if (subject.type === 'node') {
      filters.push(term(`${S}.node`, subject.node));
    } else if (subject.type === 'pod_container') {
      filters.push(term(`${S}.podUid`, subject.podUid), term(`${S}.container`, subject.container));
    } else {
      const { workload, container } = subject.key;
      filters.push(
        term(`${S}.workload.namespace`, workload.namespace),
        term(`${S}.workload.kind`, workload.kind),
        term(`${S}.workload.name`, workload.name),
        term(`${S}.container`, container),
      );
    }
    return this.histogram(this.indices.pattern('samples'), filters, query, {
      min: { min: { field: `${S}.value` } },
      max: { max: { field: `${S}.value` } },
      mean: { avg: { field: `${S}.value` } },
    });
  }

  private rollupSeries(query: SeriesQuery): Promise<SeriesPoint[]> {
    const subject = query.subject;
    if (subject.type === 'pod_container') return Promise.resolve([]);
    const filters: estypes.QueryDslQueryContainer[] = [
      term(`${R}.cluster`, query.cluster),
      term(`${R}.metric`, query.metric),
      term(`${R}.window_ms`, ROLLUP_WINDOW_MS),
      range('@timestamp', query.window.from, query.window.to),
    ];
    if (subject.type === 'node') {
      filters.push(term(`${R}.node`, subject.node));
    } else {
      const { workload, container } = subject.key;
      filters.push(
        term(`${R}.namespace`, workload.namespace),
        term(`${R}.kind`, workload.kind),
        term(`${R}.name`, workload.name),
        term(`${R}.container`, container),
      );
    }
    return this.histogram(this.indices.pattern('rollups'), filters, query, {
      min: { min: { field: `${R}.min` } },
      max: { max: { field: `${R}.max` } },
      sum: { sum: { field: `${R}.sum` } },
      count: { sum: { field: `${R}.count` } },
    });
  }

  private async histogram(
    index: string,
    filters: estypes.QueryDslQueryContainer[],
    query: { readonly window: TimeWindow; readonly stepMs: number },
    aggs: Record<string, estypes.AggregationsAggregationContainer>,
  ): Promise<SeriesPoint[]> {
    const response = await this.client.search({
      index,
      ignore_unavailable: true,
      allow_no_indices: true,
      size: 0,
      query: { bool: { filter: filters } },
      aggs: {
        series: {
          date_histogram: {
            field: '@timestamp',
            fixed_interval: `${query.stepMs}ms`,
            offset: `${query.window.from % query.stepMs}ms`,
            min_doc_count: 1,
          },
          aggs,
        },
      },
    });
    const buckets = (
      response.aggregations?.series as estypes.AggregationsDateHistogramAggregate | undefined
    )?.buckets as estypes.AggregationsDateHistogramBucket[] | undefined;
    return (buckets ?? []).map((bucket) => {
      const value = (name: string) => (bucket[name] as Metric | undefined)?.value ?? 0;
      const mean = 'mean' in aggs ? value('mean') : value('sum') / Math.max(value('count'), 1);
      return { t: Number(bucket.key), min: value('min'), max: value('max'), mean };
    });
  }
}
