// The production bus on Apache Kafka (kafkajs). Topics are created at start with the configured
// partitions; an idempotent producer keeps retries from duplicating records; consumers commit an
// offset only after the handler resolved, i.e. after the batch is durable downstream.
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import {
  CompressionTypes,
  Kafka,
  logLevel as KafkaLogLevel,
  type Admin,
  type Consumer,
  type KafkaConfig,
  type Producer,
  type SASLOptions,
} from 'kafkajs';
import type { ComponentHealth } from '../core/component.js';
import { ConfigError } from '../core/config/load.js';
import { Topics, type AnyEnvelope, type DeadLetter, type Topic } from '../core/envelope.js';
import { silentLogger, type Logger } from '../core/logger.js';
import type { Telemetry } from '../core/telemetry.js';
import type { Bus, PublishResult, SubscribeOptions, Subscription } from './bus.js';
import { prepareForPublish, type OutgoingRecord } from './publish-validation.js';

export interface KafkaBusOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly compression: 'none' | 'gzip';
  /**
   * Prepended to every topic name, so that several Plimsoll installations (or test runs) can
   * share one Kafka cluster without reading each other's records.
   */
  readonly topicPrefix?: string;
  readonly connectionTimeoutMs?: number;
  /** TLS to the brokers (the `kafka.ssl` config section); off when absent. */
  readonly ssl?: KafkaTlsSettings;
  /** SASL authentication (the `kafka.sasl` config section, password resolved); off when absent. */
  readonly sasl?: KafkaSaslSettings;
  readonly telemetry?: Telemetry;
  readonly logger?: Logger;
}

export interface KafkaTlsSettings {
  readonly enabled: boolean;
  readonly caFile?: string | undefined;
  readonly certFile?: string | undefined;
  readonly keyFile?: string | undefined;
  readonly rejectUnauthorized: boolean;
}

export interface KafkaSaslSettings {
  readonly mechanism: 'none' | 'plain' | 'scram-sha-256' | 'scram-sha-512';
  readonly username?: string | undefined;
  readonly password?: string | undefined;
}

/**
 * The kafkajs connection security for the settings: the TLS files are read here, once, and a
 * file that cannot be read is a ConfigError naming its key. No SASL and no TLS give no options.
 */
export function kafkaSecurity(
  settings: Pick<KafkaBusOptions, 'ssl' | 'sasl'>,
): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  const out: Pick<KafkaConfig, 'ssl' | 'sasl'> = {};
  const { ssl, sasl } = settings;
  if (ssl?.enabled) {
    const read = (key: 'caFile' | 'certFile' | 'keyFile'): Buffer | undefined => {
      const path = ssl[key];
      if (path === undefined) return undefined;
      try {
        return readFileSync(path);
      } catch (error) {
        throw new ConfigError(
          `kafka.ssl.${key}`,
          `cannot read file ${path}: ${(error as Error).message}`,
          path,
        );
      }
    };
    const tls: ConnectionOptions = { rejectUnauthorized: ssl.rejectUnauthorized };
    const ca = read('caFile');
    const cert = read('certFile');
    const key = read('keyFile');
    if (ca) tls.ca = [ca];
    if (cert) tls.cert = cert;
    if (key) tls.key = key;
    out.ssl = tls;
  }
  if (sasl && sasl.mechanism !== 'none') {
    if (sasl.username === undefined || sasl.password === undefined) {
      throw new ConfigError(
        sasl.username === undefined ? 'kafka.sasl.username' : 'kafka.sasl.passwordFile',
        `required with kafka.sasl.mechanism ${sasl.mechanism}`,
        'config',
      );
    }
    out.sasl = {
      mechanism: sasl.mechanism,
      username: sasl.username,
      password: sasl.password,
    } as SASLOptions;
  }
  return out;
}

/** Largest number of records in one produce request; bounds a request's size. */
const SEND_CHUNK = 5_000;

export class KafkaBus implements Bus {
  readonly name = 'bus.kafka';
  private readonly kafka: Kafka;
  private readonly logger: Logger;
  private producer: Producer | undefined;
  private readonly consumers = new Set<Consumer>();
  private lastError: string | undefined;
  private readonly prefix: string;

  constructor(private readonly options: KafkaBusOptions) {
    this.logger = options.logger ?? silentLogger;
    this.prefix = options.topicPrefix ?? '';
    const security = kafkaSecurity(options);
    if (security.sasl?.mechanism === 'plain' && !security.ssl) {
      this.logger.warn('kafka.sasl.mechanism plain without kafka.ssl sends the password in clear');
    }
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: [...options.brokers],
      ...security,
      connectionTimeout: options.connectionTimeoutMs ?? 10_000,
      logLevel: KafkaLogLevel.NOTHING,
      retry: { initialRetryTime: 300, retries: 8, maxRetryTime: 30_000 },
    });
  }

  async start(): Promise<void> {
    await this.ensureTopics();
    const producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
    });
    await producer.connect();
    this.producer = producer;
    this.lastError = undefined;
  }

  async stop(): Promise<void> {
    await Promise.allSettled([...this.consumers].map((consumer) => consumer.disconnect()));
    this.consumers.clear();
    await this.producer?.disconnect();
    this.producer = undefined;
  }

  async health(): Promise<ComponentHealth> {
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      await admin.fetchTopicMetadata({ topics: [this.physical(Topics.objects)] });
      return { ready: true };
    } catch (error) {
      return { ready: false, detail: `Kafka unreachable: ${(error as Error).message}` };
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  /** The last error the producer recovered from, for status pages. */
  get lastProducerError(): string | undefined {
    return this.lastError;
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
    for (let start = 0; start < outgoing.length; start += SEND_CHUNK) {
      await this.send(outgoing.slice(start, start + SEND_CHUNK));
    }
    return { accepted: outgoing.length, deadLettered: rejected.length };
  }

  async publishDeadLetters(letters: readonly DeadLetter[]): Promise<void> {
    await this.send(
      letters.map((letter) => ({
        topic: Topics.dlq,
        key: letter.stage,
        value: Buffer.from(JSON.stringify(letter)),
      })),
    );
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    const consumer = this.kafka.consumer({
      groupId: options.group,
      sessionTimeout: 30_000,
      heartbeatInterval: 3_000,
      // Bounds what one fetch can hold in memory while the store is slow.
      maxBytesPerPartition: 4 * 1024 * 1024,
      maxBytes: 16 * 1024 * 1024,
    });
    await consumer.connect();
    this.consumers.add(consumer);
    await consumer.subscribe({
      topics: options.topics.map((topic) => this.physical(topic)),
      fromBeginning: options.fromBeginning ?? true,
    });
    await consumer.run({
      autoCommit: true,
      autoCommitThreshold: 1,
      eachBatchAutoResolve: false,
      eachBatch: async (payload) => {
        const { batch } = payload;
        if (batch.messages.length === 0) return;
        const messages = batch.messages.map((message) => ({
          topic: this.logical(batch.topic),
          partition: batch.partition,
          offset: message.offset,
          key: message.key ? message.key.toString('utf8') : null,
          value: message.value ?? Buffer.alloc(0),
        }));
        // A rejection propagates to kafkajs, which seeks back and delivers the batch again.
        await options.handler(messages, {
          heartbeat: () => payload.heartbeat(),
          isRunning: () => payload.isRunning() && !payload.isStale(),
        });
        payload.resolveOffset(batch.lastOffset());
        await payload.commitOffsetsIfNecessary();
        this.options.telemetry?.consumerLag.set(
          { topic: this.logical(batch.topic) },
          Number(batch.offsetLag()),
        );
      },
    });
    return {
      stop: async () => {
        this.consumers.delete(consumer);
        await consumer.disconnect();
      },
    };
  }

  private async send(records: readonly OutgoingRecord[]): Promise<void> {
    if (records.length === 0) return;
    const producer = this.producer;
    if (!producer) throw new Error('Kafka bus is not started');
    const byTopic = new Map<Topic, { key: string; value: Buffer }[]>();
    for (const record of records) {
      const messages = byTopic.get(record.topic) ?? [];
      messages.push({ key: record.key, value: record.value });
      byTopic.set(record.topic, messages);
    }
    try {
      await producer.sendBatch({
        acks: -1,
        compression:
          this.options.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None,
        topicMessages: [...byTopic].map(([topic, messages]) => ({
          topic: this.physical(topic),
          messages,
        })),
      });
    } catch (error) {
      this.lastError = (error as Error).message;
      this.options.telemetry?.error(this.name, 'produce', 'unavailable');
      throw error;
    }
    for (const [topic, messages] of byTopic) {
      this.options.telemetry?.recordsPublished.inc({ topic }, messages.length);
    }
  }

  private physical(topic: Topic): string {
    return this.prefix + topic;
  }

  private logical(topic: string): string {
    return topic.startsWith(this.prefix) ? topic.slice(this.prefix.length) : topic;
  }

  private async ensureTopics(): Promise<void> {
    const admin: Admin = this.kafka.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const missing = Object.values(Topics)
        .map((topic) => this.physical(topic))
        .filter((topic) => !existing.has(topic));
      if (missing.length > 0) {
        await admin.createTopics({
          waitForLeaders: true,
          topics: missing.map((topic) => ({
            topic,
            numPartitions: this.options.partitions,
            replicationFactor: this.options.replicationFactor,
          })),
        });
        this.logger.info({ topics: missing }, 'created Kafka topics');
      }
    } finally {
      await admin.disconnect();
    }
  }
}
