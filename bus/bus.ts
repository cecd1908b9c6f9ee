// The bus port: collectors publish envelopes, the ingest consumer reads batches of raw bytes.
// Two adapters implement it (in-process and Kafka) and pass the same conformance tests.
import type { Component } from '../core/component.js';
import type { AnyEnvelope, DeadLetter, Topic } from '../core/envelope.js';

export interface BusMessage {
  readonly topic: string;
  readonly partition: number;
  /** Position in the partition, as a decimal string (Kafka offsets exceed 2^53). */
  readonly offset: string;
  readonly key: string | null;
  readonly value: Buffer;
}

export interface BatchContext {
  /** Keeps group membership alive while a slow downstream is retried. */
  heartbeat(): Promise<void>;
  /** False once the subscription is stopping: a retry loop should give up and let it redeliver. */
  isRunning(): boolean;
}

/**
 * Resolving means every message of the batch is durable downstream (or dead-lettered), so its
 * offsets may be committed. Rejecting means none may: the batch is delivered again.
 */
export type BatchHandler = (
  messages: readonly BusMessage[],
  context: BatchContext,
) => Promise<void>;

export interface SubscribeOptions {
  readonly group: string;
  readonly topics: readonly Topic[];
  readonly handler: BatchHandler;
  /** Start from the oldest retained record when the group has no committed offset. */
  readonly fromBeginning?: boolean;
}

export interface Subscription {
  stop(): Promise<void>;
}

export interface PublishResult {
  readonly accepted: number;
  /** Records that failed envelope validation and went to the dead-letter topic instead. */
  readonly deadLettered: number;
}

export interface Bus extends Component {
  /** Resolves once the bus has accepted every record (Kafka: acknowledged by the brokers). */
  publish(records: readonly AnyEnvelope[]): Promise<PublishResult>;
  publishDeadLetters(letters: readonly DeadLetter[]): Promise<void>;
  subscribe(options: SubscribeOptions): Promise<Subscription>;
}
