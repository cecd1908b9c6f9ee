import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryBus } from '../../bus/memory.js';
import type { AnyEnvelope } from '../../core/envelope.js';
import { Topics } from '../../core/envelope.js';
import { Telemetry } from '../../core/telemetry.js';
import { IngestConsumer } from '../../pipeline/ingest.js';
import { MemoryStore } from '../../store/memory.js';
import type { WriteOutcome } from '../../store/store.js';
import { sampleRecord } from '../support/records.js';
import { waitFor } from '../support/wait.js';

/** A real in-memory store that refuses writes while `down` is set, as an overloaded store does. */
class FlakyStore extends MemoryStore {
  down = false;
  attempts = 0;
  override write(records: readonly AnyEnvelope[]): Promise<WriteOutcome[]> {
    this.attempts += 1;
    if (this.down)
      return Promise.resolve(
        records.map(
          () => ({ status: 'retry', reason: '429 es_rejected_execution_exception' }) as const,
        ),
      );
    return super.write(records);
  }
}

async function pipeline(store: MemoryStore) {
  const telemetry = new Telemetry({ defaultMetrics: false });
  const bus = new MemoryBus({ retryDelayMs: 10 });
  await bus.start();
  const ingest = new IngestConsumer({
    bus,
    store,
    group: 'ingest',
    telemetry,
    retryDelayMs: 5,
    maxRetryDelayMs: 20,
  });
  await ingest.start();
  const dead: string[] = [];
  const dlq = await bus.subscribe({
    group: 'dlq-reader',
    topics: [Topics.dlq],
    handler: (messages) => {
      dead.push(...messages.map((message) => message.value.toString('utf8')));
      return Promise.resolve();
    },
  });
  return {
    bus,
    ingest,
    telemetry,
    dead,
    close: async () => {
      await dlq.stop();
      await ingest.stop();
      await bus.stop();
    },
  };
}

describe('ingest consumer', () => {
  it('writes every published record to the store once', async () => {
    const store = new MemoryStore();
    const p = await pipeline(store);
    const records = Array.from({ length: 300 }, (_, i) => sampleRecord(i));
    await p.bus.publish(records);
    await p.bus.publish(records.slice(0, 100));
    await waitFor(
      () => p.bus.backlog(Topics.samples),
      (n) => n === 0,
      { what: 'drained' },
    );
    assert.equal(await store.countRecords('usage_sample'), 300);
    const metrics = await p.telemetry.registry.getSingleMetricAsString(
      'plimsoll_ingest_records_indexed_total',
    );
    assert.match(metrics, /kind="usage_sample"} 400/);
    await p.close();
  });

  it('holds the batch while the store refuses writes, then writes it all', async () => {
    const store = new FlakyStore();
    store.down = true;
    const p = await pipeline(store);
    await p.bus.publish(Array.from({ length: 50 }, (_, i) => sampleRecord(i)));
    await waitFor(
      () => store.attempts,
      (n) => n >= 3,
      { what: 'retries' },
    );
    assert.equal(await store.countRecords('usage_sample'), 0);
    assert.equal(p.ingest.health().ready, false);
    assert.match(p.ingest.health().detail ?? '', /429/);
    assert.equal(
      p.bus.backlog(Topics.samples),
      50,
      'nothing is acknowledged while the store is down',
    );
    store.down = false;
    await waitFor(
      () => store.countRecords('usage_sample'),
      (n) => n === 50,
      { what: 'recovery' },
    );
    await waitFor(
      () => p.ingest.health().ready,
      (ready) => ready,
      { what: 'ready again' },
    );
    await p.close();
  });

  it('sends a poison record to the DLQ with its reason and indexes the records around it', async () => {
    const store = new MemoryStore();
    const p = await pipeline(store);
    // A foreign producer wrote garbage and a record of an unknown kind onto the data topic.
    await p.bus.publish([sampleRecord(1)]);
    const raw = p.bus as unknown as {
      append(topic: string, key: string | null, value: Buffer): void;
    };
    raw.append(Topics.samples, null, Buffer.from('{"schema":1,"kind":"usage_sample", truncated'));
    raw.append(
      Topics.samples,
      null,
      Buffer.from(JSON.stringify({ ...sampleRecord(2), kind: 'metric' })),
    );
    await p.bus.publish([sampleRecord(3)]);
    await waitFor(
      () => p.dead.length,
      (n) => n === 2,
      { what: 'two dead letters' },
    );
    assert.equal(await store.countRecords('usage_sample'), 2);
    const reasons = p.dead.map((text) => JSON.parse(text) as { reason: string; stage: string });
    assert.match(reasons[0]!.reason, /malformed JSON/);
    assert.match(reasons[1]!.reason, /unknown kind "metric"/);
    assert.ok(reasons.every((letter) => letter.stage === 'ingest'));
    await p.close();
  });
});
