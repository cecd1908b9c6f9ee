// What `plimsoll collect` builds each collector with: the `collectors` config section, seconds
// turned into the factories' milliseconds, and the command's flags over it.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { entryDefaults } from '../../collectors/collector.js';
import { planCollectors, prepareCollectors } from '../../collectors/options.js';
import type { RecordSink } from '../../collectors/publisher.js';
import { COLLECTORS, COLLECTOR_TYPES } from '../../collectors/registry.js';
import { loadConfig } from '../../core/config/load.js';
import { ConfigSchema } from '../../core/config/schema.js';
import { logger, quietTelemetry } from './support.js';

const dir = mkdtempSync(join(tmpdir(), 'plimsoll-collector-options-'));
function configFile(text: string) {
  const path = join(dir, `${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(path, text);
  return loadConfig({ file: path, env: {} });
}

const NO_CONNECTION = { server: undefined, kubeconfig: undefined, inCluster: false };

describe('collector options from the configuration', () => {
  it("has one configuration section per registered collector, the entry's own", () => {
    const sections = ConfigSchema.properties.collectors.properties;
    for (const type of COLLECTOR_TYPES) assert.equal(sections[type], COLLECTORS[type].section);
    assert.deepEqual(
      sections.enabled.items.anyOf.map((literal: { const: string }) => literal.const),
      COLLECTOR_TYPES,
    );
  });

  it("gives every collector its factory's own defaults when nothing is configured", () => {
    const plan = planCollectors(loadConfig({ env: {} }), {}, {});
    assert.deepEqual(plan.types, ['kubernetes', 'kubelet']);
    assert.deepEqual(plan.options.kubernetes, {
      ...entryDefaults(COLLECTORS.kubernetes),
      connection: NO_CONNECTION,
    });
    assert.deepEqual(plan.options.kubelet, {
      ...entryDefaults(COLLECTORS.kubelet),
      connection: NO_CONNECTION,
      mode: undefined,
      urlTemplate: undefined,
      caFile: undefined,
      insecureSkipTlsVerify: false,
      tokenFile: undefined,
    });
    assert.deepEqual(plan.options.prometheus, entryDefaults(COLLECTORS.prometheus));
    assert.deepEqual(plan.options.logs, {
      ...entryDefaults(COLLECTORS.logs),
      connection: NO_CONNECTION,
    });
  });

  it('maps every configured key, seconds to milliseconds', () => {
    const config = configFile(`
cluster: prod-eu-1
collectors:
  enabled: [kubelet, prometheus, logs]
  stateDir: /var/lib/plimsoll
  connection:
    inCluster: true
  kubernetes:
    events: false
    resyncIntervalSeconds: 1800
    pageSize: 250
  kubelet:
    mode: direct
    urlTemplate: https://{node}:10250
    caFile: /etc/kubelet-ca/ca.crt
    tokenFile: /var/run/token
    source: summary
    intervalSeconds: 15
    timeoutSeconds: 5
    concurrency: 8
    jitter: 0.2
  prometheus:
    url: http://prometheus.monitoring:9090
    backfillDays: 14
    stepSeconds: 120
    follow: false
    lagSeconds: 0
    timeoutSeconds: 90
  logs:
    mode: all
    source: files
    root: /host/pods
    nodeName: node-a
    pollIntervalSeconds: 0.5
    namespaces: [shop, search]
    ratePerSecond: 10
    burst: 20
`);
    const { types, options } = planCollectors(config, {}, { NODE_NAME: 'from-env' });
    assert.deepEqual(types, ['kubelet', 'prometheus', 'logs']);
    const connection = { server: undefined, kubeconfig: undefined, inCluster: true };
    assert.equal(options.kubernetes.events, false);
    assert.equal(options.kubernetes.resyncIntervalMs, 1_800_000);
    assert.equal(options.kubernetes.pageSize, 250);
    assert.deepEqual(options.kubernetes.connection, connection);
    assert.equal(options.kubernetes.checkpointFile, '/var/lib/plimsoll/kubernetes-prod-eu-1.json');
    const kubelet = options.kubelet;
    assert.deepEqual(
      [kubelet.mode, kubelet.urlTemplate, kubelet.caFile, kubelet.tokenFile, kubelet.source],
      ['direct', 'https://{node}:10250', '/etc/kubelet-ca/ca.crt', '/var/run/token', 'summary'],
    );
    assert.deepEqual(
      [kubelet.intervalMs, kubelet.timeoutMs, kubelet.concurrency, kubelet.jitter],
      [15_000, 5_000, 8, 0.2],
    );
    assert.equal(kubelet.insecureSkipTlsVerify, false);
    const prometheus = options.prometheus;
    assert.equal(prometheus.url, 'http://prometheus.monitoring:9090');
    assert.equal(prometheus.backfillDays, 14);
    assert.equal(prometheus.stepMs, 120_000);
    assert.equal(prometheus.follow, false);
    assert.equal(prometheus.lagMs, 0);
    assert.equal(prometheus.timeoutMs, 90_000);
    assert.equal(prometheus.checkpointFile, '/var/lib/plimsoll/prometheus-prod-eu-1.json');
    const logs = options.logs;
    assert.deepEqual([logs.mode, logs.source, logs.root], ['all', 'files', '/host/pods']);
    assert.equal(logs.nodeName, 'node-a', 'the configured node wins over $NODE_NAME');
    assert.equal(logs.pollIntervalMs, 500);
    assert.deepEqual(logs.namespaces, ['shop', 'search']);
    assert.deepEqual([logs.ratePerSecond, logs.burst], [10, 20]);
    assert.equal(logs.checkpointFile, '/var/lib/plimsoll/logs-prod-eu-1.json');
  });

  it('lets each flag given override its key and leaves the others as configured', () => {
    const config = configFile(`
collectors:
  enabled: [kubernetes, kubelet]
  stateDir: /var/lib/plimsoll
  connection:
    server: http://127.0.0.1:8001
  kubelet:
    mode: direct
    intervalSeconds: 15
  prometheus:
    url: http://prometheus:9090
    stepSeconds: 120
  logs:
    root: /host/pods
    pollIntervalSeconds: 5
`);
    const { types, options } = planCollectors(
      config,
      {
        collectors: ['logs'],
        stateDir: '/tmp/state',
        inCluster: true,
        kubeletMode: 'proxy',
        kubeletInsecureSkipTlsVerify: true,
        step: 30,
        backfillDays: 2,
        logSource: 'files',
        logDir: '/var/log/pods',
        nodeName: 'node-b',
      },
      { NODE_NAME: 'from-env' },
    );
    assert.deepEqual(types, ['logs']);
    assert.deepEqual(options.kubelet.connection, {
      server: 'http://127.0.0.1:8001',
      kubeconfig: undefined,
      inCluster: true,
    });
    assert.equal(options.kubelet.mode, 'proxy');
    assert.equal(options.kubelet.insecureSkipTlsVerify, true);
    assert.equal(options.kubelet.intervalMs, 15_000, 'no flag: the configured interval');
    assert.equal(options.prometheus.url, 'http://prometheus:9090');
    assert.equal(options.prometheus.stepMs, 30_000);
    assert.equal(options.prometheus.backfillDays, 2);
    assert.equal(options.logs.source, 'files');
    assert.equal(options.logs.root, '/var/log/pods');
    assert.equal(options.logs.pollIntervalMs, 5_000);
    assert.equal(options.logs.nodeName, 'node-b');
    assert.equal(options.logs.checkpointFile, '/tmp/state/logs-default.json');
  });

  it('leaves the kubelet mode to the factory on auto, and the node name to $NODE_NAME', () => {
    const config = loadConfig({ env: { PLIMSOLL_COLLECTORS_KUBELET_MODE: 'auto' } });
    const { options } = planCollectors(config, {}, { NODE_NAME: 'node-c' });
    assert.equal(options.kubelet.mode, undefined);
    assert.equal(options.logs.nodeName, 'node-c');
  });

  it('keeps checkpoints in memory without a state directory', () => {
    const { options } = planCollectors(loadConfig({ env: {} }), {}, {});
    for (const type of ['kubernetes', 'prometheus', 'logs'] as const) {
      assert.equal(options[type].checkpointFile, undefined, type);
    }
  });

  it('builds the planned collectors, in order, with their factories', async () => {
    const config = loadConfig({
      env: {
        PLIMSOLL_COLLECTORS_ENABLED: 'logs,prometheus,kubernetes',
        PLIMSOLL_COLLECTORS_CONNECTION_SERVER: 'http://127.0.0.1:1',
        PLIMSOLL_COLLECTORS_LOGS_SOURCE: 'files',
      },
    });
    const publisher: RecordSink = {
      emit: () => Promise.resolve(),
      onDelivered: () => () => undefined,
      flush: () => Promise.resolve(true),
    };
    const build = await prepareCollectors(planCollectors(config, {}, {}));
    const collectors = build({
      publisher,
      telemetry: quietTelemetry(),
      logger,
      cluster: 'test',
    });
    assert.deepEqual(
      collectors.map((c) => c.type),
      ['logs', 'prometheus', 'kubernetes'],
    );
  });
});
