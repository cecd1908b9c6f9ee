// Queries over weeks read the daily rollup tier for whole days and 5-minute rollups for the rest.
// Against the real Elasticsearch: percentiles over several days match the exact values within the
// sketch's error, late samples for a finished day reach the daily tier, and paging through many
// containers returns each exactly once.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { AnyEnvelope } from '../../core/envelope.js';
import { exactQuantile, SKETCH_RELATIVE_ACCURACY } from '../../core/sketch.js';
import { DAY_MS } from '../../store/elasticsearch/daily-rollups.js';
import { ElasticsearchStore } from '../../store/elasticsearch/store.js';
import type { UsageStats } from '../../store/store.js';
import { sampleRecord } from '../support/records.js';
import { requireServices, SERVICE_URLS } from '../support/services.js';

const HOUR = 3_600_000;
/** Midday, three days after a day boundary: the window spans partial and whole days. */
const DAY0 = Date.UTC(2026, 10, 10);
const NOW = DAY0 + 3 * DAY_MS + 12 * HOUR;
const WINDOW = { from: DAY0 + 6 * HOUR, to: NOW };

/** One sample every 10 minutes from DAY0 to NOW, with a daily cycle, for one container. */
function samples(container: string, scale: number): AnyEnvelope[] {
  const out: AnyEnvelope[] = [];
  for (let t = DAY0, i = 0; t < NOW; t += 10 * 60_000, i++) {
    const cycle = 1 + 0.5 * Math.sin((2 * Math.PI * (t - DAY0)) / DAY_MS);
    out.push(
      sampleRecord(i, {
        timestamp: t,
        value: Math.round(scale * 2 ** 20 * cycle),
        container,
        pod: `${container}-pod`,
        podUid: `uid-${container}`,
      }),
    );
  }
  return out;
}

const valuesIn = (records: AnyEnvelope[], window: { from: number; to: number }) =>
  records
    .flatMap((r) => (r.kind === 'usage_sample' ? [r.payload] : []))
    .filter((s) => s.timestamp >= window.from && s.timestamp < window.to)
    .map((s) => s.value)
    .sort((a, b) => a - b);

function assertMatches(row: UsageStats | undefined, values: number[]) {
  assert.ok(row, 'the container has stats');
  assert.equal(row.samples, values.length);
  assert.equal(row.min, values[0]);
  assert.equal(row.max, values[values.length - 1]);
  for (const p of [50, 95, 99]) {
    const exact = exactQuantile(values, p / 100)!;
    const got = row.percentiles[String(p)]!;
    assert.ok(
      Math.abs(got - exact) <= exact * SKETCH_RELATIVE_ACCURACY + 1e-9,
      `p${p}: ${got} vs exact ${exact}`,
    );
  }
}

describe('Elasticsearch daily rollup tier', () => {
  let store: ElasticsearchStore;
  const indexPrefix = `plimsoll-test-${randomUUID().slice(0, 8)}`;
  const containers = Array.from({ length: 7 }, (_, i) => `c${i}`);
  const data = new Map(containers.map((c, i) => [c, samples(c, 100 + 10 * i)]));

  before(async () => {
    await requireServices('elasticsearch');
    store = new ElasticsearchStore({
      node: SERVICE_URLS.elasticsearch,
      indexPrefix,
    });
    await store.start();
    const all = [...data.values()].flat();
    for (let i = 0; i < all.length; i += 2_000) await store.write(all.slice(i, i + 2_000));
    await store.refresh();
    await store.maintain(NOW);
  });

  after(async () => {
    await store.destroy();
    await store.stop();
  });

  const stats = async (pageSize = 500, after?: string) =>
    store.usageStats({
      cluster: 'test',
      metric: 'memory_working_set_bytes',
      window: WINDOW,
      percentiles: [50, 95, 99],
      pageSize,
      after,
    });

  it('answers a multi-day window from daily and 5-minute rollups, within the sketch error', async () => {
    const page = await stats();
    assert.equal(page.items.length, containers.length);
    for (const row of page.items) {
      assertMatches(row, valuesIn(data.get(row.key.container)!, WINDOW));
    }
  });

  it('pages through containers in order, each exactly once', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await stats(3, cursor);
      seen.push(...page.items.map((row) => row.key.container));
      cursor = page.next;
      pages++;
    } while (cursor !== undefined);
    assert.deepEqual(seen, containers);
    assert.equal(pages, 3);
  });

  it('brings late samples for a finished day into the daily tier', async () => {
    const late = sampleRecord(99_999, {
      // Off the 10-minute grid, so it adds a sample rather than replacing one.
      timestamp: DAY0 + DAY_MS + 3 * HOUR + 7 * 60_000,
      value: 9 * 2 ** 30,
      container: 'c0',
      pod: 'c0-pod',
      podUid: 'uid-c0',
    });
    data.get('c0')!.push(late);
    await store.write([late]);
    await store.refresh();
    await store.maintain(NOW + 60_000);
    const row = (await stats()).items.find((r) => r.key.container === 'c0');
    assert.equal(row?.max, 9 * 2 ** 30);
    assertMatches(row, valuesIn(data.get('c0')!, WINDOW));
  });

  it('states which hours hold data from the 5-minute rollups once raw samples have aged out', async () => {
    const hours = { cluster: 'test', window: WINDOW, stepMs: HOUR };
    const expected = Array.from(
      { length: (WINDOW.to - WINDOW.from) / HOUR },
      (_, i) => WINDOW.from + i * HOUR,
    );
    assert.deepEqual(await store.usageCoverage(hours), expected);
    // Raw sample indices are daily; retention drops them whole (by name: no wildcard deletes).
    const es = SERVICE_URLS.elasticsearch;
    const listed = await fetch(`${es}/_cat/indices/${indexPrefix}-samples-*?h=index&format=json`);
    const indices = ((await listed.json()) as { index: string }[]).map((i) => i.index);
    assert.ok(indices.length > 0, 'raw sample indices exist');
    for (const index of indices) {
      const deleted = await fetch(`${es}/${index}`, { method: 'DELETE' });
      assert.equal(deleted.status, 200, await deleted.text());
    }
    assert.deepEqual(await store.usageCoverage(hours), expected);
  });
});
