// One figure, one value: stranded capacity, as the node-capacity finding, the weekly report and
// the exported gauge state it, over the same nodes and pods. The cluster is built so that each of
// the rules the copies used to disagree on matters: a sliver of CPU left on a memory-full node
// (packing, not stranding), a container with a limit and no request (the API defaults the request
// to the limit) and a cordoned node.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { FindingMetrics } from '../../analyzers/metrics.js';
import { nodeCapacityAnalyzer } from '../../analyzers/misfit/node-analyzer.js';
import { monthlyCost, DEFAULT_PRICES } from '../../analyzers/recommendations/prices.js';
import { gatherReportData } from '../../reports/data.js';
import { weekWindow } from '../../reports/week.js';
import { MemoryStore } from '../../store/memory.js';
import { GIB, node, pod } from './records.js';
import type { AnyEnvelope } from '../../core/envelope.js';

const CLUSTER = 'one-figure';
const WEEK = '2026-W47';
const window = weekWindow(WEEK);
const NOW = window.to + 3_600_000;
const created = window.from - 86_400_000;

function cluster(): AnyEnvelope[] {
  const records: AnyEnvelope[] = [];
  const place = (nodeName: string, name: string, cpu: number, memory: number, limitOnly = false) =>
    pod({
      cluster: CLUSTER,
      namespace: 'shop',
      kind: 'Deployment',
      workload: name.replace(/-\d+$/, ''),
      name,
      nodeName,
      container: 'app',
      requests: limitOnly ? {} : { cpuCores: cpu, memoryBytes: memory },
      limits: { cpuCores: cpu, memoryBytes: memory },
      createdAt: created,
    });
  // Memory full, 6 of 8 cores free: stranded CPU.
  records.push(node(CLUSTER, 'a', 'general', [8, 32 * GIB], [8, 31 * GIB], created));
  records.push(place('a', 'cache-1', 2, 30.5 * GIB));
  // Memory full through a limit-only container, 0.3 of 8 cores free: a sliver, not stranded.
  records.push(node(CLUSTER, 'b', 'general', [8, 32 * GIB], [8, 31 * GIB], created));
  records.push(place('b', 'batch-1', 7.7, 30.5 * GIB, true));
  // CPU full, 20 GiB of memory free: stranded memory.
  records.push(node(CLUSTER, 'c', 'general', [8, 32 * GIB], [8, 31 * GIB], created));
  records.push(place('c', 'encoder-1', 7.9, 11 * GIB));
  // Cordoned with the same shape as `a`: strands nothing, no pod may land there.
  const cordoned = node(CLUSTER, 'd', 'general', [8, 32 * GIB], [8, 31 * GIB], created);
  records.push({
    ...cordoned,
    payload: { ...(cordoned.payload as object), unschedulable: true },
  } as AnyEnvelope);
  records.push(place('d', 'cache-2', 2, 30.5 * GIB));
  return records;
}

describe('stranded capacity: one figure across finding, report and gauge', () => {
  it('states the same cores, bytes and money in all three', async () => {
    const store = new MemoryStore({ retentionDays: 365 });
    await store.write(cluster());

    const findings = await nodeCapacityAnalyzer().analyze({
      cluster: CLUSTER,
      window: { from: window.from, to: window.to },
      now: window.to - 1,
      store,
    });
    const stranded = findings.find((f) => f.category === 'stranded_capacity');
    assert.ok(stranded, `a stranded_capacity finding: ${findings.map((f) => f.title).join('; ')}`);
    const evidence = stranded.evidence as Record<string, unknown>;

    const report = await gatherReportData(store, { cluster: CLUSTER, week: WEEK, now: NOW });
    const row = report.stranded.find((r) => r.pool === 'general');
    assert.ok(row);

    const registry = new Registry();
    await new FindingMetrics({
      registry,
      reader: store,
      clusters: [CLUSTER],
      now: () => window.to - 1,
    }).refresh();
    const exposition = await registry.metrics();
    const gauge = (resource: string) => {
      const prefix = `plimsoll_cluster_stranded{cluster="${CLUSTER}",resource="${resource}"} `;
      const line = exposition.split('\n').find((l) => l.startsWith(prefix));
      assert.ok(line, `${prefix} in the exposition`);
      return Number(line.slice(prefix.length));
    };

    const cpu = 6;
    const memory = 20 * GIB;
    assert.equal(evidence.strandedCpuCores, cpu);
    assert.equal(row.cpuCores, cpu);
    assert.equal(gauge('cpu'), cpu);
    assert.equal(evidence.strandedMemoryBytes, memory);
    assert.equal(row.memoryBytes, memory);
    assert.equal(gauge('memory'), memory);
    assert.deepEqual(row.cpuStrandingNodes, ['a']);
    assert.deepEqual(row.memoryStrandingNodes, ['c']);
    assert.deepEqual(evidence.cpuStrandingNodes, ['a']);
    assert.deepEqual(evidence.memoryStrandingNodes, ['c']);
    const money = monthlyCost(DEFAULT_PRICES, cpu, memory);
    assert.ok(
      Math.abs((evidence.monthlyCost as number) - money) < 1e-9,
      `${String(evidence.monthlyCost)}`,
    );
    assert.equal(row.monthlyCost, evidence.monthlyCost);
    assert.match(stranded.title, new RegExp(`\\$${Math.round(money)}/month`));
  });
});
