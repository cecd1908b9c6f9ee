// A node whose kubelet accepts connections and never answers, through the API server's node
// proxy and directly (/kubelet/{node}): the kubelet collector's per-node timeout fires, every
// timeout is counted on /metrics and logged once, the other nodes are scraped on every interval
// (the hung node holds one worker for one timeout, never the round), and the node's samples come
// back once it answers again.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeletCollector } from '../../../collectors/kubelet/collector.js';
import { kubeletFactory, type KubeletFactoryConfig } from '../../../collectors/kubelet/factory.js';
import { startSimulator, type RunningSimulator } from '../../../simulator/index.js';
import { waitFor } from '../../support/wait.js';
import { startHarness, type Harness } from './support.js';

const INTERVAL_MS = 1_500;
const TIMEOUT_MS = 500;
/** What a cycle may take beyond the one timeout of the hung node, on a loaded 2-core machine. */
const SLACK_MS = 600;
const HUNG_CYCLES = 5;

interface Cycle {
  readonly startedAt: number;
  readonly endedAt: number;
}

describe('kubelet collector: a node that hangs', () => {
  let sim: RunningSimulator;
  const tokenFile = join(mkdtempSync(join(tmpdir(), 'plimsoll-hang-')), 'token');

  before(async () => {
    writeFileSync(tokenFile, 'sa-token\n');
    sim = await startSimulator({ scenario: 'healthy', nodes: 4, port: 0, speed: 60, tickMs: 200 });
  });

  after(async () => {
    await sim?.close();
  });

  const modes: [string, Partial<KubeletFactoryConfig>][] = [
    ['through the API server node proxy', { mode: 'proxy' }],
    ['directly at /kubelet/{node}', { mode: 'direct', tokenFile }],
  ];

  for (const [title, modeConfig] of modes) {
    it(`times out, counts and logs it once, keeps the other nodes on interval: ${title}`, async () => {
      const harness: Harness = await startHarness();
      const source = `hang-${modeConfig.mode}`;
      const collector = kubeletFactory.create(
        {
          ...kubeletFactory.defaultConfig,
          connection: { server: sim.url },
          ...modeConfig,
          ...(modeConfig.mode === 'direct' && { urlTemplate: `${sim.url}/kubelet/{node}` }),
          intervalMs: INTERVAL_MS,
          jitter: 0,
          timeoutMs: TIMEOUT_MS,
          concurrency: 2,
          // Every cycle also asks the node for its pods: the hung node must still cost one
          // timeout per cycle, not one per request.
          workloadRefreshMs: 0,
        },
        {
          publisher: harness.publisher,
          telemetry: harness.telemetry,
          logger: harness.logger,
          cluster: 'sim',
          source,
        },
      ) as KubeletCollector;
      const cycles: Cycle[] = [];
      const cycle = collector.cycle.bind(collector);
      collector.cycle = async () => {
        const startedAt = Date.now();
        await cycle();
        cycles.push({ startedAt, endedAt: Date.now() });
      };
      const nodes = sim.simulation.model.nodes.map((n) => n.name);
      const hung = nodes[1]!;
      const others = nodes.filter((n) => n !== hung);
      const nodeSamples = (node: string, from = 0, to = Infinity) =>
        harness
          .of('usage_sample', source)
          .map((r) => r.payload)
          .filter(
            (s) =>
              s.node === node &&
              s.metric === 'node_memory_working_set_bytes' &&
              s.podUid === undefined,
          )
          .filter((s) => s.timestamp >= from && s.timestamp < to);
      try {
        await collector.start();
        await waitFor(
          () => nodes.filter((n) => nodeSamples(n).length > 0).length,
          (n) => n === nodes.length,
          { what: 'samples from every node', timeoutMs: 20_000 },
        );
        const timeoutsBefore = await harness.metric('plimsoll_collector_errors_total', {
          collector: 'kubelet',
          error_type: 'timeout',
        });
        assert.equal(timeoutsBefore, 0, 'no timeout while every node answers');

        sim.faults.setKubelet(hung, 'hang');
        const hangFrom = sim.clock.now();
        const hangStartedAt = Date.now();
        const firstCycle = cycles.length;
        await waitFor(
          () => cycles.length,
          (n) => n >= firstCycle + HUNG_CYCLES + 1,
          { what: `${HUNG_CYCLES} cycles with the node hung`, timeoutMs: 30_000 },
        );
        // Only cycles that started after the fault was set are wholly under it.
        const hungCycles = cycles.slice(firstCycle).filter((c) => c.startedAt >= hangStartedAt);
        const hangTo = sim.clock.now();
        sim.faults.setKubelet(hung, undefined);
        const resumedFrom = sim.clock.now();

        assert.ok(hungCycles.length >= HUNG_CYCLES, `cycles under the fault: ${hungCycles.length}`);
        for (const c of hungCycles) {
          const took = c.endedAt - c.startedAt;
          assert.ok(
            took <= TIMEOUT_MS + SLACK_MS,
            `a cycle with the node hung took ${took} ms (one timeout is ${TIMEOUT_MS} ms)`,
          );
        }
        for (let i = 1; i < hungCycles.length; i++) {
          const gap = hungCycles[i]!.startedAt - hungCycles[i - 1]!.startedAt;
          assert.ok(gap <= INTERVAL_MS + SLACK_MS, `cycles start on interval (gap ${gap} ms)`);
        }
        // Every other node was scraped in every one of those cycles: one fresh reading each.
        for (const node of others) {
          const readings = new Set(nodeSamples(node, hangFrom, hangTo).map((s) => s.timestamp));
          assert.ok(
            readings.size >= hungCycles.length,
            `${node}: ${readings.size} readings in ${hungCycles.length} cycles`,
          );
        }
        const hungReadings = nodeSamples(hung, hangFrom + 1, hangTo);
        assert.equal(hungReadings.length, 0, 'nothing came from the hung node');

        const timeouts = await harness.metric('plimsoll_collector_errors_total', {
          collector: 'kubelet',
          error_type: 'timeout',
        });
        assert.ok(
          timeouts >= hungCycles.length && timeouts <= hungCycles.length + 2,
          `one timeout counted per cycle: ${timeouts} for ${hungCycles.length} cycles`,
        );
        assert.equal(
          await harness.metric('plimsoll_component_errors_total', {
            component: 'collector.kubelet',
            error_type: 'timeout',
          }),
          timeouts,
          'the component error counter agrees',
        );
        const logged = harness.warnings({ collector: 'kubelet', errorType: 'timeout' });
        assert.equal(logged.length, 1, `logged once: ${JSON.stringify(logged)}`);
        assert.equal(logged[0]!.node, hung, 'the log names the node');
        assert.equal(
          harness.warnings({ collector: 'kubelet' }).length,
          1,
          'nothing else was logged',
        );

        // Answering again, the node's samples come back within a couple of cycles.
        await waitFor(
          () => nodeSamples(hung, resumedFrom).length,
          (n) => n > 0,
          { what: 'samples of the node once it answers', timeoutMs: 4 * INTERVAL_MS + TIMEOUT_MS },
        );
        const containers = harness
          .of('usage_sample', source)
          .map((r) => r.payload)
          .filter(
            (s) => s.node === hung && s.timestamp >= resumedFrom && s.container !== undefined,
          );
        assert.ok(containers.length > 0, 'container samples of the node are back too');
        assert.ok(collector.health().ready, 'the collector is ready');
      } finally {
        sim.faults.clear();
        await collector.stop();
        await harness.stop();
        await sleep(0);
      }
    });
  }
});
