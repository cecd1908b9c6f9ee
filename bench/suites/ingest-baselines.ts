// The two raw baselines of the ingest benchmark, each moving the same records as the pipeline
// with the plain client and nothing of Plimsoll's in between: (a) kafkajs producing the very bytes
// Plimsoll's bus would publish (same topics, keys, partitions, compression) and a plain consumer
// reading them all back; (b) @elastic/elasticsearch bulk-indexing the very documents Plimsoll's
// store writes, into indices made from Plimsoll's own templates, until they are searchable.
import type { Client } from '@elastic/elasticsearch';
import { CompressionTypes } from 'kafkajs';
import type { OutgoingRecord } from '../../bus/publish-validation.js';
import { DATA_TOPICS, type AnyEnvelope } from '../../core/envelope.js';
import { toDocument } from '../../store/elasticsearch/documents.js';
import { FAMILY_OF_KIND, indexTemplates, IndexNames } from '../../store/elasticsearch/layout.js';
import type { BenchContext } from '../harness.js';
import {
  deleteIndices,
  deleteTopics,
  elasticsearchClient,
  kafkaClient,
  searchableCount,
} from './ingest-services.js';

/** Messages per sendBatch: the largest produce request Plimsoll's bus makes (bus/kafka.ts). */
export const RAW_SEND_CHUNK = 5_000;
/** Documents per bulk request and requests in flight: a few MB each, one per core. */
export const RAW_BULK_SIZE = 2_000;
export const RAW_BULK_CONCURRENCY = 2;

export interface RawKafkaOptions {
  readonly context: BenchContext;
  readonly outgoing: readonly OutgoingRecord[];
  readonly partitions: number;
  readonly compression: 'none' | 'gzip';
  readonly id: string;
  readonly timeoutMs: number;
}

export interface RawKafkaMeasurement {
  /** First send until every message was acknowledged. */
  readonly produceSeconds: number;
  /** First send until every message was consumed. */
  readonly consumedSeconds: number;
}

export async function measureRawKafka(options: RawKafkaOptions): Promise<RawKafkaMeasurement> {
  const { context, outgoing } = options;
  const topicPrefix = `${options.id}.`;
  const group = `consume-${options.id}`;
  const kafka = kafkaClient(context.services.kafka, `bench-${options.id}`);
  const admin = kafka.admin();
  const consumer = kafka.consumer({ groupId: group });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  try {
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: DATA_TOPICS.map((topic) => ({
        topic: topicPrefix + topic,
        numPartitions: options.partitions,
        replicationFactor: 1,
      })),
    });
    await admin.disconnect();

    let consumed = 0;
    let finishedAt: number | undefined;
    let onAll: () => void = () => undefined;
    const all = new Promise<void>((resolve) => (onAll = resolve));
    const joined = new Promise<void>((resolve) =>
      consumer.on(consumer.events.GROUP_JOIN, () => resolve()),
    );
    await consumer.connect();
    await consumer.subscribe({
      topics: DATA_TOPICS.map((topic) => topicPrefix + topic),
      fromBeginning: true,
    });
    await consumer.run({
      eachBatch: ({ batch }) => {
        consumed += batch.messages.length;
        if (consumed >= outgoing.length && finishedAt === undefined) {
          finishedAt = performance.now();
          onAll();
        }
        return Promise.resolve();
      },
    });
    await joined;
    await producer.connect();

    const compression =
      options.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
    const started = performance.now();
    for (let i = 0; i < outgoing.length; i += RAW_SEND_CHUNK) {
      const byTopic = new Map<string, { key: string; value: Buffer }[]>();
      for (const record of outgoing.slice(i, i + RAW_SEND_CHUNK)) {
        const messages = byTopic.get(record.topic) ?? [];
        messages.push({ key: record.key, value: record.value });
        byTopic.set(record.topic, messages);
      }
      await producer.sendBatch({
        acks: -1,
        compression,
        topicMessages: [...byTopic].map(([topic, messages]) => ({
          topic: topicPrefix + topic,
          messages,
        })),
      });
    }
    const producedAt = performance.now();
    await withTimeout(
      all,
      options.timeoutMs,
      () => `raw Kafka: ${consumed} of ${outgoing.length} consumed`,
    );
    return {
      produceSeconds: (producedAt - started) / 1000,
      consumedSeconds: (finishedAt! - started) / 1000,
    };
  } finally {
    await producer.disconnect().catch(() => undefined);
    await consumer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    await deleteTopics(kafka, topicPrefix, [group]).catch((error: unknown) =>
      context.progress(`  could not delete topics ${topicPrefix}*: ${(error as Error).message}`),
    );
  }
}

export interface RawBulkOptions {
  readonly context: BenchContext;
  readonly records: readonly AnyEnvelope[];
  readonly expectedDocuments: number;
  readonly id: string;
  readonly timeoutMs: number;
  readonly bulkSize?: number;
  readonly concurrency?: number;
}

/** First bulk request until every document was searchable. */
export async function measureRawBulk(options: RawBulkOptions): Promise<{ seconds: number }> {
  const { context, records } = options;
  const bulkSize = options.bulkSize ?? RAW_BULK_SIZE;
  const concurrency = options.concurrency ?? RAW_BULK_CONCURRENCY;
  const prefix = `plimsoll-${options.id}`;
  const names = new IndexNames(prefix);
  const client = elasticsearchClient(context.services.elasticsearch);
  try {
    for (const template of indexTemplates(names)) {
      await client.indices.putIndexTemplate({ name: template.name, ...template.body });
    }
    const deadline = performance.now() + options.timeoutMs;
    const started = performance.now();
    let next = 0;
    const worker = async () => {
      while (next < records.length) {
        const batch = records.slice(next, next + bulkSize);
        next += bulkSize;
        await bulkUntilAccepted(client, names, batch, deadline);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const count = await searchableCount(client, prefix);
    const finished = performance.now();
    if (count !== options.expectedDocuments) {
      throw new Error(
        `raw bulk: ${count} documents searchable, expected ${options.expectedDocuments}`,
      );
    }
    return { seconds: (finished - started) / 1000 };
  } finally {
    await deleteIndices(client, prefix).catch((error: unknown) =>
      context.progress(`  could not delete indices ${prefix}-*: ${(error as Error).message}`),
    );
    await client.close();
  }
}

/**
 * One bulk request of the documents Plimsoll's store writes (same index, id and, for inventory,
 * external version); items Elasticsearch pushes back with 429 are sent again, as any bulk client
 * must. Any other item error means the baseline is not indexing what the pipeline does: it throws.
 */
async function bulkUntilAccepted(
  client: Client,
  names: IndexNames,
  batch: readonly AnyEnvelope[],
  deadline: number,
): Promise<void> {
  let pending = batch;
  while (pending.length > 0) {
    const ingestedAt = Date.now();
    const operations: unknown[] = [];
    for (const record of pending) {
      const inventory = FAMILY_OF_KIND[record.kind] === 'inventory';
      operations.push({
        index: {
          _index: names.forRecord(record),
          _id: record.id,
          ...(inventory ? { version: record.observedAt, version_type: 'external_gte' } : {}),
        },
      });
      operations.push(toDocument(record, ingestedAt));
    }
    const response = await client.bulk({ operations });
    const retry: AnyEnvelope[] = [];
    response.items.forEach((item, i) => {
      const result = item.index;
      const status = result?.status ?? 500;
      if (status < 300) return;
      if (status === 429) {
        retry.push(pending[i]!);
        return;
      }
      throw new Error(`raw bulk: ${status} ${JSON.stringify(result?.error)}`);
    });
    pending = retry;
    if (pending.length > 0) {
      if (performance.now() > deadline) throw new Error('raw bulk: Elasticsearch kept refusing');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

async function withTimeout(
  promise: Promise<void>,
  timeoutMs: number,
  describe: () => string,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`${describe()} after ${timeoutMs} ms`)),
          timeoutMs,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
