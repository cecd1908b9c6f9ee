// A node whose kubelet answers with broken bodies: /metrics/resource and /metrics/cadvisor with
// garbage lines, a line cut inside its labels, a family of unknown type, NaN and +Inf values, a
// value that is no number and the body cut short; /stats/summary and /pods cut in half. The
// kubelet collector counts the unreadable lines and values on /metrics, logs once with the node,
// still publishes every well-formed sample of the same body, and the other nodes are unaffected.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KubeletCollector } from '../../../collectors/kubelet/collector.js';
import { kubeletFactory, type KubeletFactoryConfig } from '../../../collectors/kubelet/factory.js';
import { parsePrometheusText, type Sample } from '../../../collectors/formats/prometheus-text.js';
import type { NodeModel } from '../../../simulator/model/types.js';
import { renderCadvisor } from '../../../simulator/render/cadvisor.js';
import { renderMetricsResource } from '../../../simulator/render/metrics-resource.js';
import {
  FAULT_PROBE_NAMESPACE,
  startSimulator,
  type RunningSimulator,
} from '../../../simulator/index.js';
import { waitFor } from '../../support/wait.js';
import { startHarness, type Harness } from './support.js';

const INTERVAL_MS = 1_000;
const CYCLES = 4;

const containerKey = (ns: string, pod: string, container: string) => `${ns}/${pod}/${container}`;

describe('kubelet collector: malformed kubelet bodies', () => {
  let sim: RunningSimulator;

  before(async () => {
    sim = await startSimulator({ scenario: 'healthy', nodes: 3, port: 0, speed: 60, tickMs: 200 });
  });

  after(async () => {
    await sim?.close();
  });

  const run = async (harness: Harness, source: string, config: Partial<KubeletFactoryConfig>) => {
    const collector = kubeletFactory.create(
      {
        ...kubeletFactory.defaultConfig,
        connection: { server: sim.url },
        mode: 'proxy',
        intervalMs: INTERVAL_MS,
        jitter: 0,
        timeoutMs: 5_000,
        concurrency: 2,
        // Each cycle reads the node's (cut short) /pods again.
        workloadRefreshMs: 0,
        ...config,
      },
      {
        publisher: harness.publisher,
        telemetry: harness.telemetry,
        logger: harness.logger,
        cluster: 'sim',
        source,
      },
    ) as KubeletCollector;
    await collector.start();
    try {
      await waitFor(
        () => collector.completedCycles,
        (n) => n >= CYCLES,
        { what: `${CYCLES} cycles`, timeoutMs: 30_000 },
      );
      assert.ok(collector.health().ready, 'the collector is ready');
    } finally {
      await collector.stop();
      await harness.publisher.flush(10_000);
    }
    return collector;
  };

  /**
   * The samples the clean body of a render would have had at a sample time, less the one line the
   * fault cuts short (the last labelled sample).
   */
  const cleanSamples = (
    render: (node: NodeModel, t: number) => string,
    node: NodeModel,
    sampleTs: number,
  ): Sample[] => {
    const probe = parsePrometheusText(render(node, sampleTs)).samples.find(
      (s) => s.timestampMs !== undefined,
    )!;
    const offset = sampleTs - probe.timestampMs!;
    const samples = parsePrometheusText(render(node, sampleTs + offset)).samples;
    let last = samples.length - 1;
    while (last >= 0 && Object.keys(samples[last]!.labels).length === 0) last--;
    return samples.filter((_, i) => i !== last);
  };

  it('publishes the well-formed samples of a broken exposition and counts the rest', async () => {
    const harness = await startHarness();
    const source = 'malformed-metrics';
    const nodes = sim.simulation.model.nodes;
    const broken = nodes[0]!;
    sim.faults.setKubelet(broken.name, 'malformed');
    try {
      await run(harness, source, { source: 'metrics' });
    } finally {
      sim.faults.clear();
    }
    const samples = harness.of('usage_sample', source).map((r) => r.payload);
    assert.deepEqual(
      samples.filter((s) => s.namespace === FAULT_PROBE_NAMESPACE),
      [],
      'no NaN, infinite, cut-short or non-numeric probe became a sample',
    );

    for (const node of nodes) {
      const ofNode = samples.filter((s) => s.node === node.name);
      const scrapes = [
        ...new Set(
          ofNode.filter((s) => s.metric === 'memory_working_set_bytes').map((s) => s.timestamp),
        ),
      ];
      assert.ok(scrapes.length >= CYCLES - 1, `${node.name}: ${scrapes.length} scrapes published`);
      for (const ts of scrapes) {
        const expected = cleanSamples(
          (n, t) => renderMetricsResource(sim.simulation, n, t),
          node,
          ts,
        )
          .filter((s) => s.name === 'container_memory_working_set_bytes')
          .map(
            (s) =>
              `${containerKey(s.labels.namespace!, s.labels.pod!, s.labels.container!)}=${s.value}`,
          )
          .sort();
        const published = ofNode
          .filter((s) => s.metric === 'memory_working_set_bytes' && s.timestamp === ts)
          .map((s) => `${containerKey(s.namespace!, s.pod!, s.container!)}=${s.value}`)
          .sort();
        assert.deepEqual(published, expected, `${node.name}: every working set of the scrape`);
        assert.equal(
          ofNode.filter((s) => s.metric === 'node_memory_working_set_bytes' && s.timestamp === ts)
            .length,
          1,
          `${node.name}: the node's working set`,
        );
      }
      // The cAdvisor extras of the same broken body: RSS of every container but the cut line.
      const rssScrapes = [
        ...new Set(ofNode.filter((s) => s.metric === 'memory_rss_bytes').map((s) => s.timestamp)),
      ];
      assert.ok(rssScrapes.length >= CYCLES - 1, `${node.name}: RSS published`);
      for (const ts of rssScrapes) {
        const expected = cleanSamples((n, t) => renderCadvisor(sim.simulation, n, t), node, ts)
          .filter(
            (s) =>
              s.name === 'container_memory_rss' &&
              s.labels.pod &&
              s.labels.container &&
              s.labels.container !== 'POD',
          )
          .map((s) => containerKey(s.labels.namespace!, s.labels.pod!, s.labels.container!))
          .sort();
        const published = ofNode
          .filter((s) => s.metric === 'memory_rss_bytes' && s.timestamp === ts)
          .map((s) => containerKey(s.namespace!, s.pod!, s.container!))
          .sort();
        assert.deepEqual(published, expected, `${node.name}: every RSS of the scrape`);
      }
      // CPU is a rate between two scrapes: the broken node's counters still make rates.
      assert.ok(
        ofNode.some((s) => s.metric === 'cpu_usage_cores'),
        `${node.name}: CPU rates published`,
      );
    }

    const malformed = await harness.metric('plimsoll_collector_errors_total', {
      collector: 'kubelet',
      error_type: 'malformed',
    });
    // Per cycle: the broken node's exposition and its pod list; nothing from the other nodes.
    assert.ok(malformed >= 2 * (CYCLES - 1), `malformed bodies counted: ${malformed}`);
    const invalid = await harness.metric('plimsoll_collector_input_issues_total', {
      collector: 'kubelet',
      code: 'invalid_value',
    });
    assert.ok(invalid >= 2 * (CYCLES - 1), `NaN and +Inf values counted: ${invalid}`);
    const logged = harness.warnings({ collector: 'kubelet', errorType: 'malformed' });
    assert.deepEqual(
      logged.map((l) => [l.stage, l.node]).sort(),
      [
        ['collect', broken.name],
        ['decode', broken.name],
      ],
      'logged once per kind of problem, naming the node',
    );
    const decode = logged.find((l) => l.stage === 'decode')!;
    // 2 × (unknown TYPE, cut-short probe, garbage line, bad value, cut-short last line).
    assert.equal(decode.lines, 10, 'the log says how many lines were unreadable');
    assert.equal(harness.warnings({ collector: 'kubelet' }).length, 2, 'and nothing else');
    await harness.stop();
  });

  it('counts a cut-short /stats/summary and keeps scraping the other nodes', async () => {
    const harness = await startHarness();
    const source = 'malformed-summary';
    const nodes = sim.simulation.model.nodes;
    const broken = nodes[2]!;
    sim.faults.setKubelet(broken.name, 'malformed');
    try {
      await run(harness, source, { source: 'summary', workloadRefreshMs: 300_000 });
    } finally {
      sim.faults.clear();
    }
    const samples = harness.of('usage_sample', source).map((r) => r.payload);
    assert.equal(
      samples.filter((s) => s.node === broken.name).length,
      0,
      'half a JSON document yields nothing',
    );
    for (const node of nodes.filter((n) => n !== broken)) {
      const scrapes = new Set(
        samples
          .filter((s) => s.node === node.name && s.metric === 'node_memory_working_set_bytes')
          .map((s) => s.timestamp),
      );
      assert.ok(scrapes.size >= CYCLES - 1, `${node.name}: ${scrapes.size} summaries published`);
    }
    const malformed = await harness.metric('plimsoll_collector_errors_total', {
      collector: 'kubelet',
      error_type: 'malformed',
    });
    assert.ok(malformed >= CYCLES, `every cut-short summary counted: ${malformed}`);
    const logged = harness.warnings({ collector: 'kubelet' });
    assert.ok(logged.length >= 1 && logged.length <= 2, `logged once: ${JSON.stringify(logged)}`);
    for (const entry of logged) assert.equal(entry.node, broken.name, 'naming the node');
    await harness.stop();
  });
});
