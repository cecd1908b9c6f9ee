import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { scoreContainer } from '../../eval/backtest/score.js';
import { shareAbove } from '../../eval/backtest/share-above.js';
import type { UsageStats } from '../../store/store.js';

const MIB = 2 ** 20;

/** Stats of the values 1..100 with an exact percentile grid. */
function uniform(): UsageStats {
  const percentiles: Record<string, number> = {};
  for (let p = 1; p <= 99; p++) percentiles[String(p)] = p;
  percentiles['99.5'] = 99.5;
  percentiles['99.9'] = 99.9;
  return {
    key: {
      cluster: 'c',
      workload: { namespace: 'n', kind: 'Deployment', name: 'w' },
      container: 'c',
    },
    metric: 'cpu_usage_cores',
    samples: 1000,
    first: 0,
    last: 1,
    min: 0.5,
    max: 100,
    mean: 50,
    percentiles,
  };
}

describe('backtest scoring', () => {
  const cases: [number, number][] = [
    [100, 0],
    [95, 0.05],
    [50.5, 0.5],
    [0.1, 1],
  ];
  for (const [threshold, share] of cases) {
    it(`share above ${threshold} is ${share}`, () => {
      assert.ok(Math.abs(shareAbove(uniform(), threshold) - share) < 1e-9);
    });
  }

  it('counts 5-minute windows over the limit and kills the limit would not have covered', () => {
    const replay = {
      memoryWindowPeaks: [500, 700, 900, 950].map((m) => m * MIB),
      killLimits: [768 * MIB, 768 * MIB],
      replicas: 3,
    };
    const score = (limit: number | undefined) =>
      scoreContainer(
        {
          requests: { cpuCores: 0.5, memoryBytes: 512 * MIB },
          limits: limit === undefined ? {} : { memoryBytes: limit * MIB },
        },
        replay,
      );
    // 768 × 1.2 = 921.6 MiB is the demand a kill at 768 MiB is assumed to have had.
    assert.deepEqual([score(880).oomWindows, score(880).uncoveredKills], [2, 2]);
    assert.deepEqual([score(930).oomWindows, score(930).uncoveredKills], [1, 0]);
    assert.deepEqual([score(undefined).oomWindows, score(undefined).uncoveredKills], [0, 0]);
    assert.equal(score(930).reservedMemoryBytes, 3 * 512 * MIB);
    assert.equal(score(930).reservedCpuCores, 1.5);
  });
});
