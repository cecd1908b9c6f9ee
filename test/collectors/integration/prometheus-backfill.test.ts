// The prometheus collector against Debian's Prometheus serving OpenMetrics exports of the `mixed`
// scenario. A 7-day export at a 5-minute scrape: the backfill finds every OOM kill the history
// shows, with the id the kubernetes collector gives the same kill, and the condition transitions.
// A 6-hour export at a 1-minute scrape read at a 5-minute step: kills that lived in the data for
// less than a step (right before the pod was replaced, several in one step) are found too, and
// the kubernetes collector, watching the same simulated cluster, emits the very same ids.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MemoryBus } from '../../../bus/memory.js';
import type { ContainerTermination } from '../../../core/domain.js';
import {
  DATA_TOPICS,
  envelope,
  Topics,
  type AnyEnvelope,
  type Envelope,
} from '../../../core/envelope.js';
import { containerTerminations } from '../../../collectors/formats/kube-objects.js';
import { ClientNodeKubeApi, loadKubeConfig } from '../../../collectors/kubernetes/api.js';
import {
  KubernetesCollector,
  kubernetesDefaults,
} from '../../../collectors/kubernetes/collector.js';
import { podsResource, toPod } from '../../../collectors/kubernetes/pods.js';
import { HttpPromClient } from '../../../collectors/prometheus/client.js';
import {
  PrometheusCollector,
  prometheusDefaults,
} from '../../../collectors/prometheus/collector.js';
import { Publisher } from '../../../collectors/publisher.js';
import {
  servePrometheusFromOpenMetrics,
  type ServedPrometheus,
} from '../../../eval/prometheus/tsdb.js';
import {
  createSimulation,
  exportOpenMetrics,
  groundTruth,
  startSimulator,
  type GroundTruth,
  type OomKillTruth,
} from '../../../simulator/index.js';
import type { Incarnation } from '../../../simulator/model/pod-timeline.js';
import type { Simulation } from '../../../simulator/model/simulation.js';
import type { Slot } from '../../../simulator/model/types.js';
import { renderPod } from '../../../simulator/render/pods.js';
import { requireServices } from '../../support/services.js';
import { waitFor } from '../../support/wait.js';
import { logger, quietTelemetry } from '../support.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const STEP = 5 * MINUTE;
const START = Date.UTC(2025, 0, 6);
const END = START + 7 * DAY;

/** A publisher on an in-process bus whose records (all but usage samples) land in `records`. */
async function collecting(records: AnyEnvelope[], counts = { samples: 0 }) {
  const telemetry = quietTelemetry();
  const bus = new MemoryBus({ telemetry });
  await bus.start();
  await bus.subscribe({
    group: 'test',
    // Every data topic is consumed: the in-process bus holds publishers back for unread topics.
    topics: DATA_TOPICS,
    handler: (messages) => {
      for (const m of messages) {
        if (m.topic === Topics.samples) counts.samples++;
        else records.push(JSON.parse(m.value.toString('utf8')) as AnyEnvelope);
      }
      return Promise.resolve();
    },
  });
  const publisher = new Publisher(bus, { telemetry, logger });
  await publisher.start();
  return {
    deps: { publisher, telemetry, logger, cluster: 'sim' },
    close: async () => {
      await publisher.flush();
      await publisher.stop();
      await bus.stop();
    },
  };
}

async function backfill(
  url: string,
  config: { stepMs: number; chunkMs: number; backfillDays: number; usage: boolean },
  now: number,
  records: AnyEnvelope[],
  counts = { samples: 0 },
): Promise<void> {
  const sink = await collecting(records, counts);
  const collector = new PrometheusCollector(
    new HttpPromClient(url),
    { ...prometheusDefaults, ...config, follow: false, lagMs: 0 },
    sink.deps,
    () => now,
  );
  await collector.start();
  await collector.whenBackfilled();
  await collector.stop();
  await sink.close();
}

const terminationsOf = (records: AnyEnvelope[]) =>
  records.filter((r): r is Envelope<'container_termination'> => r.kind === 'container_termination');

const allKills = (truth: GroundTruth): OomKillTruth[] => [
  ...truth.oomLoops.flatMap((l) => l.kills),
  ...truth.singleOoms.map((s) => s.kill),
  ...truth.systemOoms,
];

/** (pod uid, container, run): what both paths agree on even where a finish time is unknown. */
const runKey = (podUid: string, container: string, runNumber: number) =>
  `${podUid}/${container}/${runNumber}`;
const killRun = (k: OomKillTruth) => runKey(k.podUid, k.container, k.restartCount - 1);
const terminationRun = (t: ContainerTermination) => runKey(t.podUid, t.container, t.restartCount);

/** The simulated cluster as its API and kube-state-metrics show it at any instant. */
class ClusterView {
  private readonly pods = new Map<string, { slot: Slot; pod: Incarnation }>();

  constructor(
    private readonly sim: Simulation,
    from: number,
    to: number,
  ) {
    for (const slot of sim.model.slots)
      for (const pod of sim.pods.incarnationsBetween(slot, from, to))
        this.pods.set(pod.uid, { slot, pod });
  }

  private viewAt(podUid: string, t: number) {
    const found = this.pods.get(podUid);
    if (!found) return undefined;
    const visible = this.sim.pods.visibleAt(found.slot, t).find((v) => v.pod.uid === podUid);
    if (!visible || visible.pod.createdAt > t) return undefined;
    return this.sim.podView(visible.pod, t, visible.terminating, visible.evicted);
  }

  /**
   * The id the kubernetes collector gives the kill: the pod object as the API serves it at the
   * kill, through the collector's own shrink, mapping and termination functions.
   */
  kubernetesId(kill: OomKillTruth): string {
    const view = this.viewAt(kill.podUid, kill.at);
    assert.ok(view, `${kill.pod} is visible at its kill`);
    const mapped = toPod(podsResource.shrink(renderPod(this.sim, view, kill.at, '1')), 'sim', {});
    assert.ok(mapped.ok);
    const termination = containerTerminations(mapped.value).find(
      (t) => t.container === kill.container,
    );
    assert.ok(termination, `${kill.pod}/${kill.container} shows its termination`);
    assert.equal(termination.termination.finishedAt, Math.floor(kill.at / 1000) * 1000);
    return envelope('container_termination', termination, 'test').id;
  }

  /**
   * What the first scrape after the kill (scrapes every `scrapeMs`) says about it: `shown` as the
   * container's last termination, `overwritten` by a later one, or `gone` with its pod.
   */
  firstScrape(kill: OomKillTruth, scrapeMs: number): 'shown' | 'overwritten' | 'gone' {
    const t = Math.ceil(kill.at / scrapeMs) * scrapeMs;
    const view = this.viewAt(kill.podUid, t);
    const container = view?.containers.find((c) => c.model.name === kill.container);
    const last = container?.lastTermination?.finishedAt;
    if (last === undefined) return 'gone';
    return last === kill.at ? 'shown' : 'overwritten';
  }
}

describe('prometheus backfill of a 7-day export at a 5-minute scrape', () => {
  let dir: string;
  let prometheus: ServedPrometheus | undefined;
  let sim: Simulation;
  let truth: GroundTruth;
  let cluster: ClusterView;
  const records: AnyEnvelope[] = [];
  const counts = { samples: 0 };
  let rssMb = 0;

  before(async () => {
    await requireServices('prometheus');
    dir = mkdtempSync(join(tmpdir(), 'plimsoll-prom-'));
    sim = createSimulation({ scenario: 'mixed', seed: 1, start: START, nodes: 2 });
    // Kills of the last step are read with the next step, once the history goes on.
    truth = groundTruth(sim, { from: START, to: END - STEP });
    cluster = new ClusterView(sim, START, END);
    const file = join(dir, 'mixed.om');
    // The export is what a user runs: `plimsoll simulate --export openmetrics`.
    const fd = openSync(file, 'w');
    const exporter = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'cli/main.ts',
        'simulate',
        '--scenario',
        'mixed',
        '--nodes',
        '2',
        '--export',
        'openmetrics',
        '--days',
        '7',
        '--step',
        String(STEP / 1000),
        '--start',
        new Date(START).toISOString(),
      ],
      { stdio: ['ignore', fd, 'inherit'] },
    );
    const code = await new Promise<number | null>((resolve) => exporter.once('exit', resolve));
    closeSync(fd);
    assert.equal(code, 0, 'export succeeded');
    prometheus = await servePrometheusFromOpenMetrics({ file, dir });
    rmSync(file);
    await backfill(
      prometheus.url,
      { stepMs: STEP, chunkMs: 12 * HOUR, backfillDays: 7, usage: true },
      END,
      records,
      counts,
    );
    rssMb = Math.round(process.memoryUsage().rss / 1e6);
  });

  after(async () => {
    await prometheus?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reports every OOM kill the history shows with the kubernetes collector’s id, and no other', () => {
    const kills = allKills(truth);
    const terminations = terminationsOf(records);
    const ids = new Set(terminations.map((r) => r.id));
    const runs = new Set(terminations.map((r) => terminationRun(r.payload)));
    const byScrape = { shown: [], overwritten: [], gone: [] } as Record<
      'shown' | 'overwritten' | 'gone',
      OomKillTruth[]
    >;
    for (const kill of kills) byScrape[cluster.firstScrape(kill, STEP)].push(kill);
    // Shown by a scrape: its finish time is in the data, so the id is the kubernetes collector's.
    const notIdentical = byScrape.shown.filter((k) => !ids.has(cluster.kubernetesId(k)));
    assert.deepEqual(notIdentical, [], 'every kill a scrape shows, with the same id');
    // Overwritten by the next kill before any scrape: the restart counter still counts it.
    assert.deepEqual(
      byScrape.overwritten.filter((k) => !runs.has(killRun(k))),
      [],
      'every kill the restart counter shows',
    );
    // A kill whose pod was gone before the next scrape is not in a 5-minute history at all.
    assert.ok(
      kills.length > 1000 &&
        byScrape.gone.length + byScrape.overwritten.length < kills.length / 100,
      `${byScrape.shown.length} of ${kills.length} kills shown, ${byScrape.overwritten.length} ` +
        `overwritten within a scrape, ${byScrape.gone.length} gone before one`,
    );
    process.stderr.write(
      `7 days at 5 min: ${kills.length} kills; ${byScrape.shown.length} found with the ` +
        `kubernetes id, ${byScrape.overwritten.length} by restart count only, ` +
        `${byScrape.gone.length} never scraped\n`,
    );
    const truthRuns = new Set(kills.map(killRun));
    const invented = terminations.filter(
      (r) =>
        r.payload.termination.reason === 'OOMKilled' && !truthRuns.has(terminationRun(r.payload)),
    );
    assert.deepEqual(invented, []);
    // Loop kills carry what the OOM-loop analyzer needs: the workload and the memory limit.
    const byRun = new Map(terminations.map((r) => [terminationRun(r.payload), r.payload]));
    for (const loop of truth.oomLoops) {
      for (const kill of loop.kills.slice(0, 20)) {
        const t = byRun.get(killRun(kill));
        if (!t) continue;
        assert.deepEqual(t.workload, loop.workload);
        assert.equal(t.limits.memoryBytes, loop.limitBytes);
      }
    }
  });

  it('reports every condition change the 5-minute history shows', () => {
    const transitions = records
      .filter((r): r is Envelope<'node_transition'> => r.kind === 'node_transition')
      .map((r) => r.payload);
    const nodes = sim.model.nodes.filter(
      (n) =>
        truth.flappingNodes.some((f) => f.node === n.name) ||
        truth.reboots.some((r) => r.node === n.name),
    );
    assert.ok(nodes.length > 0);
    let expected = 0;
    for (const node of nodes) {
      let previous = new Map<string, string>();
      for (let t = START; t < END; t += STEP) {
        const now = new Map(
          sim.nodes.conditionsAt(node, t).map((c) => [c.type, c.status] as [string, string]),
        );
        for (const [condition, status] of now) {
          const before = previous.get(condition);
          if (before !== undefined && before !== status) {
            expected++;
            assert.ok(
              transitions.some(
                (x) =>
                  x.node === node.name &&
                  x.condition === condition &&
                  x.from === before &&
                  x.to === status &&
                  x.at === t,
              ),
              `${node.name} ${condition} ${before}→${status} at ${new Date(t).toISOString()}`,
            );
          }
        }
        previous = now;
      }
    }
    assert.equal(
      transitions.filter((x) => nodes.some((n) => n.name === x.node)).length,
      expected,
      'and no other',
    );
    assert.ok(transitions.some((x) => x.condition === 'MemoryPressure' && x.to === 'True'));
    assert.ok(rssMb < 1024, `memory stays bounded (${rssMb} MB RSS)`);
    assert.ok(counts.samples > 100_000, `usage history was backfilled too (${counts.samples})`);
  });
});

describe('prometheus backfill at a 5-minute step of a 1-minute scrape, beside the kubernetes collector', () => {
  // Evening of the first day: a rollout replaces a JVM pod right after a kill, and the new pod's
  // first kills come faster than one a step.
  const FROM = START + 20 * HOUR;
  const TO = START + 26 * HOUR;
  const LIVE_FROM = START + 23 * HOUR + 20 * MINUTE;
  const SCRAPE = MINUTE;
  let prometheus: ServedPrometheus | undefined;
  const sim = createSimulation({ scenario: 'mixed', seed: 1, start: START, nodes: 2 });
  const cluster = new ClusterView(sim, FROM, TO);
  const kills = allKills(groundTruth(sim, { from: FROM, to: TO - STEP }));
  const backfilled: AnyEnvelope[] = [];
  const watched: AnyEnvelope[] = [];
  const live = { from: 0, to: 0 };

  before(async () => {
    await requireServices('prometheus');
    prometheus = await servePrometheusFromOpenMetrics({
      write: (out) => exportOpenMetrics(sim, out, { from: FROM, to: TO, stepMs: SCRAPE }),
    });
    await backfill(
      prometheus.url,
      { stepMs: STEP, chunkMs: 2 * HOUR, backfillDays: (TO - FROM) / DAY, usage: false },
      TO,
      backfilled,
    );

    // The same cluster served live from LIVE_FROM, 120× faster than real time, watched by the
    // kubernetes collector.
    const server = await startSimulator({
      scenario: 'mixed',
      seed: 1,
      start: START,
      nodes: 2,
      speed: 120,
      tickMs: 100,
      port: 0,
      historyDays: (LIVE_FROM - START) / DAY,
    });
    try {
      const sink = await collecting(watched);
      const collector = new KubernetesCollector(
        new ClientNodeKubeApi(loadKubeConfig({ server: server.url })),
        { ...kubernetesDefaults, events: false },
        sink.deps,
      );
      live.from = server.clock.now();
      await collector.start();
      await waitFor(
        () => server.clock.now(),
        (now) => now >= LIVE_FROM + 50 * MINUTE,
        { timeoutMs: 60_000, intervalMs: 500, what: '50 virtual minutes' },
      );
      live.to = server.clock.now();
      await collector.stop();
      await sink.close();
    } finally {
      await server.close();
    }
  });

  after(async () => {
    await prometheus?.stop();
  });

  it('finds every kill of the window with the kubernetes collector’s id, also those shorter than a step', () => {
    assert.ok(kills.length > 30, `${kills.length} kills in the window`);
    assert.ok(
      kills.every((k) => cluster.firstScrape(k, SCRAPE) === 'shown'),
      'a 1-minute scrape shows every kill of this window',
    );
    // The window holds the cases a 5-minute step alone would miss or mistime.
    const goneWithinStep = kills.filter((k) => cluster.firstScrape(k, STEP) === 'gone');
    const sharedStep = kills.filter((k) => cluster.firstScrape(k, STEP) === 'overwritten');
    assert.ok(goneWithinStep.length >= 1, 'a kill right before its pod was replaced');
    assert.ok(sharedStep.length >= 1, 'kills sharing one step');
    const ids = new Set(terminationsOf(backfilled).map((r) => r.id));
    const missing = kills.filter((k) => !ids.has(cluster.kubernetesId(k)));
    process.stderr.write(
      `6 hours at 1 min read at 5 min: ${kills.length - missing.length} of ${kills.length} kills ` +
        `with the kubernetes id (${goneWithinStep.length} gone and ${sharedStep.length} ` +
        `overwritten before the next 5-minute step)\n`,
    );
    assert.deepEqual(missing, [], `all ${kills.length} kills, each with the kubernetes id`);
    const truthRuns = new Set(kills.map(killRun));
    const invented = terminationsOf(backfilled).filter(
      (r) =>
        r.payload.termination.reason === 'OOMKilled' &&
        r.payload.termination.finishedAt >= FROM &&
        !truthRuns.has(terminationRun(r.payload)),
    );
    assert.deepEqual(invented, []);
  });

  it('emits the same termination ids as the kubernetes collector watching the cluster', () => {
    // Both paths see what lies between the window's start and the end of the watch (less the
    // last minute, which the watch may not have delivered yet).
    const both = (t: ContainerTermination) =>
      t.termination.finishedAt >= FROM && t.termination.finishedAt < live.to - MINUTE;
    const fromWatch = terminationsOf(watched).filter((r) => both(r.payload));
    const fromHistory = terminationsOf(backfilled).filter(
      (r) => both(r.payload) && r.payload.termination.finishedAt >= live.from,
    );
    const watchedIds = new Set(fromWatch.map((r) => r.id));
    const historyIds = new Set(terminationsOf(backfilled).map((r) => r.id));
    const kills = fromWatch.filter((r) => r.payload.termination.reason === 'OOMKilled');
    process.stderr.write(
      `beside the watch: ${kills.length} kills watched, ${fromHistory.length} terminations ` +
        `backfilled in ${Math.round((live.to - live.from) / MINUTE)} watched minutes\n`,
    );
    assert.ok(
      kills.length >= 5 && fromHistory.length >= 5,
      `${kills.length} kills watched, ${fromHistory.length} terminations backfilled`,
    );
    assert.deepEqual(
      kills.filter((r) => !historyIds.has(r.id)).map((r) => r.payload),
      [],
      'every kill the watch saw is in the history with its id',
    );
    assert.deepEqual(
      fromHistory.filter((r) => !watchedIds.has(r.id)).map((r) => r.payload),
      [],
      'every termination of the history is one the watch saw, under the same id',
    );
  });
});
