// Two weeks of the `mixed` scenario in Elasticsearch: the 14-day p99 working set of every
// workload container comes from one composite aggregation over the rollups and agrees with a
// brute-force computation on the raw samples within the sketch's stated relative error.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { loadSimulation, replaySimulation, createSimulation } from '../../simulator/index.js';
import { exactQuantile, SKETCH_RELATIVE_ACCURACY } from '../../core/sketch.js';
import { ElasticsearchStore } from '../../store/elasticsearch/store.js';
import { containerKeyString } from '../../store/keys.js';
import { requireServices, SERVICE_URLS } from '../support/services.js';

const DAY = 86_400_000;
const START = Date.UTC(2026, 9, 26);
const WINDOW = { from: START, to: START + 14 * DAY };
const REPLAY = { stepMs: 15 * 60_000, logs: 'none' as const };

describe('14-day percentiles on Elasticsearch', () => {
  let store: ElasticsearchStore;
  before(async () => {
    await requireServices('elasticsearch');
    store = new ElasticsearchStore({
      node: SERVICE_URLS.elasticsearch,
      indexPrefix: `plimsoll-p99-${randomBytes(4).toString('hex')}`,
    });
    await store.start();
  });
  after(async () => {
    await store?.destroy();
    await store?.stop();
  });

  it('matches brute force on the raw samples within the sketch error, in one aggregation page', async (t) => {
    const simulation = () =>
      createSimulation({ scenario: 'mixed', seed: 7, start: START, nodes: 2 });
    const raw = new Map<string, number[]>();
    for await (const batch of replaySimulation(simulation(), WINDOW, REPLAY)) {
      for (const record of batch) {
        if (record.kind !== 'usage_sample' || record.payload.metric !== 'memory_working_set_bytes')
          continue;
        const { workload, container, cluster } = record.payload;
        if (!workload || !container) continue;
        const key = containerKeyString({ cluster, workload, container });
        const values = raw.get(key) ?? [];
        values.push(record.payload.value);
        raw.set(key, values);
      }
    }
    const loaded = await loadSimulation(store, simulation(), WINDOW, REPLAY);
    await store.maintain(WINDOW.to);
    const cluster = [...raw.keys()][0]!.split('\u0000')[0]!;
    const page = await store.usageStats({
      cluster,
      metric: 'memory_working_set_bytes',
      window: WINDOW,
      percentiles: [99],
      pageSize: 500,
    });
    t.diagnostic(`${loaded.usage_sample} samples loaded; ${page.items.length} workload containers`);
    assert.equal(page.next, undefined, 'every container fits in one aggregation page');
    assert.equal(page.items.length, raw.size);
    let worst = 0;
    for (const row of page.items) {
      const values = raw.get(containerKeyString(row.key))!.sort((a, b) => a - b);
      const exact = exactQuantile(values, 0.99)!;
      const error = Math.abs(row.percentiles['99']! - exact) / exact;
      worst = Math.max(worst, error);
      assert.equal(row.samples, values.length);
      assert.equal(row.max, values[values.length - 1]);
      assert.ok(
        error <= SKETCH_RELATIVE_ACCURACY,
        `${containerKeyString(row.key)}: error ${error}`,
      );
    }
    t.diagnostic(
      `worst relative error of p99: ${(worst * 100).toFixed(3)}% (bound ${SKETCH_RELATIVE_ACCURACY * 100}%)`,
    );
  });
});
