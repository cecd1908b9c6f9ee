// Two ingest processes in one consumer group share the partitions: both write, and together
// they write each record exactly once.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { stop } from '../support/cli.js';
import { indexedTotal, productionRun, type ProductionRun } from '../support/production.js';
import { sampleRecord } from '../support/records.js';
import { requireServices } from '../support/services.js';
import { waitFor } from '../support/wait.js';

describe('several ingest processes', () => {
  let run: ProductionRun;
  before(async () => {
    await requireServices('kafka', 'elasticsearch');
    run = await productionRun('scale');
  });
  after(async () => {
    await run?.close();
  });

  it('share the work by partition and index every record once', async () => {
    const first = await run.startIngest();
    const second = await run.startIngest();
    // Keys spread over many pods so that every partition gets records.
    const records = Array.from({ length: 9_000 }, (_, i) =>
      sampleRecord(i, { cluster: run.id, podUid: `uid-${i % 90}`, pod: `pod-${i % 90}` }),
    );
    // The group has balanced when it is stable with both members, each holding partitions.
    await waitFor(
      () => run.groupBalanced(2),
      (balanced) => balanced,
      { what: 'both ingest processes holding partitions', timeoutMs: 90_000, intervalMs: 500 },
    );
    await run.bus.publish(records);
    await waitFor(
      () => run.count('usage_sample'),
      (n) => n === 9_000,
      {
        what: 'all indexed',
        timeoutMs: 120_000,
        intervalMs: 500,
      },
    );
    const byFirst = await indexedTotal(first.url);
    const bySecond = await indexedTotal(second.url);
    assert.ok(byFirst > 0 && bySecond > 0, `both processes wrote: ${byFirst} and ${bySecond}`);
    assert.equal(byFirst + bySecond, 9_000, 'no record was written by both');
    assert.equal(await stop(first.child), 0);
    assert.equal(await stop(second.child), 0);
  });
});
