// The collection worker's Plimsoll half: a steady-state round of the KubeletCollector over every
// node's /metrics/resource, and a kube-state-metrics scrape through the streaming Prometheus text
// parser folded into a KsmSnapshot sample by sample.
//
// The round is the collector's own (node list, bounded concurrency, parse, counter rates,
// envelopes, publish) with its two other requests answered empty in-process: /metrics/cadvisor,
// whose extras are a separate cost, and /pods, which the collector refreshes every 5 minutes
// rather than every round. Samples therefore carry pod and uid but no workload.
import { setTimeout as sleep } from 'node:timers/promises';
import { silentLogger } from '../../core/logger.js';
import { Telemetry } from '../../core/telemetry.js';
import {
  NodeProxyKubeletClient,
  type KubeletClient,
  type KubeletResponse,
} from '../../collectors/kubelet/client.js';
import { KubeletCollector, kubeletDefaults } from '../../collectors/kubelet/collector.js';
import { ClientNodeKubeApi, loadKubeConfig } from '../../collectors/kubernetes/api.js';
import { PrometheusTextParser } from '../../collectors/formats/prometheus-text.js';
import { KsmSnapshotBuilder } from '../../collectors/formats/kube-state-metrics.js';
import { CountingSink, measure, type WorkerReport } from './collection-common.js';

const EMPTY_POD_LIST: KubeletResponse = { text: '{"items":[]}', contentType: 'application/json' };
const EMPTY_EXPOSITION: KubeletResponse = { text: '', contentType: 'text/plain; version=0.0.4' };

/**
 * The kubelet client Plimsoll's collector uses, reduced to /metrics/resource (the rest answered
 * empty without a request), counting requests, failures and bytes.
 */
class ResourceOnlyClient implements KubeletClient {
  requests = 0;
  failed = 0;
  bytes = 0;
  readonly resourceOk = new Set<string>();
  /** Every listed node is asked for its /metrics/resource. */
  readonly nodes = new Set<string>();

  constructor(private readonly inner: KubeletClient) {}

  reset(): void {
    this.requests = 0;
    this.failed = 0;
    this.bytes = 0;
    this.resourceOk.clear();
    this.nodes.clear();
  }

  async get(node: string, path: string, options: { timeoutMs: number }): Promise<KubeletResponse> {
    if (path === '/pods') return EMPTY_POD_LIST;
    if (path !== '/metrics/resource') return EMPTY_EXPOSITION;
    this.requests++;
    this.nodes.add(node);
    try {
      const response = await this.inner.get(node, path, options);
      this.bytes += Buffer.byteLength(response.text);
      this.resourceOk.add(node);
      return response;
    } catch (error) {
      this.failed++;
      throw error;
    }
  }
}

export async function plimsollKubelet(url: string, concurrency: number): Promise<WorkerReport> {
  const api = new ClientNodeKubeApi(loadKubeConfig({ server: url }));
  const client = new ResourceOnlyClient(new NodeProxyKubeletClient(api));
  const sink = new CountingSink();
  const collector = new KubeletCollector(
    api,
    client,
    // The loop runs the first round, then waits an hour; stop() cuts the wait short.
    { ...kubeletDefaults, concurrency, intervalMs: 3_600_000, jitter: 0 },
    { publisher: sink, telemetry: new Telemetry(), logger: silentLogger, cluster: 'bench' },
  );
  // The first round lists the nodes, warms the code and gives CPU counters their first value
  // (no rate yet); the second, measured, is a steady-state round.
  await collector.start();
  while (collector.completedCycles < 1) await sleep(10);
  client.reset();
  sink.reset();
  const { wallMs, cpuMs } = await measure(() => collector.cycle());
  await collector.stop();
  return {
    target: 'kubelet',
    mode: 'plimsoll',
    nodes: client.nodes.size,
    scrapes: client.resourceOk.size,
    failedRequests: client.failed,
    requests: client.requests,
    bytes: client.bytes,
    samples: sink.byKind.get('usage_sample') ?? 0,
    entities: 0,
    wallMs,
    cpuMs,
  };
}

export async function plimsollKsm(url: string): Promise<WorkerReport> {
  const api = new ClientNodeKubeApi(loadKubeConfig({ server: url }));
  let bytes = 0;
  const { wallMs, cpuMs, value } = await measure(async () => {
    const stream = await api.getStream('/ksm/metrics', { timeoutMs: 300_000 });
    // Each sample is folded as it is parsed: the scrape is never held whole.
    const builder = new KsmSnapshotBuilder();
    const parser = new PrometheusTextParser((sample) => builder.add(sample));
    stream.setEncoding('utf8');
    for await (const chunk of stream as AsyncIterable<string>) {
      bytes += Buffer.byteLength(chunk);
      parser.write(chunk);
    }
    const summary = parser.end();
    const snapshot = builder.finish({});
    return {
      samples: summary.sampleCount,
      malformed: summary.errorCount,
      entities: snapshot.pods.size + snapshot.nodes.size,
      nodes: snapshot.nodes.size,
    };
  });
  return {
    target: 'ksm',
    mode: 'plimsoll',
    nodes: value.nodes,
    scrapes: 1,
    failedRequests: value.malformed > 0 ? 1 : 0,
    requests: 1,
    bytes,
    samples: value.samples,
    entities: value.entities,
    wallMs,
    cpuMs,
  };
}
