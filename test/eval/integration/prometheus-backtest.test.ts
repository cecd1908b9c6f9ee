// Recommendations made from a plain Prometheus: the recommendation backtest with its fit week read
// back from a real Prometheus by the prometheus collector, beside the same backtest fitted on the
// simulator's own replay. A planner pointing Plimsoll at their Prometheus gets the same sizing,
// container by container, and the same outcome when the next week is replayed.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { runBacktest, type BacktestReport } from '../../../eval/backtest.js';
import type { ContainerDetail } from '../../../eval/backtest/report.js';
import { requireServices } from '../../support/services.js';

const OPTIONS = { scenarios: ['mixed'], nodes: { mixed: 4 } } as const;

/** Plimsoll's sizing per container. */
function plimsollSizing(report: BacktestReport): Map<string, ContainerDetail> {
  return new Map(
    report.scenarios[0]!.details.filter((d) => d.strategy === 'plimsoll').map((d) => [
      d.container,
      d,
    ]),
  );
}

const within = (a: number | undefined, b: number | undefined, share: number) =>
  a !== undefined && b !== undefined && Math.abs(a - b) <= share * Math.max(a, b);

describe(
  'recommendation backtest fitted on Prometheus data (mixed, 4 nodes)',
  { timeout: 10 * 60_000 },
  () => {
    let live: BacktestReport;
    let viaPrometheus: BacktestReport;

    before(async () => {
      await requireServices('prometheus');
      live = await runBacktest({ ...OPTIONS, via: 'live' });
      viaPrometheus = await runBacktest({ ...OPTIONS, via: 'prometheus' });
    });

    it('sizes the same containers, each within a few percent of the live fit', () => {
      assert.equal(viaPrometheus.via, 'prometheus');
      const fromLive = plimsollSizing(live);
      const fromPrometheus = plimsollSizing(viaPrometheus);
      const both = [...fromLive.keys()].filter((c) => fromPrometheus.has(c));
      // A container that restarts every few minutes has no CPU rate at a 5-minute scrape: at most
      // one such container is skipped on the Prometheus path, and it is counted as skipped.
      assert.ok(
        both.length >= fromLive.size - 1,
        `${both.length} of ${fromLive.size} sized on both`,
      );
      assert.ok(viaPrometheus.scenarios[0]!.skipped <= 1);
      assert.equal(fromPrometheus.size, both.length, 'nothing sized from Prometheus alone');
      for (const container of both) {
        const a = fromLive.get(container)!;
        const b = fromPrometheus.get(container)!;
        assert.ok(
          within(a.requests.memoryBytes, b.requests.memoryBytes, 0.05),
          `${container} memory request ${a.requests.memoryBytes} vs ${b.requests.memoryBytes}`,
        );
        assert.ok(
          within(a.limits.memoryBytes, b.limits.memoryBytes, 0.1),
          `${container} memory limit ${a.limits.memoryBytes} vs ${b.limits.memoryBytes}`,
        );
        // CPU from a counter's rate over two scrapes, against the replay's instantaneous cores.
        assert.ok(
          within(a.requests.cpuCores, b.requests.cpuCores, 0.1),
          `${container} CPU request ${a.requests.cpuCores} vs ${b.requests.cpuCores}`,
        );
      }
    });

    it('Plimsoll sizing fitted on Prometheus data would not have been OOM-killed in the replay week', () => {
      const plimsoll = viaPrometheus.scenarios[0]!.scores.find((s) => s.strategy === 'plimsoll')!;
      const current = viaPrometheus.scenarios[0]!.scores.find((s) => s.strategy === 'current')!;
      assert.ok(current.wouldBeOomKills > 0, 'the replay week has OOM kills at the current spec');
      assert.equal(plimsoll.wouldBeOomKills, 0);
    });
  },
);
