// The collection suite's pieces that do not time anything: the raw baseline counts the samples
// Plimsoll's parser reads, both sides of the worker scrape every node of a cluster, and a worker's
// report becomes the suite's figures.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parsePrometheusText } from '../../collectors/formats/prometheus-text.js';
import { envelope } from '../../core/envelope.js';
import { FigureSet } from '../../bench/harness.js';
import { addFigures, parseWorkerReport } from '../../bench/suites/collection.js';
import {
  CountingSink,
  LineCounter,
  type WorkerReport,
} from '../../bench/workers/collection-common.js';
import { plimsollKsm, plimsollKubelet } from '../../bench/workers/collection-plimsoll.js';
import { rawKsm, rawKubelet } from '../../bench/workers/collection-raw.js';
import { startSimulator, type RunningSimulator } from '../../simulator/index.js';

const EXPOSITION = [
  '# HELP container_memory_working_set_bytes Current working set of the container in bytes',
  '# TYPE container_memory_working_set_bytes gauge',
  'container_memory_working_set_bytes{container="app",namespace="shop",pod="cart-1"} 1.5e+08 1700000000000',
  'container_memory_working_set_bytes{container="app",namespace="shop",pod="cart-2"} 2.5e+08 1700000000000',
  '',
  '# TYPE node_memory_working_set_bytes gauge',
  'node_memory_working_set_bytes 8.1e+09 1700000000000',
].join('\n');

describe('the collection baseline', () => {
  it('counts as samples exactly the lines Plimsoll parses as samples, however the body is chunked', () => {
    const parsed = parsePrometheusText(EXPOSITION);
    for (const size of [1, 7, 64, EXPOSITION.length]) {
      const lines = new LineCounter();
      for (let i = 0; i < EXPOSITION.length; i += size) lines.write(EXPOSITION.slice(i, i + size));
      lines.end();
      assert.equal(lines.sampleLines, parsed.sampleCount, `chunks of ${size}`);
      assert.equal(lines.lines, EXPOSITION.split('\n').length, `chunks of ${size}`);
    }
  });

  it('counts what a collector publishes, by record kind, and forgets on reset', async () => {
    const sink = new CountingSink();
    const sample = {
      cluster: 'c',
      metric: 'memory_working_set_bytes' as const,
      timestamp: 1_700_000_000_000,
      value: 1,
      node: 'n1',
    };
    await sink.emit([
      envelope('usage_sample', sample, 'test'),
      envelope('usage_sample', sample, 'test'),
    ]);
    assert.equal(sink.records, 2);
    assert.equal(sink.byKind.get('usage_sample'), 2);
    assert.equal(await sink.flush(), true);
    sink.reset();
    assert.equal(sink.records, 0);
    assert.equal(sink.byKind.size, 0);
  });
});

describe('the collection worker against a simulated cluster', () => {
  let sim: RunningSimulator;
  let nodeCount = 0;

  before(async () => {
    sim = await startSimulator({ scenario: 'healthy', nodes: 4, port: 0 });
    const list = (await (await fetch(`${sim.url}/api/v1/nodes`)).json()) as { items: unknown[] };
    nodeCount = list.items.length;
  });

  after(async () => {
    await sim.close();
  });

  it('scrapes every node on both sides, and Plimsoll publishes usage samples from them', async () => {
    const plimsoll = await plimsollKubelet(sim.url, 2);
    const raw = await rawKubelet(sim.url, 2);
    for (const report of [plimsoll, raw]) {
      assert.equal(report.nodes, nodeCount, report.mode);
      assert.equal(report.scrapes, nodeCount, report.mode);
      assert.equal(report.failedRequests, 0, report.mode);
      assert.ok(report.cpuMs > 0 && report.wallMs > 0, report.mode);
    }
    assert.equal(plimsoll.requests, nodeCount, 'one /metrics/resource request per node');
    assert.ok(plimsoll.samples > nodeCount, `usage samples: ${plimsoll.samples}`);
    // Raw reads the same expositions plus the node list.
    assert.ok(raw.bytes > plimsoll.bytes, `raw ${raw.bytes} B, Plimsoll ${plimsoll.bytes} B`);
  });

  it('reads the kube-state-metrics scrape into a snapshot of every node', async () => {
    const plimsoll = await plimsollKsm(sim.url);
    const raw = await rawKsm(sim.url);
    assert.equal(plimsoll.nodes, nodeCount);
    assert.ok(plimsoll.entities > nodeCount, 'pods besides the nodes');
    assert.equal(plimsoll.failedRequests, 0);
    assert.equal(raw.failedRequests, 0);
    assert.ok(plimsoll.samples > 0 && raw.samples > 0);
  });
});

describe('the collection suite', () => {
  const report = (overrides: Partial<WorkerReport>): WorkerReport => ({
    target: 'kubelet',
    mode: 'plimsoll',
    nodes: 10,
    scrapes: 10,
    failedRequests: 0,
    requests: 10,
    bytes: 1000,
    samples: 600,
    entities: 0,
    wallMs: 2000,
    cpuMs: 50,
    ...overrides,
  });

  it("reads the worker's report from the last line of its output", () => {
    const printed = `some log line\n${JSON.stringify(report({}))}\n`;
    assert.deepEqual(parseWorkerReport(printed), report({}));
    assert.throws(() => parseWorkerReport('{"nothing":1}\n'), /no report/);
  });

  it('turns a round into per-scrape CPU, samples per second and peak RSS', () => {
    const figures = new FigureSet();
    const usage = { wallMs: 3000, cpuMs: 900, maxRssBytes: 200 * 2 ** 20, stdout: '' };
    addFigures(figures, { report: report({}), usage });
    addFigures(figures, { report: report({ target: 'ksm', scrapes: 1, cpuMs: 700 }), usage });
    assert.deepEqual(figures.get('CPU per node scrape, Plimsoll').values, [5]);
    assert.deepEqual(figures.get('kubelet round usage samples/s, Plimsoll').values, [300]);
    assert.deepEqual(figures.get('peak RSS, kubelet round process, Plimsoll').values, [200]);
    assert.deepEqual(figures.get('CPU per KSM scrape, Plimsoll').values, [700]);
  });
});
