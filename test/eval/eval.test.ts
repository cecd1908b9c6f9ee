// The evaluation on the scenarios the acceptance names: flapping and the slow leak found with
// precision and recall of at least 0.95, the leak after its second kill, nothing on a healthy
// cluster.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateScenario } from '../../eval/evaluate.js';
import { createSimulation } from '../../simulator/index.js';

describe('evaluation against the ground truth', () => {
  it('finds the slow leak after its second kill and nothing else', async () => {
    const result = await evaluateScenario({ scenario: 'oom-slow-leak' }, { days: 3 });
    const loops = result.scores.find((s) => s.kind === 'oom_loop')!;
    assert.ok(loops.precision !== null && loops.precision >= 0.95, `precision ${loops.precision}`);
    assert.ok(loops.recall !== null && loops.recall >= 0.95, `recall ${loops.recall}`);
    assert.equal(loops.items[0]?.detectedAfterKill, 2);
    assert.equal(result.scores.find((s) => s.kind === 'node_memory_flapping')?.findings, 0);
  });

  it('finds the flapping node and not the rebooted one', async () => {
    const result = await evaluateScenario({ scenario: 'node-flapping' }, { days: 4 });
    const flapping = result.scores.find((s) => s.kind === 'node_memory_flapping')!;
    assert.ok(flapping.truths > 0);
    assert.equal(flapping.fp, 0);
    assert.ok(flapping.precision !== null && flapping.precision >= 0.95);
    assert.ok(flapping.recall !== null && flapping.recall >= 0.95);
    assert.equal(result.scores.find((s) => s.kind === 'oom_loop')?.findings, 0);
  });

  it('raises no finding at all on a healthy cluster', async () => {
    const result = await evaluateScenario(
      { scenario: 'healthy', nodes: 8, prometheusNodes: 4 },
      { days: 2 },
    );
    assert.equal(result.findings, 0);
    const eightNodePool = createSimulation({ scenario: 'healthy', nodes: 8, seed: 1 });
    assert.equal(
      result.nodes,
      eightNodePool.model.nodes.length,
      'the Prometheus size is not used live',
    );
  });
});
