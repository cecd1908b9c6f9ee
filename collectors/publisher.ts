// The collectors' side of the bus: a bounded buffer in front of Bus.publish. Records are batched
// by size and by time; when the buffer is full `emit` waits (backpressure reaches the collector,
// which slows its scrapes or coalesces its watch queue) instead of growing memory; when publish
// rejects (Kafka down, a broker restarting) the same batch is retried with capped, jittered
// backoff, in order, until it is accepted. Nothing accepted into the buffer is dropped: on stop the
// buffer is drained for up to `stopTimeoutMs`, and whatever could not be delivered by then is
// logged with its count (the collector's checkpoint never advanced past it, so a restart re-emits).
import { setTimeout as sleep } from 'node:timers/promises';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Bus } from '../bus/bus.js';
import type { ComponentHealth, Component } from '../core/component.js';
import type { AnyEnvelope } from '../core/envelope.js';
import { silentLogger, type Logger } from '../core/logger.js';
import type { Telemetry } from '../core/telemetry.js';

/** What a collector writes to. Resolves once the records are buffered; waits while full. */
export interface RecordSink {
  emit(records: readonly AnyEnvelope[]): Promise<void>;
  /** Called with every batch once the bus accepted it (durable on Kafka). Returns an unsubscribe. */
  onDelivered(listener: DeliveryListener): () => void;
  /** Resolves true once everything emitted so far was delivered, false if the timeout passed. */
  flush(timeoutMs?: number): Promise<boolean>;
}

export type DeliveryListener = (records: readonly AnyEnvelope[]) => void;

export interface PublisherOptions {
  /** Records per Bus.publish call. Default 500. */
  readonly batchSize?: number;
  /** Longest a record waits for its batch to fill. Default 200 ms. */
  readonly lingerMs?: number;
  /** Records buffered (including the batch in flight) before `emit` waits. Default 20,000. */
  readonly maxBuffered?: number;
  /** First retry delay after a failed publish; doubles up to maxRetryDelayMs. Default 500 ms. */
  readonly retryDelayMs?: number;
  /** Default 30 s. */
  readonly maxRetryDelayMs?: number;
  /** How long stop() keeps trying to drain the buffer. Default 30 s. */
  readonly stopTimeoutMs?: number;
  readonly telemetry?: Telemetry;
  readonly logger?: Logger;
}

interface PublisherMetrics {
  readonly buffered: Gauge;
  readonly records: Counter<'outcome'>;
  readonly retries: Counter;
  readonly waitSeconds: Counter;
}

function publisherMetrics(registry: Registry): PublisherMetrics {
  const get = <T>(name: string, make: () => T): T =>
    (registry.getSingleMetric(name) as T | undefined) ?? make();
  const registers = [registry];
  return {
    buffered: get(
      'plimsoll_collector_publisher_buffered_records',
      () =>
        new Gauge({
          name: 'plimsoll_collector_publisher_buffered_records',
          help: 'Records waiting in the publisher buffer, including the batch in flight',
          registers,
        }),
    ),
    records: get(
      'plimsoll_collector_publisher_records_total',
      () =>
        new Counter({
          name: 'plimsoll_collector_publisher_records_total',
          help: 'Records the bus accepted from the publisher: delivered, or dead-lettered by validation',
          labelNames: ['outcome'] as const,
          registers,
        }),
    ),
    retries: get(
      'plimsoll_collector_publisher_retries_total',
      () =>
        new Counter({
          name: 'plimsoll_collector_publisher_retries_total',
          help: 'Publish attempts that failed and were retried (bus unavailable)',
          registers,
        }),
    ),
    waitSeconds: get(
      'plimsoll_collector_publisher_backpressure_seconds_total',
      () =>
        new Counter({
          name: 'plimsoll_collector_publisher_backpressure_seconds_total',
          help: 'Time collectors spent waiting for room in the publisher buffer',
          registers,
        }),
    ),
  };
}

export class Publisher implements Component, RecordSink {
  readonly name = 'collector.publisher';
  private readonly batchSize: number;
  private readonly lingerMs: number;
  private readonly maxBuffered: number;
  private readonly retryDelayMs: number;
  private readonly maxRetryDelayMs: number;
  private readonly stopTimeoutMs: number;
  private readonly logger: Logger;
  private readonly metrics: PublisherMetrics | undefined;
  private readonly listeners = new Set<DeliveryListener>();
  private queue: AnyEnvelope[] = [];
  private head = 0;
  private inFlight = 0;
  private running = false;
  private loop: Promise<void> | undefined;
  private wakeLoop: (() => void) | undefined;
  private readonly roomWaiters: (() => void)[] = [];
  private drainWaiters: (() => void)[] = [];
  private stopping = new AbortController();
  private lastError: string | undefined;
  private consecutiveFailures = 0;
  private delivered = 0;
  private deadLettered = 0;

  constructor(
    private readonly bus: Bus,
    options: PublisherOptions = {},
  ) {
    this.batchSize = Math.max(1, options.batchSize ?? 500);
    this.lingerMs = Math.max(0, options.lingerMs ?? 200);
    this.maxBuffered = Math.max(this.batchSize, options.maxBuffered ?? 20_000);
    this.retryDelayMs = Math.max(1, options.retryDelayMs ?? 500);
    this.maxRetryDelayMs = Math.max(this.retryDelayMs, options.maxRetryDelayMs ?? 30_000);
    this.stopTimeoutMs = options.stopTimeoutMs ?? 30_000;
    this.logger = options.logger ?? silentLogger;
    this.metrics = options.telemetry ? publisherMetrics(options.telemetry.registry) : undefined;
  }

  /** Records buffered or in flight. */
  get pending(): number {
    return this.queue.length - this.head + this.inFlight;
  }

  /** Totals since start, for health details and tests. */
  get totals(): { delivered: number; deadLettered: number } {
    return { delivered: this.delivered, deadLettered: this.deadLettered };
  }

  start(): Promise<void> {
    if (this.running) return Promise.resolve();
    this.running = true;
    this.stopping = new AbortController();
    this.loop = this.run();
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    const deadline = Date.now() + this.stopTimeoutMs;
    // Keep delivering while there is time: stop() is where "never drop" is decided.
    while (this.pending > 0 && Date.now() < deadline) {
      this.wake();
      await this.waitForDrain(Math.max(1, deadline - Date.now()));
    }
    this.running = false;
    this.stopping.abort();
    this.wake();
    await this.loop;
    const left = this.pending;
    if (left > 0) {
      this.logger.error(
        { undelivered: left, lastError: this.lastError },
        'publisher stopped with undelivered records; the collectors re-emit them on restart',
      );
    }
    for (const waiter of this.roomWaiters.splice(0)) waiter();
  }

  health(): ComponentHealth {
    if (this.consecutiveFailures > 0) {
      return {
        ready: false,
        detail: `bus rejected the last ${this.consecutiveFailures} publish attempts (${this.lastError ?? 'unknown error'}); ${this.pending} records buffered`,
      };
    }
    return { ready: this.running };
  }

  onDelivered(listener: DeliveryListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async emit(records: readonly AnyEnvelope[]): Promise<void> {
    let offset = 0;
    while (offset < records.length) {
      if (!this.running) throw new Error('publisher is not running');
      const room = this.maxBuffered - this.pending;
      if (room <= 0) {
        const started = Date.now();
        await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
        this.metrics?.waitSeconds.inc((Date.now() - started) / 1000);
        continue;
      }
      const take = Math.min(room, records.length - offset);
      const wasEmpty = this.queue.length - this.head === 0;
      for (let i = 0; i < take; i++) this.queue.push(records[offset + i]!);
      offset += take;
      this.metrics?.buffered.set(this.pending);
      // From empty: the loop sleeps without a timer, so start its linger; full batch: send now.
      if (wasEmpty || this.queue.length - this.head >= this.batchSize) this.wake();
    }
  }

  /** Resolves once everything emitted so far has been delivered (or the timeout passed). */
  async flush(timeoutMs = 30_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.pending > 0 && Date.now() < deadline) {
      this.wake();
      await this.waitForDrain(deadline - Date.now());
    }
    return this.pending === 0;
  }

  private waitForDrain(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Math.min(timeoutMs, 1_000));
      this.drainWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private wake(): void {
    const wake = this.wakeLoop;
    this.wakeLoop = undefined;
    wake?.();
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        const available = this.queue.length - this.head;
        if (available === 0) {
          await this.idle(undefined);
          continue;
        }
        if (available < this.batchSize) await this.idle(this.lingerMs);
        if (!this.running && this.pending === 0) break;
        await this.sendNext();
      } catch (error) {
        // The loop never rejects; an unexpected error is logged and the loop goes on.
        this.logger.error({ err: error }, 'publisher loop error');
        await sleep(this.retryDelayMs);
      }
    }
  }

  private idle(ms: number | undefined): Promise<void> {
    return new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      if (ms !== undefined) {
        // A linger with records waiting is pending work: the timer keeps the process alive.
        timer = setTimeout(() => {
          this.wakeLoop = undefined;
          resolve();
        }, ms);
      }
      this.wakeLoop = () => {
        if (timer) clearTimeout(timer);
        resolve();
      };
    });
  }

  private async sendNext(): Promise<void> {
    const end = Math.min(this.queue.length, this.head + this.batchSize);
    const batch = this.queue.slice(this.head, end);
    if (batch.length === 0) return;
    this.head = end;
    this.inFlight = batch.length;
    if (this.head > 4096 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    let attempt = 0;
    for (;;) {
      try {
        const result = await this.bus.publish(batch);
        this.delivered += result.accepted;
        this.deadLettered += result.deadLettered;
        this.metrics?.records.inc({ outcome: 'delivered' }, result.accepted);
        this.metrics?.records.inc({ outcome: 'dead_lettered' }, result.deadLettered);
        if (this.consecutiveFailures > 0) {
          this.logger.info(
            { failedAttempts: this.consecutiveFailures },
            'bus accepts records again; publisher resumed',
          );
        }
        this.consecutiveFailures = 0;
        break;
      } catch (error) {
        this.lastError = (error as Error).message;
        this.consecutiveFailures++;
        this.metrics?.retries.inc();
        if (this.consecutiveFailures === 1) {
          this.logger.warn(
            { err: error, buffered: this.pending },
            'bus rejected a batch; retrying with backoff, collectors wait when the buffer is full',
          );
        }
        if (!this.running) {
          // stop() gave up waiting: put the batch back so `pending` reports it.
          this.queue.splice(this.head, 0, ...batch);
          this.inFlight = 0;
          return;
        }
        const delay = Math.min(this.maxRetryDelayMs, this.retryDelayMs * 2 ** attempt++);
        // Referenced on purpose: records wait in this buffer, and the process must not exit
        // under them just because nothing else is scheduled.
        await sleep(delay / 2 + Math.random() * (delay / 2), undefined, {
          signal: this.stopping.signal,
        }).catch(() => undefined);
      }
    }
    this.inFlight = 0;
    this.metrics?.buffered.set(this.pending);
    for (const listener of this.listeners) {
      try {
        listener(batch);
      } catch (error) {
        this.logger.error({ err: error }, 'delivery listener failed');
      }
    }
    for (const waiter of this.roomWaiters.splice(0)) waiter();
    if (this.pending === 0) for (const waiter of this.drainWaiters.splice(0)) waiter();
  }
}
