// The OOM classification math on constructed series: what an on-call engineer would call each
// pattern is what the classifier says.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  classifyKill,
  loopCategory,
  type SeriesSample,
} from '../../../analyzers/oom-loop/classify.js';
import { heapFlags, jvmSize } from '../../../analyzers/oom-loop/jvm.js';
import { episodeStart, loopRuleMet } from '../../../analyzers/oom-loop/rules.js';
import { oomLoopSettings } from '../../../analyzers/settings.js';

const MI = 1024 * 1024;
const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.UTC(2025, 0, 6);
const settings = oomLoopSettings();

function series(
  from: number,
  to: number,
  stepMs: number,
  bytesAt: (t: number) => number,
): SeriesSample[] {
  const out: SeriesSample[] = [];
  for (let t = from; t < to; t += stepMs) out.push({ t, bytes: bytesAt(t) });
  return out;
}

describe('classifyKill', () => {
  const limit = 1024 * MI;
  const cases: {
    name: string;
    startedAt: number;
    at: number;
    series: SeriesSample[];
    expected: string;
  }[] = [
    {
      name: 'killed 40 s after start is a start-up OOM',
      startedAt: T0,
      at: T0 + 40_000,
      series: [],
      expected: 'startup',
    },
    {
      name: 'steady growth from 250Mi to the limit over 4 h is a slow leak',
      startedAt: T0,
      at: T0 + 4 * HOUR,
      series: series(
        T0,
        T0 + 4 * HOUR,
        5 * MIN,
        (t) => 250 * MI + ((t - T0) / (4 * HOUR)) * 774 * MI,
      ),
      expected: 'slow_leak',
    },
    {
      name: 'only the last 85 minutes of a leaking run seen is still a slow leak',
      startedAt: T0,
      at: T0 + 4.6 * HOUR,
      series: series(
        T0 + 3.2 * HOUR,
        T0 + 4.6 * HOUR,
        5 * MIN,
        (t) => 240 * MI + ((t - T0) / (4.6 * HOUR)) * 784 * MI,
      ),
      expected: 'slow_leak',
    },
    {
      name: 'flat at 450Mi, then a jump to the limit in minutes is a load spike',
      startedAt: T0,
      at: T0 + 10 * HOUR,
      series: series(T0, T0 + 10 * HOUR, 5 * MIN, (t) =>
        t > T0 + 10 * HOUR - 5 * MIN ? 1000 * MI : 450 * MI,
      ),
      expected: 'load_spike',
    },
    {
      name: 'hovering at 95% of the limit for hours is a limit too low',
      startedAt: T0,
      at: T0 + 6 * HOUR,
      series: series(T0, T0 + 6 * HOUR, 5 * MIN, (t) => 970 * MI + ((t / MIN) % 3) * MI),
      expected: 'limit_too_low',
    },
    {
      name: 'two samples are not enough to say',
      startedAt: T0,
      at: T0 + 6 * HOUR,
      series: series(T0 + 6 * HOUR - 10 * MIN, T0 + 6 * HOUR, 5 * MIN, () => 1000 * MI),
      expected: 'unknown',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const verdict = classifyKill(
        { at: c.at, startedAt: c.startedAt, limitBytes: limit, series: c.series },
        settings,
      );
      assert.equal(verdict.category, c.expected);
    });
  }

  it('reports the growth of a leak in MiB/h', () => {
    const verdict = classifyKill(
      {
        at: T0 + 4 * HOUR,
        startedAt: T0,
        limitBytes: limit,
        series: series(T0, T0 + 4 * HOUR, 5 * MIN, (t) => 250 * MI + ((t - T0) / HOUR) * 190 * MI),
      },
      settings,
    );
    assert.equal(Math.round(verdict.growthBytesPerHour! / MI), 190);
  });

  it('takes the most common verdict for the loop, ignoring unknowns', () => {
    const v = (category: 'slow_leak' | 'unknown' | 'load_spike') => ({ category, reason: '' });
    assert.equal(
      loopCategory([v('unknown'), v('slow_leak'), v('slow_leak'), v('load_spike')]),
      'slow_leak',
    );
    assert.equal(loopCategory([v('unknown')]), 'unknown');
  });
});

describe('loop rules', () => {
  const rules = settings.rules;
  const table: { kills: number[]; loop: boolean; name: string }[] = [
    { name: 'a single OOM is an event', kills: [0], loop: false },
    { name: 'two kills 5 h apart are not (yet) a loop', kills: [0, 5 * HOUR], loop: false },
    { name: 'three kills within 24 h are a loop', kills: [0, 8 * HOUR, 20 * HOUR], loop: true },
    { name: 'three kills over 30 h are not', kills: [0, 15 * HOUR, 30 * HOUR], loop: false },
    { name: 'two kills within an hour are a loop', kills: [0, 40 * MIN], loop: true },
  ];
  for (const row of table) {
    it(row.name, () =>
      assert.equal(
        loopRuleMet(
          row.kills.map((k) => T0 + k),
          rules,
        ) !== undefined,
        row.loop,
      ),
    );
  }

  it('starts an episode after the last gap longer than the loop window', () => {
    assert.equal(
      episodeStart([T0, T0 + 30 * HOUR, T0 + 40 * HOUR, T0 + 50 * HOUR], 24 * HOUR),
      T0 + 30 * HOUR,
    );
  });
});

describe('JVM heap flags', () => {
  it('reads sizes the way the JVM does', () => {
    assert.equal(jvmSize('2g'), 2 * 1024 * MI);
    assert.equal(jvmSize('1536m'), 1536 * MI);
    assert.equal(jvmSize('12x'), undefined);
  });

  it('finds -Xmx and MaxRAMPercentage among the runtime hints', () => {
    const flags = heapFlags(['-Xms2g', '-Xmx2g', '-XX:MaxRAMPercentage=80']);
    assert.equal(flags.maxHeapBytes, 2 * 1024 * MI);
    assert.equal(flags.maxHeapFlag, '-Xmx2g');
    assert.equal(flags.maxRamPercentage, 80);
    assert.equal(heapFlags(['--max-old-space-size=4096']).isJvm, false);
  });
});
