// The runner keeps findings in step with the data: same data, same findings; a cleared
// condition resolves its finding; a problem seen again keeps its first sighting.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ContainerTermination } from '../../core/domain.js';
import { envelope, type AnyEnvelope } from '../../core/envelope.js';
import { createAnalyzers } from '../../analyzers/index.js';
import { AnalyzerRunner } from '../../analyzers/runner.js';
import { MemoryStore } from '../../store/memory.js';

const MI = 1024 * 1024;
const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.UTC(2025, 0, 6);
const CLUSTER = 'test';

function kill(at: number, i: number): AnyEnvelope {
  const t: ContainerTermination = {
    cluster: CLUSTER,
    namespace: 'shop',
    pod: 'pricing-1',
    podUid: 'uid-1',
    node: 'node-1',
    workload: { namespace: 'shop', kind: 'Deployment', name: 'pricing' },
    container: 'app',
    termination: { reason: 'OOMKilled', exitCode: 137, startedAt: at - 30_000, finishedAt: at },
    restartCount: i,
    requests: {},
    limits: { memoryBytes: 512 * MI },
  };
  return envelope('container_termination', t, 'test', at);
}

async function setup() {
  const store = new MemoryStore();
  await store.write([0, 1, 2].map((i) => kill(T0 + i * 5 * MIN, i)));
  const runner = new AnalyzerRunner({
    cluster: CLUSTER,
    analyzers: createAnalyzers(),
    reader: store,
    findings: store,
  });
  return { store, runner };
}

const all = async (store: MemoryStore) =>
  (await store.findings({ cluster: CLUSTER, limit: 1000 })).items;

describe('analyzer runner', () => {
  it('leaves the finding count unchanged when re-run over the same data', async () => {
    const { store, runner } = await setup();
    await runner.run({ now: T0 + HOUR });
    const first = await all(store);
    await runner.run({ now: T0 + HOUR });
    await runner.run({ now: T0 + 2 * HOUR });
    const again = await all(store);
    assert.equal(first.length, 1);
    assert.deepEqual(
      again.map((f) => f.id),
      first.map((f) => f.id),
    );
    assert.equal(again[0]?.status, 'open');
    assert.equal(again[0]?.firstSeen, T0);
  });

  it('resolves a loop once its kills age out of the window', async () => {
    const { store, runner } = await setup();
    await runner.run({ now: T0 + HOUR });
    const report = await runner.run({ now: T0 + 2 * 24 * HOUR });
    const [finding] = await all(store);
    assert.equal(finding?.status, 'resolved');
    assert.equal(finding?.resolvedAt, T0 + 2 * 24 * HOUR);
    assert.equal(report.outcomes.find((o) => o.analyzer === 'oom-loop')?.resolved, 1);
  });

  it('keeps one finding, with its first sighting, while the loop continues', async () => {
    const { store, runner } = await setup();
    await runner.run({ now: T0 + HOUR });
    await store.write([3, 4, 5].map((i) => kill(T0 + 20 * HOUR + i * 5 * MIN, i)));
    await runner.run({ now: T0 + 21 * HOUR });
    const findings = await all(store);
    assert.equal(findings.length, 1);
    assert.equal(findings[0]?.firstSeen, T0);
  });

  it('wakes only the analyzers whose inputs arrived', async () => {
    const { runner } = await setup();
    assert.deepEqual(runner.triggered([kill(T0, 9)]), ['oom-loop']);
    assert.deepEqual(runner.triggered([]), []);
  });

  it('keeps running when an analyzer fails, and says so in its health', async () => {
    const store = new MemoryStore();
    const runner = new AnalyzerRunner({
      cluster: CLUSTER,
      analyzers: [
        {
          name: 'broken',
          kinds: ['oom_loop'],
          windowMs: HOUR,
          analyze: () => Promise.reject(new Error('boom')),
        },
        ...createAnalyzers(),
      ],
      reader: store,
      findings: store,
    });
    await runner.start();
    const report = await runner.run({ now: T0 });
    const [broken, ...others] = report.outcomes;
    assert.equal(broken?.ok, false);
    assert.ok(others.length > 0 && others.every((o) => o.ok), 'the other analyzers still ran');
    assert.match(String(runner.health().detail), /broken \(boom\)/);
    await runner.stop();
  });

  it('judges late evidence in data time: a past loop opens and resolves at its own times', async () => {
    const store = new MemoryStore();
    // A backfill delivers a loop that ran days before the clock's "now".
    const now = T0 + 10 * 24 * HOUR;
    const runs: number[] = [];
    const runner = new AnalyzerRunner({
      cluster: CLUSTER,
      analyzers: createAnalyzers(),
      reader: store,
      findings: store,
      clock: () => now,
      intervalMs: 24 * HOUR,
      onRun: (report) => {
        runs.push(report.now);
        return Promise.resolve();
      },
    });
    await runner.start();
    const kills = [0, 1, 2].map((i) => kill(T0 + i * 5 * MIN, i));
    await store.write(kills);
    runner.notify(kills);
    await runner.flush();
    assert.equal((await all(store))[0]?.status, 'open', 'open while the backfill is at the kills');
    // Later chunks bring only usage: the loop ends in data time, 24 h after its last kill.
    for (let day = 1; day <= 3; day++) {
      const sample = envelope(
        'usage_sample',
        {
          cluster: CLUSTER,
          metric: 'node_memory_working_set_bytes',
          timestamp: T0 + day * 24 * HOUR,
          value: 1,
          node: 'node-1',
        },
        'test',
      );
      await store.write([sample]);
      runner.notify([sample]);
      await runner.flush();
    }
    await runner.stop();
    const [finding] = await all(store);
    assert.equal(finding?.firstSeen, T0, 'opened at the first kill, not at the clock');
    assert.equal(finding?.status, 'resolved');
    assert.ok(
      finding.resolvedAt !== undefined &&
        finding.resolvedAt > T0 + 24 * HOUR &&
        finding.resolvedAt <= T0 + 25 * HOUR + 10 * MIN,
      `resolved in data time, when the loop aged out (${finding.resolvedAt})`,
    );
    assert.ok(runs.includes(T0 + 10 * MIN), 'a run at the newest kill');
    // Besides the run at start (the present), never past the data.
    assert.ok(runs.every((t) => t <= T0 + 3 * 24 * HOUR || t === now));
    assert.equal(runs.filter((t) => t === now).length, 1);
  });
});
