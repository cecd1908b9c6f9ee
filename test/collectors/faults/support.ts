// What the collector fault tests share: the in-process bus with a reader that keeps every record
// with its arrival time, a publisher in front of it, a logger that keeps what it writes (to check
// that a fault is logged once, with context, not once per occurrence), and the collector metrics
// as `/metrics` serves them (the Telemetry registry's exposition, parsed back).
import { Writable } from 'node:stream';
import type { Subscription } from '../../../bus/bus.js';
import { MemoryBus } from '../../../bus/memory.js';
import { parsePrometheusText } from '../../../collectors/formats/prometheus-text.js';
import { Publisher } from '../../../collectors/publisher.js';
import { DATA_TOPICS, type AnyEnvelope, type Envelope } from '../../../core/envelope.js';
import { createLogger, type Logger } from '../../../core/logger.js';
import { Telemetry } from '../../../core/telemetry.js';

export interface Received {
  readonly record: AnyEnvelope;
  /** Real time the reader got it. */
  readonly at: number;
}

export interface LogEntry {
  readonly level: string;
  readonly msg: string;
  readonly [key: string]: unknown;
}

export interface Harness {
  readonly telemetry: Telemetry;
  readonly publisher: Publisher;
  readonly logger: Logger;
  readonly received: Received[];
  readonly logs: LogEntry[];
  /** Records of one kind (and source, if given), in arrival order. */
  of<K extends AnyEnvelope['kind']>(kind: K, source?: string): Envelope<K>[];
  /** Sum of the samples of a metric on `/metrics` whose labels include `labels`. */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  /** Warnings and errors logged with these fields. */
  warnings(fields: Record<string, unknown>): LogEntry[];
  stop(): Promise<void>;
}

export async function startHarness(): Promise<Harness> {
  const telemetry = new Telemetry({ defaultMetrics: false });
  const logs: LogEntry[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line) logs.push(JSON.parse(line) as LogEntry);
      }
      done();
    },
  });
  const logger = createLogger('warn', sink);
  const bus = new MemoryBus({ telemetry, logger });
  await bus.start();
  const received: Received[] = [];
  // The in-process bus holds publishers back while a data topic has no reader.
  const subscription: Subscription = await bus.subscribe({
    group: 'fault-test-reader',
    topics: DATA_TOPICS,
    fromBeginning: true,
    handler: (messages) => {
      const at = Date.now();
      for (const m of messages) {
        received.push({ record: JSON.parse(m.value.toString('utf8')) as AnyEnvelope, at });
      }
      return Promise.resolve();
    },
  });
  const publisher = new Publisher(bus, { telemetry, logger, lingerMs: 20 });
  await publisher.start();
  return {
    telemetry,
    publisher,
    logger,
    received,
    logs,
    of: <K extends AnyEnvelope['kind']>(kind: K, source?: string) =>
      received
        .map((r) => r.record)
        .filter(
          (r) => r.kind === kind && (source === undefined || r.source === source),
        ) as Envelope<K>[],
    metric: async (name, labels = {}) => {
      const { samples } = parsePrometheusText(await telemetry.registry.metrics());
      return samples
        .filter(
          (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
        )
        .reduce((sum, s) => sum + s.value, 0);
    },
    warnings: (fields) =>
      logs.filter(
        (entry) =>
          (entry.level === 'warn' || entry.level === 'error') &&
          Object.entries(fields).every(([k, v]) => entry[k] === v),
      ),
    stop: async () => {
      await publisher.stop();
      await subscription.stop();
      await bus.stop();
    },
  };
}

/** The ids that occur more than once. */
export function duplicateIds(records: readonly { readonly id: string }[]): string[] {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const r of records) {
    if (seen.has(r.id)) dup.add(r.id);
    seen.add(r.id);
  }
  return [...dup];
}
