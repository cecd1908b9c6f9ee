// The kafka.ssl and kafka.sasl configuration: defaults, the keys that go together, the password
// file, and secrets kept out of error messages and log lines.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { configFiles, failure } from './config-support.js';
import { loadConfig } from '../../core/config/load.js';
import { createLogger } from '../../core/logger.js';

const file = configFiles('plimsoll-config-kafka-');

const sasl = (lines: string[]) =>
  ['kafka:', '  sasl:', ...lines.map((l) => `    ${l}`), ''].join('\n');

describe('configuration: kafka.ssl and kafka.sasl', () => {
  it('defaults to plaintext without authentication, with certificates verified once TLS is on', () => {
    const { kafka } = loadConfig({ env: {} });
    assert.deepEqual(kafka.ssl, { enabled: false, rejectUnauthorized: true });
    assert.deepEqual(kafka.sasl, { mechanism: 'none' });
  });

  it('reads the SASL password from passwordFile, as elasticsearch.passwordFile', () => {
    const path = file(
      'sasl.yaml',
      sasl([
        'mechanism: scram-sha-512',
        'username: plimsoll',
        `passwordFile: ${file('password', 'kafka-secret\n')}`,
      ]),
    );
    const { kafka } = loadConfig({ file: path, env: {} });
    assert.equal(kafka.sasl.password, 'kafka-secret');
    assert.equal(kafka.sasl.username, 'plimsoll');
  });

  it('stops at start naming kafka.sasl.passwordFile when the file is missing', () => {
    const missing = `${file('placeholder', '')}-no-such-password`;
    const path = file(
      'missing.yaml',
      sasl(['mechanism: scram-sha-256', 'username: plimsoll', `passwordFile: ${missing}`]),
    );
    const error = failure(() => loadConfig({ file: path, env: {} }));
    assert.equal(error.key, 'kafka.sasl.passwordFile');
    assert.match(error.message, /cannot read file .*no-such-password/);
  });

  it('takes the password from the environment when the file names only the user', () => {
    const path = file('env-password.yaml', sasl(['mechanism: plain', 'username: plimsoll']));
    const { kafka } = loadConfig({
      file: path,
      env: { PLIMSOLL_KAFKA_SASL_PASSWORD: 'from-env' },
    });
    assert.equal(kafka.sasl.password, 'from-env');
  });

  it('requires a user and a password with a mechanism, naming the missing key', () => {
    const noUser = failure(() =>
      loadConfig({ env: { PLIMSOLL_KAFKA_SASL_MECHANISM: 'scram-sha-512' } }),
    );
    assert.equal(noUser.key, 'kafka.sasl.username');
    const noPassword = failure(() =>
      loadConfig({
        env: { PLIMSOLL_KAFKA_SASL_MECHANISM: 'plain', PLIMSOLL_KAFKA_SASL_USERNAME: 'plimsoll' },
      }),
    );
    assert.equal(noPassword.key, 'kafka.sasl.passwordFile');
    assert.match(noPassword.message, /required with kafka\.sasl\.mechanism plain/);
  });

  it('refuses credentials without a mechanism instead of connecting unauthenticated', () => {
    const error = failure(() =>
      loadConfig({ file: file('no-mechanism.yaml', sasl(['username: plimsoll'])), env: {} }),
    );
    assert.equal(error.key, 'kafka.sasl.username');
    assert.match(error.message, /mechanism is none/);
  });

  it('names an unknown mechanism with the ones it accepts', () => {
    const error = failure(() =>
      loadConfig({ file: file('gssapi.yaml', sasl(['mechanism: gssapi'])), env: {} }),
    );
    assert.equal(error.key, 'kafka.sasl.mechanism');
    assert.match(error.message, /"none" \| "plain" \| "scram-sha-256" \| "scram-sha-512"/);
  });

  it('refuses TLS files while TLS is off, and a client certificate without its key', () => {
    const off = failure(() =>
      loadConfig({ env: { PLIMSOLL_KAFKA_SSL_CA_FILE: '/etc/kafka/ca.crt' } }),
    );
    assert.equal(off.key, 'kafka.ssl.caFile');
    assert.match(off.message, /kafka\.ssl\.enabled is false/);
    const keyless = failure(() =>
      loadConfig({
        env: {
          PLIMSOLL_KAFKA_SSL_ENABLED: 'true',
          PLIMSOLL_KAFKA_SSL_CERT_FILE: '/etc/kafka/client.crt',
        },
      }),
    );
    assert.equal(keyless.key, 'kafka.ssl.keyFile');
  });

  it('never echoes a password in an error', () => {
    const path = file('numeric.yaml', sasl(['mechanism: plain', 'username: u', 'password: 73519']));
    const error = failure(() => loadConfig({ file: path, env: {} }));
    assert.equal(error.key, 'kafka.sasl.password');
    assert.doesNotMatch(error.message, /73519/);
    assert.match(error.message, /\[redacted\]/);
  });

  it('redacts the SASL password when the kafka section is logged', async () => {
    let output = '';
    const logger = createLogger(
      'info',
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          output += chunk.toString();
          done();
        },
      }),
    );
    const { kafka } = loadConfig({
      env: {
        PLIMSOLL_KAFKA_SASL_MECHANISM: 'scram-sha-512',
        PLIMSOLL_KAFKA_SASL_USERNAME: 'plimsoll',
        PLIMSOLL_KAFKA_SASL_PASSWORD: 'do-not-log-me',
      },
    });
    logger.info({ kafka }, 'connecting');
    await new Promise((resolve) => setImmediate(resolve));
    assert.match(output, /"username":"plimsoll"/);
    assert.doesNotMatch(output, /do-not-log-me/);
  });
});
