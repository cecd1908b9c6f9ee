import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { recommendationAnalyzer } from '../../../analyzers/recommendations/analyzer.js';
import type { Finding } from '../../../core/domain.js';
import { clusterRecords, WINDOW } from './cluster-fixture.js';
import { CLUSTER, storeWith } from './fixtures.js';

describe('recommendation analyzer', () => {
  let findings: Finding[] = [];
  before(async () => {
    const store = await storeWith(clusterRecords());
    findings = await recommendationAnalyzer().analyze({
      cluster: CLUSTER,
      window: WINDOW,
      now: WINDOW.to,
      store,
    });
  });

  const named = (name: string) =>
    findings.find(
      (f) => f.subject.type === 'workload_container' && f.subject.workload.name === name,
    );

  it('recommends a change for each misfit and none for the right-sized workload', () => {
    const names = findings
      .map((f) => (f.subject.type === 'workload_container' ? f.subject.workload.name : ''))
      .sort();
    assert.deepEqual(names, [
      'cart-api',
      'feature-store',
      'legacy-frontend',
      'query-api',
      'token-service',
    ]);
  });

  it('prices the saving of an over-requested workload across replicas', () => {
    const over = named('feature-store')!;
    assert.equal(over.category, 'saving');
    assert.equal(over.severity, 'info');
    const delta = over.evidence.monthlyCostDelta as number;
    // 2 replicas × (2 − ~0.22 cores) and (4 GiB − ~0.7 GiB): about $82 + $21 a month.
    assert.ok(delta < -90 && delta > -120, String(delta));
    assert.match(over.title, /save \$\d+\/month/);
    assert.match(
      over.explanation,
      /releases 3\.\d+ cores and releases 6\.\d+ GiB \(saving about \$\d+\/month/,
    );
  });

  it('names the risk removed for an OOM-killed workload', () => {
    const cart = named('cart-api')!;
    assert.equal(cart.category, 'risk');
    assert.equal(cart.severity, 'warning');
    assert.deepEqual(cart.evidence.risksRemoved, ['oom_kills']);
    assert.match(cart.explanation, /It was OOM-killed 3 times in the last 7 days/);
    const recommended = cart.evidence.recommended as { limits: { memoryBytes: number } };
    assert.ok(recommended.limits.memoryBytes >= 768 * 2 ** 20 * 1.2);
    assert.match(
      cart.recommendation,
      /kubectl -n checkout set resources deployment\/cart-api -c cart/,
    );
  });
});
