import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatBacktest, runBacktest, type BacktestReport } from '../../eval/backtest.js';

// A small `mixed` cluster: every misfit kind, the three OOM loop kinds, a flapping node.
describe('recommendation backtest (mixed, 4 nodes)', () => {
  let report: BacktestReport;
  before(async () => {
    report = await runBacktest({ scenarios: ['mixed'], nodes: { mixed: 4 } });
  });

  const row = (name: string) => {
    const found = report.scenarios[0]!.scores.find((s) => s.strategy === name);
    assert.ok(found, `no row for ${name}`);
    return found;
  };

  it('compares the same containers for every strategy', () => {
    const scenario = report.scenarios[0]!;
    assert.ok(scenario.containersCompared >= 20, String(scenario.containersCompared));
    assert.deepEqual(
      scenario.scores.map((s) => s.strategy),
      ['current', 'plimsoll', 'krr-simple', 'vpa'],
    );
  });

  it('Plimsoll has fewer would-be OOM kills than KRR simple at no more reserved memory', () => {
    const plimsoll = row('plimsoll');
    const krr = row('krr-simple');
    assert.ok(krr.wouldBeOomKills > 0, 'the scenario must exercise OOMs');
    assert.ok(plimsoll.wouldBeOomKills < krr.wouldBeOomKills);
    assert.ok(plimsoll.reservedMemoryBytes <= krr.reservedMemoryBytes);
  });

  it('against VPA: fewer OOMs at no more memory, or (the trade measured) as few OOMs at less memory', () => {
    const plimsoll = row('plimsoll');
    const vpa = row('vpa');
    const fewerOoms =
      plimsoll.wouldBeOomKills < vpa.wouldBeOomKills &&
      plimsoll.reservedMemoryBytes <= vpa.reservedMemoryBytes;
    const lessMemory =
      plimsoll.wouldBeOomKills <= vpa.wouldBeOomKills &&
      plimsoll.reservedMemoryBytes < vpa.reservedMemoryBytes;
    assert.ok(fewerOoms || lessMemory, JSON.stringify({ plimsoll, vpa }));
  });

  it('formats a Markdown table with one row per strategy', () => {
    const text = formatBacktest(report);
    assert.match(text, /^Fit on days 1–7, replay days 8–14/);
    assert.match(text, /\| strategy \| would-be OOM kills \|/);
    for (const name of ['current', 'plimsoll', 'krr-simple', 'vpa']) {
      assert.match(text, new RegExp(`^\\| ${name} \\| \\d+ \\|`, 'm'));
    }
  });
});
