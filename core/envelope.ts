// The versioned envelope every record on the bus travels in, and the rules that decide its
// topic, partition key and document id. Keys keep one node's or one pod's records in order on one
// partition; ids are deterministic so that a replay overwrites instead of duplicating.
import { createHash } from 'node:crypto';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { ValueErrorIterator } from '@sinclair/typebox/errors';
import {
  ContainerTerminationSchema,
  KubeEventSchema,
  LogLineSchema,
  NodeSchema,
  NodeTransitionSchema,
  PodSchema,
  UsageSampleSchema,
} from './domain.js';

export const ENVELOPE_SCHEMA_VERSION = 1;

export const Topics = {
  objects: 'plimsoll.objects.v1',
  samples: 'plimsoll.samples.v1',
  events: 'plimsoll.events.v1',
  logs: 'plimsoll.logs.v1',
  dlq: 'plimsoll.dlq.v1',
} as const;
export type Topic = (typeof Topics)[keyof typeof Topics];
export const DATA_TOPICS: readonly Topic[] = [
  Topics.objects,
  Topics.samples,
  Topics.events,
  Topics.logs,
];

const payloadSchemas = {
  node: NodeSchema,
  pod: PodSchema,
  usage_sample: UsageSampleSchema,
  kube_event: KubeEventSchema,
  node_transition: NodeTransitionSchema,
  container_termination: ContainerTerminationSchema,
  log_line: LogLineSchema,
} satisfies Record<string, TSchema>;

export type RecordKind = keyof typeof payloadSchemas;
export const RECORD_KINDS = Object.keys(payloadSchemas) as RecordKind[];
export type PayloadOf<K extends RecordKind> = Static<(typeof payloadSchemas)[K]>;

export const TOPIC_OF_KIND: Readonly<Record<RecordKind, Topic>> = {
  node: Topics.objects,
  pod: Topics.objects,
  usage_sample: Topics.samples,
  kube_event: Topics.events,
  node_transition: Topics.events,
  container_termination: Topics.events,
  log_line: Topics.logs,
};

const envelopeOf = <K extends RecordKind>(kind: K) =>
  Type.Object(
    {
      schema: Type.Literal(ENVELOPE_SCHEMA_VERSION),
      kind: Type.Literal(kind),
      id: Type.String({ minLength: 1, maxLength: 512 }),
      cluster: Type.String({ minLength: 1, maxLength: 253 }),
      observedAt: Type.Integer({ minimum: 0 }),
      source: Type.String({ minLength: 1, maxLength: 128 }),
      payload: payloadSchemas[kind],
    },
    { additionalProperties: false },
  );

export interface Envelope<K extends RecordKind = RecordKind> {
  schema: typeof ENVELOPE_SCHEMA_VERSION;
  kind: K;
  /** Deterministic: the same observation always gets the same id. */
  id: string;
  cluster: string;
  observedAt: number;
  /** The collector instance that produced the record. */
  source: string;
  payload: PayloadOf<K>;
}

export type AnyEnvelope = { [K in RecordKind]: Envelope<K> }[RecordKind];

type Checker = { Check(value: unknown): boolean; Errors: (value: unknown) => ValueErrorIterator };
const checkers = Object.fromEntries(
  RECORD_KINDS.map((kind): [RecordKind, Checker] => [kind, TypeCompiler.Compile(envelopeOf(kind))]),
) as Record<RecordKind, Checker>;

export type ValidationResult = { ok: true; record: AnyEnvelope } | { ok: false; reason: string };

const isRecordKind = (value: unknown): value is RecordKind =>
  typeof value === 'string' && Object.hasOwn(payloadSchemas, value);

/** Validates an untrusted value; the reason names the first offending path. */
export function validateEnvelope(value: unknown): ValidationResult {
  if (typeof value !== 'object' || value === null) {
    return { ok: false, reason: 'record is not a JSON object' };
  }
  const { kind, schema } = value as { kind?: unknown; schema?: unknown };
  if (schema !== ENVELOPE_SCHEMA_VERSION) {
    return {
      ok: false,
      reason: `unsupported schema version ${JSON.stringify(schema)}; expected ${ENVELOPE_SCHEMA_VERSION}`,
    };
  }
  if (!isRecordKind(kind)) {
    return {
      ok: false,
      reason: `unknown kind ${JSON.stringify(kind)}; expected one of ${RECORD_KINDS.join(', ')}`,
    };
  }
  const checker = checkers[kind];
  if (checker.Check(value)) return { ok: true, record: value as AnyEnvelope };
  const first = checker.Errors(value).First();
  const path = first?.path ?? '';
  return { ok: false, reason: `${path || '/'}: ${first?.message ?? 'invalid'}` };
}

/** Parses bytes from the bus; never throws. */
export function decodeEnvelope(bytes: Buffer | string): ValidationResult {
  let value: unknown;
  try {
    value = JSON.parse(typeof bytes === 'string' ? bytes : bytes.toString('utf8'));
  } catch (error) {
    return { ok: false, reason: `malformed JSON: ${(error as Error).message}` };
  }
  return validateEnvelope(value);
}

/** Short, stable digest for ids built from many parts. */
export function stableId(...parts: readonly (string | number | undefined)[]): string {
  return createHash('sha256')
    .update(parts.map((part) => String(part ?? '')).join('\u0000'))
    .digest('base64url')
    .slice(0, 27);
}

/**
 * Partition key: records about one node share the node's name; records about one pod share its
 * uid. Ordering matters per subject (transitions, terminations), never across subjects.
 */
export function partitionKey(record: AnyEnvelope): string {
  switch (record.kind) {
    case 'node':
      return `node/${record.payload.name}`;
    case 'node_transition':
      return `node/${record.payload.node}`;
    case 'pod':
      return `pod/${record.payload.uid}`;
    case 'container_termination':
      return `pod/${record.payload.podUid}`;
    case 'usage_sample':
      return record.payload.podUid
        ? `pod/${record.payload.podUid}`
        : `node/${record.payload.node ?? ''}`;
    case 'log_line':
      return `pod/${record.payload.podUid ?? `${record.payload.namespace}/${record.payload.pod}`}`;
    case 'kube_event':
      return `event/${record.payload.involvedObject.uid ?? record.payload.involvedObject.name}`;
  }
}

/** Deterministic ids for each kind: the identity of the observation, not of its delivery. */
export function recordId(kind: RecordKind, payload: PayloadOf<RecordKind>): string {
  switch (kind) {
    case 'node': {
      // Name and creation time, not uid: kube-state-metrics exports no node uid, and both sources
      // must write one document per node. A node re-created under its name has a new time.
      const node = payload as PayloadOf<'node'>;
      return stableId('node', node.cluster, node.name, node.createdAt);
    }
    case 'pod': {
      const pod = payload as PayloadOf<'pod'>;
      return stableId('pod', pod.cluster, pod.uid);
    }
    case 'usage_sample': {
      const s = payload as PayloadOf<'usage_sample'>;
      return stableId('usage', s.cluster, s.metric, s.node, s.podUid, s.container, s.timestamp);
    }
    case 'kube_event': {
      const e = payload as PayloadOf<'kube_event'>;
      // The same Event object is updated with a higher count; each count is its own observation.
      return stableId('event', e.cluster, e.uid, e.count);
    }
    case 'node_transition': {
      const t = payload as PayloadOf<'node_transition'>;
      return stableId('transition', t.cluster, t.node, t.condition, t.to, t.at);
    }
    case 'container_termination': {
      const t = payload as PayloadOf<'container_termination'>;
      return stableId(
        'termination',
        t.cluster,
        t.podUid,
        t.container,
        t.restartCount,
        t.termination.finishedAt,
      );
    }
    case 'log_line': {
      const l = payload as PayloadOf<'log_line'>;
      return stableId(
        'log',
        l.cluster,
        l.podUid ?? `${l.namespace}/${l.pod}`,
        l.container,
        l.timestamp,
        l.nanos,
        l.stream,
        l.message,
      );
    }
  }
}

/** Wraps a payload for the bus, stamping the deterministic id. */
export function envelope<K extends RecordKind>(
  kind: K,
  payload: PayloadOf<K>,
  source: string,
  observedAt: number = Date.now(),
): Envelope<K> {
  return {
    schema: ENVELOPE_SCHEMA_VERSION,
    kind,
    id: recordId(kind, payload),
    cluster: payload.cluster,
    observedAt,
    source,
    payload,
  };
}

/** A record that failed validation, with the reason, as it travels on the DLQ topic. */
export interface DeadLetter {
  reason: string;
  stage: 'collect' | 'produce' | 'ingest' | 'index';
  topic?: string | undefined;
  partition?: number | undefined;
  offset?: string | undefined;
  at: number;
  /** The original bytes as text, capped so one oversized record cannot flood the DLQ. */
  raw: string;
}

export const DEAD_LETTER_RAW_LIMIT = 64 * 1024;

export function deadLetter(
  reason: string,
  stage: DeadLetter['stage'],
  raw: string | Buffer,
  origin: Pick<DeadLetter, 'topic' | 'partition' | 'offset'> = {},
): DeadLetter {
  const text = typeof raw === 'string' ? raw : raw.toString('utf8');
  return {
    reason,
    stage,
    ...origin,
    at: Date.now(),
    raw: text.length > DEAD_LETTER_RAW_LIMIT ? text.slice(0, DEAD_LETTER_RAW_LIMIT) : text,
  };
}
