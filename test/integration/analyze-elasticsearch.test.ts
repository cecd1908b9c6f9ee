// The analyzers on the production store: two days of the slow-leak and flapping scenarios in
// Elasticsearch, then `plimsoll analyze` as a user runs it; the loop and the flapping node are
// found from Elasticsearch's answers alone.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadSimulation, createSimulation, groundTruth } from '../../simulator/index.js';
import type { Finding } from '../../core/domain.js';
import { ElasticsearchStore } from '../../store/elasticsearch/store.js';
import { runCli } from '../support/cli.js';
import { requireServices, SERVICE_URLS } from '../support/services.js';

const DAY = 86_400_000;
const START = Date.UTC(2026, 10, 2);

describe('plimsoll analyze on Elasticsearch', () => {
  const prefix = `plimsoll-an-${randomBytes(4).toString('hex')}`;
  let store: ElasticsearchStore;
  before(async () => {
    await requireServices('elasticsearch');
    store = new ElasticsearchStore({ node: SERVICE_URLS.elasticsearch, indexPrefix: prefix });
    await store.start();
  });
  after(async () => {
    await store?.destroy();
    await store?.stop();
  });

  for (const { scenario, kind } of [
    { scenario: 'oom-slow-leak', kind: 'oom_loop' },
    { scenario: 'node-flapping', kind: 'node_memory_flapping' },
  ]) {
    it(`finds the ${scenario} scenario's problem from Elasticsearch`, async () => {
      const sim = createSimulation({ scenario, seed: 1, start: START });
      const truth = groundTruth(sim, { from: START, to: START + 2 * DAY });
      const window = { from: START, to: START + 2 * DAY };
      await loadSimulation(store, sim, window, { stepMs: 5 * 60_000 });
      await store.refresh();
      // The analysis time: the end of the last planted episode or kill in the window.
      const at =
        kind === 'oom_loop'
          ? Math.max(
              ...truth.oomLoops.flatMap((loop) =>
                loop.kills.map((k) => k.at).filter((t) => t < window.to),
              ),
            ) + 60_000
          : Math.max(
              ...truth.flappingNodes.flatMap((n) =>
                n.episodes.map((e) => e.to).filter((t) => t < window.to),
              ),
            ) + 60_000;
      const config = join(mkdtempSync(join(tmpdir(), 'plimsoll-analyze-')), 'plimsoll.yaml');
      writeFileSync(
        config,
        [
          `cluster: ${sim.model.cluster}`,
          'runtime:',
          '  store: elasticsearch',
          'elasticsearch:',
          `  node: ${SERVICE_URLS.elasticsearch}`,
          `  indexPrefix: ${prefix}`,
          '',
        ].join('\n'),
      );
      const result = await runCli(
        [
          '--config',
          config,
          'analyze',
          '--at',
          new Date(at).toISOString(),
          '--only',
          'oom-loop,node-flapping',
          '--json',
        ],
        {},
        180_000,
      );
      assert.equal(result.code, 0, result.stderr);
      const { findings } = JSON.parse(result.stdout) as { findings: Finding[] };
      const found = findings.filter((finding) => finding.kind === kind);
      assert.ok(
        found.length >= 1,
        `expected a ${kind} finding, got ${findings.map((f) => f.kind).join(', ')}`,
      );
      if (kind === 'oom_loop') {
        const loop = truth.oomLoops[0]!;
        assert.ok(
          found.some(
            (f) =>
              f.subject.type === 'workload_container' &&
              f.subject.workload.name === loop.workload.name &&
              f.category === 'slow_leak',
          ),
          'the leaking workload is named and classified as a slow leak',
        );
      } else {
        const node = truth.flappingNodes[0]!.node;
        assert.ok(
          found.some((f) => f.subject.type === 'node' && f.subject.node === node),
          'the flapping node is named',
        );
      }
    });
  }
});
