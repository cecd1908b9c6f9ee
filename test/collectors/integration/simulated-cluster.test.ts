// All four live collectors against a simulated cluster, publishing to real Kafka: what lands on
// the topics matches the simulator's ground truth — every OOM kill, every node condition
// transition of the window — with no duplicate transition, termination or event after the
// kubernetes collector is restarted and after its watches expire (410 → re-list).
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { KafkaBus } from '../../../bus/kafka.js';
import type { AnyEnvelope, Envelope } from '../../../core/envelope.js';
import { KubeletCollector, kubeletDefaults } from '../../../collectors/kubelet/collector.js';
import { NodeProxyKubeletClient } from '../../../collectors/kubelet/client.js';
import { ClientNodeKubeApi, loadKubeConfig } from '../../../collectors/kubernetes/api.js';
import {
  KubernetesCollector,
  kubernetesDefaults,
} from '../../../collectors/kubernetes/collector.js';
import { LogsCollector, logsDefaults } from '../../../collectors/logs/collector.js';
import { Publisher } from '../../../collectors/publisher.js';
import {
  createSimulation,
  groundTruth,
  startSimulator,
  type RunningSimulator,
} from '../../../simulator/index.js';
import { requireServices } from '../../support/services.js';
import {
  apiSecond,
  duplicates,
  freshKafkaBus,
  logger,
  quietTelemetry,
  readAll,
} from '../support.js';

const DAY = 86_400_000;
const MINUTE = 60_000;
const START = Date.UTC(2025, 0, 6);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('collectors against a simulated cluster, to Kafka', () => {
  let sim: RunningSimulator;
  let bus: KafkaBus;
  let records: AnyEnvelope[] = [];
  const window = { from: 0, to: 0 };
  /** Virtual time the kubernetes collector was down: what flipped back meanwhile is invisible. */
  const gap = { from: 0, to: 0 };
  const outsideGap = (at: number) => at < gap.from || at > gap.to;
  let relists = 0;
  const telemetry = quietTelemetry();

  before(async () => {
    await requireServices('kafka');
    // Open the live clock ten virtual minutes before a flapping episode, so the window has
    // memory-pressure cycles as well as the OOM loops that run all the time.
    const truth = groundTruth(
      createSimulation({ scenario: 'mixed', seed: 1, start: START, nodes: 3 }),
      {
        from: START,
        to: START + 7 * DAY,
      },
    );
    const episode = truth.flappingNodes[0]!.episodes.find((e) => e.from > START + DAY)!;
    sim = await startSimulator({
      scenario: 'mixed',
      seed: 1,
      start: START,
      nodes: 3,
      speed: 120,
      tickMs: 100,
      port: 0,
      historyDays: (episode.from + 5 * MINUTE - START) / DAY,
    });
    bus = freshKafkaBus('collectors', telemetry);
    await bus.start();
    const publisher = new Publisher(bus, { telemetry, logger });
    await publisher.start();
    const api = new ClientNodeKubeApi(loadKubeConfig({ server: sim.url }));
    const deps = { publisher, telemetry, logger, cluster: 'sim' };
    const checkpointFile = join(
      mkdtempSync(join(tmpdir(), 'plimsoll-collect-')),
      'kubernetes.json',
    );
    const kubernetes = () =>
      new KubernetesCollector(api, { ...kubernetesDefaults, checkpointFile }, deps);
    const kubelet = new KubeletCollector(
      api,
      new NodeProxyKubeletClient(api),
      { ...kubeletDefaults, intervalMs: 2_000 },
      deps,
    );
    const logs = new LogsCollector(
      api,
      { ...logsDefaults, discoveryIntervalMs: 2_000, maxStreams: 40 },
      deps,
    );

    window.from = sim.clock.now();
    let first = kubernetes();
    await first.start();
    await kubelet.start();
    await logs.start();
    await sleep(9_000);
    sim.expireWatches();
    await sleep(5_000);
    relists = await first.metrics.count('relists');
    // A restart: the second instance reads the first one's checkpoint.
    gap.from = sim.clock.now();
    await first.stop();
    await sleep(1_000);
    first = kubernetes();
    await first.start();
    gap.to = sim.clock.now();
    await sleep(12_000);
    window.to = sim.clock.now();
    await Promise.all([first.stop(), kubelet.stop(), logs.stop()]);
    assert.equal(await publisher.flush(60_000), true, 'everything emitted was delivered');
    const delivered = publisher.totals.delivered;
    await publisher.stop();
    records = await readAll(bus, delivered);
  });

  after(async () => {
    await bus?.stop();
    await sim?.close();
  });

  const ofKind = <K extends AnyEnvelope['kind']>(kind: K) =>
    records.filter((r) => r.kind === kind) as Envelope<K>[];

  it('publishes every OOM kill of the window, and no kill that did not happen', () => {
    // Kills in the last minutes may not be visible yet (the container is still in back-off).
    const checked = { from: window.from, to: window.to - 6 * MINUTE };
    const truth = sim.groundTruth(checked);
    const kills = [
      ...truth.oomLoops.flatMap((l) => l.kills),
      ...truth.singleOoms.map((s) => s.kill),
      ...truth.systemOoms,
    ];
    assert.ok(kills.length >= 5, `the window has kills to find (${kills.length})`);
    const terminations = ofKind('container_termination').map((r) => r.payload);
    const key = (podUid: string, container: string, at: number) =>
      `${podUid}/${container}/${apiSecond(at)}`;
    const published = new Set(
      terminations.map((t) => key(t.podUid, t.container, t.termination.finishedAt)),
    );
    const missing = kills.filter(
      (k) => outsideGap(k.at) && !published.has(key(k.podUid, k.container, k.at)),
    );
    assert.deepEqual(missing, [], 'every kill is on Kafka');
    const truthKeys = new Set(kills.map((k) => key(k.podUid, k.container, k.at)));
    const invented = terminations.filter(
      (t) =>
        t.termination.reason === 'OOMKilled' &&
        t.termination.finishedAt >= checked.from + 1_000 &&
        t.termination.finishedAt < checked.to &&
        !truthKeys.has(key(t.podUid, t.container, t.termination.finishedAt)),
    );
    assert.deepEqual(invented, []);
  });

  it('publishes every node condition transition of the window', () => {
    const truth = sim.groundTruth({ from: window.from, to: window.to - MINUTE });
    const transitions = ofKind('node_transition').map((r) => r.payload);
    const has = (node: string, condition: string, to: string[], at: number) =>
      transitions.some(
        (t) =>
          t.node === node &&
          t.condition === condition &&
          to.includes(t.to) &&
          t.at === apiSecond(at),
      );
    let checked = 0;
    for (const flapping of truth.flappingNodes) {
      for (const episode of flapping.episodes) {
        const inWindow = (t: number) => t >= window.from && outsideGap(t);
        for (const at of episode.memoryPressureTrue.filter(inWindow)) {
          assert.ok(
            has(flapping.node, 'MemoryPressure', ['True'], at),
            `MemoryPressure=True at ${new Date(at).toISOString()}`,
          );
          checked++;
        }
        for (const at of episode.notReady.filter(inWindow)) {
          assert.ok(
            has(flapping.node, 'Ready', ['Unknown', 'False'], at),
            `NotReady at ${new Date(at).toISOString()}`,
          );
          checked++;
        }
        for (const at of episode.readyAgain.filter(inWindow)) {
          assert.ok(
            has(flapping.node, 'Ready', ['True'], at),
            `Ready again at ${new Date(at).toISOString()}`,
          );
          checked++;
        }
      }
    }
    assert.ok(checked >= 3, `the window has transitions to check (${checked})`);
  });

  it('emits no transition, termination or event twice across a restart and a 410 re-list', () => {
    assert.ok(relists >= 1, 'the expired watches were re-listed');
    for (const kind of ['node_transition', 'container_termination', 'kube_event'] as const) {
      const ids = ofKind(kind).map((r) => r.id);
      assert.ok(ids.length > 0, `${kind} records exist`);
      assert.deepEqual(duplicates(ids), [], `${kind} ids are unique`);
    }
  });

  it('publishes inventory, kubelet usage and tagged log lines alongside', () => {
    const pods = ofKind('pod').map((r) => r.payload);
    assert.ok(
      pods.some(
        (p) =>
          p.workload.kind === 'Deployment' &&
          p.containers.some((c) => c.resources.limits.memoryBytes),
      ),
    );
    assert.ok(ofKind('node').some((r) => (r.payload.allocatable.memoryBytes ?? 0) > 0));
    const usage = ofKind('usage_sample').map((r) => r.payload);
    for (const metric of [
      'memory_working_set_bytes',
      'cpu_usage_cores',
      'memory_rss_bytes',
      'node_memory_working_set_bytes',
    ]) {
      assert.ok(
        usage.some((s) => s.metric === metric),
        `kubelet samples of ${metric}`,
      );
    }
    const logs = ofKind('log_line').map((r) => r.payload);
    assert.ok(
      logs.some((l) => l.tags.includes('oom_java')),
      'JVM OutOfMemoryError lines are tagged and shipped',
    );
  });
});
