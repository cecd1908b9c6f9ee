import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { FINDING_METRIC_FAMILIES, FindingMetrics } from '../../analyzers/metrics.js';
import { strandedOnNode } from '../../core/capacity.js';
import { MemoryStore } from '../../store/memory.js';
import { nodeRecord, sampleRecord } from '../support/records.js';
import {
  NOW,
  flappingFinding,
  misfitFinding,
  oomLoopFinding,
  podRecord,
  recommendationFinding,
} from '../alerts/findings.js';

const GIB = 2 ** 30;

async function exporter(store: MemoryStore, topN?: number) {
  const registry = new Registry();
  const metrics = new FindingMetrics({
    registry,
    reader: store,
    clusters: ['test'],
    now: () => NOW,
    teamOf: (f) => Promise.resolve(f.subject.type === 'node' ? 'platform' : 'checkout'),
    escalatedAt: (f) => f.firstSeen,
    ...(topN ? { topN } : {}),
  });
  const summary = await metrics.refresh();
  const text = await registry.metrics();
  return { registry, metrics, summary, text };
}

function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('FindingMetrics', () => {
  it('exports flapping, OOM-loop, misfit and recommendation gauges with the documented labels', async () => {
    const store = new MemoryStore();
    await store.upsertFindings([
      flappingFinding(),
      oomLoopFinding(),
      misfitFinding(),
      recommendationFinding(),
    ]);
    const { text } = await exporter(store);
    const flapping = flappingFinding();
    assert.equal(
      value(
        text,
        `plimsoll_node_flapping{cluster="test",node="node-a",category="memory_pressure",team="platform",finding_id="${flapping.id}"}`,
      ),
      1,
    );
    assert.equal(
      value(text, 'plimsoll_node_condition_flaps{cluster="test",node="node-a",condition="Ready"}'),
      2,
    );
    const loop = oomLoopFinding();
    const cart =
      'cluster="test",namespace="shop",workload="cart",workload_type="deployment",container="cart"';
    // Routed as the pushed alert is: the same team and finding id on the rules path.
    const route = `team="checkout",finding_id="${loop.id}"`;
    assert.equal(value(text, `plimsoll_oom_loop{${cart},${route},category="slow_leak"}`), 1);
    assert.equal(value(text, `plimsoll_oom_loop_kills{${cart},${route}}`), 3);
    assert.equal(value(text, `plimsoll_oom_loop_seconds_to_next_kill{${cart},${route}}`), 7200);
    assert.equal(
      value(text, `plimsoll_oom_loop_escalated_timestamp_seconds{${cart},${route}}`),
      loop.firstSeen / 1000,
    );
    const ledger =
      'cluster="test",namespace="payments",workload="ledger",workload_type="statefulset",container="ledger"';
    assert.equal(value(text, `plimsoll_misfit_request_usage_ratio{${ledger},resource="cpu"}`), 4);
    assert.equal(
      value(text, `plimsoll_misfit_request_usage_ratio{${ledger},resource="memory"}`),
      4,
    );
    assert.ok(
      Math.abs(
        value(text, `plimsoll_misfit_limit_peak_ratio{${ledger},resource="cpu"}`)! - 4 / 0.9,
      ) < 1e-9,
    );
    assert.equal(value(text, `plimsoll_recommended_request{${ledger},resource="cpu"}`), 0.6);
    assert.equal(value(text, `plimsoll_current_request{${ledger},resource="cpu"}`), 2);
    assert.equal(value(text, `plimsoll_recommendation_monthly_cost_delta{${ledger}}`), -58.2);
    assert.equal(
      value(text, 'plimsoll_misfit_monthly_waste{cluster="test",namespace="payments"}'),
      61.5,
    );
    assert.equal(
      value(
        text,
        'plimsoll_findings{cluster="test",kind="oom_loop",severity="critical",status="open"}',
      ),
      1,
    );
  });

  it('exports 0 for a resolved loop and drops it once the lookback passed', async () => {
    const store = new MemoryStore();
    await store.upsertFindings([
      oomLoopFinding({ status: 'resolved', resolvedAt: NOW - 60_000, lastSeen: NOW - 60_000 }),
    ]);
    const { text, metrics, registry } = await exporter(store);
    assert.match(text, /^plimsoll_oom_loop\{[^}]*\} 0$/m);
    assert.doesNotMatch(text, /^plimsoll_oom_loop_kills\{/m);
    await store.upsertFindings([
      oomLoopFinding({
        status: 'resolved',
        resolvedAt: NOW - 3 * 3_600_000,
        lastSeen: NOW - 3 * 3_600_000,
      }),
    ]);
    await metrics.refresh();
    assert.doesNotMatch(await registry.metrics(), /^plimsoll_oom_loop\{/m);
  });

  it('keeps only the top N subjects and says how many it cut', async () => {
    const store = new MemoryStore();
    const loops = Array.from({ length: 5 }, (_, i) =>
      oomLoopFinding({
        id: `loop-${i}`,
        subject: {
          type: 'workload_container',
          cluster: 'test',
          workload: { namespace: 'shop', kind: 'Deployment', name: `svc-${i}` },
          container: 'main',
        },
        evidence: { killCount: i + 2 },
      }),
    );
    await store.upsertFindings(loops);
    const { text } = await exporter(store, 2);
    const kept = text.split('\n').filter((l) => l.startsWith('plimsoll_oom_loop{'));
    assert.equal(kept.length, 2);
    // The two with the most kills stay.
    assert.ok(kept.some((l) => l.includes('workload="svc-4"')));
    assert.ok(kept.some((l) => l.includes('workload="svc-3"')));
    assert.equal(
      value(text, 'plimsoll_finding_metrics_truncated_series{family="plimsoll_oom_loop"}'),
      3,
    );
  });

  it('sums capacity, allocatable, requests and usage from the inventory', async () => {
    const store = new MemoryStore();
    await store.write([
      nodeRecord({}, NOW - 60_000),
      nodeRecord({ name: 'node-b', uid: 'uid-node-b' }, NOW - 60_000),
      podRecord(),
      sampleRecord(0, { timestamp: NOW - 120_000, value: 300 * 2 ** 20 }),
    ]);
    const { text } = await exporter(store);
    assert.equal(value(text, 'plimsoll_cluster_nodes{cluster="test"}'), 2);
    assert.equal(value(text, 'plimsoll_cluster_capacity{cluster="test",resource="cpu"}'), 16);
    assert.equal(
      value(text, 'plimsoll_cluster_allocatable{cluster="test",resource="memory"}'),
      60 * GIB,
    );
    assert.equal(value(text, 'plimsoll_cluster_requests{cluster="test",resource="cpu"}'), 0.5);
    assert.equal(
      value(text, 'plimsoll_cluster_usage{cluster="test",resource="memory"}'),
      300 * 2 ** 20,
    );
    assert.ok(value(text, 'plimsoll_finding_metrics_last_refresh_timestamp_seconds')! > 0);
  });

  it('registers every documented family and nothing unbounded', async () => {
    const { registry } = await exporter(new MemoryStore());
    const names = (await registry.getMetricsAsJSON()).map((m) => m.name);
    for (const family of Object.values(FINDING_METRIC_FAMILIES)) {
      assert.ok(names.includes(family.name), family.name);
      for (const label of family.labels) {
        assert.match(
          label,
          // team and finding_id: one value per exported subject (topN bounds them), for routing.
          /^(cluster|namespace|node|workload|workload_type|container|kind|severity|status|category|resource|condition|family|team|finding_id)$/,
        );
      }
    }
  });

  it('counts free CPU as stranded on a node whose memory is fully requested', () => {
    const node = nodeRecord().payload;
    const stranded = strandedOnNode(node, { cpuCores: 2, memoryBytes: 29.5 * GIB });
    assert.ok(Math.abs(stranded.cpuCores - 5.9) < 1e-9);
    assert.equal(stranded.memoryBytes, 0);
    assert.deepEqual(strandedOnNode(node, { cpuCores: 2, memoryBytes: 10 * GIB }), {
      cpuCores: 0,
      memoryBytes: 0,
    });
  });
});
