// Elasticsearch stops for a minute while records keep arriving: the ingest consumer stops
// fetching, says why on /readyz, keeps its memory bounded, and indexes everything once
// Elasticsearch is back. This test stops the shared Elasticsearch, so it runs alone (test/faults).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { sampleRecord } from '../support/records.js';
import { requireServices } from '../support/services.js';
import { productionRun, residentBytes, type ProductionRun } from '../support/production.js';
import { stop } from '../support/cli.js';
import { waitFor } from '../support/wait.js';

const services = fileURLToPath(new URL('../../scripts/services.sh', import.meta.url));
const sh = promisify(execFile);
const OUTAGE_MS = 60_000;

describe('Elasticsearch outage during ingestion', () => {
  let run: ProductionRun;
  before(async () => {
    await requireServices('kafka', 'elasticsearch');
    run = await productionRun('outage');
  });
  after(async () => {
    await requireServices('elasticsearch');
    await run?.close();
  });

  it('pauses, stays bounded, and indexes everything after Elasticsearch returns', async (t) => {
    const batch = (from: number, count: number) =>
      Array.from({ length: count }, (_, i) =>
        sampleRecord(from + i, { cluster: run.id, podUid: `uid-${(from + i) % 300}` }),
      );
    const { child, url } = await run.startIngest();
    await run.bus.publish(batch(0, 5_000));
    await waitFor(
      () => run.count('usage_sample'),
      (n) => n === 5_000,
      {
        what: 'first records indexed',
        timeoutMs: 60_000,
        intervalMs: 250,
      },
    );

    await sh('bash', [services, 'down', 'elasticsearch'], { timeout: 120_000 });
    const downSince = Date.now();
    await run.bus.publish(batch(5_000, 30_000));
    const readiness = await waitFor(
      async () => (await fetch(`${url}/readyz`)).status,
      (status) => status === 503,
      { what: '/readyz reporting the outage', timeoutMs: 30_000, intervalMs: 500 },
    );
    assert.equal(readiness, 503);
    let peakRss = 0;
    while (Date.now() - downSince < OUTAGE_MS) {
      peakRss = Math.max(peakRss, await residentBytes(url));
      await sleep(2_000);
    }
    assert.ok(child.exitCode === null, 'the consumer keeps running through the outage');
    assert.ok(peakRss < 512 * 2 ** 20, `resident memory stayed bounded: ${peakRss} bytes`);

    await requireServices('elasticsearch');
    const backAt = Date.now();
    await waitFor(
      () => run.count('usage_sample'),
      (n) => n === 35_000,
      {
        what: 'everything indexed after the outage',
        timeoutMs: 240_000,
        intervalMs: 1_000,
      },
    );
    t.diagnostic(
      `outage ${Math.round((backAt - downSince) / 1000)} s, peak RSS ${Math.round(peakRss / 2 ** 20)} MiB, ` +
        `30,000 backlog indexed ${Math.round((Date.now() - backAt) / 1000)} s after Elasticsearch was back`,
    );
    await waitFor(
      async () => (await fetch(`${url}/readyz`)).status,
      (status) => status === 200,
      { what: 'ready again', timeoutMs: 60_000, intervalMs: 500 },
    );
    assert.equal(await stop(child), 0, 'graceful shutdown after recovery');
  });
});
