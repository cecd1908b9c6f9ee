import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configFiles, failure } from './config-support.js';
import { envNameOf, loadConfig } from '../../core/config/load.js';

const file = configFiles('plimsoll-config-');

describe('configuration', () => {
  it('defaults to the embedded runtime with nothing configured', () => {
    const config = loadConfig({ env: {} });
    assert.equal(config.runtime.bus, 'embedded');
    assert.equal(config.runtime.store, 'memory');
    assert.equal(config.api.port, 8080);
  });

  it('selects production with bus: kafka and store: elasticsearch', () => {
    const path = file('prod.yaml', 'runtime:\n  bus: kafka\n  store: elasticsearch\n');
    const config = loadConfig({ file: path, env: {} });
    assert.deepEqual(config.runtime, { bus: 'kafka', store: 'elasticsearch' });
    assert.deepEqual(config.kafka.brokers, ['127.0.0.1:9092']);
  });

  it('names an unknown key and lists the keys it expected', () => {
    const path = file('unknown.yaml', 'api:\n  prot: 8080\n');
    const error = failure(() => loadConfig({ file: path, env: {} }));
    assert.equal(error.key, 'api.prot');
    assert.match(error.message, /unknown key; expected one of: host, port/);
    assert.match(error.message, /unknown\.yaml/);
  });

  it('names a key of the wrong type with the expected form', () => {
    const path = file('type.yaml', 'api:\n  port: eighty\n');
    const error = failure(() => loadConfig({ file: path, env: {} }));
    assert.equal(error.key, 'api.port');
    assert.match(error.message, /expected integer, got "eighty"/);
  });

  it('names an enum key with its allowed values', () => {
    const path = file('enum.yaml', 'runtime:\n  bus: rabbitmq\n');
    const error = failure(() => loadConfig({ file: path, env: {} }));
    assert.equal(error.key, 'runtime.bus');
    assert.match(error.message, /"embedded" \| "kafka"/);
  });

  it('rejects a file that is not a mapping', () => {
    const error = failure(() => loadConfig({ file: file('list.yaml', '- a\n- b\n'), env: {} }));
    assert.match(error.message, /mapping/);
  });

  it('applies environment overrides over the file, typed by the schema', () => {
    const path = file('env.yaml', 'api:\n  port: 9000\n');
    const config = loadConfig({
      file: path,
      env: {
        PLIMSOLL_API_PORT: '9100',
        PLIMSOLL_KAFKA_BROKERS: 'k1:9092, k2:9092',
        PLIMSOLL_API_METRICS_PUBLIC: 'false',
        PLIMSOLL_ELASTICSEARCH_INDEX_PREFIX: 'acme',
      },
    });
    assert.equal(config.api.port, 9100);
    assert.deepEqual(config.kafka.brokers, ['k1:9092', 'k2:9092']);
    assert.equal(config.api.metricsPublic, false);
    assert.equal(config.elasticsearch.indexPrefix, 'acme');
  });

  it('reads a switch-or-value setting from the environment as either', () => {
    const trust = (value: string) =>
      loadConfig({ env: { PLIMSOLL_API_TRUST_PROXY: value } }).api.trustProxy;
    assert.equal(trust('true'), true);
    assert.equal(trust('FALSE'), false);
    assert.equal(trust('10.0.0.0/8,127.0.0.1'), '10.0.0.0/8,127.0.0.1');
    assert.equal(loadConfig({ env: {} }).api.trustProxy, false);
    assert.deepEqual(loadConfig({ env: {} }).api.rateLimit, { perSecond: 100, burst: 200 });
  });

  it('names the forms a switch-or-value setting takes when it gets neither', () => {
    const path = file('trust.yaml', 'api:\n  trustProxy: 5\n');
    const error = failure(() => loadConfig({ file: path, env: {} }));
    assert.match(error.message, /api\.trustProxy .*expected one of boolean \| string, got 5/);
  });

  it('names the environment variable when its value has the wrong type', () => {
    const error = failure(() => loadConfig({ env: { PLIMSOLL_KAFKA_PARTITIONS: 'many' } }));
    assert.equal(error.key, 'kafka.partitions');
    assert.equal(error.origin, 'PLIMSOLL_KAFKA_PARTITIONS');
  });

  it('reports every error at once, each with the file, variable or flag that set it', () => {
    const path = file('several.yaml', 'api:\n  port: -1\nreport:\n  timezone: 5\n');
    const error = failure(() =>
      loadConfig({
        file: path,
        env: { PLIMSOLL_KAFKA_PARTITIONS: 'many', PLIMSOLL_ANALYSIS_INTERVAL_SECONDS: '0' },
        overrides: { 'log.format': 'fancy' },
      }),
    );
    assert.deepEqual(error.problems.map((p) => [p.key, p.origin]).sort(), [
      ['analysis.intervalSeconds', 'PLIMSOLL_ANALYSIS_INTERVAL_SECONDS'],
      ['api.port', path],
      ['kafka.partitions', 'PLIMSOLL_KAFKA_PARTITIONS'],
      ['log.format', 'command line'],
      ['report.timezone', path],
    ]);
    assert.match(error.message, /^5 config errors:\n {2}/);
    assert.match(
      error.message,
      /\n {2}log\.format \(command line\): expected one of "auto" \| "json" \| "pretty", got "fancy"/,
    );
  });

  it('derives environment names from the schema keys', () => {
    assert.equal(
      envNameOf(['elasticsearch', 'retentionDays', 'samples']),
      'PLIMSOLL_ELASTICSEARCH_RETENTION_DAYS_SAMPLES',
    );
  });

  it('reads API tokens from a file and reports a malformed line by number', () => {
    const tokens = file('tokens', `# scopes\nread:${'r'.repeat(20)}\nadmin:${'a'.repeat(20)}\n`);
    const config = loadConfig({ env: { PLIMSOLL_API_TOKENS_FILE: tokens } });
    assert.deepEqual(config.api.readTokens, ['r'.repeat(20)]);
    assert.deepEqual(config.api.adminTokens, ['a'.repeat(20)]);

    const bad = file('bad-tokens', `read:${'r'.repeat(20)}\nwrite:short\n`);
    const error = failure(() => loadConfig({ env: { PLIMSOLL_API_TOKENS_FILE: bad } }));
    assert.match(error.message, /line 2/);
    assert.doesNotMatch(error.message, /r{20}/, 'the message must not echo a token');
  });
});
