// The in-memory store's sample column against the plainest model of it (a sorted list): in-order
// appends, late samples, replayed ones, times months apart and retention drops all read back as
// the model does.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SampleColumn } from '../../store/sample-column.js';

const DAY = 86_400_000;

/** A deterministic pseudo-random sequence (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function read(column: SampleColumn, from = -Infinity, to = Infinity): [number, number][] {
  const out: [number, number][] = [];
  column.forEach(from, to, (t, v) => out.push([t, v]));
  return out;
}

function modelRead(model: Map<number, number>, from = -Infinity, to = Infinity) {
  return [...model].filter(([t]) => t >= from && t < to).sort(([a], [b]) => a - b);
}

describe('SampleColumn', { timeout: 60_000 }, () => {
  it('reads back a scan-sized series in order, at full precision', () => {
    const column = new SampleColumn();
    const start = Date.UTC(2026, 0, 1);
    for (let i = 0; i < 4_320; i++) column.set(start + i * 300_000, 1_500_000_000 + i * 4_096.5);
    assert.equal(column.length, 4_320);
    const all = read(column);
    assert.deepEqual(all[0], [start, 1_500_000_000]);
    assert.deepEqual(all.at(-1), [start + 4_319 * 300_000, 1_500_000_000 + 4_319 * 4_096.5]);
    assert.ok(all.every(([t], i) => i === 0 || t > all[i - 1]![0]));
    assert.deepEqual(read(column, start + 300_000, start + 900_000), [
      [start + 300_000, 1_500_004_096.5],
      [start + 600_000, 1_500_008_193],
    ]);
  });

  it('agrees with a sorted model under late, replayed and far-apart samples and drops', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const next = random(seed);
      const column = new SampleColumn();
      const model = new Map<number, number>();
      const base = Date.UTC(2026, 0, 1);
      for (let step = 0; step < 6_000; step++) {
        const roll = next();
        // Mostly in order; some late, some replayed, some weeks before or after everything.
        const newest = model.size ? Math.max(...model.keys()) : base;
        const t =
          roll < 0.7
            ? newest + 1 + Math.floor(next() * 60_000)
            : roll < 0.85
              ? base + Math.floor(next() * (newest - base + 1))
              : roll < 0.95 && model.size > 0
                ? [...model.keys()][Math.floor(next() * model.size)]!
                : base + Math.floor((next() - 0.5) * 60 * DAY);
        const value = Math.floor(next() * 1e10) / 7;
        column.set(t, value);
        model.set(t, value);
        assert.equal(column.length, model.size);
      }
      assert.deepEqual(read(column), modelRead(model), `seed ${seed}`);
      const times = [...model.keys()].sort((a, b) => a - b);
      const from = times[Math.floor(times.length / 3)]!;
      const to = times[Math.floor((2 * times.length) / 3)]!;
      assert.deepEqual(read(column, from, to), modelRead(model, from, to));
      assert.equal(column.countIn(from, to), modelRead(model, from, to).length);
      assert.equal(
        column.firstAtOrAfter(from + 1),
        times.find((t) => t >= from + 1),
      );
      const left = column.dropBefore(from);
      for (const t of times) if (t < from) model.delete(t);
      assert.equal(left, model.size);
      assert.deepEqual(read(column), modelRead(model), `seed ${seed} after the drop`);
      column.set(from - DAY, 1);
      model.set(from - DAY, 1);
      assert.deepEqual(read(column), modelRead(model), `seed ${seed} after a late sample`);
    }
  });

  it('keeps Float32 values to seven digits, and page-multiple byte counts exactly', () => {
    const column = new SampleColumn('float32');
    const pages = 40 * 2 ** 30 + 4_096 * 3;
    column.set(1_000, pages);
    column.set(2_000, 0.123_456_789);
    const [[, bytes], [, cores]] = read(column) as [[number, number], [number, number]];
    assert.equal(bytes, pages);
    assert.ok(Math.abs(cores - 0.123_456_789) / 0.123_456_789 < 1e-7);
  });

  it('drops everything before a horizon past its newest sample', () => {
    const column = new SampleColumn();
    for (let i = 0; i < 5_000; i++) column.set(i * 1_000, i);
    assert.equal(column.dropBefore(10_000_000), 0);
    assert.deepEqual(read(column), []);
    assert.equal(column.firstAtOrAfter(0), undefined);
    column.set(5, 5);
    assert.deepEqual(read(column), [[5, 5]]);
  });
});
