// `mixed` at 1,000 nodes / 30,000 pods is servable without exhausting memory: state is computed
// from (seed, slot, time) rather than stored, and lists are streamed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startSimulator } from '../../simulator/index.js';

describe('scale', () => {
  it('serves mixed at 1,000 nodes and 30,000 pods within a modest memory budget', async () => {
    const sim = await startSimulator({
      scenario: 'mixed',
      nodes: 1000,
      seed: 1,
      start: Date.UTC(2025, 0, 6),
      tickMs: 60_000,
    });
    try {
      assert.equal(sim.simulation.model.nodes.length, 1000);
      assert.ok(sim.simulation.model.slots.length >= 30_000);
      const started = Date.now();
      sim.clock.advance(60_000);
      sim.tick();
      assert.ok(Date.now() - started < 5000, 'a tick over 30,000 pods takes seconds at most');
      const page = (await (await fetch(`${sim.url}/api/v1/pods?limit=500`)).json()) as {
        items: unknown[];
        metadata: { remainingItemCount?: number };
      };
      assert.equal(page.items.length, 500);
      assert.ok((page.metadata.remainingItemCount ?? 0) >= 29_500);
      const full = await (await fetch(`${sim.url}/api/v1/pods`)).text();
      assert.ok(full.length > 50e6);
      const node = sim.simulation.model.nodes[500];
      assert.ok(node);
      const summary = (await (
        await fetch(`${sim.url}/api/v1/nodes/${node.name}/proxy/stats/summary`)
      ).json()) as { pods: unknown[] };
      assert.ok(summary.pods.length > 10);
      const rss = process.memoryUsage().rss;
      assert.ok(rss < 1.5e9, `rss ${Math.round(rss / 1e6)} MB`);
    } finally {
      await sim.close();
    }
  });
});
