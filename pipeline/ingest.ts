// The ingest consumer: bus → store. A batch is acknowledged (its offsets committed) only after the
// store accepted every record or the record went to the dead-letter topic with its reason.
// While the store refuses (overload, outage) the batch is retried with backoff and no new batch is
// fetched, so memory stays bounded and the backlog waits in the bus, not in this process.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Component, ComponentHealth } from '../core/component.js';
import {
  DATA_TOPICS,
  deadLetter,
  decodeEnvelope,
  type AnyEnvelope,
  type DeadLetter,
  type Topic,
} from '../core/envelope.js';
import { silentLogger, type Logger } from '../core/logger.js';
import type { Telemetry } from '../core/telemetry.js';
import type { BatchContext, Bus, BusMessage, Subscription } from '../bus/bus.js';
import type { Store } from '../store/store.js';

export interface IngestOptions {
  readonly bus: Bus;
  readonly store: Store;
  readonly group: string;
  readonly topics?: readonly Topic[];
  readonly telemetry?: Telemetry;
  readonly logger?: Logger;
  /** First retry delay; doubles up to maxRetryDelayMs, with jitter. */
  readonly retryDelayMs?: number;
  readonly maxRetryDelayMs?: number;
  /**
   * Told about every batch once it is durable, e.g. so the analyzer runner can judge a new OOM
   * kill or node transition within seconds instead of at its next scheduled run. Must not throw.
   */
  readonly onIndexed?: (records: readonly AnyEnvelope[]) => void;
}

export class IngestConsumer implements Component {
  readonly name = 'ingest';
  private subscription: Subscription | undefined;
  private retryingSince: number | undefined;
  private lastRetryReason: string | undefined;
  private readonly logger: Logger;

  constructor(private readonly options: IngestOptions) {
    this.logger = options.logger ?? silentLogger;
  }

  async start(): Promise<void> {
    this.subscription = await this.options.bus.subscribe({
      group: this.options.group,
      topics: this.options.topics ?? DATA_TOPICS,
      handler: (messages, context) => this.handleBatch(messages, context),
      fromBeginning: true,
    });
  }

  async stop(): Promise<void> {
    await this.subscription?.stop();
    this.subscription = undefined;
  }

  health(): ComponentHealth {
    if (!this.subscription) return { ready: false, detail: 'ingest consumer is not running' };
    if (this.retryingSince !== undefined) {
      return {
        ready: false,
        detail: `store refusing writes since ${new Date(this.retryingSince).toISOString()}: ${this.lastRetryReason ?? ''}`,
      };
    }
    return { ready: true };
  }

  private notifyIndexed(records: readonly AnyEnvelope[]): void {
    try {
      this.options.onIndexed?.(records);
    } catch (error) {
      this.logger.error({ err: error }, 'onIndexed listener failed');
    }
  }

  /** Exposed for the bus adapters' tests; the subscription calls it. */
  async handleBatch(messages: readonly BusMessage[], context: BatchContext): Promise<void> {
    const started = performance.now();
    const letters: DeadLetter[] = [];
    let pending: AnyEnvelope[] = [];
    for (const message of messages) {
      const verdict = decodeEnvelope(message.value);
      if (verdict.ok) {
        pending.push(verdict.record);
      } else {
        letters.push(deadLetter(verdict.reason, 'ingest', message.value, origin(message)));
        this.options.telemetry?.recordsRejected.inc({
          stage: 'decode',
          error_type: verdict.reason.startsWith('malformed') ? 'malformed' : 'validation',
        });
      }
    }

    const written: AnyEnvelope[] = [];
    let delay = this.options.retryDelayMs ?? 200;
    // Short enough that a stopping consumer notices within seconds.
    const maxDelay = this.options.maxRetryDelayMs ?? 5_000;
    while (pending.length > 0) {
      const outcomes = await this.options.store
        .write(pending)
        .catch((error: unknown) =>
          pending.map(() => ({ status: 'retry' as const, reason: (error as Error).message })),
        );
      const retry: AnyEnvelope[] = [];
      outcomes.forEach((outcome, index) => {
        const record = pending[index]!;
        if (outcome.status === 'written') {
          written.push(record);
          this.options.telemetry?.recordsIngested.inc({ kind: record.kind });
        } else if (outcome.status === 'rejected') {
          letters.push(deadLetter(outcome.reason, 'index', JSON.stringify(record)));
          this.options.telemetry?.recordsRejected.inc({
            stage: 'index',
            error_type: outcome.errorType,
          });
        } else {
          retry.push(record);
          this.lastRetryReason = outcome.reason;
        }
      });
      pending = retry;
      if (pending.length === 0) break;
      if (this.retryingSince === undefined) {
        this.retryingSince = Date.now();
        this.logger.warn(
          { records: pending.length, reason: this.lastRetryReason },
          'store refused writes; retrying the batch with backoff',
        );
      }
      this.options.telemetry?.error(this.name, 'index', 'unavailable');
      if (!context.isRunning()) {
        throw new Error('ingest stopping with an unwritten batch; it will be delivered again');
      }
      await context.heartbeat();
      await sleep(delay * (0.5 + Math.random() / 2));
      delay = Math.min(delay * 2, maxDelay);
    }
    if (this.retryingSince !== undefined) {
      this.logger.info(
        { downForMs: Date.now() - this.retryingSince },
        'store accepts writes again; ingestion resumed',
      );
      this.retryingSince = undefined;
    }
    if (letters.length > 0) await this.options.bus.publishDeadLetters(letters);
    if (written.length > 0) this.notifyIndexed(written);
    this.options.telemetry?.ingestBatchSeconds.observe((performance.now() - started) / 1000);
  }
}

const origin = (message: BusMessage) => ({
  topic: message.topic,
  partition: message.partition,
  offset: message.offset,
});
