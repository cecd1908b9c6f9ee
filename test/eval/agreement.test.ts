// One problem, one verdict, over every scenario of the simulator: after two simulated days judged
// as the runner judges them (every analyzer, memory advice following each container's OOM loop),
// no two open findings about one subject move a resource in opposite directions, and every count
// of kills says over what window it was counted.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createAnalyzers } from '../../analyzers/index.js';
import { AnalyzerRunner } from '../../analyzers/runner.js';
import { replayChunks } from '../../collectors/replay/simulation.js';
import type { Finding } from '../../core/domain.js';
import { disagreements, unwindowedCounts } from '../../eval/agreement.js';
import { createSimulation } from '../../simulator/index.js';
import { scenarioNames } from '../../simulator/scenarios/index.js';
import { MemoryStore } from '../../store/memory.js';

const HOUR = 3_600_000;
const START = Date.UTC(2025, 0, 6);
const END = START + 48 * HOUR;

async function openFindings(scenario: string): Promise<Finding[]> {
  // Small clusters: the property is about what the analyzers say together, not about scale.
  const sim = createSimulation({ scenario, seed: 1, start: START, nodes: 3 });
  const cluster = sim.model.cluster;
  const store = new MemoryStore();
  const runner = new AnalyzerRunner({
    cluster,
    analyzers: createAnalyzers(),
    reader: store,
    findings: store,
  });
  for await (const chunk of replayChunks(
    sim,
    { from: START, to: END },
    {
      stepMs: 5 * 60_000,
      chunkMs: 6 * HOUR,
      batchSize: Number.MAX_SAFE_INTEGER,
    },
  )) {
    await store.write(chunk.records);
    // The evidence-driven analyzers in data time, as a live deployment would have run them.
    const only = runner.triggered(chunk.records);
    if (only.length > 0) await runner.run({ now: chunk.to, only });
  }
  await runner.run({ now: END });
  return (await store.findings({ cluster, status: 'open', limit: 5_000 })).items;
}

describe('every scenario speaks with one voice', () => {
  for (const scenario of scenarioNames()) {
    it(scenario, { timeout: 180_000 }, async () => {
      const findings = await openFindings(scenario);
      assert.deepEqual(disagreements(findings), [], 'no contradicting advice on one subject');
      assert.deepEqual(unwindowedCounts(findings), [], 'every kill count says its window');
      for (const f of findings) {
        if (f.relatedTo === undefined) continue;
        const primary = findings.find((p) => p.id === f.relatedTo);
        assert.equal(primary?.kind, 'oom_loop', `${f.id} links to an open OOM loop`);
      }
    });
  }
});
