// What the ingest benchmark's three paths share: Plimsoll's Kafka defaults, a searchable count in
// Elasticsearch, and the clean-up of the topics, groups, indices and templates a repetition made.
import { Client } from '@elastic/elasticsearch';
import { Kafka, logLevel } from 'kafkajs';
import { validateConfig } from '../../core/config/load.js';
import { Topics } from '../../core/envelope.js';
import { indexTemplates, IndexNames, type IndexFamily } from '../../store/elasticsearch/layout.js';

const RECORD_FAMILIES: readonly IndexFamily[] = ['inventory', 'samples', 'events', 'logs'];

/** Partitions and compression of a Plimsoll installation that leaves them at their defaults. */
export function kafkaDefaults(): { partitions: number; compression: 'none' | 'gzip' } {
  const { kafka } = validateConfig({});
  return { partitions: kafka.partitions, compression: kafka.compression };
}

export function kafkaClient(brokers: string, clientId: string): Kafka {
  return new Kafka({
    clientId,
    brokers: [brokers],
    logLevel: logLevel.NOTHING,
    retry: { initialRetryTime: 300, retries: 8 },
  });
}

export function elasticsearchClient(node: string): Client {
  // Bulk requests of a few megabytes can take seconds on a busy 1 GiB node.
  return new Client({ node, requestTimeout: 120_000, maxRetries: 0 });
}

/** Indices that hold records (not findings, reports or locks), for counting what is searchable. */
export function recordIndices(prefix: string): string {
  const names = new IndexNames(prefix);
  return RECORD_FAMILIES.map((family) => names.pattern(family)).join(',');
}

/** Refreshes the prefix's indices and counts the records they make searchable. */
export async function searchableCount(client: Client, prefix: string): Promise<number> {
  await client.indices.refresh({
    index: `${prefix}-*`,
    ignore_unavailable: true,
    allow_no_indices: true,
  });
  const response = await client.count({
    index: recordIndices(prefix),
    ignore_unavailable: true,
    allow_no_indices: true,
  });
  return response.count;
}

/** Deletes every index and template under an index prefix. */
export async function deleteIndices(client: Client, prefix: string): Promise<void> {
  await client.indices.delete({
    index: `${prefix}-*`,
    ignore_unavailable: true,
    allow_no_indices: true,
    expand_wildcards: 'all',
  });
  for (const template of indexTemplates(new IndexNames(prefix))) {
    await client.indices.deleteIndexTemplate({ name: template.name }).catch(() => undefined);
  }
}

/** Deletes the topics under a topic prefix (Plimsoll's five) and the consumer groups named. */
export async function deleteTopics(
  kafka: Kafka,
  topicPrefix: string,
  groups: readonly string[],
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const wanted = new Set(Object.values(Topics).map((topic) => topicPrefix + topic));
    const existing = (await admin.listTopics()).filter((topic) => wanted.has(topic));
    if (existing.length > 0) await admin.deleteTopics({ topics: existing, timeout: 30_000 });
    if (groups.length > 0) await admin.deleteGroups([...groups]).catch(() => undefined);
  } finally {
    await admin.disconnect();
  }
}
