// Every PromQL expression in the dashboards and the rules reads only metrics Plimsoll exports or
// standard series the simulator serves (kube-state-metrics, cAdvisor, kubelet resource metrics),
// taken from what a running simulator actually answers and from the registries Plimsoll's own
// components register on (telemetry, collectors, finding metrics) — not from a list kept by hand.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { plimsollRuleGroups } from '../../alerts/rules.js';
import { FindingMetrics } from '../../analyzers/metrics.js';
import { CollectorMetrics } from '../../collectors/metrics.js';
import { createLogger } from '../../core/logger.js';
import { Telemetry } from '../../core/telemetry.js';
import { buildDashboards } from '../../dashboards/index.js';
import { startSimulator, type RunningSimulator } from '../../simulator/index.js';
import { MemoryStore } from '../../store/memory.js';
import { queriesOf } from './helpers.js';
import { metricNames } from './promql.js';

function familyNames(exposition: string): string[] {
  return [...exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)].flatMap(([, name = '', type]) =>
    type === 'histogram' ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name],
  );
}

describe('metric names in dashboards and rules', () => {
  let sim: RunningSimulator;
  const known = new Set<string>();

  before(async () => {
    sim = await startSimulator({ scenario: 'mixed', nodes: 2, port: 0 });
    const ksm = await (await fetch(`${sim.url}/ksm/metrics`)).text();
    const node = sim.simulation.model.nodes[0]?.name ?? '';
    const cadvisor = await (
      await fetch(`${sim.url}/api/v1/nodes/${node}/proxy/metrics/cadvisor`)
    ).text();
    const resource = await (
      await fetch(`${sim.url}/api/v1/nodes/${node}/proxy/metrics/resource`)
    ).text();
    const telemetry = new Telemetry();
    new FindingMetrics({
      registry: telemetry.registry,
      reader: new MemoryStore(),
      clusters: ['x'],
    });
    // The collectors' families, registered on the same registry the way a running collector does.
    new CollectorMetrics('probe', telemetry, createLogger('silent'));
    const own = await telemetry.registry.metrics();
    for (const name of [
      ...familyNames(ksm),
      ...familyNames(cadvisor),
      ...familyNames(resource),
      ...familyNames(own),
    ]) {
      known.add(name);
    }
    assert.ok(known.has('kube_node_status_condition') && known.has('container_oom_events_total'));
  });

  after(async () => {
    await sim?.close();
  });

  it('extracts names from PromQL', () => {
    assert.deepEqual(
      metricNames(
        'sum by (node) (rate(a_total{x="y{z}"}[5m])) / on (node) group_left b > 1e9 and c',
      ),
      ['a_total', 'b', 'c'],
    );
  });

  it('every dashboard query reads exported or simulator-served series', () => {
    const unknown: string[] = [];
    let checked = 0;
    for (const d of buildDashboards()) {
      for (const q of queriesOf(d.json)) {
        if (q.datasource?.type !== 'prometheus' || !q.expr) continue;
        const names = metricNames(q.expr);
        assert.ok(names.length > 0, `${d.uid} / ${q.panel}: no metric in ${q.expr}`);
        for (const name of names) {
          checked += 1;
          if (!known.has(name)) unknown.push(`${d.uid} / ${q.panel}: ${name}`);
        }
      }
      for (const v of d.json.templating?.list ?? []) {
        if ((v.type as string) !== 'query' || typeof v.query !== 'string') continue;
        const inner = /label_values\(([^,]+),/.exec(v.query)?.[1] ?? '';
        for (const name of metricNames(inner)) {
          if (!known.has(name)) unknown.push(`${d.uid} / $${v.name}: ${name}`);
        }
      }
    }
    assert.ok(checked > 40);
    assert.deepEqual(unknown, []);
  });

  it('every rule expression reads exported or simulator-served series', () => {
    const unknown = plimsollRuleGroups()
      .flatMap((g) => g.rules)
      .flatMap((r) =>
        metricNames(r.expr)
          .filter((n) => !known.has(n))
          .map((n) => `${r.alert}: ${n}`),
      );
    assert.deepEqual(unknown, []);
  });
});
