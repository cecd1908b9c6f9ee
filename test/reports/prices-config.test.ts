// Prices come from the configuration (report.prices): the analyzers that state money get them
// through pricedSettings (as the runtime and `plimsoll analyze` build them), and the node-capacity
// finding and the weekly report price stranded capacity at the configured rates, not the list.
// A container is priced at the rates of the pool its pods run on, and every figure reads in the
// configured currency.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createAnalyzers, pricedSettings } from '../../analyzers/index.js';
import { DEFAULT_PRICES, monthlyCost } from '../../analyzers/recommendations/prices.js';
import { loadConfig } from '../../core/config/load.js';
import { gatherReportData } from '../../reports/data.js';
import { weekWindow } from '../../reports/week.js';
import { MemoryStore } from '../../store/memory.js';
import { configFiles, failure } from '../core/config-support.js';
import { GIB, node, pod } from './records.js';
import type { Finding } from '../../core/domain.js';
import { envelope } from '../../core/envelope.js';
import { renderCsv } from '../../reports/render-csv.js';
import { renderHtml } from '../../reports/render-html.js';
import { renderCharts } from '../../reports/render-svg.js';
import { reportCharts } from '../../reports/charts.js';
import { renderMarkdown } from '../../reports/render-md.js';
import { clusterRecords, WINDOW } from '../analyzers/recommendations/cluster-fixture.js';
import { CLUSTER, nodeOf, storeWith } from '../analyzers/recommendations/fixtures.js';

const C = 'priced';
const week = weekWindow('2026-W47');

/** A memory-full node with six cores nobody can use. */
async function strandingStore(): Promise<MemoryStore> {
  const store = new MemoryStore({ retentionDays: 3650 });
  const created = week.from - 86_400_000;
  await store.write([
    node(C, 'a', 'general', [8, 32 * GIB], [8, 31 * GIB], created),
    pod({
      cluster: C,
      namespace: 'shop',
      kind: 'Deployment',
      workload: 'cache',
      name: 'cache-1',
      nodeName: 'a',
      container: 'app',
      requests: { cpuCores: 2, memoryBytes: 30.5 * GIB },
      limits: {},
      createdAt: created,
    }),
  ]);
  return store;
}

describe('report.prices', () => {
  const file = configFiles('plimsoll-prices-');

  it('defaults to the list prices and rejects a price that is not positive', () => {
    assert.deepEqual(loadConfig({ env: {} }).report.prices, DEFAULT_PRICES);
    const path = file('zero.yaml', 'report:\n  prices:\n    cpuCoreHour: 0\n');
    assert.match(failure(() => loadConfig({ file: path, env: {} })).message, /cpuCoreHour/);
  });

  it('prices the finding and the report with the configured rates', async () => {
    const path = file(
      'prices.yaml',
      'report:\n  prices:\n    cpuCoreHour: 0.05\n    memoryGibHour: 0.01\n',
    );
    const config = loadConfig({ file: path, env: {} });
    const prices = config.report.prices;
    assert.deepEqual(prices, { cpuCoreHour: 0.05, memoryGibHour: 0.01, currency: 'USD' });

    const store = await strandingStore();
    const [analyzer] = createAnalyzers(pricedSettings(prices), ['node-capacity-misfit']);
    const findings = await analyzer!.analyze({
      cluster: C,
      window: week,
      now: week.to - 1,
      store,
    });
    const stranded = findings.find((f) => f.category === 'stranded_capacity')!;
    const expected = monthlyCost(prices, 6, 0);
    assert.equal(stranded.evidence.monthlyCost, expected);
    assert.notEqual(expected, monthlyCost(DEFAULT_PRICES, 6, 0));

    const data = await gatherReportData(store, {
      cluster: C,
      week: '2026-W47',
      now: week.to + 3_600_000,
      prices,
    });
    assert.equal(data.stranded[0]!.monthlyCost, expected);
    assert.deepEqual(data.method.prices, [{ scope: 'default', ...prices }]);
  });

  it('prices capacity at the rates of its pool or instance type where they are set', async () => {
    const path = file(
      'pools.yaml',
      [
        'report:',
        '  prices:',
        '    pools:',
        '      general: { cpuCoreHour: 0.05, memoryGibHour: 0.01 }',
        '    instanceTypes:',
        '      m7g.2xlarge: { cpuCoreHour: 0.02, memoryGibHour: 0.002 }',
      ].join('\n'),
    );
    const prices = loadConfig({ file: path, env: {} }).report.prices;
    const pool = { cpuCoreHour: 0.05, memoryGibHour: 0.01 };
    const graviton = { cpuCoreHour: 0.02, memoryGibHour: 0.002 };
    const created = week.from - 86_400_000;
    const labelled = node(C, 'b', 'general', [8, 32 * GIB], [8, 31 * GIB], created);
    (labelled.payload as { labels: Record<string, string> }).labels = {
      'node.kubernetes.io/instance-type': 'm7g.2xlarge',
    };
    const cache = (name: string, nodeName: string) =>
      pod({
        cluster: C,
        namespace: 'shop',
        kind: 'Deployment',
        workload: 'cache',
        name,
        nodeName,
        container: 'app',
        requests: { cpuCores: 2, memoryBytes: 30.5 * GIB },
        limits: {},
        createdAt: created,
      });
    const store = new MemoryStore({ retentionDays: 3650 });
    await store.write([
      node(C, 'a', 'general', [8, 32 * GIB], [8, 31 * GIB], created),
      labelled,
      cache('cache-1', 'a'),
      cache('cache-2', 'b'),
    ]);
    // Six stranded cores on each node: one at the pool's rate, one at the instance type's.
    const expected = monthlyCost(pool, 6, 0) + monthlyCost(graviton, 6, 0);
    const [analyzer] = createAnalyzers(pricedSettings(prices), ['node-capacity-misfit']);
    const findings = await analyzer!.analyze({ cluster: C, window: week, now: week.to - 1, store });
    const stranded = findings.find((f) => f.category === 'stranded_capacity')!;
    assert.ok(Math.abs((stranded.evidence.monthlyCost as number) - expected) < 1e-9);
    const data = await gatherReportData(store, {
      cluster: C,
      week: '2026-W47',
      now: week.to + 3_600_000,
      prices,
    });
    assert.equal(data.stranded[0]!.monthlyCost, stranded.evidence.monthlyCost);
    const requested = monthlyCost(pool, 2, 30.5 * GIB) + monthlyCost(graviton, 2, 30.5 * GIB);
    assert.ok(Math.abs(data.allocation.namespaces[0]!.monthlyCost - requested) < 1e-9);
  });

  it('prices a container at the rates of the pool its pods run on', async () => {
    // Twice the default rates in the pool of node-a, where every fixture pod runs.
    const doubled = {
      ...DEFAULT_PRICES,
      pools: { batch: { cpuCoreHour: 2 * 0.031611, memoryGibHour: 2 * 0.004237 } },
    };
    const run = async (nodePool: string) => {
      const store = await storeWith([
        ...clusterRecords(),
        envelope('node', nodeOf('node-a', { pool: nodePool }), 'test', WINDOW.from),
      ]);
      const analyzers = createAnalyzers(pricedSettings(doubled), [
        'requests-misfit',
        'recommendations',
      ]);
      const findings: Finding[] = [];
      for (const analyzer of analyzers) {
        findings.push(
          ...(await analyzer.analyze({ cluster: CLUSTER, window: WINDOW, now: WINDOW.to, store })),
        );
      }
      const of = (kind: string, category?: string) =>
        findings.find(
          (f) =>
            f.kind === kind &&
            (category === undefined || f.category === category) &&
            f.subject.type === 'workload_container' &&
            f.subject.workload.name === 'feature-store',
        )!;
      return { misfit: of('requests_misfit', 'over_requested'), resize: of('recommendation') };
    };
    const elsewhere = await run('general');
    const inBatch = await run('batch');
    const waste = (f: { evidence: Record<string, unknown> }) => f.evidence.monthlyWaste as number;
    const delta = (f: { evidence: Record<string, unknown> }) =>
      f.evidence.monthlyCostDelta as number;
    assert.ok(Math.abs(waste(inBatch.misfit) - 2 * waste(elsewhere.misfit)) < 1e-9);
    assert.ok(Math.abs(delta(inBatch.resize) - 2 * delta(elsewhere.resize)) < 1e-9);
    assert.match(inBatch.misfit.explanation, /\$0\.063222\/core-hour/);
    assert.deepEqual(inBatch.resize.evidence.prices, {
      cpuCoreHour: 2 * 0.031611,
      memoryGibHour: 2 * 0.004237,
      currency: 'USD',
    });
  });

  it('states every figure in the configured currency and refuses a code that is none', async () => {
    const path = file(
      'euro.yaml',
      'report:\n  prices:\n    currency: EUR\n    cpuCoreHour: 0.05\n    memoryGibHour: 0.01\n',
    );
    const prices = loadConfig({ file: path, env: {} }).report.prices;
    const store = await strandingStore();
    const [analyzer] = createAnalyzers(pricedSettings(prices), ['node-capacity-misfit']);
    const findings = await analyzer!.analyze({ cluster: C, window: week, now: week.to - 1, store });
    const stranded = findings.find((f) => f.category === 'stranded_capacity')!;
    assert.match(stranded.title, /\(€\d+(\.\d\d)?\/month\)/);

    const data = await gatherReportData(store, {
      cluster: C,
      week: '2026-W47',
      now: week.to + 3_600_000,
      prices,
    });
    assert.equal(data.currency, 'EUR');
    const html = renderHtml(data, await renderCharts(reportCharts(data)));
    const markdown = renderMarkdown(data);
    for (const text of [html, markdown]) {
      assert.match(text, /€0\.05\/core-hour and €0\.01\/GiB-hour \(default\)/);
      assert.doesNotMatch(text, /\$\d/);
    }
    assert.match(html, /€ \/ month/);
    assert.match(renderCsv(data), /,stranded,pool general,,monthly_cost,EUR,/);

    const wrong = file('euro-typo.yaml', 'report:\n  prices:\n    currency: EURO\n');
    const error = failure(() => loadConfig({ file: wrong, env: {} }));
    assert.match(error.message, /report\.prices\.currency/);
    assert.match(error.message, /ISO 4217/);
  });
});
