// Usage statistics pushed down to Elasticsearch. Percentiles over weeks come from rollups: one
// composite aggregation pages through containers and, per container, sums the sketch buckets of
// every 5-minute window in range; only those bucket counts (a few hundred per container) reach
// Node, where the quantile is read off with the sketch's guaranteed relative error.
import type { Client, estypes } from '@elastic/elasticsearch';
import { QuantileSketch } from '../../core/sketch.js';
import { decodeCursor, encodeCursor, InvalidCursorError, percentileKey } from '../keys.js';
import type { Page, SeriesPoint, SeriesQuery, UsageStats, UsageStatsQuery } from '../store.js';
import type { IndexNames } from './layout.js';
import { range, term } from './search.js';

const R = 'rollup';
const S = 'plimsoll.usage_sample';
const MAX_BUCKETS_PER_CONTAINER = 5_000;

type Composite = estypes.AggregationsCompositeAggregate;
type CompositeBucket = estypes.AggregationsCompositeBucket;
type Metric = estypes.AggregationsSingleMetricAggregateBase;

export class UsageQueries {
  constructor(
    private readonly client: Client,
    private readonly indices: IndexNames,
  ) {}

  async usageStats(query: UsageStatsQuery): Promise<Page<UsageStats>> {
    const after = decodeCursor<Record<string, string>>(query.after);
    if (query.after !== undefined && !after) throw new InvalidCursorError();
    const pageSize = query.pageSize ?? 500;
    const filters: estypes.QueryDslQueryContainer[] = [
      term(`${R}.cluster`, query.cluster),
      term(`${R}.metric`, query.metric),
      range('@timestamp', query.window.from, query.window.to),
      { exists: { field: `${R}.container` } },
    ];
    if (query.namespace) filters.push(term(`${R}.namespace`, query.namespace));
    const response = await this.client.search({
      index: this.indices.pattern('rollups'),
      ignore_unavailable: true,
      allow_no_indices: true,
      size: 0,
      query: { bool: { filter: filters } },
      aggs: {
        containers: {
          composite: {
            size: pageSize,
            sources: ['namespace', 'kind', 'name', 'container'].map((field) => ({
              [field]: { terms: { field: `${R}.${field}` } },
            })),
            ...(after ? { after } : {}),
          },
          aggs: {
            min: { min: { field: `${R}.min` } },
            max: { max: { field: `${R}.max` } },
            sum: { sum: { field: `${R}.sum` } },
            count: { sum: { field: `${R}.count` } },
            first: { min: { field: `${R}.first` } },
            last: { max: { field: `${R}.last` } },
            histogram: {
              nested: { path: `${R}.histogram` },
              aggs: {
                buckets: {
                  terms: { field: `${R}.histogram.bucket`, size: MAX_BUCKETS_PER_CONTAINER },
                  aggs: { count: { sum: { field: `${R}.histogram.count` } } },
                },
              },
            },
          },
        },
      },
    });
    const agg = response.aggregations?.containers as Composite | undefined;
    const groups = (agg?.buckets ?? []) as CompositeBucket[];
    const items = groups.map((group): UsageStats => {
      const key = group.key as Record<string, string>;
      const value = (name: string) => (group[name] as Metric).value ?? 0;
      const sketch = new QuantileSketch();
      const nested = group.histogram as estypes.AggregationsNestedAggregate;
      const buckets = (nested.buckets as estypes.AggregationsLongTermsAggregate)
        .buckets as estypes.AggregationsLongTermsBucket[];
      for (const bucket of buckets) {
        sketch.addBucket(Number(bucket.key), (bucket.count as Metric).value ?? 0);
      }
      const count = value('count');
      const percentiles: Record<string, number> = {};
      for (const p of query.percentiles)
        percentiles[percentileKey(p)] = sketch.quantile(p / 100) ?? 0;
      return {
        key: {
          cluster: query.cluster,
          workload: { namespace: key.namespace!, kind: key.kind!, name: key.name! },
          container: key.container!,
        },
        metric: query.metric,
        samples: count,
        first: value('first'),
        last: value('last'),
        min: value('min'),
        max: value('max'),
        mean: count > 0 ? value('sum') / count : 0,
        percentiles,
      };
    });
    const next =
      groups.length === pageSize && agg?.after_key ? encodeCursor(agg.after_key) : undefined;
    return { items, next };
  }

  /** Raw samples where they are still kept; rollups (per window) beyond that. */
  async usageSeries(query: SeriesQuery): Promise<SeriesPoint[]> {
    const raw = await this.rawSeries(query);
    return raw.length > 0 ? raw : this.rollupSeries(query);
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
    query: SeriesQuery,
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
