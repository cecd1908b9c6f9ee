// End to end through the real services: records published to Kafka by the bus adapter are
// consumed by the ingest consumer and read back from Elasticsearch unchanged; poison records end
// in the DLQ with their reason while the records around them are indexed.
import assert from 'node:assert/strict';
import { randomInt, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { KafkaBus } from '../../bus/kafka.js';
import { Topics, type AnyEnvelope } from '../../core/envelope.js';
import { Telemetry } from '../../core/telemetry.js';
import { IngestConsumer } from '../../pipeline/ingest.js';
import { ElasticsearchStore } from '../../store/elasticsearch/store.js';
import {
  sampleRecord,
  terminationRecord,
  transitionRecord,
  nodeRecord,
} from '../support/records.js';
import { requireServices, SERVICE_URLS } from '../support/services.js';
import { waitFor } from '../support/wait.js';

describe('Kafka → ingest → Elasticsearch', () => {
  const run = `rt-${randomUUID().slice(0, 8)}`;
  const telemetry = new Telemetry({ defaultMetrics: false });
  let bus: KafkaBus;
  let store: ElasticsearchStore;
  let ingest: IngestConsumer;
  const deadLetters: { reason: string; stage: string; raw: string }[] = [];
  let stopDlq: () => Promise<void>;

  const countOfRun = async (kind: AnyEnvelope['kind']) => {
    await store.refresh();
    const response = await store.client.count({
      index: store.indices.forKind(kind),
      ignore_unavailable: true,
      allow_no_indices: true,
      query: {
        bool: {
          filter: [
            { term: { 'orchestrator.cluster.name': run } },
            { term: { 'plimsoll.kind': kind } },
          ],
        },
      },
    });
    return response.count;
  };

  before(async () => {
    await requireServices('kafka', 'elasticsearch');
    bus = new KafkaBus({
      brokers: [SERVICE_URLS.kafka],
      clientId: `plimsoll-${run}`,
      partitions: 3,
      replicationFactor: 1,
      compression: 'gzip',
      topicPrefix: `${run}.`,
      telemetry,
    });
    store = new ElasticsearchStore({
      node: SERVICE_URLS.elasticsearch,
      indexPrefix: `plimsoll-${run}`,
    });
    await store.start();
    await bus.start();
    ingest = new IngestConsumer({
      bus,
      store,
      group: `ingest-${run}`,
      telemetry,
      retryDelayMs: 50,
    });
    await ingest.start();
    const dlq = await bus.subscribe({
      group: `dlq-${run}`,
      topics: [Topics.dlq],
      handler: (messages) => {
        for (const message of messages) {
          const text = message.value.toString('utf8');
          if (text.includes(run))
            deadLetters.push(JSON.parse(text) as (typeof deadLetters)[number]);
        }
        return Promise.resolve();
      },
    });
    stopDlq = () => dlq.stop();
  });

  after(async () => {
    await stopDlq?.();
    await ingest?.stop();
    await bus?.stop();
    await store?.destroy();
    await store?.stop();
  });

  it('round-trips records of every kind from Kafka into Elasticsearch and reads them back', async () => {
    const records: AnyEnvelope[] = [
      nodeRecord({ cluster: run }),
      transitionRecord({ cluster: run }),
      terminationRecord({ cluster: run }),
      ...Array.from({ length: 200 }, (_, i) => sampleRecord(i, { cluster: run })),
    ];
    const published = await bus.publish(records);
    assert.deepEqual(published, { accepted: records.length, deadLettered: 0 });
    await waitFor(
      () => countOfRun('usage_sample'),
      (n) => n === 200,
      {
        what: '200 samples indexed',
        timeoutMs: 60_000,
        intervalMs: 500,
      },
    );
    // Other topics are consumed on their own partitions: each record shows up when its batch does.
    for (const record of records.slice(0, 4)) {
      const stored = await waitFor(
        async () => {
          await store.refresh();
          return store.getRecord(record.kind, record.id);
        },
        (found) => found !== undefined,
        { what: `${record.kind} ${record.id} indexed`, timeoutMs: 60_000, intervalMs: 250 },
      );
      assert.deepEqual(stored, record);
    }
    // Replaying the same records (a producer retry, a re-list) writes nothing twice.
    await bus.publish(records);
    await waitFor(
      async () =>
        (
          await telemetry.registry.getSingleMetric('plimsoll_ingest_records_indexed_total')!.get()
        ).values.reduce((sum, v) => sum + v.value, 0),
      (n) => n >= records.length * 2,
      { what: 'replay consumed', timeoutMs: 60_000, intervalMs: 500 },
    );
    assert.equal(await countOfRun('usage_sample'), 200);
    assert.equal(await countOfRun('container_termination'), 1);
  });

  it('dead-letters garbage and mapping failures with the reason; neighbours are indexed', async () => {
    // An operator pre-created today's events index with a conflicting mapping for one field.
    const poisonTime = Date.UTC(2001, 0, 1, 12) + randomInt(0, 20_000) * 86_400_000;
    const conflicting = `plimsoll-${run}-events-${new Date(poisonTime).toISOString().slice(0, 10).replaceAll('-', '.')}`;
    await store.client.indices.create({
      index: conflicting,
      mappings: {
        properties: {
          plimsoll: {
            properties: { node_transition: { properties: { reason: { type: 'long' } } } },
          },
        },
      },
    });
    const foreign = new Kafka({
      brokers: [SERVICE_URLS.kafka],
      logLevel: logLevel.NOTHING,
    }).producer();
    await foreign.connect();
    await foreign.send({
      topic: `${run}.${Topics.events}`,
      messages: [
        { key: 'x', value: `{"schema":1,"kind":"node_transition","cluster":"${run}", truncated` },
      ],
    });
    await foreign.disconnect();
    await bus.publish([
      // Only the poison record carries the field whose mapping conflicts.
      transitionRecord({ cluster: run, node: 'before', at: poisonTime - 1, reason: undefined }),
      transitionRecord({ cluster: run, node: 'poison', at: poisonTime, reason: 'KubeletNotReady' }),
      transitionRecord({ cluster: run, node: 'after', at: poisonTime + 1, reason: undefined }),
    ]);
    await waitFor(
      () => deadLetters.length,
      (n) => n >= 2,
      { what: 'two dead letters', timeoutMs: 60_000 },
    );
    const stages = deadLetters.map((letter) => letter.stage).sort();
    assert.deepEqual(stages, ['index', 'ingest']);
    const mapping = deadLetters.find((letter) => letter.stage === 'index')!;
    assert.match(mapping.reason, /400 (document|mapper)_parsing_exception/);
    assert.match(mapping.raw, /"poison"/);
    const garbage = deadLetters.find((letter) => letter.stage === 'ingest')!;
    assert.match(garbage.reason, /malformed JSON/);
    await waitFor(
      () => countOfRun('node_transition'),
      (n) => n === 3,
      {
        what: 'first test transition + before + after',
        timeoutMs: 30_000,
        intervalMs: 500,
      },
    );
  });
});
