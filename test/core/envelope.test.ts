import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeEnvelope,
  partitionKey,
  TOPIC_OF_KIND,
  Topics,
  validateEnvelope,
} from '../../core/envelope.js';
import {
  nodeRecord,
  sampleRecord,
  terminationRecord,
  transitionRecord,
} from '../support/records.js';

describe('envelope', () => {
  it('accepts well-formed records of every kind it builds', () => {
    for (const record of [nodeRecord(), sampleRecord(1), transitionRecord(), terminationRecord()]) {
      const verdict = validateEnvelope(record);
      assert.ok(verdict.ok, verdict.ok ? '' : verdict.reason);
    }
  });

  it('gives the same observation the same id, whoever delivers it and when', () => {
    const first = terminationRecord();
    const replay = {
      ...terminationRecord(),
      observedAt: first.observedAt + 60_000,
      source: 'other',
    };
    assert.equal(first.id, replay.id);
    assert.notEqual(first.id, terminationRecord({ restartCount: 4 }).id);
  });

  it('keys a node and a pod so their records stay in one partition', () => {
    assert.equal(partitionKey(nodeRecord()), partitionKey(transitionRecord()));
    assert.equal(partitionKey(sampleRecord(1)), partitionKey(terminationRecord()));
    assert.notEqual(partitionKey(nodeRecord()), partitionKey(sampleRecord(1)));
  });

  it('routes kinds to the documented topics', () => {
    assert.equal(TOPIC_OF_KIND.node, Topics.objects);
    assert.equal(TOPIC_OF_KIND.usage_sample, Topics.samples);
    assert.equal(TOPIC_OF_KIND.container_termination, Topics.events);
    assert.equal(TOPIC_OF_KIND.log_line, Topics.logs);
  });

  it('explains why a record is rejected, naming the path', () => {
    const broken = sampleRecord(1);
    const verdict = validateEnvelope({ ...broken, payload: { ...broken.payload, value: -5 } });
    assert.equal(verdict.ok, false);
    assert.match(verdict.ok ? '' : verdict.reason, /\/payload\/value/);
  });

  it('rejects unknown kinds, versions and malformed JSON without throwing', () => {
    const unknownKind = decodeEnvelope(JSON.stringify({ ...nodeRecord(), kind: 'deployment' }));
    assert.match(unknownKind.ok ? '' : unknownKind.reason, /unknown kind "deployment"/);
    const newer = decodeEnvelope(JSON.stringify({ ...nodeRecord(), schema: 2 }));
    assert.match(newer.ok ? '' : newer.reason, /unsupported schema version 2/);
    const truncated = decodeEnvelope(JSON.stringify(nodeRecord()).slice(0, 40));
    assert.match(truncated.ok ? '' : truncated.reason, /^malformed JSON/);
    const extra = decodeEnvelope(JSON.stringify({ ...nodeRecord(), surprise: true }));
    assert.equal(extra.ok, false);
  });
});
