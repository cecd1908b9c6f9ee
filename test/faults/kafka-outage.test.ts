// Kafka goes down for a while during collection and comes back: the kubernetes collector keeps
// watching, the publisher holds and retries, and every record it accepted ends up on Kafka —
// including every OOM kill of the simulated window.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import type { KafkaBus } from '../../bus/kafka.js';
import type { AnyEnvelope } from '../../core/envelope.js';
import { ClientNodeKubeApi, loadKubeConfig } from '../../collectors/kubernetes/api.js';
import { KubernetesCollector, kubernetesDefaults } from '../../collectors/kubernetes/collector.js';
import { Publisher, type RecordSink } from '../../collectors/publisher.js';
import { waitFor } from '../support/wait.js';
import { startSimulator, type RunningSimulator } from '../../simulator/index.js';
import {
  apiSecond,
  freshKafkaBus,
  logger,
  quietTelemetry,
  readAll,
} from '../collectors/support.js';
import { requireServices } from '../support/services.js';

const run = promisify(execFile);
const script = fileURLToPath(new URL('../../scripts/services.sh', import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Kafka outage during collection', () => {
  let sim: RunningSimulator;
  let bus: KafkaBus;
  const emitted = new Set<string>();
  let onKafka: AnyEnvelope[] = [];
  const window = { from: 0, to: 0 };
  let retries = 0;
  /** Most records the publisher held while Kafka was down. */
  let heldBack = 0;

  before(async () => {
    await requireServices('kafka');
    sim = await startSimulator({ scenario: 'oom-loops', seed: 2, speed: 60, tickMs: 200, port: 0 });
    const telemetry = quietTelemetry();
    bus = freshKafkaBus('outage', telemetry);
    await bus.start();
    const publisher = new Publisher(bus, {
      telemetry,
      logger,
      maxBuffered: 5_000,
      maxRetryDelayMs: 5_000,
    });
    await publisher.start();
    // Records the collector handed over, as the publisher accepted them.
    const sink: RecordSink = {
      emit: async (records) => {
        await publisher.emit(records);
        for (const r of records) emitted.add(r.id);
      },
      onDelivered: (listener) => publisher.onDelivered(listener),
      flush: (timeoutMs) => publisher.flush(timeoutMs),
    };
    const api = new ClientNodeKubeApi(loadKubeConfig({ server: sim.url }));
    const collector = new KubernetesCollector(api, kubernetesDefaults, {
      publisher: sink,
      telemetry,
      logger,
      cluster: 'sim',
    });
    window.from = sim.clock.now();
    await collector.start();
    // Records flowing before the outage.
    await waitFor(
      () => emitted.size,
      (n) => n >= 100,
      { what: 'the collector emitting before the outage', timeoutMs: 60_000, intervalMs: 200 },
    );
    await run('bash', [script, 'down', 'kafka'], { timeout: 120_000 });
    const probe = setInterval(() => (heldBack = Math.max(heldBack, publisher.pending)), 250);
    try {
      // The outage itself: 30 s of collection with no broker, long enough for retries to back off.
      await sleep(30_000);
    } finally {
      clearInterval(probe);
      await run('bash', [script, 'up', 'kafka'], { timeout: 300_000 });
    }
    // Collection goes on after the outage; the backlog is delivered while it does.
    const atRecovery = emitted.size;
    await waitFor(
      () => ({ pending: publisher.pending, emitted: emitted.size }),
      (s) => s.pending === 0 && s.emitted > atRecovery,
      {
        what: 'the backlog delivered and new records after the outage',
        timeoutMs: 180_000,
        intervalMs: 250,
      },
    );
    window.to = sim.clock.now();
    await collector.stop();
    assert.equal(await publisher.flush(180_000), true, 'the backlog drains once Kafka is back');
    retries = (
      await telemetry.registry.getSingleMetricAsString('plimsoll_collector_publisher_retries_total')
    )
      .split('\n')
      .filter((l) => l.startsWith('plimsoll_collector_publisher_retries_total'))
      .reduce((sum, l) => sum + Number(l.split(' ')[1]), 0);
    await publisher.stop();
    onKafka = await readAll(bus, emitted.size, 120_000);
  });

  after(async () => {
    await bus?.stop();
    await sim?.close();
  });

  it('loses no record the collector emitted', () => {
    // The producer either fails (and the publisher retries) or blocks: records wait either way.
    assert.ok(retries > 0 || heldBack > 0, 'records were held back while Kafka was down');
    const ids = new Set(onKafka.map((r) => r.id));
    const lost = [...emitted].filter((id) => !ids.has(id));
    assert.deepEqual(lost, []);
  });

  it('has every OOM kill of the window on Kafka', () => {
    const truth = sim.groundTruth({ from: window.from, to: window.to - 6 * 60_000 });
    const kills = [
      ...truth.oomLoops.flatMap((l) => l.kills),
      ...truth.singleOoms.map((s) => s.kill),
    ];
    assert.ok(kills.length > 0, 'the window has kills');
    const published = new Set(
      onKafka
        .filter((r) => r.kind === 'container_termination')
        .map((r) => {
          const t = r.payload as {
            podUid: string;
            container: string;
            termination: { finishedAt: number };
          };
          return `${t.podUid}/${t.container}/${t.termination.finishedAt}`;
        }),
    );
    const missing = kills.filter(
      (k) => !published.has(`${k.podUid}/${k.container}/${apiSecond(k.at)}`),
    );
    assert.deepEqual(missing, []);
  });
});
