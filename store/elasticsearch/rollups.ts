// The rollup job: summarises raw usage samples into one document per workload container (or
// node) per 5-minute window: min, max, sum, count and the sketch's bucket counts. Windows that got
// new samples since the last run (by `event.ingested`) are summarised again from all their raw
// samples, so late and backfilled data is included and a re-run rewrites the same documents.
import type { Client, estypes } from '@elastic/elasticsearch';
import { stableId } from '../../core/envelope.js';
import { containerSeries } from '../keys.js';
import type { IndexNames } from './layout.js';
import { range, readWatermark, writeWatermark } from './search.js';

export const ROLLUP_WINDOW_MS = 5 * 60_000;
const WATERMARK_ID = 'rollup-watermark';
/** Covers clock skew between ingest processes and the job. */
const INGEST_SKEW_MS = 60_000;
const COMPOSITE_PAGE = 1_000;
const MAX_BUCKETS_PER_WINDOW = 1_000;

const S = 'plimsoll.usage_sample';

interface KeyFields {
  readonly fields: Record<string, string>;
  readonly filter: estypes.QueryDslQueryContainer;
  /** The `rollup.series` term of a group's key, for keyings that have one. */
  readonly series?: (key: Record<string, string>) => string;
}

/** Container metrics are keyed by workload container; node metrics by node. */
const KEYINGS: readonly KeyFields[] = [
  {
    fields: {
      namespace: `${S}.workload.namespace`,
      kind: `${S}.workload.kind`,
      name: `${S}.workload.name`,
      container: `${S}.container`,
    },
    filter: { exists: { field: `${S}.workload.name` } },
    series: (key) =>
      containerSeries(
        { namespace: key.namespace!, kind: key.kind!, name: key.name! },
        key.container!,
      ),
  },
  {
    fields: { node: `${S}.node` },
    filter: {
      bool: {
        filter: [{ exists: { field: `${S}.node` } }],
        must_not: [{ exists: { field: `${S}.podUid` } }],
      },
    },
  },
];

export class RollupJob {
  constructor(
    private readonly client: Client,
    private readonly indices: IndexNames,
  ) {}

  /**
   * Returns the start of every window summarised. Which windows need it is decided by ingestion
   * time (wall clock), whatever time the samples themselves carry.
   */
  async run(): Promise<number[]> {
    const now = Date.now();
    const state = this.indices.single('state');
    const since = await readWatermark(this.client, state, WATERMARK_ID);
    const dirty = await this.dirtyWindows(since === undefined ? 0 : since - INGEST_SKEW_MS, now);
    for (const [from, to] of mergeRanges(dirty)) {
      for (const keying of KEYINGS) await this.rollRange(from, to, keying);
    }
    await writeWatermark(this.client, state, WATERMARK_ID, now);
    return dirty;
  }

  /** Start times of windows holding samples ingested in [since, now). */
  private async dirtyWindows(since: number, now: number): Promise<number[]> {
    const windows: number[] = [];
    let after: Record<string, estypes.FieldValue> | undefined;
    for (;;) {
      const response = await this.client.search({
        index: this.indices.pattern('samples'),
        ignore_unavailable: true,
        allow_no_indices: true,
        size: 0,
        query: { bool: { filter: [range('event.ingested', since, now + 1)] } },
        aggs: {
          windows: {
            composite: {
              size: COMPOSITE_PAGE,
              sources: [
                {
                  start: {
                    date_histogram: {
                      field: '@timestamp',
                      fixed_interval: `${ROLLUP_WINDOW_MS}ms`,
                    },
                  },
                },
              ],
              ...(after ? { after } : {}),
            },
          },
        },
      });
      const agg = response.aggregations?.windows as
        estypes.AggregationsCompositeAggregate | undefined;
      const buckets = (agg?.buckets ?? []) as estypes.AggregationsCompositeBucket[];
      for (const bucket of buckets) windows.push(Number(bucket.key.start));
      if (buckets.length < COMPOSITE_PAGE || !agg?.after_key) break;
      after = agg.after_key;
    }
    return windows;
  }

  private async rollRange(from: number, to: number, keying: KeyFields): Promise<number> {
    let after: Record<string, estypes.FieldValue> | undefined;
    let written = 0;
    for (;;) {
      const response = await this.client.search({
        index: this.indices.pattern('samples'),
        ignore_unavailable: true,
        allow_no_indices: true,
        size: 0,
        query: { bool: { filter: [range('@timestamp', from, to), keying.filter] } },
        aggs: {
          groups: {
            composite: {
              size: COMPOSITE_PAGE,
              sources: [
                { cluster: { terms: { field: 'orchestrator.cluster.name' } } },
                { metric: { terms: { field: `${S}.metric` } } },
                ...Object.entries(keying.fields).map(([name, field]) => ({
                  [name]: { terms: { field } },
                })),
                {
                  start: {
                    date_histogram: {
                      field: '@timestamp',
                      fixed_interval: `${ROLLUP_WINDOW_MS}ms`,
                    },
                  },
                },
              ],
              ...(after ? { after } : {}),
            },
            aggs: {
              min: { min: { field: `${S}.value` } },
              max: { max: { field: `${S}.value` } },
              sum: { sum: { field: `${S}.value` } },
              first: { min: { field: '@timestamp' } },
              last: { max: { field: '@timestamp' } },
              buckets: { terms: { field: `${S}.bucket`, size: MAX_BUCKETS_PER_WINDOW } },
            },
          },
        },
      });
      const agg = response.aggregations?.groups as
        estypes.AggregationsCompositeAggregate | undefined;
      const groups = (agg?.buckets ?? []) as estypes.AggregationsCompositeBucket[];
      if (groups.length > 0) {
        const operations = groups.flatMap((group) => this.rollupOperations(group, keying));
        const result = await this.client.bulk({ operations });
        if (result.errors) {
          const failed = result.items.find((item) => item.index?.error)?.index?.error;
          throw new Error(`rollup write failed: ${failed?.type ?? ''} ${failed?.reason ?? ''}`);
        }
        written += groups.length;
      }
      if (groups.length < COMPOSITE_PAGE || !agg?.after_key) break;
      after = agg.after_key;
    }
    return written;
  }

  private rollupOperations(
    group: estypes.AggregationsCompositeBucket,
    keying: KeyFields,
  ): unknown[] {
    const key = group.key as Record<string, string | number>;
    const start = Number(key.start);
    const value = (name: string) =>
      (group[name] as estypes.AggregationsSingleMetricAggregateBase).value ?? 0;
    const histogram = (
      (group.buckets as estypes.AggregationsLongTermsAggregate)
        .buckets as estypes.AggregationsLongTermsBucket[]
    ).map((bucket) => ({ bucket: Number(bucket.key), count: bucket.doc_count }));
    const identity = Object.keys(keying.fields).map((name) => String(key[name]));
    const series = keying.series?.(key as Record<string, string>);
    const document = {
      '@timestamp': start,
      rollup: {
        cluster: key.cluster,
        metric: key.metric,
        ...Object.fromEntries(Object.keys(keying.fields).map((name) => [name, key[name]])),
        ...(series !== undefined && { series }),
        window_ms: ROLLUP_WINDOW_MS,
        min: value('min'),
        max: value('max'),
        sum: value('sum'),
        count: group.doc_count,
        first: value('first'),
        last: value('last'),
        histogram,
      },
    };
    return [
      {
        index: {
          _index: this.indices.daily('rollups', start),
          _id: stableId('rollup', String(key.cluster), String(key.metric), ...identity, start),
        },
      },
      document,
    ];
  }
}

/** Sorted window starts → contiguous [from, to) ranges. */
export function mergeRanges(starts: readonly number[]): [number, number][] {
  const sorted = [...starts].sort((a, b) => a - b);
  const ranges: [number, number][] = [];
  for (const start of sorted) {
    const last = ranges[ranges.length - 1];
    if (last && last[1] === start) last[1] = start + ROLLUP_WINDOW_MS;
    else ranges.push([start, start + ROLLUP_WINDOW_MS]);
  }
  return ranges;
}
