import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { krrSimpleStrategy } from '../../../analyzers/recommendations/strategies/krr-simple.js';
import { plimsollStrategy } from '../../../analyzers/recommendations/strategies/plimsoll.js';
import { peakPercentile, vpaStrategy } from '../../../analyzers/recommendations/strategies/vpa.js';
import { InvalidStrategySettingError } from '../../../analyzers/recommendations/strategy-settings.js';
import type { ContainerHistory, StrategyResult } from '../../../analyzers/recommendations/types.js';
import { CLUSTER, DAY, MIB, START, stats } from './fixtures.js';

const context = { window: { from: START, to: START + 7 * DAY }, now: START + 7 * DAY };

function history(overrides: Partial<ContainerHistory> = {}): ContainerHistory {
  return {
    key: {
      cluster: CLUSTER,
      workload: { namespace: 'ns', kind: 'Deployment', name: 'w' },
      container: 'c',
    },
    cpu: stats('cpu_usage_cores', {
      max: 0.5,
      percentiles: { '50': 0.2, '90': 0.3, '95': 0.4, '99': 0.45 },
    }),
    memory: stats('memory_working_set_bytes', {
      max: 650 * MIB,
      percentiles: { '50': 500 * MIB, '95': 580 * MIB, '99': 600 * MIB },
    }),
    oomKills: [],
    current: {
      requests: { cpuCores: 1, memoryBytes: 512 * MIB },
      limits: { memoryBytes: 1024 * MIB },
    },
    replicas: 2,
    runtimeHints: [],
    ...overrides,
  };
}

function sized(result: StrategyResult) {
  assert.equal(result.kind, 'recommendation', JSON.stringify(result));
  if (result.kind !== 'recommendation') throw new Error('unreachable');
  return {
    cpu: result.requests.cpuCores,
    memory:
      result.requests.memoryBytes === undefined ? undefined : result.requests.memoryBytes / MIB,
    cpuLimit: result.limits.cpuCores,
    memoryLimit:
      result.limits.memoryBytes === undefined ? undefined : result.limits.memoryBytes / MIB,
  };
}

describe('krr-simple', () => {
  const cases: { name: string; h: ContainerHistory; want: ReturnType<typeof sized> }[] = [
    {
      name: 'CPU p95, no CPU limit; memory request = limit = max + 15%',
      h: history(),
      want: {
        cpu: 0.4,
        memory: Math.ceil(650 * 1.15),
        cpuLimit: undefined,
        memoryLimit: Math.ceil(650 * 1.15),
      },
    },
    {
      name: 'ignores OOM kills: the buffer is all the headroom it gets',
      h: history({ oomKills: [{ at: START + DAY, limitBytes: 650 * MIB }] }),
      want: {
        cpu: 0.4,
        memory: Math.ceil(650 * 1.15),
        cpuLimit: undefined,
        memoryLimit: Math.ceil(650 * 1.15),
      },
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(sized(krrSimpleStrategy().recommend(c.h, context)), c.want));
  }

  it('answers not enough data below pointsRequired', () => {
    const h = history({
      cpu: stats('cpu_usage_cores', { max: 1, percentiles: { '95': 1 }, samples: 50 }),
    });
    const result = krrSimpleStrategy().recommend(h, context);
    assert.equal(result.kind, 'not_enough_data');
    assert.match(
      result.kind === 'not_enough_data' ? result.reason : '',
      /50 CPU usage samples, fewer than the 100/,
    );
  });
});

describe('vpa', () => {
  const peaks = [500, 520, 540, 560, 580, 600, 640].map((m) => m * MIB);
  it('CPU = p90 × 1.15; memory = p90 of daily peaks × 1.15; limits keep the current ratio', () => {
    const got = sized(vpaStrategy().recommend(history({ memoryPeaks: peaks }), context));
    assert.equal(got.cpu, 0.345);
    assert.equal(got.memory, Math.ceil(640 * 1.15));
    assert.equal(got.memoryLimit, Math.ceil(Math.ceil(640 * 1.15) * 2));
    assert.equal(got.cpuLimit, undefined);
  });

  it('folds an OOM kill in as max(used + 100 MiB, used × 1.2) for its interval', () => {
    const h = history({
      memoryPeaks: [500 * MIB],
      oomKills: [{ at: START + 3600_000, requestBytes: 512 * MIB, limitBytes: 1024 * MIB }],
    });
    // used = max(request 512, peak 500) = 512 MiB → need max(612, 614.4) = 614.4 MiB
    assert.equal(sized(vpaStrategy().recommend(h, context)).memory, Math.ceil(614.4 * 1.15));
  });

  it('applies the pod minimums of 25m and 250 MiB', () => {
    const h = history({
      cpu: stats('cpu_usage_cores', {
        max: 0.01,
        percentiles: { '50': 0.005, '90': 0.01, '95': 0.01 },
      }),
      memoryPeaks: [30 * MIB],
      current: { requests: {}, limits: {} },
    });
    assert.deepEqual(sized(vpaStrategy().recommend(h, context)), {
      cpu: 0.025,
      memory: 250,
      cpuLimit: undefined,
      memoryLimit: undefined,
    });
  });

  it('peakPercentile picks the smallest peak covering the share', () => {
    assert.equal(peakPercentile([3, 1, 2, 4, 5, 6, 7, 8, 9, 10], 0.9), 9);
    assert.equal(peakPercentile([1, 2, 3, 4, 5, 6, 7], 0.9), 7);
    assert.equal(peakPercentile([], 0.9), 0);
  });

  it('answers not enough data without CPU samples', () => {
    const result = vpaStrategy().recommend(history({ cpu: undefined }), context);
    assert.deepEqual(result, {
      kind: 'not_enough_data',
      strategy: 'vpa',
      reason: 'no CPU usage samples in the window',
    });
  });
});

describe('plimsoll', () => {
  const cases: { name: string; h: ContainerHistory; want: ReturnType<typeof sized> }[] = [
    {
      // spread (600-500)/500 = 20% → margin 5% + 10% = 15%; limit = max(650×1.3, 690×1.25)
      name: 'memory request = p99 + spread-scaled margin, limit above peak and request',
      h: history(),
      want: { cpu: 0.44, memory: 690, cpuLimit: undefined, memoryLimit: Math.ceil(690 * 1.25) },
    },
    {
      // kill at 768 MiB → need max(921.6, 868) × 1.15
      name: 'an OOM kill at the old limit raises the limit past the VPA-style bump',
      h: history({ oomKills: [{ at: START + DAY, limitBytes: 768 * MIB }] }),
      want: {
        cpu: 0.44,
        memory: 690,
        cpuLimit: undefined,
        memoryLimit: Math.ceil(768 * 1.2 * 1.15),
      },
    },
    {
      name: 'a fixed JVM heap sets the floor of request and limit',
      h: history({ runtimeHints: ['-Xms2g', '-Xmx2g'] }),
      want: { cpu: 0.44, memory: 2048, cpuLimit: undefined, memoryLimit: Math.ceil(2048 * 1.3) },
    },
    {
      name: 'throttled CPU is corrected to demand: usage ÷ (1 − throttled share)',
      h: history({
        throttling: stats('cpu_throttled_ratio', { max: 0.6, percentiles: { '50': 0.5 } }),
      }),
      want: { cpu: 0.88, memory: 690, cpuLimit: undefined, memoryLimit: Math.ceil(690 * 1.25) },
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(sized(plimsollStrategy().recommend(c.h, context)), c.want));
  }

  it('sets a CPU limit only when asked to', () => {
    const got = sized(plimsollStrategy({ cpuLimitRatio: 2 }).recommend(history(), context));
    assert.equal(got.cpuLimit, 0.88);
  });

  const thin: { name: string; h: ContainerHistory; reason: RegExp }[] = [
    {
      name: 'too few samples',
      h: history({
        memory: stats('memory_working_set_bytes', {
          max: 1,
          percentiles: { '50': 1, '99': 1 },
          samples: 10,
        }),
      }),
      reason: /10 memory working set samples, fewer than the 30 required/,
    },
    {
      name: 'too short a history',
      h: history({
        cpu: stats('cpu_usage_cores', { max: 1, percentiles: { '95': 1 }, hours: 12 }),
      }),
      reason: /CPU usage history covers 12.0 h, less than the 24 h required/,
    },
    {
      name: 'no memory series',
      h: history({ memory: undefined }),
      reason: /no memory working set samples/,
    },
  ];
  for (const c of thin) {
    it(`answers not enough data: ${c.name}`, () => {
      const result = plimsollStrategy().recommend(c.h, context);
      assert.equal(result.kind, 'not_enough_data');
      assert.match(result.kind === 'not_enough_data' ? result.reason : '', c.reason);
    });
  }

  it('rejects a setting out of bounds, naming it', () => {
    assert.throws(
      () => plimsollStrategy({ cpuPercentile: 0 }),
      (error: unknown) => {
        assert.ok(error instanceof InvalidStrategySettingError);
        assert.match(error.message, /plimsoll\.cpuPercentile: must be ≥ 1/);
        return true;
      },
    );
  });

  it('reports confidence from the history length', () => {
    const result = plimsollStrategy().recommend(
      history({
        cpu: stats('cpu_usage_cores', { max: 0.5, percentiles: { '95': 0.4 }, hours: 48 }),
      }),
      context,
    );
    assert.equal(result.kind, 'recommendation');
    if (result.kind === 'recommendation') {
      assert.equal(result.confidence.level, 'medium');
      assert.equal(result.confidence.historyHours, 48);
    }
  });
});
