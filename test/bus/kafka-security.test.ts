// From the kafka.ssl and kafka.sasl configuration to the connection options kafkajs receives:
// TLS files read once at start, a missing file named by its key, SASL credentials passed as given.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { kafkaSecurity } from '../../bus/kafka.js';
import { ConfigError, loadConfig } from '../../core/config/load.js';

const dir = mkdtempSync(join(tmpdir(), 'plimsoll-kafka-security-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const CA = '-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n';
const CERT = '-----BEGIN CERTIFICATE-----\nclient\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nkey\n-----END PRIVATE KEY-----\n';

describe('Kafka connection security (kafka.ssl, kafka.sasl → kafkajs)', () => {
  it('adds nothing on the defaults: plaintext, no authentication', () => {
    const config = loadConfig({ env: {} });
    assert.deepEqual(kafkaSecurity(config.kafka), {});
  });

  it('turns TLS on with the broker certificates verified, on Node’s CAs when no caFile is given', () => {
    const config = loadConfig({ env: { PLIMSOLL_KAFKA_SSL_ENABLED: 'true' } });
    assert.deepEqual(kafkaSecurity(config.kafka), { ssl: { rejectUnauthorized: true } });
  });

  it('reads the CA, client certificate and key files into the TLS options', () => {
    const config = loadConfig({
      file: file(
        'mtls.yaml',
        [
          'kafka:',
          '  ssl:',
          '    enabled: true',
          `    caFile: ${file('ca.crt', CA)}`,
          `    certFile: ${file('client.crt', CERT)}`,
          `    keyFile: ${file('client.key', KEY)}`,
          '    rejectUnauthorized: false',
          '',
        ].join('\n'),
      ),
      env: {},
    });
    const { ssl } = kafkaSecurity(config.kafka) as {
      ssl: { ca: Buffer[]; cert: Buffer; key: Buffer; rejectUnauthorized: boolean };
    };
    assert.deepEqual(
      ssl.ca.map((b) => b.toString()),
      [CA],
    );
    assert.equal(ssl.cert.toString(), CERT);
    assert.equal(ssl.key.toString(), KEY);
    assert.equal(ssl.rejectUnauthorized, false);
  });

  it('names the key of a TLS file that cannot be read', () => {
    for (const key of ['caFile', 'certFile', 'keyFile'] as const) {
      const ssl = {
        enabled: true,
        rejectUnauthorized: true,
        caFile: file('ok-ca.crt', CA),
        certFile: file('ok-client.crt', CERT),
        keyFile: file('ok-client.key', KEY),
        [key]: join(dir, 'missing', key),
      };
      assert.throws(
        () => kafkaSecurity({ ssl }),
        (error: unknown) =>
          error instanceof ConfigError &&
          error.key === `kafka.ssl.${key}` &&
          error.message.includes(join(dir, 'missing', key)) &&
          /cannot read file/.test(error.message),
        key,
      );
    }
  });

  it('passes each SASL mechanism with the user and the password read from passwordFile', () => {
    const passwordFile = file('kafka-password', 's3cret-value\n');
    for (const mechanism of ['plain', 'scram-sha-256', 'scram-sha-512'] as const) {
      const config = loadConfig({
        env: {
          PLIMSOLL_KAFKA_SASL_MECHANISM: mechanism,
          PLIMSOLL_KAFKA_SASL_USERNAME: 'plimsoll',
          PLIMSOLL_KAFKA_SASL_PASSWORD_FILE: passwordFile,
        },
      });
      assert.deepEqual(kafkaSecurity(config.kafka), {
        sasl: { mechanism, username: 'plimsoll', password: 's3cret-value' },
      });
    }
  });

  it('combines SASL and TLS (SASL_SSL), the usual production listener', () => {
    const config = loadConfig({
      env: {
        PLIMSOLL_KAFKA_SSL_ENABLED: 'true',
        PLIMSOLL_KAFKA_SASL_MECHANISM: 'scram-sha-512',
        PLIMSOLL_KAFKA_SASL_USERNAME: 'plimsoll',
        PLIMSOLL_KAFKA_SASL_PASSWORD: 'from-the-environment',
      },
    });
    assert.deepEqual(kafkaSecurity(config.kafka), {
      ssl: { rejectUnauthorized: true },
      sasl: { mechanism: 'scram-sha-512', username: 'plimsoll', password: 'from-the-environment' },
    });
  });
});
