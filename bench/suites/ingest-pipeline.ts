// The pipeline path of the ingest benchmark, all Plimsoll's own code: the collectors' Publisher on
// the Kafka bus in this process, and `plimsoll ingest` (the built CLI, as deployed) in a child
// process of its own, so that its CPU time and peak resident memory are its alone. The clock runs
// from the first record handed to the publisher until every record is searchable.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { KafkaBus } from '../../bus/kafka.js';
import { Publisher } from '../../collectors/publisher.js';
import type { AnyEnvelope } from '../../core/envelope.js';
import { measureNode, processCpuMs, type BenchContext } from '../harness.js';
import {
  deleteIndices,
  deleteTopics,
  elasticsearchClient,
  kafkaClient,
  searchableCount,
} from './ingest-services.js';
import { freePort } from '../../core/free-port.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = fileURLToPath(new URL('../../bin/plimsoll.js', import.meta.url));

/** Records per `emit`: about one node's scrape, as the kubelet collector hands it over. */
const EMIT_CHUNK = 150;
const POLL_MS = 200;

export interface PipelineMeasurement {
  /** First emit until the publisher had every record acknowledged by Kafka. */
  readonly publishSeconds: number;
  /** First emit until every record was searchable in Elasticsearch. */
  readonly searchableSeconds: number;
  /** CPU the ingest process used between the first emit and the last record searchable. */
  readonly ingestCpuMs: number;
  /** Peak resident set of the ingest process over its whole life. */
  readonly ingestPeakRssBytes: number;
}

export interface PipelineOptions {
  readonly context: BenchContext;
  readonly records: readonly AnyEnvelope[];
  /** Distinct record ids: the documents Elasticsearch ends up with. */
  readonly expectedDocuments: number;
  readonly partitions: number;
  readonly compression: 'none' | 'gzip';
  /** Unique to this repetition: names the topics, consumer group and indices. */
  readonly id: string;
  readonly timeoutMs: number;
}

export async function measurePipeline(options: PipelineOptions): Promise<PipelineMeasurement> {
  const { context, id } = options;
  const topicPrefix = `${id}.`;
  const group = `ingest-${id}`;
  const indexPrefix = `plimsoll-${id}`;
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const es = elasticsearchClient(context.services.elasticsearch);
  const kafka = kafkaClient(context.services.kafka, `bench-${id}`);
  const bus = new KafkaBus({
    brokers: [context.services.kafka],
    clientId: `bench-${id}`,
    partitions: options.partitions,
    replicationFactor: 1,
    compression: options.compression,
    topicPrefix,
  });
  const publisher = new Publisher(bus);
  let pid: number | undefined;
  const child = measureNode([CLI, 'ingest'], {
    cwd: ROOT,
    timeoutMs: options.timeoutMs + 120_000,
    env: {
      // Only what makes this run its own; everything else stays at Plimsoll's defaults.
      PLIMSOLL_CONFIG: '',
      PLIMSOLL_RUNTIME_BUS: 'kafka',
      PLIMSOLL_RUNTIME_STORE: 'elasticsearch',
      PLIMSOLL_KAFKA_BROKERS: context.services.kafka,
      PLIMSOLL_KAFKA_TOPIC_PREFIX: topicPrefix,
      PLIMSOLL_KAFKA_CONSUMER_GROUP: group,
      PLIMSOLL_KAFKA_PARTITIONS: String(options.partitions),
      PLIMSOLL_KAFKA_COMPRESSION: options.compression,
      PLIMSOLL_ELASTICSEARCH_NODE: context.services.elasticsearch,
      PLIMSOLL_ELASTICSEARCH_INDEX_PREFIX: indexPrefix,
      PLIMSOLL_API_HOST: '127.0.0.1',
      PLIMSOLL_API_PORT: String(port),
      PLIMSOLL_LOG_LEVEL: 'warn',
    },
  });
  // Until it is awaited below, a failure of the child only ends the waits that race with it.
  let childFailure: unknown;
  child.catch((error: unknown) => (childFailure = error));
  const alive = () => {
    if (childFailure !== undefined) throw childFailure as Error;
  };

  try {
    await waitForReady(url, alive, 90_000);
    pid = childPid();
    await waitForConsumerGroup(kafka, group, alive, 60_000);
    await bus.start();
    await publisher.start();

    const cpuBefore = processCpuMs(pid);
    const started = performance.now();
    let publishedAt: number | undefined;
    const publishing = (async () => {
      for (let i = 0; i < options.records.length; i += EMIT_CHUNK) {
        await publisher.emit(options.records.slice(i, i + EMIT_CHUNK));
      }
      if (!(await publisher.flush(options.timeoutMs))) throw new Error('publisher did not drain');
      publishedAt = performance.now();
    })();
    let publishFailure: unknown;
    publishing.catch((error: unknown) => (publishFailure = error));

    const deadline = started + options.timeoutMs;
    let searchableAt: number | undefined;
    let lastReport = started;
    while (searchableAt === undefined) {
      alive();
      if (publishFailure !== undefined) throw publishFailure as Error;
      const counters = await ingestCounters(url);
      if (counters.rejected > 0) {
        throw new Error(`ingest dead-lettered ${counters.rejected} records; see its DLQ topic`);
      }
      if (counters.indexed >= options.expectedDocuments) {
        const count = await searchableCount(es, indexPrefix);
        if (count >= options.expectedDocuments) {
          searchableAt = performance.now();
          if (count !== options.expectedDocuments) {
            throw new Error(`${count} documents searchable, expected ${options.expectedDocuments}`);
          }
          break;
        }
      }
      const now = performance.now();
      if (now > deadline) {
        throw new Error(
          `pipeline: ${counters.indexed} of ${options.expectedDocuments} records indexed after ${Math.round(options.timeoutMs / 1000)} s`,
        );
      }
      if (now - lastReport > 15_000) {
        context.progress(`  pipeline: ${counters.indexed} records indexed`);
        lastReport = now;
      }
      await sleep(POLL_MS);
    }
    const ingestCpuMs = processCpuMs(pid) - cpuBefore;
    await publishing;

    await publisher.stop();
    await bus.stop();
    process.kill(pid, 'SIGTERM');
    const usage = await child;
    pid = undefined;
    return {
      publishSeconds: (publishedAt! - started) / 1000,
      searchableSeconds: (searchableAt - started) / 1000,
      ingestCpuMs,
      ingestPeakRssBytes: usage.maxRssBytes,
    };
  } finally {
    // Failed before its pid was known (never ready): it may still be running all the same.
    const leftover = pid ?? (childFailure === undefined ? findChildPid() : undefined);
    if (leftover !== undefined) {
      try {
        process.kill(leftover, 'SIGKILL');
      } catch {
        // Already gone.
      }
      await child.catch(() => undefined);
    }
    await publisher.stop().catch(() => undefined);
    await bus.stop().catch(() => undefined);
    await deleteTopics(kafka, topicPrefix, [group]).catch((error: unknown) =>
      context.progress(`  could not delete topics ${topicPrefix}*: ${(error as Error).message}`),
    );
    await deleteIndices(es, indexPrefix).catch((error: unknown) =>
      context.progress(`  could not delete indices ${indexPrefix}-*: ${(error as Error).message}`),
    );
    await es.close();
  }
}

async function waitForReady(url: string, alive: () => void, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    alive();
    const ready = await fetch(`${url}/readyz`)
      .then((response) => response.ok)
      .catch(() => false);
    if (ready) return;
    if (performance.now() > deadline) throw new Error(`plimsoll ingest not ready at ${url}`);
    await sleep(250);
  }
}

/** The ingest process: the child of this process running the CLI (measureNode hides its handle). */
function childPid(): number {
  const pid = findChildPid();
  if (pid === undefined) throw new Error('plimsoll ingest is not running');
  return pid;
}

function findChildPid(): number | undefined {
  const found = readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        const ppid = Number(
          readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]!.split(' ')[1],
        );
        return ppid === process.pid && readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(CLI);
      } catch {
        return false;
      }
    });
  if (found.length > 1)
    throw new Error(`expected one plimsoll ingest child, found ${found.length}`);
  return found.length === 1 ? Number(found[0]) : undefined;
}

/** Waits until the consumer group has its partitions: the state of a long-running deployment. */
async function waitForConsumerGroup(
  kafka: ReturnType<typeof kafkaClient>,
  group: string,
  alive: () => void,
  timeoutMs: number,
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      alive();
      const { groups } = await admin.describeGroups([group]);
      const described = groups[0];
      if (described?.state === 'Stable' && described.members.length > 0) return;
      if (performance.now() > deadline) throw new Error(`consumer group ${group} never stabilised`);
      await sleep(200);
    }
  } finally {
    await admin.disconnect();
  }
}

async function ingestCounters(url: string): Promise<{ indexed: number; rejected: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const sum = (name: string) => {
    let total = 0;
    for (const match of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))) {
      total += Number(match[1]);
    }
    return total;
  };
  return {
    indexed: sum('plimsoll_ingest_records_indexed_total'),
    rejected: sum('plimsoll_records_rejected_total'),
  };
}
