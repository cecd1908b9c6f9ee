// One problem, one verdict, over every scenario of the simulator: after two simulated days judged
// as the runner judges them (every analyzer, memory advice following each container's OOM loop),
// no two open findings about one subject move a resource in opposite directions, and every count
// of kills says over what window it was counted.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { replayChunks } from '../../simulator/index.js';
import type { Finding } from '../../core/domain.js';
import { disagreements, unwindowedCounts } from '../../eval/agreement.js';
import { scenarioNames } from '../../simulator/scenarios/index.js';
import { judgedScenario } from '../support/judged-scenario.js';

const HOUR = 3_600_000;
const START = Date.UTC(2025, 0, 6);
const END = START + 48 * HOUR;

async function openFindings(scenario: string): Promise<Finding[]> {
  // Small clusters: the property is about what the analyzers say together, not about scale.
  const { sim, cluster, store, runner } = judgedScenario(scenario, START);
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
        const expected = f.subject.type === 'node' ? 'node_memory_flapping' : 'oom_loop';
        assert.equal(primary?.kind, expected, `${f.id} links to an open ${expected}`);
      }
      // A flapping node: its capacity findings link to the flapping finding and size the
      // system reservation with the same numbers.
      for (const flapping of findings.filter((f) => f.kind === 'node_memory_flapping')) {
        const node = flapping.subject.type === 'node' ? flapping.subject.node : '';
        const flags = flapping.recommendation.match(
          /--kube-reserved=memory=\S+ --system-reserved=memory=\S+\)/,
        )?.[0];
        for (const capacity of findings.filter(
          (f) =>
            f.kind === 'node_capacity_misfit' &&
            f.subject.type === 'node' &&
            f.subject.node === node,
        )) {
          assert.equal(
            capacity.relatedTo,
            flapping.id,
            `${capacity.id} links to the flapping finding`,
          );
          if (capacity.category === 'no_system_reserved' && flags)
            assert.ok(
              capacity.recommendation.includes(flags.slice(0, -1)),
              `${capacity.recommendation} names ${flags}`,
            );
        }
      }
    });
  }
});
