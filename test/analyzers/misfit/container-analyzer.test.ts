import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { misfitAnalyzer } from '../../../analyzers/misfit/container-analyzer.js';
import type { Finding } from '../../../core/domain.js';
import { clusterRecords, WINDOW } from '../recommendations/cluster-fixture.js';
import { CLUSTER, storeWith } from '../recommendations/fixtures.js';

describe('requests misfit analyzer', () => {
  let findings: Finding[] = [];
  before(async () => {
    const store = await storeWith(clusterRecords());
    findings = await misfitAnalyzer().analyze({
      cluster: CLUSTER,
      window: WINDOW,
      now: WINDOW.to,
      store,
    });
  });

  const byWorkload = () => {
    const out: Record<string, Record<string, string>> = {};
    for (const f of findings) {
      assert.equal(f.subject.type, 'workload_container');
      if (f.subject.type !== 'workload_container') continue;
      (out[f.subject.workload.name] ??= {})[f.category ?? ''] = f.severity;
    }
    return out;
  };

  it('finds each planted misfit with its severity, and nothing on the right-sized workload', () => {
    assert.deepEqual(byWorkload(), {
      'feature-store': { over_requested: 'warning' },
      'query-api': { under_requested: 'critical', overcommit_ratio: 'warning' },
      'legacy-frontend': { missing_requests: 'warning', missing_limits: 'info' },
      'cart-api': { tight_memory_limit: 'critical' },
      'token-service': { cpu_throttled: 'warning', under_requested: 'info' },
    });
  });

  it('states the waste in cores, GiB and dollars, with a next step', () => {
    const over = findings.find((f) => f.category === 'over_requested')!;
    assert.match(
      over.title,
      /reserves \d+(\.\d+)? cores and \d+(\.\d+)? GiB it does not use \(\$\d+/,
    );
    assert.match(over.explanation, /requests 2 cores and 4 GiB on each of 2 replicas/);
    assert.match(over.explanation, /\$0\.031611\/core-hour/);
    assert.match(
      over.recommendation,
      /Lower the requests of container store: CPU request \d+m CPU, memory request \d+ MiB/,
    );
    assert.ok((over.evidence.monthlyWaste as number) > 20);
  });

  it('counts OOM kills at the limit', () => {
    const tight = findings.find((f) => f.category === 'tight_memory_limit')!;
    assert.match(tight.title, /OOM-killed 3 times in 7 days at its 768 MiB limit/);
    assert.equal(tight.evidence.oomKills, 3);
    assert.match(
      tight.recommendation,
      /Raise the memory limit of container cart: .*memory limit [\d.]+ (MiB|GiB)/,
    );
  });

  it('gives one id per container and category, the same on a re-run', async () => {
    const ids = findings.map((f) => f.id);
    assert.equal(new Set(ids).size, ids.length);
    const store = await storeWith(clusterRecords());
    const again = await misfitAnalyzer().analyze({
      cluster: CLUSTER,
      window: WINDOW,
      now: WINDOW.to + 3_600_000,
      store,
    });
    assert.deepEqual(again.map((f) => f.id).sort(), [...ids].sort());
  });
});
