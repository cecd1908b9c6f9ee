// The prometheus collector against Debian's Prometheus serving a 7-day OpenMetrics export of the
// `mixed` scenario (5-minute step): the backfill finds the kills and the condition transitions
// the history holds, in both directions (nothing missed that the data shows, nothing invented).
import assert from 'node:assert/strict';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { MemoryBus } from '../../../bus/memory.js';
import { DATA_TOPICS, Topics, type AnyEnvelope, type Envelope } from '../../../core/envelope.js';
import { HttpPromClient } from '../../../collectors/prometheus/client.js';
import {
  PrometheusCollector,
  prometheusDefaults,
} from '../../../collectors/prometheus/collector.js';
import { Publisher } from '../../../collectors/publisher.js';
import { createSimulation, groundTruth, type GroundTruth } from '../../../simulator/index.js';
import type { Simulation } from '../../../simulator/model/simulation.js';
import { waitFor } from '../../support/wait.js';
import { logger, quietTelemetry } from '../support.js';

const run = promisify(execFile);
const DAY = 86_400_000;
const STEP = 300_000;
const START = Date.UTC(2025, 0, 6);
const END = START + 7 * DAY;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

describe('prometheus backfill of a 7-day export', () => {
  let dir: string;
  let prometheus: ChildProcess | undefined;
  let sim: Simulation;
  let truth: GroundTruth;
  const records: AnyEnvelope[] = [];
  let rssMb = 0;
  let samples = 0;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'plimsoll-prom-'));
    sim = createSimulation({ scenario: 'mixed', seed: 1, start: START, nodes: 2 });
    truth = groundTruth(sim, { from: START, to: END });
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
    await run(
      'promtool',
      [
        'tsdb',
        'create-blocks-from',
        'openmetrics',
        '--max-block-duration=168h',
        file,
        join(dir, 'tsdb'),
      ],
      {
        maxBuffer: 16 << 20,
      },
    );
    rmSync(file);
    writeFileSync(join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 1m\n');
    const port = await freePort();
    prometheus = spawn(
      '/usr/bin/prometheus',
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'tsdb')}`,
        '--storage.tsdb.retention.time=3650d',
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: 'ignore' },
    );
    const url = `http://127.0.0.1:${port}`;
    await waitFor(
      () =>
        fetch(`${url}/-/ready`).then(
          (r) => r.status,
          () => 0,
        ),
      (status) => status === 200,
      { timeoutMs: 60_000, intervalMs: 250, what: 'Prometheus ready' },
    );

    const telemetry = quietTelemetry();
    const bus = new MemoryBus({ telemetry });
    await bus.start();
    await bus.subscribe({
      group: 'test',
      // Every data topic is consumed: the in-process bus holds publishers back for unread topics.
      topics: DATA_TOPICS,
      handler: (messages) => {
        for (const m of messages) {
          if (m.topic === Topics.samples) samples++;
          else records.push(JSON.parse(m.value.toString('utf8')) as AnyEnvelope);
        }
        return Promise.resolve();
      },
    });
    const publisher = new Publisher(bus, { telemetry, logger });
    await publisher.start();
    const collector = new PrometheusCollector(
      new HttpPromClient(url),
      { ...prometheusDefaults, stepMs: STEP, chunkMs: 12 * 3_600_000, follow: false, lagMs: 0 },
      { publisher, telemetry, logger, cluster: 'sim' },
      () => END,
    );
    await collector.start();
    await collector.whenBackfilled();
    await publisher.flush();
    rssMb = Math.round(process.memoryUsage().rss / 1e6);
    await collector.stop();
    await publisher.stop();
    await bus.stop();
  });

  after(() => {
    prometheus?.kill('SIGTERM');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const ofKind = <K extends AnyEnvelope['kind']>(kind: K) =>
    records.filter((r) => r.kind === kind) as Envelope<K>[];

  it('reports the OOM kills of the week, each with its restart, and none that did not happen', () => {
    const kills = [
      ...truth.oomLoops.flatMap((l) => l.kills),
      ...truth.singleOoms.map((s) => s.kill),
      ...truth.systemOoms,
    ];
    const terminations = ofKind('container_termination').map((r) => r.payload);
    // Restart counts identify runs: the kill whose pod shows restartCount n ended run n - 1.
    const key = (podUid: string, container: string, run: number) => `${podUid}/${container}/${run}`;
    const found = new Set(terminations.map((t) => key(t.podUid, t.container, t.restartCount)));
    const missing = kills.filter((k) => !found.has(key(k.podUid, k.container, k.restartCount - 1)));
    // A kill right before its pod was replaced never shows as a restart in a 5-minute history.
    const replacedSoonAfter = missing.filter(
      (k) => !sim.podsAt(k.at + STEP).some((v) => v.pod.uid === k.podUid),
    );
    assert.deepEqual(
      missing.filter((k) => !replacedSoonAfter.includes(k)),
      [],
      'every visible kill found',
    );
    assert.ok(
      kills.length > 1000 && missing.length < kills.length * 0.005,
      `${missing.length} of ${kills.length} missing`,
    );
    const truthKeys = new Set(kills.map((k) => key(k.podUid, k.container, k.restartCount - 1)));
    const invented = terminations.filter(
      (t) =>
        t.termination.reason === 'OOMKilled' &&
        !truthKeys.has(key(t.podUid, t.container, t.restartCount)),
    );
    assert.deepEqual(invented, []);
    // Loop kills carry what the OOM-loop analyzer needs: the workload and the memory limit.
    const byKey = new Map(terminations.map((t) => [key(t.podUid, t.container, t.restartCount), t]));
    for (const loop of truth.oomLoops) {
      for (const kill of loop.kills.slice(0, 20)) {
        const t = byKey.get(key(kill.podUid, kill.container, kill.restartCount - 1));
        if (!t) continue;
        assert.deepEqual(t.workload, loop.workload);
        assert.equal(t.limits.memoryBytes, loop.limitBytes);
      }
    }
  });

  it('reports every condition change the 5-minute history shows', () => {
    const transitions = ofKind('node_transition').map((r) => r.payload);
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
    assert.ok(samples > 100_000, `usage history was backfilled too (${samples} samples)`);
  });
});
