// `plimsoll collect` configured from the YAML file: on Kafka it only publishes (the store is not
// opened, so an unreachable Elasticsearch does not matter); on the embedded bus it ingests and
// serves the API in the same process; the flags still override the file.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KafkaBus } from '../../bus/kafka.js';
import { startSimulator, type RunningSimulator } from '../../simulator/index.js';
import { readAll } from '../collectors/support.js';
import { runCli, startCli, stop } from '../support/cli.js';
import { requireServices, SERVICE_URLS } from '../support/services.js';
import { waitFor } from '../support/wait.js';

const dir = mkdtempSync(join(tmpdir(), 'plimsoll-cli-collect-'));
const LISTENING = /"url":"(http:\/\/[^"]+)"[^\n]*"msg":"API listening"/;

interface Readiness {
  ready: boolean;
  components: { name: string; ready: boolean }[];
}

describe('plimsoll collect, configured from the file', () => {
  let sim: RunningSimulator;

  before(async () => {
    await requireServices('kafka');
    sim = await startSimulator({ scenario: 'healthy', seed: 1, nodes: 3, port: 0, historyDays: 1 });
  });

  after(async () => {
    await sim?.close();
  });

  it('on Kafka publishes what the configured collectors see, without opening the store', async () => {
    const prefix = `cli-collect-${randomUUID().slice(0, 8)}.`;
    const stateDir = mkdtempSync(join(dir, 'state-'));
    const config = join(dir, 'kafka.yaml');
    writeFileSync(
      config,
      [
        'cluster: cli-collect',
        'runtime:',
        '  bus: kafka',
        '  store: elasticsearch',
        'kafka:',
        `  brokers: ['${SERVICE_URLS.kafka}']`,
        `  topicPrefix: '${prefix}'`,
        '  partitions: 1',
        'elasticsearch:',
        // Nothing listens here: a collector that opened the store would never be ready.
        '  node: http://127.0.0.1:1',
        'api:',
        '  port: 0',
        'collectors:',
        '  enabled: [kubernetes]',
        `  stateDir: ${stateDir}`,
        '  connection:',
        `    server: ${sim.url}`,
        '',
      ].join('\n'),
    );
    const { child, match, output } = await startCli(['--config', config, 'collect'], LISTENING, {
      PLIMSOLL_LOG_LEVEL: 'info',
    });
    try {
      const url = match[1]!;
      assert.match(output(), /"store":"none"/);
      const readiness = await waitFor(
        async () => (await (await fetch(`${url}/readyz`)).json()) as Readiness,
        (body) => body.ready,
        { what: 'the collector ready', timeoutMs: 30_000, intervalMs: 500 },
      );
      const names = readiness.components.map((c) => c.name);
      assert.ok(names.includes('bus.kafka'), names.join(', '));
      assert.ok(names.includes('collector.kubernetes'), names.join(', '));
      assert.ok(!names.some((name) => name.startsWith('store')), names.join(', '));

      const reader = new KafkaBus({
        brokers: [SERVICE_URLS.kafka],
        clientId: `reader-${prefix}`,
        partitions: 1,
        replicationFactor: 1,
        compression: 'gzip',
        topicPrefix: prefix,
      });
      await reader.start();
      try {
        const records = await readAll(reader, 3);
        const nodes = new Set(records.flatMap((r) => (r.kind === 'node' ? [r.payload.name] : [])));
        assert.ok(
          nodes.size >= 3,
          `node snapshots of the simulated cluster: ${[...nodes].join(', ')}`,
        );
        assert.ok(records.every((r) => r.cluster === 'cli-collect'));
      } finally {
        await reader.stop();
      }
    } finally {
      assert.equal(await stop(child), 0, 'the collector stops cleanly on SIGTERM');
    }
    assert.ok(
      existsSync(join(stateDir, 'kubernetes-cli-collect.json')),
      'the checkpoint is kept under collectors.stateDir',
    );
  });

  it('on the embedded bus ingests in the same process, with --collectors over the file', async () => {
    const config = join(dir, 'embedded.yaml');
    writeFileSync(
      config,
      [
        'cluster: cli-embedded',
        'api:',
        '  port: 0',
        'collectors:',
        // The flag replaces this list: a Prometheus that is not there would never be ready.
        '  enabled: [prometheus]',
        '  prometheus:',
        '    url: http://127.0.0.1:1',
        '  connection:',
        `    server: ${sim.url}`,
        '',
      ].join('\n'),
    );
    const { child, match } = await startCli(
      ['--config', config, 'collect', '--collectors', 'kubernetes'],
      LISTENING,
      { PLIMSOLL_LOG_LEVEL: 'info' },
    );
    try {
      const url = match[1]!;
      const nodes = await waitFor(
        async () =>
          ((await (await fetch(`${url}/api/v1/nodes`)).json()) as { items: { name: string }[] })
            .items,
        (items) => items.length >= 3,
        { what: 'the simulated nodes in the API', timeoutMs: 30_000, intervalMs: 500 },
      );
      assert.deepEqual(
        nodes.map((n) => n.name).sort(),
        sim.simulation.model.nodes.map((n) => n.name).sort(),
      );
      const readiness = (await (await fetch(`${url}/readyz`)).json()) as Readiness;
      const names = readiness.components.map((c) => c.name);
      assert.ok(!names.includes('collector.prometheus'), names.join(', '));
    } finally {
      assert.equal(await stop(child), 0);
    }
  });

  it('still refuses an unknown collector on the command line', async () => {
    const result = await runCli(['collect', '--collectors', 'kubernetes,cadvisor']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /unknown collector "cadvisor"; expected some of kubernetes/);
  });
});
