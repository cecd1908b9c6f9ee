// The evaluation's Prometheus path: the scenario's history exported as OpenMetrics at the scrape
// interval, loaded into a private Prometheus (tsdb.ts), and read back by the prometheus collector
// alone — backfill, no follow, its clock at the end of the window — publishing onto the
// in-process bus, from which the embedded runtime's ingest consumer writes into the store.
//
// Judged in data time: the collector reads one chunk of `chunkMs` at a time and flushes its
// publisher at the end of each chunk. The sink below holds that flush until the ingest consumer
// has written everything of the chunk and the judge has run at the chunk's end, so the store
// never holds data from after the instant being judged.
import type { AnyEnvelope } from '../../core/envelope.js';
import { DATA_TOPICS } from '../../core/envelope.js';
import { silentLogger } from '../../core/logger.js';
import { Telemetry } from '../../core/telemetry.js';
import { MemoryBus } from '../../bus/memory.js';
import { HttpPromClient } from '../../collectors/prometheus/client.js';
import { PrometheusCollector, prometheusDefaults } from '../../collectors/prometheus/collector.js';
import { Publisher, type DeliveryListener, type RecordSink } from '../../collectors/publisher.js';
import { IngestConsumer } from '../../pipeline/ingest.js';
import { exportOpenMetrics } from '../../simulator/index.js';
import type { DataChunk, RecordSource } from '../evaluate.js';
import { servePrometheusFromOpenMetrics } from './tsdb.js';

const DAY = 86_400_000;
/** Longest a chunk may take to be read and ingested before the evaluation gives up. */
const STALL_MS = 10 * 60_000;

interface Handoff {
  readonly chunk: DataChunk;
  readonly release: () => void;
}

/**
 * The collector's publisher, except that flush() — called once per chunk, before the collector
 * moves its cursor — also waits for the chunk to be in the store and judged.
 */
class JudgedSink implements RecordSink {
  private records: AnyEnvelope[] = [];
  private closed = false;
  private readonly handoffs: Handoff[] = [];
  private wake: (() => void) | undefined;

  constructor(
    private readonly inner: Publisher,
    private readonly ingested: () => Promise<void>,
    /** The data time the chunk being flushed covers. */
    private readonly span: () => { from: number; to: number },
  ) {}

  /** Wired to the ingest consumer: what it wrote into the store. */
  indexed(records: readonly AnyEnvelope[]): void {
    for (const r of records) this.records.push(r);
  }

  emit(records: readonly AnyEnvelope[]): Promise<void> {
    return this.inner.emit(records);
  }

  onDelivered(listener: DeliveryListener): () => void {
    return this.inner.onDelivered(listener);
  }

  async flush(timeoutMs?: number): Promise<boolean> {
    if (this.closed || !(await this.inner.flush(timeoutMs))) return false;
    await this.ingested();
    if (this.closed) return false;
    const chunk = { ...this.span(), records: this.records };
    this.records = [];
    await new Promise<void>((release) => {
      this.handoffs.push({ chunk, release });
      this.wake?.();
    });
    return !this.closed;
  }

  /** The next chunk handed over, or undefined once `done` settles first. */
  async next(done: Promise<unknown>): Promise<Handoff | undefined> {
    for (;;) {
      const handoff = this.handoffs.shift();
      if (handoff) return handoff;
      const woken = new Promise<'chunk'>((resolve) => (this.wake = () => resolve('chunk')));
      if ((await Promise.race([woken, done.then(() => 'done' as const)])) === 'done') {
        // A chunk may have been handed over in the same turn.
        return this.handoffs.shift();
      }
    }
  }

  /** Lets a collector blocked in flush() go on (and fail the chunk), so it can be stopped. */
  close(): void {
    this.closed = true;
    for (const h of this.handoffs.splice(0)) h.release();
  }
}

export const prometheusSource: RecordSource = async function* (ctx) {
  const { sim, window, store, stepMs, chunkMs, timings, workDir } = ctx;
  // Staleness as a scraping Prometheus would have marked it: the collector reads at the export's
  // grid, so a series without a sample at a step has ended (tsdb.ts explains).
  const lookbackDelta = ctx.lookbackDelta ?? `${Math.max(1, Math.floor(stepMs / 2000))}s`;
  const days = (window.to - window.from) / DAY;
  let mark = performance.now();
  const lap = (name: string) => {
    const now = performance.now();
    timings[name] = Math.round(now - mark);
    mark = now;
  };
  const prometheus = await servePrometheusFromOpenMetrics({
    write: (out) =>
      exportOpenMetrics(sim, out, {
        ...ctx.exportOptions,
        from: window.from,
        to: window.to,
        stepMs,
      }),
    ...(workDir === undefined ? {} : { dir: workDir }),
    lookbackDelta,
  });
  lap('exportAndServeMs');
  const telemetry = new Telemetry({ defaultMetrics: false });
  const bus = new MemoryBus({ telemetry });
  const publisher = new Publisher(bus, { telemetry, batchSize: 2_000, lingerMs: 0 });
  let collector: PrometheusCollector | undefined;
  let ingest: IngestConsumer | undefined;
  const sink: JudgedSink = new JudgedSink(
    publisher,
    () => drained(bus),
    () => {
      // The chunk being flushed starts at the collector's cursor, which moves after the flush.
      const from = collector!.position;
      return { from, to: Math.min(align(window.to, stepMs), from + chunkMs) };
    },
  );
  try {
    await bus.start();
    // The bus → store consumer of the embedded runtime (runtime/service.ts).
    ingest = new IngestConsumer({
      bus,
      store,
      group: 'eval',
      telemetry,
      onIndexed: (records) => sink.indexed(records),
    });
    await ingest.start();
    await publisher.start();
    collector = new PrometheusCollector(
      new HttpPromClient(prometheus.url, { timeoutMs: 120_000 }),
      {
        ...prometheusDefaults,
        backfillDays: days,
        stepMs,
        chunkMs,
        follow: false,
        lagMs: 0,
        usage: true,
        checkpointFile: undefined,
      },
      { publisher: sink, telemetry, logger: silentLogger, cluster: sim.model.cluster },
      () => window.to,
    );
    await collector.start();
    const done = collector.whenBackfilled();
    for (;;) {
      const handoff = await withStallDeadline(sink.next(done), collector);
      if (!handoff) break;
      try {
        yield handoff.chunk;
      } finally {
        handoff.release();
      }
    }
    lap('collectAndJudgeMs');
  } finally {
    sink.close();
    await collector?.stop();
    await publisher.stop();
    await ingest?.stop();
    await bus.stop();
    await prometheus.stop();
  }
};

function align(t: number, stepMs: number): number {
  return Math.floor(t / stepMs) * stepMs;
}

/** Resolves once the ingest consumer has committed every record published so far. */
async function drained(bus: MemoryBus): Promise<void> {
  const deadline = Date.now() + STALL_MS;
  while (DATA_TOPICS.some((topic) => bus.backlog(topic) > 0)) {
    if (Date.now() > deadline) throw new Error('ingest did not drain the bus within 10 minutes');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

async function withStallDeadline<T>(next: Promise<T>, collector: PrometheusCollector): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const stalled = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const health = collector.health();
      reject(
        new Error(
          `the prometheus collector delivered no chunk for ${STALL_MS / 60_000} minutes ` +
            `(at ${new Date(collector.position).toISOString()}): ${health.detail ?? 'no error reported'}`,
        ),
      );
    }, STALL_MS);
  });
  try {
    return await Promise.race([next, stalled]);
  } finally {
    clearTimeout(timer);
  }
}
