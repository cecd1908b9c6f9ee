// Helpers the collector tests share: a Kafka bus on fresh topics, a reader of everything on them,
// and the wiring of publisher + collectors against a simulator.
import { randomBytes } from 'node:crypto';
import { KafkaBus } from '../../bus/kafka.js';
import { MemoryBus } from '../../bus/memory.js';
import type { CollectorDeps } from '../../collectors/collector.js';
import { Publisher } from '../../collectors/publisher.js';
import type { Bus } from '../../bus/bus.js';
import { DATA_TOPICS, type AnyEnvelope } from '../../core/envelope.js';
import { silentLogger } from '../../core/logger.js';
import { Telemetry } from '../../core/telemetry.js';
import { SERVICE_URLS } from '../support/services.js';
import { waitFor } from '../support/wait.js';

export function freshKafkaBus(label: string, telemetry?: Telemetry): KafkaBus {
  const id = `${label}-${randomBytes(4).toString('hex')}`;
  return new KafkaBus({
    brokers: [SERVICE_URLS.kafka],
    clientId: `test-${id}`,
    partitions: 3,
    replicationFactor: 1,
    compression: 'gzip',
    topicPrefix: `${id}.`,
    connectionTimeoutMs: 3_000,
    ...(telemetry && { telemetry }),
  });
}

/** Every record on the data topics, read with a new consumer group until the count is stable. */
export async function readAll(
  bus: Bus,
  expectedAtLeast: number,
  timeoutMs = 60_000,
): Promise<AnyEnvelope[]> {
  const records: AnyEnvelope[] = [];
  const subscription = await bus.subscribe({
    group: `reader-${randomBytes(4).toString('hex')}`,
    topics: DATA_TOPICS,
    fromBeginning: true,
    handler: (messages) => {
      for (const m of messages) records.push(JSON.parse(m.value.toString('utf8')) as AnyEnvelope);
      return Promise.resolve();
    },
  });
  try {
    await waitFor(
      () => records.length,
      (n) => n >= expectedAtLeast,
      {
        timeoutMs,
        intervalMs: 500,
        what: `${expectedAtLeast} records on Kafka`,
      },
    );
    // Let stragglers of other partitions arrive.
    let last = -1;
    while (last !== records.length) {
      last = records.length;
      await new Promise((resolve) => setTimeout(resolve, 1_500));
    }
  } finally {
    await subscription.stop();
  }
  return records;
}

export function quietTelemetry(): Telemetry {
  return new Telemetry({ defaultMetrics: false });
}

export const logger = silentLogger;

/** An in-process bus and a publisher on it, with the deps a collector under test is given. */
export function memoryPipeline(): {
  telemetry: Telemetry;
  bus: MemoryBus;
  publisher: Publisher;
  deps: CollectorDeps;
} {
  const telemetry = quietTelemetry();
  const bus = new MemoryBus({ telemetry, logger });
  const publisher = new Publisher(bus, { telemetry, logger, lingerMs: 10 });
  return {
    telemetry,
    bus,
    publisher,
    deps: { publisher, telemetry, logger, cluster: 'test', source: 'test' },
  };
}

export function countBy<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of items) out[key(item)] = (out[key(item)] ?? 0) + 1;
  return out;
}

export function duplicates(ids: readonly string[]): string[] {
  const seen = new Set<string>();
  const dup: string[] = [];
  for (const id of ids) {
    if (seen.has(id)) dup.push(id);
    seen.add(id);
  }
  return dup;
}

/** The second an API timestamp keeps of an epoch-ms instant. */
export function apiSecond(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}
