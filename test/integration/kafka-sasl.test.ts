// kafka.sasl reaches the wire: a bus built from the configuration, as every role builds it,
// authenticates before anything else. The local broker has no SASL listener, so it answers the
// SASL handshake with ILLEGAL_SASL_STATE; the same configuration without SASL is served.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { loadConfig } from '../../core/config/load.js';
import { silentLogger } from '../../core/logger.js';
import { Telemetry } from '../../core/telemetry.js';
import { createBus } from '../../runtime/adapters.js';
import { requireServices, SERVICE_URLS } from '../support/services.js';

const dir = mkdtempSync(join(tmpdir(), 'plimsoll-kafka-sasl-'));

function busFrom(env: NodeJS.ProcessEnv) {
  const config = loadConfig({
    env: {
      PLIMSOLL_RUNTIME_BUS: 'kafka',
      PLIMSOLL_KAFKA_BROKERS: SERVICE_URLS.kafka,
      PLIMSOLL_KAFKA_TOPIC_PREFIX: `sasl-${randomUUID().slice(0, 8)}.`,
      PLIMSOLL_KAFKA_PARTITIONS: '1',
      PLIMSOLL_KAFKA_CONNECTION_TIMEOUT_SECONDS: '3',
      ...env,
    },
  });
  return createBus(config, {
    telemetry: new Telemetry({ defaultMetrics: false }),
    logger: silentLogger,
  });
}

describe('Kafka SASL from the configuration', () => {
  before(() => requireServices('kafka'));

  it('authenticates with the configured mechanism before any request', async () => {
    const passwordFile = join(dir, 'password');
    writeFileSync(passwordFile, 'kafka-secret\n');
    for (const mechanism of ['plain', 'scram-sha-256', 'scram-sha-512']) {
      const bus = busFrom({
        PLIMSOLL_KAFKA_SASL_MECHANISM: mechanism,
        PLIMSOLL_KAFKA_SASL_USERNAME: 'plimsoll',
        PLIMSOLL_KAFKA_SASL_PASSWORD_FILE: passwordFile,
      });
      await assert.rejects(bus.start(), /SASL/, mechanism);
      const health = await bus.health();
      assert.equal(health.ready, false, mechanism);
      assert.match(health.detail ?? '', /SASL state/, mechanism);
      assert.doesNotMatch(health.detail ?? '', /kafka-secret/);
      await bus.stop();
    }
  });

  it('starts on the same broker without SASL', async () => {
    const bus = busFrom({});
    await bus.start();
    try {
      assert.deepEqual(await bus.health(), { ready: true });
    } finally {
      await bus.stop();
    }
  });
});
