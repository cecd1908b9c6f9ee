// A one-shot scan reads only the container metrics in ANALYZED_CONTAINER_METRICS. Every analyzer
// judges a simulated cluster (OOM loops, flapping nodes, misfits) hour by hour through a reader
// that notes each usage metric asked for: any container metric outside the list would be a
// verdict the scan could not give.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ANALYZED_CONTAINER_METRICS, type AnalysisReader } from '../../analyzers/analyzer.js';
import { createAnalyzers } from '../../analyzers/index.js';
import { AnalyzerRunner } from '../../analyzers/runner.js';
import type { UsageMetric } from '../../core/domain.js';
import { createSimulation, loadSimulation } from '../../simulator/index.js';
import { MemoryStore } from '../../store/memory.js';
import { NODE_METRICS } from '../../store/keys.js';

const DAY = 86_400_000;

describe('the container metrics the analyzers read', { timeout: 120_000 }, () => {
  it('are all in ANALYZED_CONTAINER_METRICS', async () => {
    const start = Date.UTC(2025, 0, 6);
    const window = { from: start, to: start + 2 * DAY };
    const sim = createSimulation({ scenario: 'mixed', seed: 1, start, nodes: 2 });
    const store = new MemoryStore();
    await loadSimulation(store, sim, window, { stepMs: 5 * 60_000 });
    const asked = new Set<UsageMetric>();
    const reader: AnalysisReader = new Proxy(store, {
      get(target, property, receiver) {
        const value: unknown = Reflect.get(target, property, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          const query = args[0] as { metric?: UsageMetric } | undefined;
          if (property.toString().startsWith('usage') && query?.metric) asked.add(query.metric);
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    const runner = new AnalyzerRunner({
      cluster: sim.model.cluster,
      analyzers: createAnalyzers(),
      reader,
      findings: store,
    });
    const report = await runner.judgeSpan(window);
    assert.ok(report.outcomes.length >= 5, 'every analyzer ran');
    const containerMetrics = [...asked].filter((m) => !NODE_METRICS.has(m));
    assert.ok(containerMetrics.includes('memory_working_set_bytes'), 'the OOM analysis ran');
    assert.ok(containerMetrics.includes('cpu_usage_cores'), 'the misfit analysis ran');
    for (const metric of containerMetrics) {
      assert.ok(ANALYZED_CONTAINER_METRICS.includes(metric), `${metric} is read by an analyzer`);
    }
  });
});
