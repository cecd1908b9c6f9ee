// The samples of one usage series, in time order, in blocks of typed arrays: a time as an Int32
// millisecond offset from its block's first time and a value as a Float64 — 12 bytes a sample,
// where two growing arrays of numbers cost about 19 — and held outside the JavaScript heap, so a
// scan of 5,000 containers does not make the garbage collector walk tens of millions of numbers.
// A store that can give up digits keeps values as Float32 (8 bytes a sample): seven significant
// digits, which still hold a page-multiple byte count up to 64 GiB exactly.

/** How a column keeps its values. */
export type SamplePrecision = 'float64' | 'float32';

/** Samples in one block at most; only the newest block grows, by doubling, up to it. */
const BLOCK_SAMPLES = 2_048;
const FIRST_CAPACITY = 8;
/** A block spans at most this many milliseconds (its offsets are Int32). */
const MAX_OFFSET = 2 ** 31 - 1;

class Block {
  base: number;
  length = 0;
  offsets: Int32Array;
  values: Float64Array | Float32Array;

  constructor(
    base: number,
    capacity: number,
    private readonly precision: SamplePrecision,
  ) {
    this.base = base;
    this.offsets = new Int32Array(capacity);
    this.values = valueArray(precision, capacity);
  }

  get capacity(): number {
    return this.offsets.length;
  }

  time(index: number): number {
    return this.base + this.offsets[index]!;
  }

  get first(): number {
    return this.base + this.offsets[0]!;
  }

  get last(): number {
    return this.base + this.offsets[this.length - 1]!;
  }

  /** Whether a sample at t can be held without a new base. */
  reaches(t: number): boolean {
    return t - this.base <= MAX_OFFSET && t >= this.base;
  }

  /** First index whose time is ≥ t. */
  lowerBound(t: number): number {
    const offset = t - this.base;
    let low = 0;
    let high = this.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.offsets[mid]! < offset) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  resize(capacity: number): void {
    const offsets = new Int32Array(capacity);
    const values = valueArray(this.precision, capacity);
    offsets.set(this.offsets.subarray(0, this.length));
    values.set(this.values.subarray(0, this.length));
    this.offsets = offsets;
    this.values = values;
  }

  insert(index: number, t: number, value: number): void {
    if (this.length === this.capacity) this.resize(Math.min(BLOCK_SAMPLES, this.capacity * 2));
    this.offsets.copyWithin(index + 1, index, this.length);
    this.values.copyWithin(index + 1, index, this.length);
    this.offsets[index] = t - this.base;
    this.values[index] = value;
    this.length += 1;
  }

  /** Drops the first `count` samples and rebases on the new first one. */
  dropFirst(count: number): void {
    this.offsets.copyWithin(0, count, this.length);
    this.values.copyWithin(0, count, this.length);
    this.length -= count;
    const shift = this.offsets[0]!;
    for (let i = 0; i < this.length; i++) this.offsets[i] = this.offsets[i]! - shift;
    this.base += shift;
  }

  /** Moves the samples from `index` on into a new block, which it returns. */
  splitAt(index: number): Block {
    const upper = new Block(this.time(index), BLOCK_SAMPLES, this.precision);
    for (let i = index; i < this.length; i++) {
      upper.offsets[upper.length] = this.time(i) - upper.base;
      upper.values[upper.length] = this.values[i]!;
      upper.length += 1;
    }
    this.length = index;
    return upper;
  }
}

const valueArray = (precision: SamplePrecision, capacity: number) =>
  precision === 'float32' ? new Float32Array(capacity) : new Float64Array(capacity);

export class SampleColumn {
  private blocks: Block[] = [];
  private size = 0;

  constructor(private readonly precision: SamplePrecision = 'float64') {}

  get length(): number {
    return this.size;
  }

  /** Adds a sample, or replaces the value of the one at the same time. */
  set(t: number, value: number): void {
    const newest = this.blocks[this.blocks.length - 1];
    if (!newest || t > newest.last) {
      this.append(newest, t, value);
      return;
    }
    let at = this.blockFor(t);
    let block = this.blocks[at]!;
    if (!block.reaches(t)) {
      // Before the first block's base, or too far past a block's: a block of its own.
      const own = new Block(t, FIRST_CAPACITY, this.precision);
      own.insert(0, t, value);
      this.blocks.splice(t < block.base ? at : at + 1, 0, own);
      this.size += 1;
      return;
    }
    const index = block.lowerBound(t);
    if (index < block.length && block.time(index) === t) {
      block.values[index] = value;
      return;
    }
    if (block.length === BLOCK_SAMPLES) {
      const upper = block.splitAt(BLOCK_SAMPLES / 2);
      this.blocks.splice(at + 1, 0, upper);
      if (t >= upper.base) {
        at += 1;
        block = upper;
      }
    }
    block.insert(block.lowerBound(t), t, value);
    this.size += 1;
  }

  private append(newest: Block | undefined, t: number, value: number): void {
    if (!newest || newest.length === BLOCK_SAMPLES || !newest.reaches(t)) {
      newest = new Block(t, FIRST_CAPACITY, this.precision);
      this.blocks.push(newest);
    }
    newest.insert(newest.length, t, value);
    this.size += 1;
  }

  /** Index of the last block whose base is ≤ t (the first block when none is). */
  private blockFor(t: number): number {
    let low = 0;
    let high = this.blocks.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >>> 1;
      if (this.blocks[mid]!.base <= t) low = mid;
      else high = mid - 1;
    }
    return low;
  }

  /** Calls `visit` for every sample with from ≤ t < to, in time order. */
  forEach(from: number, to: number, visit: (t: number, value: number) => void): void {
    for (const block of this.blocks) {
      if (block.last < from) continue;
      if (block.first >= to) return;
      for (let i = block.lowerBound(from); i < block.length; i++) {
        const t = block.time(i);
        if (t >= to) return;
        visit(t, block.values[i]!);
      }
    }
  }

  /** How many samples have from ≤ t < to. */
  countIn(from: number, to: number): number {
    let count = 0;
    for (const block of this.blocks) {
      if (block.last < from) continue;
      if (block.first >= to) break;
      count += block.lowerBound(to) - block.lowerBound(from);
    }
    return count;
  }

  /** The newest sample with from ≤ t < to, if any. */
  lastIn(from: number, to: number): { t: number; value: number } | undefined {
    for (let b = this.blocks.length - 1; b >= 0; b--) {
      const block = this.blocks[b]!;
      if (block.first >= to) continue;
      if (block.last < from) return undefined;
      const index = block.lowerBound(to) - 1;
      if (index < 0) continue;
      const t = block.time(index);
      return t >= from ? { t, value: block.values[index]! } : undefined;
    }
    return undefined;
  }

  /** The time of the first sample at or after t, if any. */
  firstAtOrAfter(t: number): number | undefined {
    for (const block of this.blocks) {
      if (block.last < t) continue;
      return block.time(block.lowerBound(t));
    }
    return undefined;
  }

  /** Drops every sample before `horizon`; returns how many are left. */
  dropBefore(horizon: number): number {
    let whole = 0;
    while (whole < this.blocks.length && this.blocks[whole]!.last < horizon) {
      this.size -= this.blocks[whole]!.length;
      whole += 1;
    }
    if (whole > 0) this.blocks = this.blocks.slice(whole);
    const first = this.blocks[0];
    if (first) {
      const stale = first.lowerBound(horizon);
      if (stale > 0) {
        first.dropFirst(stale);
        this.size -= stale;
      }
    }
    return this.size;
  }
}
