// Both adapters validate every envelope before it leaves the process: a record that does not
// match the schema is never published to a data topic, it goes to the DLQ with the reason.
import {
  deadLetter,
  partitionKey,
  TOPIC_OF_KIND,
  validateEnvelope,
  type DeadLetter,
  type Topic,
} from '../core/envelope.js';
import type { AnyEnvelope } from '../core/envelope.js';

export interface OutgoingRecord {
  readonly topic: Topic;
  readonly key: string;
  readonly value: Buffer;
}

export interface PreparedBatch {
  readonly outgoing: OutgoingRecord[];
  readonly rejected: DeadLetter[];
}

export function prepareForPublish(records: readonly AnyEnvelope[]): PreparedBatch {
  const outgoing: OutgoingRecord[] = [];
  const rejected: DeadLetter[] = [];
  for (const record of records) {
    const verdict = validateEnvelope(record);
    if (!verdict.ok) {
      rejected.push(deadLetter(verdict.reason, 'produce', safeStringify(record)));
      continue;
    }
    outgoing.push({
      topic: TOPIC_OF_KIND[record.kind],
      key: partitionKey(record),
      value: Buffer.from(JSON.stringify(record)),
    });
  }
  return { outgoing, rejected };
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
