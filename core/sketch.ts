// A mergeable quantile sketch with a guaranteed relative error (the DDSketch idea: logarithmic
// buckets). Each value falls in bucket ceil(log_γ v) with γ = (1+α)/(1−α), so any quantile read
// back is within α of the true value at that rank. Bucket counts add up across windows and
// containers, which is what lets the store keep 5-minute rollups and answer 14-day percentiles.

/** Relative accuracy of every quantile Plimsoll reports from rollups. */
export const SKETCH_RELATIVE_ACCURACY = 0.01;

const GAMMA = (1 + SKETCH_RELATIVE_ACCURACY) / (1 - SKETCH_RELATIVE_ACCURACY);
const LOG_GAMMA = Math.log(GAMMA);

/** Values at or below this are counted as zero (idle CPU, an empty cache). */
export const SKETCH_MIN_VALUE = 1e-9;

/** Bucket index of zero and negligible values; below every real bucket. */
export const ZERO_BUCKET = -1_000_000;

export function bucketOf(value: number): number {
  if (!(value > SKETCH_MIN_VALUE)) return ZERO_BUCKET;
  return Math.ceil(Math.log(value) / LOG_GAMMA);
}

/** The value a bucket stands for: its midpoint in relative terms. */
export function valueOfBucket(bucket: number): number {
  if (bucket === ZERO_BUCKET) return 0;
  return (2 * Math.pow(GAMMA, bucket)) / (GAMMA + 1);
}

export class QuantileSketch {
  private readonly counts = new Map<number, number>();
  private total = 0;

  get count(): number {
    return this.total;
  }

  add(value: number, count = 1): void {
    this.addBucket(bucketOf(value), count);
  }

  addBucket(bucket: number, count: number): void {
    if (count <= 0) return;
    this.counts.set(bucket, (this.counts.get(bucket) ?? 0) + count);
    this.total += count;
  }

  merge(other: QuantileSketch): void {
    for (const [bucket, count] of other.counts) this.addBucket(bucket, count);
  }

  /** Buckets with their counts, lowest first; the form rollups store. */
  buckets(): { bucket: number; count: number }[] {
    return [...this.counts].sort(([a], [b]) => a - b).map(([bucket, count]) => ({ bucket, count }));
  }

  /**
   * The value at rank ⌊q·(n−1)⌋ of the sorted samples, within the relative accuracy.
   * Undefined for an empty sketch.
   */
  quantile(q: number): number | undefined {
    if (this.total === 0) return undefined;
    const rank = Math.floor(Math.min(Math.max(q, 0), 1) * (this.total - 1));
    let seen = 0;
    for (const { bucket, count } of this.buckets()) {
      seen += count;
      if (seen > rank) return valueOfBucket(bucket);
    }
    return undefined;
  }
}

/** The exact value a sketch approximates: rank ⌊q·(n−1)⌋ of the sorted values. */
export function exactQuantile(sortedAscending: ArrayLike<number>, q: number): number | undefined {
  if (sortedAscending.length === 0) return undefined;
  const rank = Math.floor(Math.min(Math.max(q, 0), 1) * (sortedAscending.length - 1));
  return sortedAscending[rank];
}
