// The `collectors` configuration section: defaults, errors naming the key, and environment
// overrides of its lists and nested objects.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configFiles, failure } from './config-support.js';
import { environmentOverrides, loadConfig } from '../../core/config/load.js';

const file = configFiles('plimsoll-config-collectors-');

describe('configuration: collectors', () => {
  it('defaults to the kubernetes and kubelet collectors with their own defaults', () => {
    const { collectors } = loadConfig({ env: {} });
    assert.deepEqual(collectors.enabled, ['kubernetes', 'kubelet']);
    assert.equal(collectors.stateDir, undefined);
    assert.deepEqual(collectors.connection, { inCluster: false });
    assert.equal(collectors.kubelet.mode, 'auto');
    assert.equal(collectors.kubelet.intervalSeconds, 30);
    assert.equal(collectors.kubelet.insecureSkipTlsVerify, false);
    assert.equal(collectors.prometheus.url, 'http://127.0.0.1:9090');
    assert.equal(collectors.prometheus.backfillDays, 7);
    assert.equal(collectors.logs.mode, 'tagged');
    assert.equal(collectors.logs.source, 'api');
    assert.equal(collectors.logs.root, '/var/log/pods');
    assert.deepEqual(collectors.logs.namespaces, []);
  });

  it('loads a file that sets part of a nested section and keeps the defaults of the rest', () => {
    const path = file(
      'partial.yaml',
      'collectors:\n  enabled: [logs]\n  logs:\n    source: files\n    pollIntervalSeconds: 1\n',
    );
    const { collectors } = loadConfig({ file: path, env: {} });
    assert.deepEqual(collectors.enabled, ['logs']);
    assert.equal(collectors.logs.source, 'files');
    assert.equal(collectors.logs.pollIntervalSeconds, 1);
    assert.equal(collectors.logs.root, '/var/log/pods');
    assert.equal(collectors.kubelet.intervalSeconds, 30);
  });

  it('names a wrong value with the key and what it expects', () => {
    const mode = failure(() =>
      loadConfig({
        file: file('mode.yaml', 'collectors:\n  kubelet:\n    mode: tunnel\n'),
        env: {},
      }),
    );
    assert.equal(mode.key, 'collectors.kubelet.mode');
    assert.match(mode.message, /"auto" \| "proxy" \| "direct", got "tunnel"/);
    assert.match(mode.message, /mode\.yaml/);

    const unknown = failure(() =>
      loadConfig({
        file: file('name.yaml', 'collectors:\n  enabled: [kubernetes, cadvisor]\n'),
        env: {},
      }),
    );
    assert.equal(unknown.key, 'collectors.enabled.1');
    assert.match(unknown.message, /"kubernetes" \| "kubelet" \| "prometheus" \| "logs"/);

    const interval = failure(() =>
      loadConfig({ env: { PLIMSOLL_COLLECTORS_KUBELET_INTERVAL_SECONDS: '0' } }),
    );
    assert.equal(interval.key, 'collectors.kubelet.intervalSeconds');

    const server = failure(() =>
      loadConfig({ env: { PLIMSOLL_COLLECTORS_CONNECTION_SERVER: '127.0.0.1:8001' } }),
    );
    assert.equal(server.key, 'collectors.connection.server');
  });

  it('names a milliseconds key the section does not have, listing the ones it has', () => {
    const error = failure(() =>
      loadConfig({
        file: file('ms.yaml', 'collectors:\n  kubelet:\n    intervalMs: 30000\n'),
        env: {},
      }),
    );
    assert.equal(error.key, 'collectors.kubelet.intervalMs');
    assert.match(
      error.message,
      /unknown key; expected one of: mode, urlTemplate, .*intervalSeconds/,
    );
  });

  it('refuses an empty or repeated collector list', () => {
    const empty = failure(() => loadConfig({ env: { PLIMSOLL_COLLECTORS_ENABLED: '' } }));
    assert.equal(empty.key, 'collectors.enabled');
    const twice = failure(() => loadConfig({ env: { PLIMSOLL_COLLECTORS_ENABLED: 'logs, logs' } }));
    assert.equal(twice.key, 'collectors.enabled');
  });

  it('overrides lists, nested keys and booleans from the environment, over the file', () => {
    const path = file(
      'env.yaml',
      [
        'collectors:',
        '  enabled: [kubernetes]',
        '  kubelet:',
        '    mode: proxy',
        '    concurrency: 2',
        '  logs:',
        '    namespaces: [default]',
        '',
      ].join('\n'),
    );
    const { collectors } = loadConfig({
      file: path,
      env: {
        PLIMSOLL_COLLECTORS_ENABLED: 'logs, prometheus',
        PLIMSOLL_COLLECTORS_KUBELET_MODE: 'direct',
        PLIMSOLL_COLLECTORS_CONNECTION_IN_CLUSTER: 'true',
        PLIMSOLL_COLLECTORS_LOGS_NAMESPACES: 'shop,search',
        PLIMSOLL_COLLECTORS_LOGS_NODE_NAME: 'node-a',
        PLIMSOLL_COLLECTORS_PROMETHEUS_BACKFILL_DAYS: '1.5',
      },
    });
    assert.deepEqual(collectors.enabled, ['logs', 'prometheus']);
    assert.equal(collectors.kubelet.mode, 'direct');
    assert.equal(collectors.kubelet.concurrency, 2, 'the file keeps the keys the env does not set');
    assert.equal(collectors.connection.inCluster, true);
    assert.deepEqual(collectors.logs.namespaces, ['shop', 'search']);
    assert.equal(collectors.logs.nodeName, 'node-a');
    assert.equal(collectors.prometheus.backfillDays, 1.5);
  });

  it('names the environment variable of a value of the wrong type', () => {
    const error = failure(() => loadConfig({ env: { PLIMSOLL_COLLECTORS_LOGS_BURST: 'lots' } }));
    assert.equal(error.key, 'collectors.logs.burst');
    assert.equal(error.origin, 'PLIMSOLL_COLLECTORS_LOGS_BURST');
  });

  it('gives every key its own environment variable', () => {
    const names = environmentOverrides().map((o) => o.env);
    assert.equal(new Set(names).size, names.length);
    assert.ok(names.includes('PLIMSOLL_COLLECTORS_KUBELET_INSECURE_SKIP_TLS_VERIFY'));
    assert.ok(names.includes('PLIMSOLL_KAFKA_SASL_PASSWORD_FILE'));
  });
});
