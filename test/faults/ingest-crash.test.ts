// Exactly-once effect through crashes: the ingest process is killed with SIGKILL in the middle
// of its work, twice, and restarted; Elasticsearch ends with exactly the records produced.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sampleRecord } from '../support/records.js';
import { requireServices } from '../support/services.js';
import { productionRun, type ProductionRun } from '../support/production.js';
import { stop } from '../support/cli.js';
import { waitFor } from '../support/wait.js';

const N = 60_000;

describe('ingest killed mid-batch', () => {
  let run: ProductionRun;
  before(async () => {
    await requireServices('kafka', 'elasticsearch');
    run = await productionRun('crash');
  });
  after(async () => {
    await run?.close();
  });

  it('leaves exactly N documents after two SIGKILLs and restarts', async (t) => {
    const records = Array.from({ length: N }, (_, i) =>
      sampleRecord(i, { cluster: run.id, podUid: `uid-${i % 500}`, pod: `pod-${i % 500}` }),
    );
    for (let start = 0; start < N; start += 10_000) {
      await run.bus.publish(records.slice(start, start + 10_000));
    }
    const killedAt: number[] = [];
    for (const fraction of [0.2, 0.55]) {
      const { child } = await run.startIngest();
      const seen = await waitFor(
        () => run.count('usage_sample'),
        (n) => n >= N * fraction,
        { what: `${fraction * 100}% indexed`, timeoutMs: 120_000, intervalMs: 50 },
      );
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
      killedAt.push(seen);
    }
    assert.ok(
      killedAt.every((n) => n < N),
      `killed before the end: ${killedAt.join(', ')}`,
    );
    t.diagnostic(`SIGKILL with ${killedAt.join(' and ')} of ${N} documents indexed`);
    const { child } = await run.startIngest();
    await waitFor(
      () => run.count('usage_sample'),
      (n) => n >= N,
      {
        what: 'all records indexed',
        timeoutMs: 180_000,
        intervalMs: 500,
      },
    );
    // Once the group has committed every record nothing can be delivered again: count then.
    await waitFor(
      () => run.lag(),
      (lag) => lag === 0,
      { what: 'the ingest group committing every record', timeoutMs: 120_000, intervalMs: 500 },
    );
    assert.equal(await run.count('usage_sample'), N);
    for (const index of [0, N / 2, N - 1]) {
      const record = records[index]!;
      assert.deepEqual(
        (await run.store.getRecord('usage_sample', record.id))?.payload,
        record.payload,
      );
    }
    assert.equal(await stop(child), 0);
  });
});
