// gatherReportData on a MemoryStore whose figures are known exactly: two weeks of a small
// cluster (two pools), a replica added at the start of the report week, hourly usage, and
// findings of every kind the report reads.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { DEFAULT_PRICES, monthlyCost } from '../../analyzers/recommendations/prices.js';
import type { Finding } from '../../core/domain.js';
import { reportCharts } from '../../reports/charts.js';
import { gatherReportData, type ReportData } from '../../reports/data.js';
import { increasesTable, savingsTable } from '../../reports/tables.js';
import { weekWindow } from '../../reports/week.js';
import { MemoryStore } from '../../store/memory.js';
import { DAY, finding, GIB, HOUR, MIB, node, pod, samples, type PodSpec } from './records.js';
import { terminationRecord } from '../support/records.js';

const C = 'test';
const W46 = weekWindow('2026-W46');
const W47 = weekWindow('2026-W47');
const BORN = W46.from + 60_000;
const NOW = W47.to + HOUR;

const web1: PodSpec = {
  cluster: C,
  namespace: 'shop',
  kind: 'Deployment',
  workload: 'web',
  name: 'web-1',
  nodeName: 'n1',
  container: 'app',
  requests: { cpuCores: 1, memoryBytes: 2 * GIB },
  limits: { cpuCores: 2, memoryBytes: 4 * GIB },
  createdAt: BORN,
};
// The second replica arrives exactly at the start of the report week.
const web2: PodSpec = { ...web1, name: 'web-2', nodeName: 'n2', createdAt: W47.from };
const cache: PodSpec = {
  cluster: C,
  namespace: 'shop',
  kind: 'StatefulSet',
  workload: 'cache',
  name: 'cache-0',
  nodeName: 'n3',
  container: 'redis',
  requests: { cpuCores: 0.5, memoryBytes: 60 * GIB },
  limits: { memoryBytes: 62 * GIB },
  createdAt: BORN,
};
// Only limits: the API server defaults the requests to them.
const agent: PodSpec = {
  cluster: C,
  namespace: 'ops',
  kind: 'Deployment',
  workload: 'agent',
  name: 'agent-1',
  nodeName: 'n1',
  container: 'agent',
  requests: {},
  limits: { cpuCores: 0.5, memoryBytes: 1 * GIB },
  createdAt: BORN,
};
const pending: PodSpec = {
  ...agent,
  workload: 'batch',
  name: 'batch-1',
  nodeName: undefined,
  phase: 'Pending',
  requests: { cpuCores: 0.25, memoryBytes: 1 * GIB },
  limits: {},
  createdAt: W47.from + DAY,
};
const finished: PodSpec = { ...agent, workload: 'migrate', name: 'migrate-1', phase: 'Succeeded' };

function usage(spec: PodSpec, from: number, to: number, cpu: (i: number) => number, mem: number) {
  return [
    ...samples(spec, 'cpu_usage_cores', from, to, HOUR, cpu),
    ...samples(spec, 'memory_working_set_bytes', from, to, HOUR, () => mem),
  ];
}

const alternating = (i: number) => (i % 2 === 0 ? 0.25 : 0.75);

const recommendation = (id: string, overrides: Partial<Finding> = {}): Finding =>
  finding({
    id,
    kind: 'recommendation',
    category: 'saving',
    severity: 'info',
    subject: {
      type: 'workload_container',
      cluster: C,
      workload: { namespace: 'shop', kind: 'Deployment', name: 'web' },
      container: 'app',
    },
    window: { from: W47.from - 13 * DAY, to: W47.to },
    evidence: {
      current: { requests: { cpuCores: 1, memoryBytes: 2 * GIB }, limits: { cpuCores: 2 } },
      recommended: { requests: { cpuCores: 0.6, memoryBytes: 1.25 * GIB }, limits: {} },
      replicas: 2,
      cpuCoresDelta: -0.8,
      memoryBytesDelta: -1.5 * GIB,
      monthlyCostDelta: -23.11,
      confidence: { level: 'high', score: 1, historyHours: 336, samples: 4032 },
      risksRemoved: [],
      prices: { cpuCoreHour: 0.04, memoryGibHour: 0.005 },
    },
    firstSeen: W46.from,
    lastSeen: W47.to - HOUR,
    ...overrides,
  });

const FINDINGS: Finding[] = [
  recommendation('rec-web'),
  // Applied (resolved) during the week: no longer a saving on offer at its end.
  recommendation('rec-applied', {
    subject: {
      type: 'workload_container',
      cluster: C,
      workload: { namespace: 'ops', kind: 'Deployment', name: 'agent' },
      container: 'agent',
    },
    status: 'resolved',
    resolvedAt: W47.from + 2 * DAY,
  }),
  // Raising the agent's memory request removes its under-request risk, at a cost.
  recommendation('rec-agent-up', {
    category: 'risk',
    subject: {
      type: 'workload_container',
      cluster: C,
      workload: { namespace: 'ops', kind: 'Deployment', name: 'agent' },
      container: 'agent',
    },
    evidence: {
      current: { requests: { cpuCores: 0.5, memoryBytes: 1 * GIB }, limits: {} },
      recommended: { requests: { cpuCores: 0.5, memoryBytes: 1.5 * GIB }, limits: {} },
      replicas: 1,
      cpuCoresDelta: 0,
      memoryBytesDelta: 0.5 * GIB,
      monthlyCostDelta: 2.5,
      risksRemoved: ['under_requested'],
    },
  }),
  // Evidence without the money: the report prices the released capacity itself.
  recommendation('rec-cache', {
    subject: {
      type: 'workload_container',
      cluster: C,
      workload: { namespace: 'shop', kind: 'StatefulSet', name: 'cache' },
      container: 'redis',
    },
    evidence: {
      current: { requests: { cpuCores: 0.5, memoryBytes: 60 * GIB }, limits: {} },
      recommended: { requests: { cpuCores: 0.3, memoryBytes: 44 * GIB }, limits: {} },
      replicas: 1,
      prices: 'not an object',
    },
  }),
  ...[1, 2].map((episode) =>
    finding({
      id: `oom-cache-${episode}`,
      kind: 'oom_loop',
      category: 'slow_leak',
      severity: episode === 2 ? 'critical' : 'warning',
      subject: {
        type: 'workload_container',
        cluster: C,
        workload: { namespace: 'shop', kind: 'StatefulSet', name: 'cache' },
        container: 'redis',
      },
      evidence: { killCount: 3 + episode, limitBytes: 62 * GIB },
      firstSeen: W47.from + episode * DAY,
      lastSeen: W47.from + episode * DAY + 5 * HOUR,
    }),
  ),
  finding({
    id: 'misfit-web-over',
    kind: 'requests_misfit',
    category: 'over_requested',
    subject: {
      type: 'workload_container',
      cluster: C,
      workload: { namespace: 'shop', kind: 'Deployment', name: 'web' },
      container: 'app',
    },
    firstSeen: W47.from,
    lastSeen: W47.to - 1,
  }),
  finding({
    id: 'misfit-agent-under',
    kind: 'requests_misfit',
    category: 'under_requested',
    severity: 'warning',
    subject: {
      type: 'workload_container',
      cluster: C,
      workload: { namespace: 'ops', kind: 'Deployment', name: 'agent' },
      container: 'agent',
    },
    evidence: { memoryP95: 900 * MIB, requests: { memoryBytes: 512 * MIB } },
    firstSeen: W47.from,
    lastSeen: W47.to - 2,
  }),
  finding({
    id: 'flap-n3',
    kind: 'node_memory_flapping',
    category: 'memory_pressure',
    severity: 'critical',
    subject: { type: 'node', cluster: C, node: 'n3' },
    window: { from: W47.from + 3 * DAY + 10 * HOUR, to: W47.from + 3 * DAY + 13 * HOUR },
    evidence: {
      flaps: [10, 11, 12].map((h) => ({
        at: W47.from + 3 * DAY + h * HOUR,
        memoryPressure: true,
        notReady: false,
      })),
      memoryPressureFlaps: 3,
      notReadyFlaps: 1,
      evictions: 4,
      systemOoms: 2,
      minAvailableBytes: 120 * MIB,
      pool: 'memory',
    },
    firstSeen: W47.from + 3 * DAY + 10 * HOUR,
    lastSeen: W47.from + 3 * DAY + 13 * HOUR,
  }),
  finding({
    id: 'flap-n3-before',
    kind: 'node_memory_flapping',
    subject: { type: 'node', cluster: C, node: 'n3' },
    firstSeen: W46.from + DAY,
    lastSeen: W46.from + DAY + HOUR,
  }),
];

async function fixture(): Promise<MemoryStore> {
  const store = new MemoryStore({ retentionDays: 3650 });
  await store.write([
    node(C, 'n1', 'general', [8, 32 * GIB], [7.5, 30 * GIB], BORN),
    node(C, 'n2', 'general', [8, 32 * GIB], [7.5, 30 * GIB], BORN),
    node(C, 'n3', 'memory', [4, 64 * GIB], [4, 64 * GIB], BORN),
    ...[web1, web2, cache, agent, pending, finished].map(pod),
    ...usage(web1, W46.from, W47.to, alternating, 1 * GIB),
    ...usage(web2, W47.from, W47.to, alternating, 1 * GIB),
    ...usage(cache, W46.from, W47.to, () => 0.25, 40 * GIB),
    ...usage(agent, W46.from, W47.to, () => 0.125, 512 * MIB),
    // cache is OOM-killed twice the week before, five times in the week, once after it.
    ...[
      W46.from + DAY,
      W46.from + 2 * DAY,
      ...[1, 2, 3, 4, 5].map((d) => W47.from + d * DAY),
      W47.to + HOUR,
    ].map((finishedAt, restartCount) =>
      terminationRecord({
        cluster: C,
        namespace: 'shop',
        pod: 'cache-0',
        podUid: 'uid-cache-0',
        node: 'n3',
        workload: { namespace: 'shop', kind: 'StatefulSet', name: 'cache' },
        container: 'redis',
        restartCount,
        termination: {
          reason: 'OOMKilled',
          exitCode: 137,
          startedAt: finishedAt - HOUR,
          finishedAt,
        },
      }),
    ),
  ]);
  await store.upsertFindings(FINDINGS);
  return store;
}

describe('gatherReportData', () => {
  let data: ReportData;
  before(async () => {
    data = await gatherReportData(await fixture(), { cluster: C, week: '2026-W47', now: NOW });
  });

  it('reads capacity, allocatable, requests and limits at the end of the week', () => {
    const [general, memory] = data.current.pools;
    assert.equal(general?.pool, 'general');
    assert.equal(memory?.pool, 'memory');
    assert.deepEqual(
      { nodes: general.nodes, capacity: general.capacity, allocatable: general.allocatable },
      {
        nodes: 2,
        capacity: { cpuCores: 16, memoryBytes: 64 * GIB },
        allocatable: { cpuCores: 15, memoryBytes: 60 * GIB },
      },
    );
    // Two web replicas (1 core, 2 GiB each) and the agent, whose requests default to its limits.
    assert.deepEqual(general.requests, { cpuCores: 2.5, memoryBytes: 5 * GIB });
    assert.deepEqual(general.limits, { cpuCores: 4.5, memoryBytes: 9 * GIB });
    assert.deepEqual(memory.requests, { cpuCores: 0.5, memoryBytes: 60 * GIB });
    assert.deepEqual(memory.limits, { cpuCores: 0, memoryBytes: 62 * GIB });
    assert.deepEqual(data.current.cluster.requests, { cpuCores: 3, memoryBytes: 65 * GIB });
    assert.equal(data.current.cluster.nodes, 3);
    // The finished pod holds nothing; the pending one is counted apart from every pool.
    assert.equal(data.current.pods, 5);
    assert.equal(data.current.unscheduledPods, 1);
    assert.deepEqual(data.current.unscheduledRequests, { cpuCores: 0.25, memoryBytes: 1 * GIB });
  });

  it('sums per-replica usage times running replicas, per pool', () => {
    const [general, memory] = data.current.pools;
    // web: mean 0.5 and p95 0.75 per replica × 2 replicas; agent 0.125.
    assert.deepEqual(general!.usageMean, { cpuCores: 1.125, memoryBytes: 2.5 * GIB });
    assert.deepEqual(general!.usagePeak, { cpuCores: 1.625, memoryBytes: 2.5 * GIB });
    assert.deepEqual(memory!.usageMean, { cpuCores: 0.25, memoryBytes: 40 * GIB });
    assert.deepEqual(data.current.cluster.usageMean, { cpuCores: 1.375, memoryBytes: 42.5 * GIB });
    assert.deepEqual(data.current.cluster.usagePeak, { cpuCores: 1.875, memoryBytes: 42.5 * GIB });
    assert.equal(data.current.usageContainers, 3);
    assert.equal(data.current.unattributedContainers, 0);
  });

  it('gives a four-week trend, a forecast from the weeks with data, and week-over-week changes', () => {
    assert.deepEqual(
      data.trend.map((w) => [w.week, w.hasData]),
      [
        ['2026-W44', false],
        ['2026-W45', false],
        ['2026-W46', true],
        ['2026-W47', true],
      ],
    );
    assert.deepEqual(data.trend[2]!.cluster.requests, { cpuCores: 2, memoryBytes: 63 * GIB });
    assert.deepEqual(data.trend[2]!.cluster.usageMean, {
      cpuCores: 0.875,
      memoryBytes: 41.5 * GIB,
    });
    const cpu = data.forecasts.find(
      (f) => f.scope === 'cluster' && f.resource === 'cpu' && f.basis === 'requests',
    );
    // One core more in one week: 1/7 core a day, 16 cores of headroom → 112 days.
    assert.equal(cpu?.verdict, 'growing');
    assert.equal(cpu?.points, 2);
    assert.ok(Math.abs(cpu.growthPerDay - 1 / 7) < 1e-12, `growth ${cpu.growthPerDay}`);
    assert.ok(Math.abs(cpu.daysToExhaustion! - 112) < 1e-9, `days ${cpu.daysToExhaustion}`);
    const memoryPool = data.forecasts.find(
      (f) => f.scope === 'memory' && f.resource === 'memory' && f.basis === 'requests',
    );
    assert.equal(memoryPool?.verdict, 'flat_or_shrinking');
    const change = (metric: string, scope = 'cluster') =>
      data.changes.find((d) => d.scope === scope && d.metric === metric);
    assert.deepEqual(change('requested CPU'), {
      scope: 'cluster',
      metric: 'requested CPU',
      unit: 'cores',
      previous: 2,
      current: 3,
      change: 1,
    });
    assert.equal(change('CPU used (mean)')?.change, 0.5);
    assert.equal(change('node flapping incidents')?.previous, 1);
    assert.equal(change('node flapping incidents')?.current, 1);
  });

  it('lists savings standing at the end of the week, pricing evidence that lacks money', () => {
    assert.deepEqual(
      data.savings.rows.map((r) => [r.findingId, r.monthlySaving]),
      [
        ['rec-cache', monthlyCost(DEFAULT_PRICES, 0.2, 16 * GIB)],
        ['rec-web', 23.11],
      ],
    );
    const web = data.savings.rows[1]!;
    assert.equal(web.cpuCoresReleased, 0.8);
    assert.equal(web.memoryBytesReleased, 1.5 * GIB);
    assert.equal(web.confidence, 'high');
    assert.equal(data.savings.count, 2);
    assert.equal(data.savings.totalMonthly, 23.11 + monthlyCost(DEFAULT_PRICES, 0.2, 16 * GIB));
    assert.deepEqual(data.method.findingPrices, [
      { cpuCoreHour: 0.04, memoryGibHour: 0.005, currency: 'USD' },
    ]);
  });

  it('nets the savings against the increases that remove risks, everywhere it states money', () => {
    assert.deepEqual(
      data.increases.rows.map((r) => [r.findingId, r.monthlySaving, r.risksRemoved]),
      [['rec-agent-up', -2.5, ['under_requested']]],
    );
    assert.equal(data.increases.totalMonthly, 2.5);
    assert.equal(data.netMonthly, data.savings.totalMonthly - 2.5);
    assert.equal(data.findingCounts.current.netMonthly, data.netMonthly);
    // The table says how the requests change, signed, and what the increase removes.
    const row = increasesTable(data).rows[0]!;
    assert.equal(row[5], '0 CPU, +512 MiB');
    assert.equal(row[6], '$2.50');
    assert.equal(row.at(-1), 'under requested');
    assert.equal(savingsTable(data).rows[1]![5], '−800m CPU, −1.5 GiB');
    // The chart draws both, increases to the left.
    const chart = reportCharts(data).find((c) => c.id === 'savings')!;
    const values = (chart.spec as { data: { values: { kind: string; money: number }[] } }).data
      .values;
    assert.deepEqual(
      values.filter((v) => v.kind !== 'saves').map((v) => v.money),
      [-2.5],
    );
  });

  it('allocates cost by namespace and team (requests × price) and prices what is idle', async () => {
    const byTeam = await gatherReportData(await fixture(), {
      cluster: C,
      week: '2026-W47',
      now: NOW,
      teams: { namespaceTeams: { 'sh*': 'storefront' } },
    });
    const a = byTeam.allocation;
    const cost = (cpu: number, memory: number) => monthlyCost(DEFAULT_PRICES, cpu, memory);
    // shop: two web replicas (1 core, 2 GiB) and the cache (0.5, 60 GiB); ops: the agent, whose
    // requests default to its limits; the pending and the finished pod hold nothing.
    const close = (a: number, b: number) => Math.abs(a - b) < 1e-9;
    assert.deepEqual(
      a.namespaces.map((n) => [n.name, n.pods, n.requests]),
      [
        ['shop', 3, { cpuCores: 2.5, memoryBytes: 64 * GIB }],
        ['ops', 1, { cpuCores: 0.5, memoryBytes: 1 * GIB }],
      ],
    );
    assert.ok(close(a.namespaces[0]!.monthlyCost, cost(2.5, 64 * GIB)));
    assert.ok(close(a.namespaces[1]!.monthlyCost, cost(0.5, 1 * GIB)));
    assert.deepEqual(a.namespaces[0]!.usageMean, { cpuCores: 1.25, memoryBytes: 42 * GIB });
    assert.deepEqual(
      a.teams.map((t) => [t.name, t.monthlyCost]),
      a.namespaces.map((n) => [n.name === 'shop' ? 'storefront' : '(no team)', n.monthlyCost]),
    );
    assert.ok(close(a.requestedMonthly, cost(2.5, 64 * GIB) + cost(0.5, 1 * GIB)));
    // 19 cores and 124 GiB allocatable, 3 cores and 65 GiB requested.
    assert.deepEqual(a.idle, { cpuCores: 16, memoryBytes: 59 * GIB });
    assert.ok(close(a.idleMonthly, cost(16, 59 * GIB)));
    assert.ok(
      byTeam.headline.some(
        (l) => l.startsWith('2 namespaces request $') && l.includes('The largest: shop $'),
      ),
      byTeam.headline.join('\n'),
    );
  });

  it('ranks risks by severity, one row per problem, and leaves waste out', () => {
    assert.deepEqual(
      data.risks.rows.map((r) => [r.findingId, r.severity, r.occurrences]),
      [
        ['oom-cache-2', 'critical', 2],
        ['misfit-agent-under', 'warning', 1],
      ],
    );
    assert.equal(data.risks.rows[0]!.detail, '5 OOM kills in the week; limit 62 GiB; slow leak');
    assert.equal(data.risks.rows[1]!.detail, 'memory p95 900 MiB vs 512 MiB requested');
    assert.equal(data.findingCounts.current.oomLoops, 1);
  });

  it('reports the flapping incidents of the week with their evidence', () => {
    assert.equal(data.flapping.length, 1);
    const incident = data.flapping[0]!;
    assert.equal(incident.node, 'n3');
    assert.equal(incident.pool, 'memory');
    assert.equal(incident.flaps.length, 3);
    assert.equal(incident.evictions, 4);
    assert.equal(incident.minAvailableBytes, 120 * MIB);
  });

  it('computes node overhead and stranded capacity from the week-end snapshot', () => {
    assert.deepEqual(
      data.overhead.map((o) => [o.pool, o.overhead, o.nodesWithoutMemoryReserve]),
      [
        ['general', { cpuCores: 1, memoryBytes: 4 * GIB }, 0],
        ['memory', { cpuCores: 0, memoryBytes: 0 }, 1],
      ],
    );
    // n3: 60 of 64 GiB requested (< 10 % free), so its 3.5 unrequested cores are stranded.
    const memory = data.stranded.find((s) => s.pool === 'memory')!;
    assert.equal(memory.cpuCores, 3.5);
    assert.deepEqual(memory.cpuStrandingNodes, ['n3']);
    assert.equal(memory.monthlyCost, monthlyCost(DEFAULT_PRICES, 3.5, 0));
    assert.equal(data.stranded.find((s) => s.pool === 'general')!.cpuCores, 0);
  });

  it('says in its headline what the figures say', () => {
    assert.match(data.headline[0]!, /^3 nodes offer 19 cores and 124 GiB allocatable/);
    const has = (text: string) =>
      assert.ok(
        data.headline.some((l) => l.includes(text)),
        `no headline line says "${text}":\n${data.headline.join('\n')}`,
      );
    has(
      '2 recommendations save $77.21/month; 1 raises requests to remove risks, adding $2.50/month; net saving $74.71/month if all are applied.',
    );
    has('1 node memory-flapping incident on 1 node (n3)');
    has('Pool memory strands 3.5 cores');
  });

  it('reports a week in progress to date', async () => {
    const midweek = W47.from + 12 * HOUR + 30 * 60_000;
    const partial = await gatherReportData(await fixture(), {
      cluster: C,
      week: '2026-W47',
      now: midweek,
    });
    assert.equal(partial.partial, true);
    assert.equal(partial.current.snapshotAt, midweek - 1);
    // The pending pod was created after now: not yet there.
    assert.equal(partial.current.unscheduledPods, 0);
    assert.match(partial.headline[0]!, /^Week to date/);
  });
});
