import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli, startCli, stop } from '../support/cli.js';
import { waitFor } from '../support/wait.js';

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
      'scan',
      'analyze',
      'report',
      'simulate',
      'dashboards',
      'alerts',
    ]) {
      assert.match(result.stdout, new RegExp(`\\n  ${command}\\b`));
    }
  });

  it('refuses at once to run the open demo on a non-loopback address', async () => {
    const result = await runCli(['demo', '--port', '0'], { PLIMSOLL_API_HOST: '0.0.0.0' }, 30_000);
    assert.equal(result.code, 2, result.stderr);
    assert.match(
      result.stderr,
      /no API token is configured, which is only allowed on a loopback address, not 0\.0\.0\.0/,
    );
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

  it('says an empty store has nothing to analyze, and exits 1', async () => {
    const result = await runCli(['analyze']);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /the memory store holds no nodes, pods or usage samples: nothing to analyze/,
    );
    assert.equal(result.stdout, '');
  });

  it('logs lines for people with --log-format pretty, JSON lines when piped', async () => {
    for (const [format, line] of [
      ['pretty', /INFO[^\n]*: API listening/],
      ['auto', /\{"level":"info"[^\n]*"msg":"API listening"\}/],
    ] as const) {
      const { child } = await startCli(['--log-format', format, 'serve', '--port', '0'], line, {
        PLIMSOLL_ANALYSIS_INTERVAL_SECONDS: '3600',
        // The test runner silences logs; this test reads them.
        PLIMSOLL_LOG_LEVEL: 'info',
      });
      await stop(child);
    }
  });

  it('refuses to start on a config value of the wrong type, naming the key and the form', async () => {
    const file = join(dir, 'type.yaml');
    writeFileSync(file, 'kafka:\n  partitions: lots\n');
    const result = await runCli(['--config', file, 'serve', '--port', '0']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /config error at kafka\.partitions .*expected integer, got "lots"/);
  });

  it('runs the demo with nothing else installed: health at once, findings of every kind once the history is in', async () => {
    const { child, match, output } = await startCli(
      ['demo', '--port', '0'],
      /API\s+(http:\/\/\S+)/,
      {
        PLIMSOLL_KAFKA_BROKERS: '127.0.0.1:1',
        PLIMSOLL_ELASTICSEARCH_NODE: 'http://127.0.0.1:1',
        // Its progress is in the log, which the test runner silences by default.
        PLIMSOLL_LOG_LEVEL: 'info',
      },
    );
    try {
      const url = match[1]!;
      assert.equal((await fetch(`${url}/healthz`)).status, 200);
      await waitFor(
        async () => (await fetch(`${url}/readyz`)).status,
        (status) => status === 200,
        { what: 'the simulated history loaded', timeoutMs: 240_000, intervalMs: 1_000 },
      );
      // Progress while the history loaded: a line per tenth reached, in order.
      const tenths = [...output().matchAll(/loading the simulated history: (\d+)% \(/g)].map((m) =>
        Number(m[1]),
      );
      assert.ok(tenths.length >= 5, `progress lines: ${tenths.join(', ')}`);
      assert.ok(
        tenths.every((t, i) => t % 10 === 0 && t < 100 && (i === 0 || t > tenths[i - 1]!)),
        `progress in order: ${tenths.join(', ')}`,
      );
      const kinds = await waitFor(
        async () => {
          const page = (await (await fetch(`${url}/api/v1/findings?limit=500`)).json()) as {
            items: { kind: string }[];
          };
          return new Set(page.items.map((finding) => finding.kind));
        },
        (found) => found.size >= 5,
        { what: 'findings of every kind', timeoutMs: 240_000, intervalMs: 2_000 },
      );
      assert.deepEqual([...kinds].sort(), [
        'node_capacity_misfit',
        'node_memory_flapping',
        'oom_loop',
        'recommendation',
        'requests_misfit',
      ]);
      const metrics = await (await fetch(`${url}/metrics`)).text();
      assert.match(metrics, /plimsoll_ingest_records_indexed_total\{kind="usage_sample"\} [1-9]/);
      assert.match(metrics, /plimsoll_findings\{[^}]*kind="oom_loop"[^}]*\} [1-9]/);
    } finally {
      assert.equal(await stop(child), 0, 'the demo stops cleanly on SIGTERM');
    }
  });
});
