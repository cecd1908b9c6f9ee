// The kubelet collector in direct mode against the simulator's kubelet endpoints
// (/kubelet/{node}/..., bearer-token authn), publishing to the in-process bus: every node with a
// live kubelet yields node and container usage whose working set equals what the API server's node
// proxy reports at the same instant; without a token every scrape is a counted 401, the collector
// keeps cycling, and it recovers once the (re-read) token file has a token.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MemoryBus } from '../../../bus/memory.js';
import type { Subscription } from '../../../bus/bus.js';
import { DATA_TOPICS, type AnyEnvelope } from '../../../core/envelope.js';
import type { UsageSample } from '../../../core/domain.js';
import type { Collector } from '../../../collectors/collector.js';
import {
  DirectKubeletClient,
  kubeletBaseUrl,
  nodeEndpoint,
} from '../../../collectors/kubelet/direct.js';
import { kubeletFactory, kubeletMode } from '../../../collectors/kubelet/factory.js';
import type { KubeletCollector } from '../../../collectors/kubelet/collector.js';
import { parsePrometheusText } from '../../../collectors/formats/prometheus-text.js';
import {
  ClientNodeKubeApi,
  KubeApiError,
  loadKubeConfig,
} from '../../../collectors/kubernetes/api.js';
import { Publisher } from '../../../collectors/publisher.js';
import { startSimulator, type RunningSimulator } from '../../../simulator/index.js';
import { waitFor } from '../../support/wait.js';
import { logger, quietTelemetry } from '../support.js';

/** Working set of each container and node per node, as the node proxy path reports it. */
interface ProxyReading {
  timestamp: number | undefined;
  containers: Map<string, number>;
  node: number | undefined;
}

const containerKey = (ns: string, pod: string, container: string) => `${ns}/${pod}/${container}`;

describe('kubelet collector, direct mode, against the simulator', () => {
  let sim: RunningSimulator;
  let bus: MemoryBus;
  let publisher: Publisher;
  let subscription: Subscription;
  const records: AnyEnvelope[] = [];
  const telemetry = quietTelemetry();
  const dir = mkdtempSync(join(tmpdir(), 'plimsoll-kubelet-'));
  const collectors: Collector[] = [];

  const liveNodes = () =>
    sim.simulation.model.nodes
      .filter((n) => sim.simulation.nodes.kubeletUp(n, sim.clock.now()))
      .map((n) => n.name);

  const proxyReading = async (node: string): Promise<ProxyReading> => {
    const response = await fetch(`${sim.url}/api/v1/nodes/${node}/proxy/metrics/resource`);
    assert.equal(response.status, 200, `proxy scrape of ${node}`);
    const { samples } = parsePrometheusText(await response.text());
    const reading: ProxyReading = { timestamp: undefined, containers: new Map(), node: undefined };
    for (const s of samples) {
      if (s.name === 'container_memory_working_set_bytes') {
        const { namespace = '', pod = '', container = '' } = s.labels;
        reading.containers.set(containerKey(namespace, pod, container), s.value);
        reading.timestamp = s.timestampMs;
      }
      if (s.name === 'node_memory_working_set_bytes') reading.node = s.value;
    }
    return reading;
  };

  const usage = (source: string): UsageSample[] =>
    records
      .filter((r) => r.kind === 'usage_sample' && r.source === source)
      .map((r) => r.payload as UsageSample);

  const kubelet = (source: string, overrides: { tokenFile: string; intervalMs: number }) => {
    const collector = kubeletFactory.create(
      {
        ...kubeletFactory.defaultConfig,
        connection: { server: sim.url },
        mode: 'direct',
        urlTemplate: `${sim.url}/kubelet/{node}`,
        timeoutMs: 5_000,
        ...overrides,
      },
      { publisher, telemetry, logger, cluster: 'sim', source },
    ) as KubeletCollector;
    collectors.push(collector);
    return collector;
  };

  before(async () => {
    sim = await startSimulator({ scenario: 'mixed', nodes: 2, port: 0, speed: 60 });
    bus = new MemoryBus({ telemetry });
    await bus.start();
    // The in-process bus holds publishers back while a data topic has no reader.
    subscription = await bus.subscribe({
      group: 'test-reader',
      topics: DATA_TOPICS,
      fromBeginning: true,
      handler: (messages) => {
        for (const m of messages) records.push(JSON.parse(m.value.toString('utf8')) as AnyEnvelope);
        return Promise.resolve();
      },
    });
    publisher = new Publisher(bus, { telemetry, logger, lingerMs: 20 });
    await publisher.start();
  });

  after(async () => {
    await Promise.all(collectors.map((c) => c.stop()));
    await publisher?.stop();
    await subscription?.stop();
    await bus?.stop();
    await sim?.close();
  });

  it('serves kubelet paths only with a bearer token', async () => {
    const node = sim.simulation.model.nodes[0]!.name;
    const anonymous = await fetch(`${sim.url}/kubelet/${node}/metrics/resource`);
    assert.equal(anonymous.status, 401);
    const unknown = await fetch(`${sim.url}/kubelet/no-such-node/metrics/resource`, {
      headers: { Authorization: 'Bearer x' },
    });
    assert.equal(unknown.status, 404);
  });

  it('publishes node and container usage equal to the node proxy view', async () => {
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, 'sa-token\n');
    // The simulator re-renders once a (real) second; compare readings of the same instant, taken
    // just before or just after the collector's cycle. A tick in between both is retried.
    for (let attempt = 1; ; attempt++) {
      const nodes = liveNodes();
      assert.ok(nodes.length >= 2, `nodes with a live kubelet (${nodes.join(', ')})`);
      const beforeReadings = new Map<string, ProxyReading>();
      for (const node of nodes) beforeReadings.set(node, await proxyReading(node));
      const source = `direct-${attempt}`;
      const collector = kubelet(source, { tokenFile, intervalMs: 600_000 });
      await collector.start();
      await waitFor(
        () => collector.completedCycles,
        (n) => n >= 1,
        { what: 'one scrape cycle' },
      );
      await collector.stop();
      const afterReadings = new Map<string, ProxyReading>();
      for (const node of nodes) afterReadings.set(node, await proxyReading(node));
      assert.equal(await publisher.flush(10_000), true);
      await waitFor(
        () => records.length,
        (n) => n >= publisher.totals.delivered,
        { what: 'delivered records read back' },
      );

      const samples = usage(source);
      const working = samples.filter((s) => s.metric === 'memory_working_set_bytes');
      let comparable = true;
      for (const node of nodes) {
        const mine = working.filter((s) => s.node === node);
        assert.ok(mine.length > 0, `container working set of ${node}`);
        const at = mine[0]!.timestamp;
        const reading = [beforeReadings.get(node)!, afterReadings.get(node)!].find(
          (r) => r.timestamp === at,
        );
        if (!reading) {
          comparable = false;
          break;
        }
        const published = new Map(
          mine.map((s) => [
            containerKey(s.namespace ?? '', s.pod ?? '', s.container ?? ''),
            s.value,
          ]),
        );
        assert.deepEqual(
          [...published.keys()].sort(),
          [...reading.containers.keys()].sort(),
          `every container of ${node}`,
        );
        for (const [key, value] of reading.containers) {
          const got = published.get(key)!;
          assert.ok(Math.abs(got - value) <= value * 1e-6, `${key}: ${got} vs proxy ${value}`);
        }
        const nodeSample = samples.find(
          (s) => s.metric === 'node_memory_working_set_bytes' && s.node === node,
        );
        assert.ok(nodeSample, `node working set of ${node}`);
        assert.ok(reading.node !== undefined);
        assert.ok(Math.abs(nodeSample.value - reading.node) <= reading.node * 1e-6);
      }
      if (!comparable && attempt < 4) continue;
      assert.ok(comparable, 'a cycle fell between two proxy readings of the same instant');
      // Pod → workload from the API server's pod list of the node (no kubelet /pods needed).
      assert.ok(
        working.some((s) => s.workload?.kind === 'Deployment'),
        'container samples carry their workload',
      );
      assert.equal(await collector.metrics.count('errors'), 0);
      break;
    }
  });

  it('counts 401s without a token, keeps cycling, and recovers when a token appears', async () => {
    const tokenFile = join(dir, 'empty-token');
    writeFileSync(tokenFile, '');
    const source = 'direct-anonymous';
    const live = liveNodes().length;
    const collector = kubelet(source, { tokenFile, intervalMs: 100 });
    await collector.start();
    await waitFor(
      () => collector.completedCycles,
      (n) => n >= 3,
      { what: 'three scrape cycles without a token' },
    );
    const rejected = await collector.metrics.count('errors', { error_type: 'rejected' });
    // One counted rejection per node and cycle (a node whose kubelet went down counts otherwise).
    assert.ok(rejected >= 3 * (live - 1), `401s counted as rejected (${rejected})`);
    assert.equal(collector.health().ready, false, 'no node could be scraped');
    await publisher.flush(10_000);
    assert.deepEqual(usage(source), [], 'nothing published without a token');

    writeFileSync(tokenFile, 'sa-token');
    await waitFor(
      async () => {
        await publisher.flush(10_000);
        return usage(source).filter((s) => s.metric === 'memory_working_set_bytes').length;
      },
      (n) => n > 0,
      { what: 'usage after the token appeared' },
    );
    await collector.stop();
  });
});

describe('direct kubelet client, unit', () => {
  it('takes InternalIP, else Hostname, and the daemon endpoint port', () => {
    assert.deepEqual(
      nodeEndpoint({
        metadata: { name: 'n1' },
        status: {
          addresses: [
            { type: 'Hostname', address: 'n1.internal' },
            { type: 'InternalIP', address: '10.0.0.7' },
          ],
          daemonEndpoints: { kubeletEndpoint: { Port: 10255 } },
        },
      }),
      { name: 'n1', address: '10.0.0.7', port: 10255 },
    );
    assert.deepEqual(
      nodeEndpoint({
        metadata: { name: 'n2' },
        status: { addresses: [{ type: 'Hostname', address: 'n2.internal' }] },
      }),
      { name: 'n2', address: 'n2.internal', port: 10250 },
    );
  });

  it('builds kubelet URLs from the template, bracketing IPv6', () => {
    const tpl = 'https://{address}:{port}';
    assert.equal(
      kubeletBaseUrl(tpl, { name: 'a', address: '10.1.2.3', port: 10250 }),
      'https://10.1.2.3:10250',
    );
    assert.equal(
      kubeletBaseUrl(tpl, { name: 'a', address: 'fd00::1', port: 10250 }),
      'https://[fd00::1]:10250',
    );
    assert.equal(
      kubeletBaseUrl('http://127.0.0.1:8001/kubelet/{node}/', { name: 'a b', port: 10250 }),
      'http://127.0.0.1:8001/kubelet/a%20b',
    );
    assert.throws(() => kubeletBaseUrl(tpl, { name: 'x', port: 10250 }), KubeApiError);
  });

  it('defaults to direct in-cluster or with a template, proxy otherwise', () => {
    const kc = loadKubeConfig({ server: 'http://127.0.0.1:1' });
    const base = { ...kubeletFactory.defaultConfig, connection: { server: 'http://127.0.0.1:1' } };
    assert.equal(kubeletMode(base, kc), 'proxy');
    assert.equal(kubeletMode({ ...base, urlTemplate: 'http://x/{node}' }, kc), 'direct');
    assert.equal(kubeletMode({ ...base, connection: { inCluster: true } }, kc), 'direct');
    assert.equal(
      kubeletMode({ ...base, mode: 'proxy', connection: { inCluster: true } }, kc),
      'proxy',
    );
  });

  it('reports an unreachable kubelet as unavailable, not as a rejection', async () => {
    const kc = loadKubeConfig({ server: 'http://127.0.0.1:1' });
    const client = new DirectKubeletClient(new ClientNodeKubeApi(kc), kc);
    client.setNodes([{ name: 'n', address: '127.0.0.1', port: 1 }]);
    await assert.rejects(client.get('n', '/metrics/resource', { timeoutMs: 2_000 }), (e) => {
      assert.ok(e instanceof KubeApiError);
      assert.equal(e.status, undefined);
      return true;
    });
  });
});
