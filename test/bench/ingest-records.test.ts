import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SUITES } from '../../bench/suites/index.js';
import { generateIngestRecords } from '../../bench/suites/ingest-records.js';
import { prepareForPublish } from '../../bus/publish-validation.js';
import { RECORD_KINDS, validateEnvelope } from '../../core/envelope.js';

const BASE = Date.UTC(2026, 10, 16, 12, 0, 0);
/** Enough scrapes of enough nodes for every kind of record to occur. */
const COUNT = 30_000;

describe('ingest benchmark records', () => {
  const data = generateIngestRecords({ records: COUNT, baseTime: BASE });

  it('gives the same bytes for the same count and base time', () => {
    const again = generateIngestRecords({ records: COUNT, baseTime: BASE });
    const bytes = (records: typeof data.records) =>
      prepareForPublish(records).outgoing.map((record) => record.value.toString('utf8'));
    assert.deepEqual(bytes(again.records), bytes(data.records));
  });

  it('generates exactly the requested count, every record a valid envelope', () => {
    assert.equal(data.records.length, COUNT);
    const invalid = data.records
      .map((record) => validateEnvelope(record))
      .filter((verdict) => !verdict.ok);
    assert.deepEqual(invalid, []);
    assert.equal(prepareForPublish(data.records).rejected.length, 0);
  });

  it('gives every record its own id, so each becomes one document', () => {
    assert.equal(new Set(data.records.map((record) => record.id)).size, data.records.length);
  });

  it('is mostly container usage samples, with every other kind at a small share', () => {
    const containerSamples = data.records.filter(
      (record) => record.kind === 'usage_sample' && record.payload.container !== undefined,
    ).length;
    assert.equal(data.containerSamples, containerSamples);
    assert.ok(containerSamples / data.records.length > 0.9);
    assert.deepEqual(Object.keys(data.kinds).sort(), [...RECORD_KINDS].sort());
    const counted = Object.values(data.kinds).reduce((sum, n) => sum + n, 0);
    assert.equal(counted, data.records.length);
  });

  it('stamps every record in the scrapes that follow the base time', () => {
    const samples = data.records.filter((record) => record.kind === 'usage_sample');
    for (const sample of samples) {
      assert.ok(sample.payload.timestamp >= BASE && sample.payload.timestamp < BASE + 60_000);
      assert.ok(sample.observedAt > sample.payload.timestamp);
    }
  });

  it('is a suite `npm run bench -- --suites ingest` can find', () => {
    assert.equal(SUITES.filter((suite) => suite.name === 'ingest').length, 1);
  });
});
