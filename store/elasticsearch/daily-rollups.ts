// The daily tier: one document per container (or node), metric and UTC day, summarised from that
// day's 5-minute rollups (sketch buckets summed, so quantiles keep the sketch's error bound).
// Queries over weeks read 14 of these per container instead of 4,032 five-minute documents.
// A day is summarised once it is over, and again whenever any of its 5-minute windows is rolled
// again (late or backfilled samples); the watermark says up to which day the tier is complete.
import type { Client, estypes } from '@elastic/elasticsearch';
import { stableId } from '../../core/envelope.js';
import { parseContainerSeries } from '../keys.js';
import type { IndexNames } from './layout.js';
import { ROLLUP_WINDOW_MS } from './rollups.js';
import { readSummary, summaryAggregations, type RollupSummary } from './rollup-summary.js';
import { range, readWatermark, term, writeWatermark } from './search.js';

export const DAY_MS = 86_400_000;
const WATERMARK_ID = 'daily-rollup-watermark';
const COMPOSITE_PAGE = 500;
const MAX_BUCKETS = 5_000;
const R = 'rollup';

export const startOfDay = (epochMs: number) => Math.floor(epochMs / DAY_MS) * DAY_MS;

interface Keying {
  readonly field: 'series' | 'node';
  readonly filter: estypes.QueryDslQueryContainer;
}

/** Container documents are keyed by their series term; node documents by node. */
const KEYINGS: readonly Keying[] = [
  { field: 'series', filter: { exists: { field: `${R}.series` } } },
  {
    field: 'node',
    filter: {
      bool: {
        filter: [{ exists: { field: `${R}.node` } }],
        must_not: [{ exists: { field: `${R}.series` } }],
      },
    },
  },
];

export class DailyRollupJob {
  constructor(
    private readonly client: Client,
    private readonly indices: IndexNames,
  ) {}

  /** Days before this one have their daily documents; undefined before the first run. */
  completeUntil(): Promise<number | undefined> {
    return readWatermark(this.client, this.indices.single('state'), WATERMARK_ID);
  }

  /**
   * Summarises every finished day not yet summarised and every finished day holding one of
   * `rerolledWindows`; returns how many days were written.
   */
  async run(now: number, rerolledWindows: readonly number[]): Promise<number> {
    const today = startOfDay(now);
    const days = new Set<number>();
    for (const window of rerolledWindows) {
      const day = startOfDay(window);
      if (day < today) days.add(day);
    }
    const from = (await this.completeUntil()) ?? (await this.firstRollupDay());
    if (from !== undefined) for (let day = from; day < today; day += DAY_MS) days.add(day);
    for (const day of [...days].sort((a, b) => a - b)) {
      for (const keying of KEYINGS) await this.rollDay(day, keying);
    }
    await this.markComplete(today);
    return days.size;
  }

  /** Records that the tier is complete before `day`; for loaders that write it themselves. */
  markComplete(day: number): Promise<void> {
    return writeWatermark(this.client, this.indices.single('state'), WATERMARK_ID, day);
  }

  private async firstRollupDay(): Promise<number | undefined> {
    const response = await this.client.search({
      index: this.indices.pattern('rollups'),
      ignore_unavailable: true,
      allow_no_indices: true,
      size: 0,
      query: term(`${R}.window_ms`, ROLLUP_WINDOW_MS),
      aggs: { first: { min: { field: '@timestamp' } } },
    });
    const first = (response.aggregations?.first as estypes.AggregationsMinAggregate | undefined)
      ?.value;
    return typeof first === 'number' ? startOfDay(first) : undefined;
  }

  private async rollDay(day: number, keying: Keying): Promise<void> {
    let after: Record<string, estypes.FieldValue> | undefined;
    for (;;) {
      const response = await this.client.search({
        index: this.indices.pattern('rollups'),
        ignore_unavailable: true,
        allow_no_indices: true,
        size: 0,
        query: {
          bool: {
            filter: [
              term(`${R}.window_ms`, ROLLUP_WINDOW_MS),
              range('@timestamp', day, day + DAY_MS),
              keying.filter,
            ],
          },
        },
        aggs: {
          groups: {
            composite: {
              size: COMPOSITE_PAGE,
              sources: [keying.field, 'metric', 'cluster'].map((field) => ({
                [field]: { terms: { field: `${R}.${field}` } },
              })),
              ...(after ? { after } : {}),
            },
            aggs: summaryAggregations(MAX_BUCKETS),
          },
        },
      });
      const agg = response.aggregations?.groups as
        estypes.AggregationsCompositeAggregate | undefined;
      const groups = (agg?.buckets ?? []) as estypes.AggregationsCompositeBucket[];
      if (groups.length > 0) {
        const operations = groups.flatMap((group) => this.dailyOperations(day, group, keying));
        const result = await this.client.bulk({ operations });
        if (result.errors) {
          const failed = result.items.find((item) => item.index?.error)?.index?.error;
          throw new Error(
            `daily rollup write failed: ${failed?.type ?? ''} ${failed?.reason ?? ''}`,
          );
        }
      }
      if (groups.length < COMPOSITE_PAGE || !agg?.after_key) break;
      after = agg.after_key;
    }
  }

  private dailyOperations(
    day: number,
    group: estypes.AggregationsCompositeBucket,
    keying: Keying,
  ): unknown[] {
    const key = group.key as Record<string, string>;
    const subject = keying.field === 'series' ? seriesFields(key.series!) : { node: key.node! };
    if (!subject) return [];
    const document = dailyRollupDocument({
      day,
      cluster: key.cluster!,
      metric: key.metric!,
      subject,
      ...readSummary(group),
    });
    return [
      { index: { _index: this.indices.daily('rollups', day), _id: dailyRollupId(document) } },
      document,
    ];
  }
}

function seriesFields(series: string) {
  const parsed = parseContainerSeries(series);
  return parsed && { ...parsed.workload, container: parsed.container, series };
}

export interface DailyRollup extends RollupSummary {
  readonly day: number;
  readonly cluster: string;
  readonly metric: string;
  readonly subject:
    | { namespace: string; kind: string; name: string; container: string; series: string }
    | { node: string };
}

/** The stored form of a daily rollup; shared with loaders that write the tier directly. */
export function dailyRollupDocument(rollup: DailyRollup) {
  const { day, subject, ...rest } = rollup;
  return { '@timestamp': day, rollup: { ...rest, ...subject, window_ms: DAY_MS } };
}

export function dailyRollupId(document: ReturnType<typeof dailyRollupDocument>): string {
  const r = document.rollup;
  const identity = 'series' in r ? r.series : `node/${r.node}`;
  return stableId('rollup-day', r.cluster, r.metric, identity, document['@timestamp']);
}
