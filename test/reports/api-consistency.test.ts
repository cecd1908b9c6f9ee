// Acceptance 3: the report's numbers agree with the API's for the same week. Both read the same
// store; this test reads the API's routes (nodes, workloads, findings) for the report week and
// checks the report's pool capacity, requests, usage, savings and incidents against them.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { App } from '../../api/app.js';
import type { Finding, ResourceAmounts } from '../../core/domain.js';
import { gatherReportData, type ReportData } from '../../reports/data.js';
import { isoWeekOf, weekWindow } from '../../reports/week.js';
import { MemoryStore } from '../../store/memory.js';
import { bearer, build, READ_TOKEN } from '../api/helper.js';
import { finding, GIB, HOUR, node, pod, samples, type PodSpec } from './records.js';

const C = 'test';
const close = (a: number, b: number) =>
  Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));

interface NodeRow {
  name: string;
  pool?: string;
  capacity: ResourceAmounts;
  allocatable: ResourceAmounts;
  requests: ResourceAmounts;
}
interface WorkloadRow {
  workload: { namespace: string; name: string };
  container: string;
  cpuCores?: { mean: number };
  memoryBytes?: { mean: number };
  recommendation?: { findingId: string; evidence: Record<string, unknown> };
}

describe('report vs API for the same week', () => {
  // The API's inventory routes answer "now", so the report week is the current one.
  const now = Date.now();
  const week = isoWeekOf(now);
  const window = weekWindow(week);
  // Pods run the whole week, so the report's replica average is exactly one and its
  // time-averaged usage equals the API's per-container mean.
  const born = window.from - HOUR;
  const sampledFrom = Math.max(window.from, now - 3 * HOUR);
  const spec = (
    name: string,
    node: string,
    workload: string,
    cpu: number,
    mem: number,
  ): PodSpec => ({
    cluster: C,
    namespace: 'shop',
    kind: 'Deployment',
    workload,
    name,
    nodeName: node,
    container: 'app',
    requests: { cpuCores: cpu, memoryBytes: mem },
    limits: { memoryBytes: 2 * mem },
    createdAt: born,
  });
  const pods = [
    spec('web-1', 'n1', 'web', 1, 2 * GIB),
    spec('api-1', 'n2', 'api', 0.5, 1 * GIB),
    spec('db-1', 'n3', 'db', 2, 24 * GIB),
  ];
  let app: App;
  let data: ReportData;

  before(async () => {
    const store = new MemoryStore();
    await store.write([
      node(C, 'n1', 'general', [8, 32 * GIB], [7.5, 30 * GIB], born),
      node(C, 'n2', 'general', [8, 32 * GIB], [7.5, 30 * GIB], born),
      node(C, 'n3', 'memory', [4, 32 * GIB], [3.8, 30 * GIB], born),
      ...pods.map(pod),
      ...pods.flatMap((p, k) => [
        ...samples(
          p,
          'cpu_usage_cores',
          sampledFrom,
          now,
          600_000,
          (i) => 0.1 * (k + 1) + (i % 3) * 0.05,
        ),
        ...samples(
          p,
          'memory_working_set_bytes',
          sampledFrom,
          now,
          600_000,
          (i) => (k + 1) * GIB + i * 1024,
        ),
      ]),
    ]);
    const inWeek = sampledFrom;
    await store.upsertFindings([
      finding({
        id: 'rec-db',
        kind: 'recommendation',
        subject: {
          type: 'workload_container',
          cluster: C,
          workload: { namespace: 'shop', kind: 'Deployment', name: 'db' },
          container: 'app',
        },
        evidence: {
          current: { requests: { cpuCores: 2, memoryBytes: 24 * GIB }, limits: {} },
          recommended: { requests: { cpuCores: 0.5, memoryBytes: 8 * GIB }, limits: {} },
          replicas: 1,
          cpuCoresDelta: -1.5,
          memoryBytesDelta: -16 * GIB,
          monthlyCostDelta: -84.1,
        },
        firstSeen: inWeek,
        lastSeen: now - 1000,
      }),
      finding({
        id: 'flap-n3',
        kind: 'node_memory_flapping',
        severity: 'critical',
        subject: { type: 'node', cluster: C, node: 'n3' },
        window: { from: inWeek, to: now - 1000 },
        evidence: { flaps: [{ at: now - 2000 }], pool: 'memory' },
        firstSeen: inWeek,
        lastSeen: now - 1000,
      }),
    ]);
    ({ app } = await build({ store }));
    data = await gatherReportData(store, { cluster: C, week, now });
  });

  after(async () => {
    await app.close();
  });

  const get = async <T>(url: string): Promise<T> => {
    const response = await app.inject({ method: 'GET', url, headers: bearer(READ_TOKEN) });
    assert.equal(response.statusCode, 200, `${url}: ${response.body}`);
    return response.json<T>();
  };

  it('has the same capacity, allocatable and requests per pool as /api/v1/nodes', async () => {
    const { items } = await get<{ items: NodeRow[] }>('/api/v1/nodes');
    assert.equal(items.length, data.current.cluster.nodes);
    for (const pool of data.current.pools) {
      const rows = items.filter((n) => n.pool === pool.pool);
      const sum = (pick: (n: NodeRow) => number | undefined) =>
        rows.reduce((s, n) => s + (pick(n) ?? 0), 0);
      assert.equal(rows.length, pool.nodes, `nodes of ${pool.pool}`);
      assert.equal(
        sum((n) => n.capacity.cpuCores),
        pool.capacity.cpuCores,
      );
      assert.equal(
        sum((n) => n.capacity.memoryBytes),
        pool.capacity.memoryBytes,
      );
      assert.equal(
        sum((n) => n.allocatable.cpuCores),
        pool.allocatable.cpuCores,
      );
      assert.equal(
        sum((n) => n.allocatable.memoryBytes),
        pool.allocatable.memoryBytes,
      );
      assert.equal(
        sum((n) => n.requests.cpuCores),
        pool.requests.cpuCores,
      );
      assert.equal(
        sum((n) => n.requests.memoryBytes),
        pool.requests.memoryBytes,
      );
    }
  });

  it('has the usage of /api/v1/workloads for the week (one replica each)', async () => {
    const to = new Date(now).toISOString();
    const { items } = await get<{ items: WorkloadRow[] }>(
      `/api/v1/workloads?from=${new Date(window.from).toISOString()}&to=${to}`,
    );
    assert.equal(items.length, pods.length);
    const cpu = items.reduce((s, w) => s + (w.cpuCores?.mean ?? 0), 0);
    const memory = items.reduce((s, w) => s + (w.memoryBytes?.mean ?? 0), 0);
    assert.ok(
      close(cpu, data.current.cluster.usageMean.cpuCores),
      `${cpu} vs ${data.current.cluster.usageMean.cpuCores}`,
    );
    assert.ok(
      close(memory, data.current.cluster.usageMean.memoryBytes),
      `${memory} vs ${data.current.cluster.usageMean.memoryBytes}`,
    );
    const db = items.find((w) => w.workload.name === 'db')!;
    const saving = data.savings.rows.find((r) => r.findingId === db.recommendation?.findingId);
    assert.equal(saving?.monthlySaving, -(db.recommendation!.evidence.monthlyCostDelta as number));
  });

  it('lists the incidents /api/v1/findings lists for the week', async () => {
    const { items } = await get<{ items: Finding[] }>(
      `/api/v1/findings?kind=node_memory_flapping&from=${new Date(window.from).toISOString()}&to=${new Date(now).toISOString()}`,
    );
    assert.deepEqual(
      data.flapping.map((i) => i.findingId),
      items.map((f) => f.id),
    );
  });
});
