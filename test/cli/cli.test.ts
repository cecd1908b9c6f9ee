import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli, startCli, stop } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'plimsoll-cli-'));

describe('plimsoll command line', () => {
  it('documents every command with --help', async () => {
    const result = await runCli(['--help']);
    assert.equal(result.code, 0);
    for (const command of [
      'demo',
      'serve',
      'collect',
      'ingest',
      'analyze',
      'report',
      'simulate',
      'dashboards',
      'alerts',
    ]) {
      assert.match(result.stdout, new RegExp(`\\n  ${command}\\b`));
    }
  });

  it('refuses to start on a config with an unknown key, naming it', async () => {
    const file = join(dir, 'typo.yaml');
    writeFileSync(file, 'runtime:\n  bus: kafka\n  stor: elasticsearch\n');
    const result = await runCli(['--config', file, 'serve', '--port', '0']);
    assert.equal(result.code, 2);
    assert.match(
      result.stderr,
      /config error at runtime\.stor .*unknown key; expected one of: bus, store/,
    );
  });

  it('refuses to start on a config value of the wrong type, naming the key and the form', async () => {
    const file = join(dir, 'type.yaml');
    writeFileSync(file, 'kafka:\n  partitions: lots\n');
    const result = await runCli(['--config', file, 'serve', '--port', '0']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /config error at kafka\.partitions .*expected integer, got "lots"/);
  });

  it('says so, and fails, for a command whose issue has not landed', async () => {
    const result = await runCli(['analyze']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /not yet implemented/);
  });

  it('runs the demo with nothing else installed: /healthz answers and /metrics exposes counters', async () => {
    const { child, match } = await startCli(['demo', '--port', '0'], /API\s+(http:\/\/\S+)/, {
      PLIMSOLL_KAFKA_BROKERS: '127.0.0.1:1',
      PLIMSOLL_ELASTICSEARCH_NODE: 'http://127.0.0.1:1',
    });
    try {
      const url = match[1]!;
      const health = await fetch(`${url}/healthz`);
      assert.equal(health.status, 200);
      const ready = await fetch(`${url}/readyz`);
      assert.equal(ready.status, 200);
      const metrics = await (await fetch(`${url}/metrics`)).text();
      assert.match(metrics, /# TYPE plimsoll_ingest_records_indexed_total counter/);
    } finally {
      assert.equal(await stop(child), 0, 'the demo stops cleanly on SIGTERM');
    }
  });
});
