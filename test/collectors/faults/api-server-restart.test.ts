// The API server restarts twice while the kubernetes and logs collectors run: its listener goes
// away (watches and log follows drop, connections are refused for a few seconds) and comes back on
// the same port — once with its watch history intact (watches resume from their resourceVersion),
// once with it compacted (410 Gone, re-list). The collectors count and log the outage once, turn
// not-ready and ready again, emit every node transition and OOM kill the API shows (those of the
// outage once they can see them), nothing twice, and the logs collector follows on without losing
// or repeating a line.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LogLine, NodeTransition } from '../../../core/domain.js';
import type { AnyEnvelope } from '../../../core/envelope.js';
import { parseRfc3339 } from '../../../collectors/formats/time.js';
import { ClientNodeKubeApi, loadKubeConfig } from '../../../collectors/kubernetes/api.js';
import {
  KubernetesCollector,
  kubernetesDefaults,
} from '../../../collectors/kubernetes/collector.js';
import { LogsCollector, logsDefaults } from '../../../collectors/logs/collector.js';
import {
  createSimulation,
  groundTruth,
  startSimulator,
  type RunningSimulator,
  type Simulation,
} from '../../../simulator/index.js';
import type { NodeModel } from '../../../simulator/model/types.js';
import { waitFor } from '../../support/wait.js';
import { apiSecond } from '../support.js';
import { duplicateIds, startHarness, type Harness } from './support.js';

const DAY = 86_400_000;
const MINUTE = 60_000;
const START = Date.UTC(2025, 0, 6);
const DOWN_MS = 4_000;
const LOG_NAMESPACE = 'search';

/** Virtual time from the server going down until the collector had caught up again. */
interface Blind {
  readonly from: number;
  readonly to: number;
}

interface Outage extends Blind {
  readonly kubernetesNotReady: boolean;
  readonly logsNotReady: boolean;
  /** Real seconds the server was down, and from its return until both collectors were ready. */
  readonly secondsDown: number;
  readonly secondsToReady: number;
}

/** Status changes of a node's conditions in (from, to), as transitions at API precision. */
function statusChanges(
  sim: Simulation,
  node: NodeModel,
  from: number,
  to: number,
): NodeTransition[] {
  const status = new Map<string, NodeTransition['to']>(
    sim.nodes.conditionsAt(node, from).map((c) => [c.type, c.status]),
  );
  const out: NodeTransition[] = [];
  for (const c of sim.nodes.changesBetween(node, from + 1, to)) {
    const was = status.get(c.condition);
    if (was === c.status) continue;
    out.push({
      cluster: 'sim',
      node: node.name,
      condition: c.condition,
      from: was ?? 'Absent',
      to: c.status,
      at: apiSecond(c.at),
      reason: c.reason,
    });
    status.set(c.condition, c.status);
  }
  return out;
}

describe('collectors across an API server restart', () => {
  let sim: RunningSimulator;
  let harness: Harness;
  const window = { from: 0, to: 0 };
  const outages: Outage[] = [];
  let relists = 0;
  let watchRestarts = 0;

  before(async () => {
    // The clock runs at real speed and is stepped forward explicitly, so that each outage spans
    // known changes of a flapping node: the first hides MemoryPressure=True turning Unknown (the
    // kubelet stopped posting), the second Ready turning True again and the next
    // MemoryPressure=True. The OOM loops kill meanwhile as they always do.
    const plan = createSimulation({ scenario: 'mixed', seed: 1, start: START, nodes: 3 });
    const flapping = groundTruth(plan, { from: START, to: START + 7 * DAY }).flappingNodes[0]!;
    const episode = flapping.episodes.find((e) => e.from > START + DAY)!;
    const node = plan.model.nodes.find((n) => n.name === flapping.node)!;
    const changes = statusChanges(plan, node, episode.from, episode.to);
    const [pressure1, pressure2] = changes.filter(
      (c) => c.condition === 'MemoryPressure' && c.to === 'True',
    );
    const nextChange = (t: number) => changes.find((c) => c.at > t)!.at;
    const unknown = nextChange(pressure1!.at);
    const notReady = nextChange(unknown);
    const origin = pressure1!.at - MINUTE;
    sim = await startSimulator({
      scenario: 'mixed',
      seed: 1,
      start: START,
      nodes: 3,
      speed: 1,
      tickMs: 100,
      port: 0,
      historyDays: (origin - START) / DAY,
    });
    harness = await startHarness();
    const api = new ClientNodeKubeApi(loadKubeConfig({ server: sim.url }));
    const deps = {
      publisher: harness.publisher,
      telemetry: harness.telemetry,
      logger: harness.logger,
      cluster: 'sim',
    };
    const kubernetes = new KubernetesCollector(api, kubernetesDefaults, deps);
    const logs = new LogsCollector(
      api,
      {
        ...logsDefaults,
        mode: 'all',
        ratePerSecond: 1_000_000,
        burst: 1_000_000,
        discoveryIntervalMs: 1_000,
        namespaces: [LOG_NAMESPACE],
      },
      deps,
    );

    /** Moves virtual time to `target` in ticked steps, so every change is its own watch event. */
    const stepTo = async (target: number, stepMs = 10_000) => {
      while (sim.clock.now() < target) {
        sim.clock.advance(Math.min(stepMs, target - sim.clock.now()));
        sim.tick();
        await sleep(25);
      }
    };

    const outage = async (until: number, compact: boolean): Promise<Outage> => {
      const from = sim.clock.now();
      const downAt = Date.now();
      await sim.stopListening();
      const notReady = async (probe: () => boolean) =>
        waitFor(probe, (ready) => !ready, { timeoutMs: DOWN_MS - 500, intervalMs: 50 })
          .then(() => true)
          .catch(() => false);
      const [kubernetesNotReady, logsNotReady] = await Promise.all([
        notReady(() => kubernetes.health().ready),
        notReady(() => logs.health().ready),
        // Condition changes are at least 20 s apart: each step still shows at most one.
        stepTo(until, 20_000),
      ]);
      await sleep(Math.max(0, DOWN_MS - (Date.now() - downAt)));
      // A new API server's watch cache starts at the current revision: older ones are gone.
      if (compact) sim.expireWatches();
      await sim.listen();
      const backAt = Date.now();
      const secondsDown = (backAt - downAt) / 1000;
      await waitFor(
        () => ({ kubernetes: kubernetes.health(), logs: logs.health() }),
        (health) => health.kubernetes.ready && health.logs.ready,
        { timeoutMs: 30_000, intervalMs: 50, what: 'both collectors ready again' },
      );
      const secondsToReady = (Date.now() - backAt) / 1000;
      // The worker may still be turning the replayed changes into records.
      await sleep(500);
      return {
        from,
        to: sim.clock.now(),
        kubernetesNotReady,
        logsNotReady,
        secondsDown,
        secondsToReady,
      };
    };

    window.from = sim.clock.now();
    await kubernetes.start();
    await logs.start();
    await waitFor(
      () => kubernetes.health().ready && logs.following > 0,
      (ok) => ok,
      { what: 'the collectors listed, watching and following', timeoutMs: 20_000 },
    );
    await stepTo(pressure1!.at + 20_000);
    await sleep(1_000);
    outages.push(await outage(unknown + 10_000, false));
    await stepTo(notReady + 10_000);
    await sleep(1_000);
    outages.push(await outage(pressure2!.at + 20_000, true));
    await stepTo(nextChange(pressure2!.at) + 10_000);
    // Long enough after the outage for the kills it hid to show, once their containers restart.
    await stepTo(sim.clock.now() + 8 * MINUTE);
    await sleep(2_000);
    window.to = sim.clock.now();
    await Promise.all([kubernetes.stop(), logs.stop()]);
    assert.equal(await harness.publisher.flush(30_000), true, 'everything emitted was delivered');
    relists = await harness.metric('plimsoll_collector_relists_total', {
      collector: 'kubernetes',
    });
    watchRestarts = await harness.metric('plimsoll_collector_watch_restarts_total', {
      collector: 'kubernetes',
    });
  });

  after(async () => {
    await harness?.stop();
    await sim?.close();
  });

  const records = (kind: AnyEnvelope['kind']) => harness.of(kind);
  const blindAt = (at: number) => outages.find((o) => at >= o.from && at <= o.to);

  it('counts the outage, logs it once, and goes not-ready then ready again', async (t) => {
    for (const [i, o] of outages.entries()) {
      t.diagnostic(
        `outage ${i + 1}: down ${o.secondsDown} s, both collectors ready ${o.secondsToReady} s after`,
      );
      assert.ok(o.kubernetesNotReady, `outage ${i + 1}: kubernetes collector not ready`);
      assert.ok(o.logsNotReady, `outage ${i + 1}: logs collector not ready`);
      // Watch restarts back off from 1 s, doubling: the wait after the server's return is about
      // as long as it was down — not the 30 s cap a backoff that never resets would reach.
      assert.ok(
        o.secondsToReady <= 1.5 * o.secondsDown + 3,
        `outage ${i + 1}: down ${o.secondsDown} s, ready ${o.secondsToReady} s after`,
      );
    }
    assert.ok(watchRestarts >= 2 * 3, `watch restarts counted: ${watchRestarts}`);
    assert.ok(relists >= 1, `the compacted watch history made them re-list: ${relists}`);
    for (const collector of ['kubernetes', 'logs']) {
      const unavailable = await harness.metric('plimsoll_collector_errors_total', {
        collector,
        error_type: 'unavailable',
      });
      assert.ok(unavailable >= 2, `${collector}: refused connections counted (${unavailable})`);
      const logged = harness.warnings({ collector });
      // First occurrence of each (error type, stage) only: the outages are minutes apart at most.
      const kinds = new Set(logged.map((l) => `${String(l.errorType)}/${String(l.stage)}`));
      assert.equal(logged.length, kinds.size, `${collector}: ${JSON.stringify(logged)}`);
      assert.ok(logged.length >= 1 && logged.length <= 3, `${collector}: logged once`);
    }
  });

  it('emits every node transition the API shows, none twice, none invented', (t) => {
    const published = records('node_transition').map((r) => r.payload as NodeTransition);
    assert.deepEqual(duplicateIds(records('node_transition')), [], 'transition ids are unique');
    // The clock stood still at the end but for real seconds: the last change had time to arrive.
    const checkedTo = window.to - 5_000;
    let checked = 0;
    let inOutage = 0;
    for (const node of sim.simulation.model.nodes) {
      const changes = statusChanges(sim.simulation, node, window.from, checkedTo);
      const isPublished = (t: NodeTransition) =>
        published.some(
          (p) => p.node === t.node && p.condition === t.condition && p.to === t.to && p.at === t.at,
        );
      for (const change of changes) {
        const blind = blindAt(change.at);
        if (blind) {
          // While blind only the net change is visible: the last of its condition, if it
          // left the condition other than the outage found it.
          const sameCondition = changes.filter(
            (c) => c.condition === change.condition && c.at >= blind.from && c.at <= blind.to,
          );
          const last = sameCondition[sameCondition.length - 1];
          const before = changes.filter(
            (c) => c.condition === change.condition && c.at < blind.from,
          );
          const startedAs = before[before.length - 1]?.to ?? sameCondition[0]!.from;
          if (last !== change || change.to === startedAs) continue;
          inOutage++;
        }
        assert.ok(
          isPublished(change),
          `${node.name} ${change.condition} → ${change.to} at ${new Date(change.at).toISOString()}`,
        );
        checked++;
      }
      // Every published transition happened, and they chain: each starts where the last ended.
      const byCondition = new Map<string, NodeTransition[]>();
      for (const p of published.filter((t) => t.node === node.name)) {
        byCondition.set(p.condition, [...(byCondition.get(p.condition) ?? []), p]);
      }
      for (const [condition, list] of byCondition) {
        list.sort((a, b) => a.at - b.at);
        for (const [i, p] of list.entries()) {
          if (i > 0) {
            assert.equal(p.from, list[i - 1]!.to, `${node.name} ${condition} chains at ${p.at}`);
          }
          if (p.from === 'Absent' || p.at < window.from || p.at >= checkedTo) continue;
          assert.ok(
            changes.some((c) => c.condition === condition && c.to === p.to && c.at === p.at),
            `${node.name} ${condition} → ${p.to} at ${new Date(p.at).toISOString()} happened`,
          );
        }
      }
    }
    t.diagnostic(`${checked} transitions checked, ${inOutage} of them hidden by an outage`);
    assert.ok(checked >= 4, `the window has transitions to check (${checked})`);
    assert.ok(inOutage >= 1, `some of them happened while the server was down (${inOutage})`);
  });

  it('emits every OOM kill the API shows, none twice, none invented', (t) => {
    const terminations = records('container_termination');
    assert.deepEqual(duplicateIds(terminations), [], 'termination ids are unique');
    const payloads = terminations.map(
      (r) => r.payload as Extract<AnyEnvelope, { kind: 'container_termination' }>['payload'],
    );
    const key = (podUid: string, container: string, at: number) =>
      `${podUid}/${container}/${apiSecond(at)}`;
    const published = payloads.map((t) => key(t.podUid, t.container, t.termination.finishedAt));
    assert.equal(new Set(published).size, published.length, 'no run ended twice');
    // Kills of the last minutes may not be visible yet (the container is still in back-off).
    const truth = sim.groundTruth({ from: window.from, to: window.to - 6 * MINUTE });
    const kills = [
      ...truth.oomLoops.flatMap((l) => l.kills),
      ...truth.singleOoms.map((s) => s.kill),
      ...truth.systemOoms,
    ];
    let checked = 0;
    let inOutage = 0;
    for (const kill of kills) {
      const blind = blindAt(kill.at);
      if (blind) {
        // The API keeps a container's last termination only.
        const later = kills.some(
          (k) =>
            k.podUid === kill.podUid &&
            k.container === kill.container &&
            k.at > kill.at &&
            k.at <= blind.to,
        );
        if (later) continue;
        inOutage++;
      }
      assert.ok(
        published.includes(key(kill.podUid, kill.container, kill.at)),
        `${kill.namespace}/${kill.pod} ${kill.container} killed at ${new Date(kill.at).toISOString()}`,
      );
      checked++;
    }
    t.diagnostic(`${checked} kills checked, ${inOutage} of them hidden by an outage`);
    assert.ok(checked >= 3, `the window has kills to check (${checked})`);
    assert.ok(inOutage >= 1, `some of them happened while the server was down (${inOutage})`);
    const truthKeys = new Set(
      sim
        .groundTruth({ from: window.from - 10 * MINUTE, to: window.to })
        .oomLoops.flatMap((l) => l.kills)
        .concat(
          sim.groundTruth({ from: window.from - 10 * MINUTE, to: window.to }).systemOoms,
          sim
            .groundTruth({ from: window.from - 10 * MINUTE, to: window.to })
            .singleOoms.map((s) => s.kill),
        )
        .map((k) => key(k.podUid, k.container, k.at)),
    );
    const invented = payloads.filter(
      (t) =>
        t.termination.reason === 'OOMKilled' &&
        t.termination.finishedAt >= window.from &&
        !truthKeys.has(key(t.podUid, t.container, t.termination.finishedAt)),
    );
    assert.deepEqual(invented, [], 'every OOMKilled termination happened');
  });

  it('emits every Event count once', () => {
    const events = records('kube_event');
    assert.ok(events.length > 0, 'events were published');
    assert.deepEqual(duplicateIds(events), [], 'event ids are unique');
  });

  it('follows container logs across both restarts without losing or repeating a line', async (t) => {
    const lines = records('log_line');
    assert.deepEqual(duplicateIds(lines), [], 'log line ids are unique');
    interface Shipped {
      timestamp: number;
      nanos: number;
      message: string;
    }
    const byContainer = new Map<string, Shipped[]>();
    for (const r of lines) {
      const payload = r.payload as LogLine;
      const l = { ...payload, nanos: payload.nanos ?? 0 };
      const k = `${l.namespace}/${l.pod}/${l.container}`;
      byContainer.set(k, [...(byContainer.get(k) ?? []), l]);
    }
    const first = outages[0]!;
    const last = outages[outages.length - 1]!;
    const order = (
      a: { timestamp: number; nanos: number },
      b: { timestamp: number; nanos: number },
    ) => a.timestamp - b.timestamp || a.nanos - b.nanos;
    let checked = 0;
    for (const [k, shipped] of byContainer) {
      shipped.sort(order);
      const oldest = shipped[0]!;
      const newest = shipped[shipped.length - 1]!;
      // Followed from before the first outage until after the last.
      if (oldest.timestamp >= first.from || newest.timestamp <= last.to) continue;
      const [namespace, pod, container] = k.split('/') as [string, string, string];
      const since = new Date(apiSecond(oldest.timestamp)).toISOString().replace(/\.\d+Z$/, 'Z');
      const query = new URLSearchParams({ container, timestamps: 'true', sinceTime: since });
      const response = await fetch(
        `${sim.url}/api/v1/namespaces/${namespace}/pods/${pod}/log?${query.toString()}`,
      );
      if (response.status !== 200) continue; // the pod is gone by now
      const expected: { timestamp: number; nanos: number; message: string }[] = [];
      for (const text of (await response.text()).split('\n')) {
        const space = text.indexOf(' ');
        const instant = space > 0 ? parseRfc3339(text.slice(0, space)) : undefined;
        if (!instant) continue;
        const line = {
          timestamp: instant.ms,
          nanos: instant.nanos,
          message: text.slice(space + 1),
        };
        if (order(line, oldest) >= 0 && order(line, newest) <= 0) expected.push(line);
      }
      // A container that restarted since shows another run's log: not this follow's.
      if (expected.length === 0 || order(expected[0]!, oldest) !== 0) continue;
      const asText = (l: { timestamp: number; nanos: number; message: string }) =>
        `${l.timestamp}.${l.nanos} ${l.message}`;
      assert.deepEqual(shipped.map(asText), expected.map(asText), `${k}: every line, once`);
      checked++;
    }
    t.diagnostic(`${checked} containers followed across both outages, ${lines.length} lines`);
    assert.ok(checked >= 1, `containers followed across both outages (${checked})`);
  });

  it('lost nothing the collectors had accepted', async () => {
    for (const [collector, source] of [
      ['kubernetes', 'collector/kubernetes'],
      ['logs', 'collector/logs'],
    ] as const) {
      const emitted = await harness.metric('plimsoll_collector_records_emitted_total', {
        collector,
      });
      const received = harness.received.filter((r) => r.record.source === source).length;
      assert.ok(emitted > 0, `${collector} emitted records`);
      assert.equal(received, emitted, `${collector}: every emitted record reached the bus`);
    }
  });
});
