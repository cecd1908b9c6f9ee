// The in-process bus of the embedded runtime: one ordered log per topic, committed offsets per
// consumer group, and a bounded backlog. Publishers wait when consumers fall behind, exactly as
// they would on a slow Kafka, instead of growing memory without bound.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ComponentHealth } from '../core/component.js';
import { Topics, type AnyEnvelope, type DeadLetter, type Topic } from '../core/envelope.js';
import { silentLogger, type Logger } from '../core/logger.js';
import type { Telemetry } from '../core/telemetry.js';
import type { Bus, BusMessage, PublishResult, SubscribeOptions, Subscription } from './bus.js';
import { prepareForPublish } from './publish-validation.js';

export interface MemoryBusOptions {
  /** Unconsumed records per topic above which publishers wait. */
  readonly maxBacklog?: number;
  readonly maxBatch?: number;
  readonly retryDelayMs?: number;
  readonly telemetry?: Telemetry;
  readonly logger?: Logger;
}

class TopicLog {
  /** Offset of messages[0]; everything before it was consumed by every group. */
  base = 0;
  messages: BusMessage[] = [];
  readonly committed = new Map<string, number>();

  get end(): number {
    return this.base + this.messages.length;
  }

  slowestGroupOffset(): number {
    let slowest = this.end;
    for (const offset of this.committed.values()) slowest = Math.min(slowest, offset);
    return slowest;
  }

  backlog(): number {
    return this.end - (this.committed.size > 0 ? this.slowestGroupOffset() : this.base);
  }

  trim(): void {
    if (this.committed.size === 0) return;
    const drop = this.slowestGroupOffset() - this.base;
    if (drop > 0) {
      this.messages = this.messages.slice(drop);
      this.base += drop;
    }
  }
}

export class MemoryBus implements Bus {
  readonly name = 'bus.embedded';
  private readonly logs = new Map<Topic, TopicLog>();
  private readonly waiters = new Set<() => void>();
  private readonly maxBacklog: number;
  private readonly maxBatch: number;
  private readonly retryDelayMs: number;
  private readonly logger: Logger;
  private running = false;

  constructor(private readonly options: MemoryBusOptions = {}) {
    this.maxBacklog = options.maxBacklog ?? 200_000;
    this.maxBatch = options.maxBatch ?? 2_000;
    this.retryDelayMs = options.retryDelayMs ?? 500;
    this.logger = options.logger ?? silentLogger;
    for (const topic of Object.values(Topics)) this.logs.set(topic, new TopicLog());
  }

  start(): Promise<void> {
    this.running = true;
    return Promise.resolve();
  }

  stop(): Promise<void> {
    this.running = false;
    this.wakeAll();
    return Promise.resolve();
  }

  health(): ComponentHealth {
    return this.running ? { ready: true } : { ready: false, detail: 'embedded bus is stopped' };
  }

  /** Records waiting for the slowest consumer group, per topic. */
  backlog(topic: Topic): number {
    return this.log(topic).backlog();
  }

  async publish(records: readonly AnyEnvelope[]): Promise<PublishResult> {
    const { outgoing, rejected } = prepareForPublish(records);
    if (rejected.length > 0) {
      this.options.telemetry?.recordsRejected.inc(
        { stage: 'produce', error_type: 'validation' },
        rejected.length,
      );
      await this.publishDeadLetters(rejected);
    }
    for (const record of outgoing) {
      const log = this.log(record.topic);
      while (this.running && log.backlog() >= this.maxBacklog) {
        // Consumers may be asleep waiting for data: wake them before waiting for them.
        this.wakeAll();
        await this.nextChange();
      }
      this.append(record.topic, record.key, record.value);
      this.options.telemetry?.recordsPublished.inc({ topic: record.topic });
    }
    this.wakeAll();
    return { accepted: outgoing.length, deadLettered: rejected.length };
  }

  publishDeadLetters(letters: readonly DeadLetter[]): Promise<void> {
    for (const letter of letters) {
      this.append(Topics.dlq, null, Buffer.from(JSON.stringify(letter)));
    }
    this.wakeAll();
    return Promise.resolve();
  }

  subscribe(options: SubscribeOptions): Promise<Subscription> {
    let active = true;
    for (const topic of options.topics) {
      const log = this.log(topic);
      if (!log.committed.has(options.group)) {
        log.committed.set(options.group, options.fromBeginning === false ? log.end : log.base);
      }
    }
    const loop = this.consume(options, () => active && this.running);
    return Promise.resolve({
      stop: async () => {
        active = false;
        this.wakeAll();
        await loop;
      },
    });
  }

  private async consume(options: SubscribeOptions, isRunning: () => boolean): Promise<void> {
    const context = { heartbeat: () => Promise.resolve(), isRunning };
    while (isRunning()) {
      let delivered = false;
      for (const topic of options.topics) {
        const log = this.log(topic);
        const from = log.committed.get(options.group) ?? log.base;
        const batch = log.messages.slice(from - log.base, from - log.base + this.maxBatch);
        if (batch.length === 0) continue;
        delivered = true;
        try {
          await options.handler(batch, context);
          log.committed.set(options.group, from + batch.length);
          log.trim();
          this.wakeAll();
        } catch (error) {
          // Not committed: the same batch is delivered again after a pause, as on Kafka.
          this.logger.warn({ err: error, topic, group: options.group }, 'batch handler failed');
          await sleep(this.retryDelayMs);
        }
      }
      if (!delivered) await this.nextChange();
    }
  }

  private append(topic: Topic, key: string | null, value: Buffer): void {
    const log = this.log(topic);
    log.messages.push({ topic, partition: 0, offset: String(log.end), key, value });
    // The DLQ is read by operators, not by a consumer group: without a reader it keeps only its
    // newest records (each was counted in plimsoll_records_rejected_total when it arrived).
    if (topic === Topics.dlq && log.committed.size === 0 && log.messages.length > this.maxBacklog) {
      log.messages.shift();
      log.base += 1;
    }
  }

  private log(topic: Topic): TopicLog {
    const log = this.logs.get(topic);
    if (!log) throw new Error(`unknown topic ${topic}`);
    return log;
  }

  private nextChange(): Promise<void> {
    return new Promise((resolve) => {
      this.waiters.add(resolve);
    });
  }

  private wakeAll(): void {
    const waiting = [...this.waiters];
    this.waiters.clear();
    for (const wake of waiting) wake();
  }
}
