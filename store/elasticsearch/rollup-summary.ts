// Summing rollup documents (5-minute or daily) into one summary per group: the extremes, totals
// and time span, and the sketch's bucket counts added up, so a quantile can be read off in Node.
import type { estypes } from '@elastic/elasticsearch';
import { QuantileSketch } from '../../core/sketch.js';

const R = 'rollup';
type Metric = estypes.AggregationsSingleMetricAggregateBase;

/** Sub-aggregations under a group of rollup documents; read back with `readSummary`. */
export function summaryAggregations(
  maxBuckets: number,
): Record<string, estypes.AggregationsAggregationContainer> {
  return {
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
          terms: { field: `${R}.histogram.bucket`, size: maxBuckets },
          aggs: { count: { sum: { field: `${R}.histogram.count` } } },
        },
      },
    },
  };
}

export interface RollupSummary {
  readonly min: number;
  readonly max: number;
  readonly sum: number;
  readonly count: number;
  readonly first: number;
  readonly last: number;
  readonly histogram: { bucket: number; count: number }[];
}

export function readSummary(group: Record<string, unknown>): RollupSummary {
  const value = (name: string) => (group[name] as Metric).value ?? 0;
  const nested = group.histogram as estypes.AggregationsNestedAggregate;
  const histogram = (
    (nested.buckets as estypes.AggregationsLongTermsAggregate)
      .buckets as estypes.AggregationsLongTermsBucket[]
  ).map((bucket) => ({ bucket: Number(bucket.key), count: (bucket.count as Metric).value ?? 0 }));
  return {
    min: value('min'),
    max: value('max'),
    sum: value('sum'),
    count: value('count'),
    first: value('first'),
    last: value('last'),
    histogram,
  };
}

export function sketchOf(summary: RollupSummary): QuantileSketch {
  const sketch = new QuantileSketch();
  for (const { bucket, count } of summary.histogram) sketch.addBucket(bucket, count);
  return sketch;
}
