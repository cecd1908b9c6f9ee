// The replay publishes what real collectors would: valid envelopes, one termination per kill
// with the kill's time, transitions for condition changes, and batches of bounded size.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateEnvelope, type AnyEnvelope } from '../../../core/envelope.js';
import {
  loadSimulation,
  replayChunks,
  replaySimulation,
  createSimulation,
  groundTruth,
} from '../../../simulator/index.js';
import { MemoryStore } from '../../../store/memory.js';

const HOUR = 3_600_000;
const START = Date.UTC(2025, 0, 6);

describe('simulation replay', () => {
  it('writes one OOMKilled termination per planted kill, at the kill time', async () => {
    const sim = createSimulation({ scenario: 'oom-slow-leak', start: START });
    const window = { from: START, to: START + 12 * HOUR };
    const store = new MemoryStore();
    const counts = await loadSimulation(store, sim, window, { stepMs: 300_000 });
    const truth = groundTruth(sim, window);
    const planted = [
      ...truth.oomLoops.flatMap((l) => l.kills),
      ...truth.singleOoms.map((s) => s.kill),
    ];
    const kills = await store.terminations({
      cluster: sim.model.cluster,
      window,
      reasons: ['OOMKilled'],
    });
    assert.ok(planted.length >= 3);
    assert.deepEqual(
      kills.map((k) => [k.podUid, k.termination.finishedAt]).sort(),
      planted.map((k) => [k.podUid, Math.floor(k.at / 1000) * 1000]).sort(),
    );
    assert.ok(counts.usage_sample > 0 && counts.pod > 0 && counts.node > 0 && counts.log_line > 0);
    const lines = await store.logLines({
      cluster: sim.model.cluster,
      namespace: kills[0]!.namespace,
      pod: kills[0]!.pod,
      container: kills[0]!.container,
      window,
      limit: 5,
    });
    assert.ok(lines.length > 0, 'the lines before a kill are replayed');
  });

  it('publishes only valid envelopes, in bounded batches, with the reboot as transitions', async () => {
    const sim = createSimulation({ scenario: 'node-flapping', start: START });
    const reboot = groundTruth(sim).reboots[0]!;
    const window = { from: reboot.at - HOUR, to: reboot.at + HOUR };
    const transitions: AnyEnvelope[] = [];
    for await (const batch of replaySimulation(sim, window, { batchSize: 2000, stepMs: 120_000 })) {
      assert.ok(batch.length <= 2000);
      for (const record of batch) {
        const verdict = validateEnvelope(record);
        assert.ok(verdict.ok, verdict.ok ? '' : `${record.kind}: ${verdict.reason}`);
        if (record.kind === 'node_transition' && record.payload.node === reboot.node)
          transitions.push(record);
      }
    }
    const ready = transitions.flatMap((r) =>
      r.kind === 'node_transition' && r.payload.condition === 'Ready' && r.payload.from !== 'Absent'
        ? [`${r.payload.from}->${r.payload.to}`]
        : [],
    );
    assert.deepEqual(ready, ['True->Unknown', 'Unknown->False', 'False->True']);
  });

  it(
    'replays a chunk of more samples than a call takes arguments',
    { timeout: 120_000 },
    async () => {
      // A day of 6 nodes at a 30-second step: about 400,000 usage samples in one chunk.
      const sim = createSimulation({ scenario: 'mixed', start: START, nodes: 6 });
      const window = { from: START, to: START + 24 * HOUR };
      let samples = 0;
      let chunks = 0;
      for await (const chunk of replayChunks(sim, window, {
        stepMs: 30_000,
        chunkMs: 24 * HOUR,
        batchSize: Number.MAX_SAFE_INTEGER,
        logs: 'none',
      })) {
        chunks += 1;
        samples += chunk.records.filter((r) => r.kind === 'usage_sample').length;
      }
      assert.equal(chunks, 1);
      assert.ok(samples > 200_000, `${samples} samples in the chunk`);
    },
  );
});
