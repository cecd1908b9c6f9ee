// analysis.settings reaches the analyzers the runtime, `plimsoll analyze` and `plimsoll scan`
// build: windows, the sizing strategy and its settings; a key the schema does not know, or a
// strategy setting out of bounds, is a configuration error naming the key.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configuredAnalyzers, FLAPPING_ANALYZER } from '../../analyzers/index.js';
import { loadConfig } from '../../core/config/load.js';
import { configFiles, failure } from '../core/config-support.js';
import { clusterRecords, WINDOW } from './recommendations/cluster-fixture.js';
import { CLUSTER, storeWith } from './recommendations/fixtures.js';

const DAY = 86_400_000;
const file = configFiles('plimsoll-analysis-settings-');

describe('analysis.settings', () => {
  it('sets windows and the sizing strategy of the analyzers a process builds', async () => {
    const path = file(
      'settings.yaml',
      [
        'analysis:',
        '  settings:',
        '    recommendations: { strategy: vpa, windowDays: 7 }',
        '    misfit: { windowDays: 21 }',
        '    flapping: { windowMs: 21600000 }',
      ].join('\n'),
    );
    const analyzers = configuredAnalyzers(loadConfig({ file: path, env: {} }));
    const byName = new Map(analyzers.map((a) => [a.name, a]));
    assert.equal(byName.get('recommendations')!.windowMs, 7 * DAY);
    assert.equal(byName.get('requests-misfit')!.windowMs, 21 * DAY);
    assert.equal(byName.get(FLAPPING_ANALYZER)!.windowMs, 6 * 3_600_000);
    // Defaults where nothing is set.
    assert.equal(byName.get('node-capacity-misfit')!.windowMs, 14 * DAY);

    const store = await storeWith(clusterRecords());
    const findings = await byName
      .get('recommendations')!
      .analyze({ cluster: CLUSTER, window: WINDOW, now: WINDOW.to, store });
    assert.ok(findings.length > 0);
    for (const f of findings) assert.equal(f.evidence.strategy, 'vpa');
  });

  it('refuses an unknown key and a strategy setting out of bounds, naming them', () => {
    const typo = file('typo.yaml', 'analysis:\n  settings:\n    oomloop: { windowMs: 1 }\n');
    const unknown = failure(() => loadConfig({ file: typo, env: {} }));
    assert.equal(unknown.key, 'analysis.settings.oomloop');
    assert.match(unknown.message, /unknown key; expected one of: oomLoop, flapping, logBursts/);

    const bounds = file(
      'bounds.yaml',
      'analysis:\n  settings:\n    recommendations:\n      overrides: { plimsoll: { cpuPercentile: 250 } }\n',
    );
    const error = failure(() => configuredAnalyzers(loadConfig({ file: bounds, env: {} })));
    assert.equal(error.key, 'analysis.settings');
    assert.match(error.message, /plimsoll\.cpuPercentile: must be ≤ 100/);
  });
});
