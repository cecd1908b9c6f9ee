// A production-shaped setup for process-level tests: its own Kafka topics (by prefix), its own
// consumer group and Elasticsearch indices, a config file for `plimsoll` child processes, and a
// publisher and a counter that speak to the same real services.
import { randomBytes } from 'node:crypto';
import { AssignerProtocol, Kafka, logLevel } from 'kafkajs';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { KafkaBus } from '../../bus/kafka.js';
import type { AnyEnvelope } from '../../core/envelope.js';
import { ElasticsearchStore } from '../../store/elasticsearch/store.js';
import { startCli } from './cli.js';
import { SERVICE_URLS } from './services.js';

export interface ProductionRun {
  readonly id: string;
  readonly configFile: string;
  readonly bus: KafkaBus;
  readonly store: ElasticsearchStore;
  /** Documents of a kind in this run's indices, after a refresh. */
  count(kind: AnyEnvelope['kind']): Promise<number>;
  /** Whether the ingest consumer group is stable with `members` members, each holding partitions. */
  groupBalanced(members: number): Promise<boolean>;
  /** Records on this run's topics the ingest consumer group has not committed yet. */
  lag(): Promise<number>;
  startIngest(): Promise<{ child: ChildProcess; url: string }>;
  close(): Promise<void>;
}

export async function productionRun(label: string): Promise<ProductionRun> {
  const id = `${label}-${randomBytes(4).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), `plimsoll-${id}-`));
  const configFile = join(dir, 'plimsoll.yaml');
  writeFileSync(
    configFile,
    [
      `cluster: ${id}`,
      'runtime:',
      '  bus: kafka',
      '  store: elasticsearch',
      'kafka:',
      `  brokers: ["${SERVICE_URLS.kafka}"]`,
      `  topicPrefix: "${id}."`,
      `  consumerGroup: ingest-${id}`,
      '  partitions: 3',
      'elasticsearch:',
      `  node: ${SERVICE_URLS.elasticsearch}`,
      `  indexPrefix: plimsoll-${id}`,
      'api:',
      '  port: 0',
      'log:',
      '  level: info',
      '',
    ].join('\n'),
  );
  const bus = new KafkaBus({
    brokers: [SERVICE_URLS.kafka],
    clientId: `test-${id}`,
    partitions: 3,
    replicationFactor: 1,
    compression: 'gzip',
    topicPrefix: `${id}.`,
  });
  const store = new ElasticsearchStore({
    node: SERVICE_URLS.elasticsearch,
    indexPrefix: `plimsoll-${id}`,
  });
  await bus.start();
  const children = new Set<ChildProcess>();
  return {
    id,
    configFile,
    bus,
    store,
    count: async (kind) => {
      await store.refresh();
      return store.countRecords(kind);
    },
    groupBalanced: async (members) => {
      const admin = adminOf(id);
      await admin.connect();
      try {
        const [group] = (await admin.describeGroups([`ingest-${id}`])).groups;
        if (!group || group.state !== 'Stable' || group.members.length !== members) return false;
        return group.members.every((member) => {
          const decoded = AssignerProtocol.MemberAssignment.decode(member.memberAssignment);
          return Object.values(decoded?.assignment ?? {}).some(
            (partitions) => partitions.length > 0,
          );
        });
      } finally {
        await admin.disconnect();
      }
    },
    lag: async () => {
      const admin = adminOf(id);
      await admin.connect();
      try {
        const topics = (await admin.listTopics()).filter((t) => t.startsWith(`${id}.`));
        const committed = await admin.fetchOffsets({ groupId: `ingest-${id}`, topics });
        let lag = 0;
        for (const topic of topics) {
          const ends = await admin.fetchTopicOffsets(topic);
          const done = committed.find((c) => c.topic === topic)?.partitions ?? [];
          for (const end of ends) {
            const offset = Number(done.find((p) => p.partition === end.partition)?.offset ?? -1);
            // -1: nothing committed on the partition yet, so everything on it is pending.
            lag += Number(end.high) - Math.max(offset, Number(end.low));
          }
        }
        return lag;
      } finally {
        await admin.disconnect();
      }
    },
    startIngest: async () => {
      const { child, match } = await startCli(
        ['--config', configFile, 'ingest'],
        /"url":"(http:\/\/[^"]+)"[^\n]*"msg":"API listening"/,
        // Readiness is read from the log, whatever level the test runner asks for.
        { PLIMSOLL_LOG_LEVEL: 'info' },
      );
      children.add(child);
      child.once('exit', () => children.delete(child));
      return { child, url: match[1]! };
    },
    close: async () => {
      for (const child of children) child.kill('SIGKILL');
      await bus.stop();
      await store.destroy().catch(() => undefined);
      await store.stop();
    },
  };
}

const adminOf = (id: string) =>
  new Kafka({
    brokers: [SERVICE_URLS.kafka],
    clientId: `test-admin-${id}`,
    logLevel: logLevel.NOTHING,
  }).admin();

/** Resident memory of a Plimsoll process, read from its own /metrics. */
export async function residentBytes(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const match = /^plimsoll_process_resident_memory_bytes (\d+)/m.exec(text);
  return match ? Number(match[1]) : NaN;
}

export async function indexedTotal(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let total = 0;
  for (const match of text.matchAll(/^plimsoll_ingest_records_indexed_total\{[^}]*\} (\d+)/gm)) {
    total += Number(match[1]);
  }
  return total;
}
