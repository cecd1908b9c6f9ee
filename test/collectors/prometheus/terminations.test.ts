// Terminations read back from kube-state-metrics history: with `last_terminated_timestamp` each
// kill keeps its real finish time and the run number the kubernetes collector gives it (so both
// paths build one id), including kills that lived in the data for less than a step; without it,
// restart counts are the fallback; v1 names and series without a uid label still work.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ContainerTermination } from '../../../core/domain.js';
import { envelope } from '../../../core/envelope.js';
import { containerTerminations, mapPod } from '../../../collectors/formats/kube-objects.js';
import {
  newChunkState,
  type ChunkInput,
  type PodMeta,
} from '../../../collectors/prometheus/history.js';
import { terminations } from '../../../collectors/prometheus/terminations.js';
import { FakePrometheus, type RawSeries } from './fake-prometheus.js';

const MINUTE = 60_000;
const T0 = Date.UTC(2025, 0, 6, 12);
const STEP = 5 * MINUTE;
const SCRAPE = 30_000;
const UID = '0b5c8a51-3c7e-4a0e-9d43-7f1e2a6b9c10';

interface Kill {
  at: number;
  reason: string;
  exitCode: number;
}

interface ContainerHistory {
  from: number;
  /** The pod is deleted: no scrape shows it from here on. */
  to: number;
  kills: Kill[];
  /** kube-state-metrics exports last_terminated_timestamp (v2). */
  timestamps?: boolean;
  /** Restart counter name (v1: kube_pod_container_status_restarts). */
  restartsName?: string;
  /** Series carry the pod uid (v2). */
  uid?: boolean;
  /** v1 style: every reason exported with 0/1 instead of only the current one with 1. */
  allReasons?: boolean;
  extraLabels?: Record<string, string>;
}

/** What kube-state-metrics exports, scrape by scrape, for one container of pod shop/api-0. */
function scrapes(h: ContainerHistory): RawSeries[] {
  const labels = {
    job: 'kube-state-metrics',
    namespace: 'shop',
    pod: 'api-0',
    container: 'api',
    ...(h.uid !== false && { uid: UID }),
    ...h.extraLabels,
  };
  const restarts: [number, number][] = [];
  const finished: [number, number][] = [];
  const exitCodes: [number, number][] = [];
  const reasons = new Map<string, [number, number][]>();
  const reasonNames = [
    ...new Set(['OOMKilled', 'Error', 'Completed', ...h.kills.map((k) => k.reason)]),
  ];
  for (let t = Math.ceil(h.from / SCRAPE) * SCRAPE; t < h.to; t += SCRAPE) {
    const ended = h.kills.filter((k) => k.at <= t);
    restarts.push([t, ended.length]);
    const last = ended.at(-1);
    if (!last) continue;
    finished.push([t, Math.floor(last.at / 1000)]);
    exitCodes.push([t, last.exitCode]);
    for (const reason of reasonNames) {
      if (reason !== last.reason && !h.allReasons) continue;
      const list = reasons.get(reason) ?? [];
      list.push([t, reason === last.reason ? 1 : 0]);
      reasons.set(reason, list);
    }
  }
  const name = (n: string) => ({ ...labels, __name__: n });
  return [
    {
      labels: name(h.restartsName ?? 'kube_pod_container_status_restarts_total'),
      samples: restarts,
    },
    ...(h.timestamps === false
      ? []
      : [
          {
            labels: name('kube_pod_container_status_last_terminated_timestamp'),
            samples: finished,
          },
        ]),
    { labels: name('kube_pod_container_status_last_terminated_exitcode'), samples: exitCodes },
    ...[...reasons].map(([reason, samples]) => ({
      labels: { ...name('kube_pod_container_status_last_terminated_reason'), reason },
      samples,
    })),
  ];
}

const PODS = new Map<string, PodMeta>([
  [
    'shop/api-0',
    {
      uid: UID,
      node: 'node-a',
      workload: { namespace: 'shop', kind: 'StatefulSet', name: 'api' },
      labels: {},
      requests: new Map([['api', { memoryBytes: 256 * 2 ** 20 }]]),
      limits: new Map([['api', { memoryBytes: 512 * 2 ** 20 }]]),
    },
  ],
]);

function chunk(
  client: FakePrometheus,
  from: number,
  to: number,
  state = newChunkState(),
  historyFrom = from,
): ChunkInput {
  return {
    client,
    cluster: 'c1',
    from,
    to,
    stepMs: STEP,
    rateWindow: '600s',
    historyFrom,
    state,
  };
}

const summary = (t: ContainerTermination) => ({
  run: t.restartCount,
  finishedAt: t.termination.finishedAt,
  reason: t.termination.reason,
  exitCode: t.termination.exitCode,
});
const bySummary = (list: ContainerTermination[]) => list.map(summary).sort((a, b) => a.run - b.run);
const second = (ms: number) => Math.floor(ms / 1000) * 1000;
const exact = (kills: Kill[], firstRun = 0) =>
  kills.map((k, i) => ({
    run: firstRun + i,
    finishedAt: second(k.at),
    reason: k.reason,
    exitCode: k.exitCode,
  }));

/** The kubernetes collector's record for kill n: the Pod object as the API serves it after it. */
function kubernetesId(kill: Kill, restartCount: number): string {
  const iso = (ms: number) => new Date(second(ms)).toISOString().replace('.000Z', 'Z');
  const pod = mapPod(
    {
      metadata: { name: 'api-0', namespace: 'shop', uid: UID },
      spec: { nodeName: 'node-a', containers: [{ name: 'api', image: 'shop/api:1' }] },
      status: {
        phase: 'Running',
        containerStatuses: [
          {
            name: 'api',
            restartCount,
            state: { waiting: { reason: 'CrashLoopBackOff' } },
            lastState: {
              terminated: {
                reason: kill.reason,
                exitCode: kill.exitCode,
                startedAt: iso(kill.at - MINUTE),
                finishedAt: iso(kill.at),
              },
            },
          },
        ],
      },
    },
    { cluster: 'c1' },
  );
  assert.ok(pod.ok);
  const [termination] = containerTerminations(pod.value);
  assert.ok(termination);
  return envelope('container_termination', termination, 'collector/kubernetes').id;
}

const KILLS: Kill[] = [
  { at: T0 + 10 * MINUTE + 7_400, reason: 'OOMKilled', exitCode: 137 },
  { at: T0 + 25 * MINUTE + 41_000, reason: 'Error', exitCode: 1 },
  // Three kills within one step (40–45 min), each seen by at least one 30-second scrape.
  { at: T0 + 40 * MINUTE + 3_000, reason: 'OOMKilled', exitCode: 137 },
  { at: T0 + 41 * MINUTE + 50_000, reason: 'OOMKilled', exitCode: 2 },
  { at: T0 + 43 * MINUTE + 1_000, reason: 'OOMKilled', exitCode: 137 },
];

describe('prometheus terminations with last_terminated_timestamp', () => {
  it('keeps each kill’s finish time and run number, so the id is the kubernetes collector’s', async () => {
    const client = new FakePrometheus(
      scrapes({ from: T0 - 30 * MINUTE, to: T0 + 3 * 3_600_000, kills: KILLS }),
    );
    const found = await terminations(chunk(client, T0, T0 + 3_600_000), ['shop'], PODS);
    assert.deepEqual(bySummary(found), exact(KILLS));
    for (const t of found) {
      assert.equal(t.podUid, UID);
      assert.equal(t.node, 'node-a');
      assert.deepEqual(t.workload, { namespace: 'shop', kind: 'StatefulSet', name: 'api' });
      assert.equal(t.limits.memoryBytes, 512 * 2 ** 20);
      assert.equal(
        envelope('container_termination', t, 'collector/prometheus').id,
        kubernetesId(KILLS[t.restartCount]!, t.restartCount + 1),
        `run ${t.restartCount}`,
      );
    }
    // The three kills of one step came from the raw samples of that step: one extra query.
    assert.equal(client.queries.filter((q) => !/^(max|min) by/.test(q)).length, 1);
  });

  it('finds a kill right before the pod is deleted, between two steps', async () => {
    const kill = { at: T0 + 21 * MINUTE + 10_000, reason: 'OOMKilled', exitCode: 137 };
    const client = new FakePrometheus(
      scrapes({ from: T0 - 30 * MINUTE, to: T0 + 22 * MINUTE + 40_000, kills: [kill] }),
    );
    const found = await terminations(chunk(client, T0, T0 + 3_600_000), ['shop'], PODS);
    assert.deepEqual(bySummary(found), exact([kill]));
  });

  it('reports a kill once when the history is read in chunks, also at a chunk boundary', async () => {
    const kills: Kill[] = [
      { at: T0 + 20 * MINUTE, reason: 'OOMKilled', exitCode: 137 },
      { at: T0 + 59 * MINUTE + 50_000, reason: 'OOMKilled', exitCode: 137 },
      { at: T0 + 90 * MINUTE + 1_000, reason: 'OOMKilled', exitCode: 137 },
    ];
    const client = new FakePrometheus(
      scrapes({ from: T0 - 30 * MINUTE, to: T0 + 3 * 3_600_000, kills }),
    );
    const state = newChunkState();
    const found: ContainerTermination[] = [];
    for (let from = T0; from < T0 + 2 * 3_600_000; from += 30 * MINUTE) {
      found.push(
        ...(await terminations(chunk(client, from, from + 30 * MINUTE, state, T0), ['shop'], PODS)),
      );
    }
    assert.deepEqual(bySummary(found), exact(kills));
  });

  it('reports nothing that finished before the history starts', async () => {
    const kills: Kill[] = [
      { at: T0 + 28 * MINUTE, reason: 'OOMKilled', exitCode: 137 },
      { at: T0 + 33 * MINUTE, reason: 'Error', exitCode: 1 },
    ];
    const client = new FakePrometheus(scrapes({ from: T0, to: T0 + 3_600_000, kills }));
    const found = await terminations(
      chunk(client, T0 + 30 * MINUTE, T0 + 3_600_000),
      ['shop'],
      PODS,
    );
    assert.deepEqual(bySummary(found), exact(kills.slice(1), 1));
  });

  it('counts a kill once when two kube-state-metrics replicas export it', async () => {
    const kill = { at: T0 + 12 * MINUTE, reason: 'OOMKilled', exitCode: 137 };
    const history = { from: T0 - 30 * MINUTE, to: T0 + 3_600_000, kills: [kill] };
    const client = new FakePrometheus([
      ...scrapes({ ...history, extraLabels: { instance: '10.0.0.1:8080' } }),
      ...scrapes({ ...history, extraLabels: { instance: '10.0.0.2:8080' } }),
    ]);
    const found = await terminations(chunk(client, T0, T0 + 3_600_000), ['shop'], PODS);
    assert.deepEqual(bySummary(found), exact([kill]));
  });
});

describe('prometheus terminations without last_terminated_timestamp', () => {
  it('falls back to restart counts, timed at the step that shows the restart', async () => {
    const client = new FakePrometheus(
      scrapes({ from: T0 - 30 * MINUTE, to: T0 + 3 * 3_600_000, kills: KILLS, timestamps: false }),
    );
    const found = await terminations(chunk(client, T0, T0 + 3_600_000), ['shop'], PODS);
    const visibleAt = (k: Kill) => Math.ceil(k.at / STEP) * STEP;
    // Each increase is one run; runs ended within one step share that step's reason and code.
    assert.deepEqual(bySummary(found), [
      { run: 0, finishedAt: visibleAt(KILLS[0]!), reason: 'OOMKilled', exitCode: 137 },
      { run: 1, finishedAt: visibleAt(KILLS[1]!), reason: 'Error', exitCode: 1 },
      { run: 2, finishedAt: visibleAt(KILLS[4]!), reason: 'OOMKilled', exitCode: 137 },
      { run: 3, finishedAt: visibleAt(KILLS[4]!), reason: 'OOMKilled', exitCode: 137 },
      { run: 4, finishedAt: visibleAt(KILLS[4]!), reason: 'OOMKilled', exitCode: 137 },
    ]);
    assert.ok(found.every((t) => t.podUid === UID));
  });
});

describe('prometheus terminations from kube-state-metrics v1 names', () => {
  it('reads the v1 restart counter, 0/1 reason series, and the uid from kube_pod_info', async () => {
    const client = new FakePrometheus(
      scrapes({
        from: T0 - 30 * MINUTE,
        to: T0 + 3 * 3_600_000,
        kills: KILLS,
        restartsName: 'kube_pod_container_status_restarts',
        uid: false,
        allReasons: true,
      }),
    );
    const found = await terminations(chunk(client, T0, T0 + 3_600_000), ['shop'], PODS);
    assert.deepEqual(bySummary(found), exact(KILLS));
    assert.ok(
      found.every((t) => t.podUid === UID),
      'uid from kube_pod_info',
    );
    const [first] = found.filter((t) => t.restartCount === 0);
    assert.equal(
      envelope('container_termination', first!, 'collector/prometheus').id,
      kubernetesId(KILLS[0]!, 1),
    );
  });

  it('without any pod uid, names the pod by namespace/name', async () => {
    const client = new FakePrometheus(
      scrapes({ from: T0 - 30 * MINUTE, to: T0 + 3_600_000, kills: KILLS.slice(0, 1), uid: false }),
    );
    const found = await terminations(chunk(client, T0, T0 + 3_600_000), ['shop'], new Map());
    assert.deepEqual(
      found.map((t) => [t.podUid, t.workload]),
      [['shop/api-0', { namespace: 'shop', kind: 'Pod', name: 'api-0' }]],
    );
  });
});
