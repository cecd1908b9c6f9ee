// The pieces of the evaluation that need no cluster: OOM-loop class accuracy against the ground
// truth, the confusion table as printed, and the command line of `npm run eval`.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Finding } from '../../core/domain.js';
import type { ScenarioResult } from '../../eval/evaluate.js';
import { formatMarkdown } from '../../eval/format.js';
import {
  classifyOomLoops,
  scoreFlapping,
  scoreOomLoops,
  type Detection,
} from '../../eval/match.js';
import { parseArgs, verdicts } from '../../eval/run.js';
import { VARIANTS } from '../../eval/variants.js';
import type { GroundTruth } from '../../simulator/index.js';

const H = 3_600_000;
const workload = (name: string) => ({ namespace: 'shop', kind: 'Deployment', name });

function loop(name: string, kind: GroundTruth['oomLoops'][number]['kind']) {
  return {
    workload: workload(name),
    container: 'app',
    kind,
    limitBytes: 1 << 30,
    crashLoopBackOff: false,
    kills: [1, 2, 3].map((i) => ({
      namespace: 'shop',
      pod: `${name}-1`,
      podUid: `${name}-uid`,
      node: 'n1',
      container: 'app',
      at: i * H,
      startedAt: (i - 1) * H,
      exitCode: 137,
      restartCount: i,
      scope: 'cgroup' as const,
    })),
  };
}

function truth(loops: GroundTruth['oomLoops']): GroundTruth {
  return {
    scenario: 'test',
    seed: 1,
    cluster: 'sim',
    window: { from: 0, to: 10 * H },
    flappingNodes: [],
    reboots: [],
    oomLoops: loops,
    singleOoms: [],
    systemOoms: [],
    evictions: [],
    misfits: [],
  };
}

function found(name: string, category: string, at: number): Detection {
  return {
    firstOpenAt: at,
    finding: {
      id: `${name}-${category}`,
      kind: 'oom_loop',
      category,
      subject: {
        type: 'workload_container',
        cluster: 'sim',
        workload: workload(name),
        container: 'app',
      },
      title: `${name} loops`,
    } as unknown as Finding,
  };
}

describe('OOM-loop class accuracy', { timeout: 30_000 }, () => {
  const planted = truth([
    loop('leaky', 'slow_leak'),
    loop('jvm', 'startup'),
    loop('batch', 'load_spike'),
  ]);

  it('tables each planted loop against the class of its first finding', () => {
    const detections = [
      found('leaky', 'limit_too_low', 3 * H),
      found('leaky', 'slow_leak', 2 * H), // first opened: this class counts
      found('jvm', 'unknown', 2 * H),
      found('other', 'load_spike', 4 * H),
    ];
    const c = classifyOomLoops(planted, detections);
    assert.equal(c.table.slow_leak.slow_leak, 1);
    assert.equal(c.table.slow_leak.limit_too_low, 0);
    assert.equal(c.table.startup.unknown, 1);
    assert.equal(c.table.load_spike.none, 1);
    assert.equal(c.noLoop.load_spike, 1);
    assert.deepEqual([c.found, c.correct, c.accuracy], [2, 1, 0.5]);
    // The TP count still demands the class: the wrong-class finding is a false alarm.
    const score = scoreOomLoops(planted, detections);
    assert.deepEqual([score.tp, score.fp, score.fn], [1, 3, 2]);
  });

  it('prints the table per path beside the scores', () => {
    const c = classifyOomLoops(planted, [found('leaky', 'slow_leak', 2 * H)]);
    const result = (via: 'live' | 'prometheus', stepMs: number): ScenarioResult => ({
      scenario: 'test',
      via,
      stepMs,
      chunkMs: 600_000,
      nodes: 1,
      pods: 3,
      agreement: { openFindings: 1, disagreements: [], unwindowedCounts: [] },
      window: planted.window,
      runs: 1,
      findings: 1,
      scores: [scoreOomLoops(planted, [found('leaky', 'slow_leak', 2 * H)])],
      oomClasses: c,
      examples: [],
      records: { container_termination: 9 },
      timings: {},
      durationMs: 1,
    });
    const text = formatMarkdown([result('live', 300_000), result('prometheus', 60_000)]);
    assert.match(text, /\| test \| live, 5 min \| 3 \| 1 \| 1 \| 0 \| 2 \|/);
    assert.match(text, /\| test \| prometheus, 1 min \|/);
    assert.match(text, /### prometheus, 1 min — accuracy 1\.00 \(1\/1\)/);
    assert.match(text, /\| slow leak \| \*\*1\*\* \| 0 \| 0 \| 0 \| 0 \| 0 \|/);
    assert.match(text, /\| load spike \| 0 \| 0 \| \*\*0\*\* \| 0 \| 0 \| 1 \|/);
    assert.deepEqual(verdicts([result('live', 300_000)]), ['oom_loop recall 0.33 < 0.98']);
    const disagreeing: ScenarioResult = {
      ...result('live', 300_000),
      agreement: {
        openFindings: 2,
        disagreements: [
          {
            subject: 'shop/cart/app',
            resource: 'memory_limit',
            a: { id: 'a', kind: 'oom_loop', category: 'slow_leak', direction: 'hold' },
            b: { id: 'b', kind: 'requests_misfit', direction: 'raise' },
          },
        ],
        unwindowedCounts: ['oom_loop a: "killed 9 times"'],
      },
    };
    assert.deepEqual(verdicts([disagreeing]).slice(1), [
      'test: 1 contradicting findings',
      'test: 1 kill counts without a window',
    ]);
  });
});

describe('memory-flapping score', { timeout: 30_000 }, () => {
  const flapping = (node: string, category: string): Detection => ({
    firstOpenAt: 2 * H,
    finding: {
      id: `${node}-${category}`,
      kind: 'node_memory_flapping',
      category,
      subject: { type: 'node', cluster: 'sim', node },
      window: { from: H, to: 3 * H },
      title: `${node} flapping`,
    } as unknown as Finding,
  });

  it('scores memory flapping only: a NotReady-only finding is neither a hit nor an alarm', () => {
    const planted: GroundTruth = {
      ...truth([]),
      flappingNodes: [
        {
          node: 'n1',
          pool: 'general',
          cause: {
            allocatableEqualsCapacity: true,
            bestEffortWorkloads: [],
            memoryLimitOvercommit: 1.5,
          },
          episodes: [
            {
              from: H,
              to: 3 * H,
              cycles: 3,
              memoryPressureTrue: [],
              notReady: [],
              readyAgain: [],
              systemOoms: [],
              evictions: [],
            },
          ],
        },
      ],
    };
    const score = scoreFlapping(planted, [
      flapping('n1', 'memory_pressure'),
      // A network problem on another node, reported as not_ready: not memory flapping.
      flapping('n2', 'not_ready'),
    ]);
    assert.deepEqual([score.tp, score.fp, score.fn], [1, 0, 0]);
    // The planted node reported only as not_ready is a miss.
    const missed = scoreFlapping(planted, [flapping('n1', 'not_ready')]);
    assert.deepEqual([missed.tp, missed.fp, missed.fn], [0, 0, 1]);
  });
});

describe('npm run eval arguments', { timeout: 30_000 }, () => {
  it('runs every variant on the prometheus path unless scenarios or variants are named', () => {
    assert.equal(parseArgs(['--via', 'prometheus']).variants.length, VARIANTS.length);
    assert.deepEqual(parseArgs(['--scenario', 'mixed']).variants, []);
    assert.deepEqual(
      parseArgs(['--variant', 'ksm-v1', '--variant', 'scrape-300s']).variants.map((v) => v.name),
      ['ksm-v1', 'scrape-300s'],
    );
    assert.equal(parseArgs(['--variant', 'all']).variants.length, VARIANTS.length);
    assert.deepEqual(parseArgs(['--via', 'prometheus', '--no-variants']).variants, []);
    assert.throws(() => parseArgs(['--variant', 'nope']), /unknown variant "nope"; known: ksm-v1/);
  });

  it('defaults to the live path as before', () => {
    const args = parseArgs([]);
    assert.deepEqual(args.paths, ['live']);
    assert.equal(args.enforce, false);
  });

  it('takes the path, the scrape intervals in seconds, --enforce and scenarios', () => {
    const args = parseArgs([
      '--via',
      'both',
      '--scrape',
      '60,300',
      '--enforce',
      '--scenario',
      'mixed',
    ]);
    assert.deepEqual(args.paths, ['live', 'prometheus']);
    assert.deepEqual(args.scrapeMs, [60_000, 300_000]);
    assert.equal(args.enforce, true);
    assert.deepEqual(args.scenarios, ['mixed']);
  });

  it('refuses what it cannot run', () => {
    assert.throws(() => parseArgs(['--via', 'kafka']), /--via must be/);
    assert.throws(() => parseArgs(['--scrape', '1m']), /--scrape takes seconds/);
  });
});
