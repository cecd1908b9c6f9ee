// Envelope ↔ Elasticsearch document. ECS fields at the top for Kibana, Grafana and ad-hoc queries;
// the payload under plimsoll.<kind> in its domain shape, so reading a record back is lossless.
import {
  ENVELOPE_SCHEMA_VERSION,
  validateEnvelope,
  type AnyEnvelope,
  type RecordKind,
} from '../../core/envelope.js';
import { bucketOf } from '../../core/sketch.js';
import { recordTime } from './layout.js';

interface Subject {
  namespace?: string | undefined;
  node?: string | undefined;
  pod?: string | undefined;
  podUid?: string | undefined;
  container?: string | undefined;
  message?: string | undefined;
}

function subjectOf(record: AnyEnvelope): Subject {
  switch (record.kind) {
    case 'node':
      return { node: record.payload.name };
    case 'pod':
      return {
        namespace: record.payload.namespace,
        node: record.payload.nodeName,
        pod: record.payload.name,
        podUid: record.payload.uid,
      };
    case 'usage_sample':
    case 'log_line':
    case 'container_termination':
      return {
        namespace: record.payload.namespace,
        node: record.payload.node,
        pod: record.payload.pod,
        podUid: record.payload.podUid,
        container: record.payload.container,
        message: record.kind === 'log_line' ? record.payload.message : undefined,
      };
    case 'node_transition':
      return { node: record.payload.node };
    case 'kube_event': {
      const object = record.payload.involvedObject;
      return {
        namespace: object.namespace,
        node: object.kind === 'Node' ? object.name : record.payload.sourceHost,
        pod: object.kind === 'Pod' ? object.name : undefined,
        podUid: object.kind === 'Pod' ? object.uid : undefined,
        message: record.payload.message,
      };
    }
  }
}

export interface EnvelopeDocument {
  '@timestamp': number;
  plimsoll: { kind: RecordKind; [key: string]: unknown };
  [key: string]: unknown;
}

export function toDocument(record: AnyEnvelope, ingestedAt: number = Date.now()): EnvelopeDocument {
  const subject = subjectOf(record);
  const payload =
    record.kind === 'usage_sample'
      ? { ...record.payload, bucket: bucketOf(record.payload.value) }
      : record.payload;
  const document: EnvelopeDocument = {
    '@timestamp': recordTime(record),
    event: {
      dataset: `plimsoll.${record.kind}`,
      kind: record.kind === 'kube_event' ? 'event' : 'state',
      // When the store received it: the rollup job re-summarises windows that got new samples.
      ingested: ingestedAt,
    },
    orchestrator: { cluster: { name: record.cluster } },
    kubernetes: {
      namespace: subject.namespace,
      node: subject.node ? { name: subject.node } : undefined,
      pod: subject.pod || subject.podUid ? { name: subject.pod, uid: subject.podUid } : undefined,
    },
    plimsoll: {
      schema: record.schema,
      kind: record.kind,
      id: record.id,
      source: record.source,
      observed_at: record.observedAt,
      [record.kind]: payload,
    },
  };
  if (subject.container) document.container = { name: subject.container };
  if (subject.message) document.message = subject.message;
  return document;
}

/** Rebuilds the envelope; undefined when the document is not one Plimsoll wrote. */
export function fromDocument(source: unknown): AnyEnvelope | undefined {
  const plimsoll = (source as { plimsoll?: Record<string, unknown> } | undefined)?.plimsoll;
  if (!plimsoll || typeof plimsoll.kind !== 'string') return undefined;
  const kind = plimsoll.kind;
  const stored = plimsoll[kind] as { cluster?: unknown; bucket?: unknown } | undefined;
  // Fields the store adds for its own queries are not part of the record.
  const { bucket: _bucket, ...payload } = stored ?? {};
  const candidate = {
    schema: plimsoll.schema ?? ENVELOPE_SCHEMA_VERSION,
    kind,
    id: plimsoll.id,
    cluster: payload.cluster,
    observedAt: plimsoll.observed_at,
    source: plimsoll.source,
    payload: stored ? payload : undefined,
  };
  const verdict = validateEnvelope(candidate);
  return verdict.ok ? verdict.record : undefined;
}
