// The evidence contract: what every analyzer writes fits its kind's schema, a drifted field is
// refused before it is stored (naming the finding and the field), and readers get typed fields —
// each one that fits, none that does not.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AnalyzerRunner } from '../../analyzers/runner.js';
import type { Finding, FindingKind } from '../../core/domain.js';
import { EVIDENCE_SCHEMAS, evidenceErrors, evidenceOf } from '../../core/evidence.js';
import { replayChunks } from '../../simulator/index.js';
import { MemoryStore } from '../../store/memory.js';
import { oomLoopFinding } from '../alerts/findings.js';
import { judgedScenario } from '../support/judged-scenario.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('finding evidence', () => {
  it('fits its schema for every kind the analyzers write over a mixed cluster', async () => {
    const start = Date.UTC(2025, 0, 6);
    const { sim, cluster, store, runner } = judgedScenario('mixed', start, 4);
    for await (const chunk of replayChunks(
      sim,
      { from: start, to: start + 3 * DAY },
      { stepMs: 5 * 60_000, chunkMs: 6 * HOUR, batchSize: Number.MAX_SAFE_INTEGER },
    )) {
      await store.write(chunk.records);
      const report = await runner.run({ now: chunk.to });
      const failed = report.outcomes.filter((o) => !o.ok);
      assert.deepEqual(failed, [], 'every analyzer wrote evidence that fits its schema');
    }
    const findings = (await store.findings({ cluster, limit: 10_000 })).items;
    const kinds = new Set(findings.map((f) => f.kind));
    for (const kind of [
      'oom_loop',
      'node_memory_flapping',
      'requests_misfit',
      'node_capacity_misfit',
      'recommendation',
    ] as const) {
      assert.ok(kinds.has(kind), `the mixed scenario has ${kind} findings`);
    }
    for (const finding of findings) assert.deepEqual(evidenceErrors(finding), [], finding.id);
  });

  it('is refused before it is stored when an analyzer renames a field, naming the field', async () => {
    const store = new MemoryStore();
    const drifted = oomLoopFinding();
    assert.deepEqual(evidenceErrors(drifted), [], 'the fixture is shaped as the analyzer writes');
    const { killCount, ...rest } = drifted.evidence as Record<string, unknown>;
    const runner = new AnalyzerRunner({
      cluster: 'test',
      analyzers: [
        {
          name: 'drifted',
          kinds: ['oom_loop'],
          windowMs: HOUR,
          analyze: () =>
            Promise.resolve([{ ...drifted, evidence: { ...rest, kills_count: killCount } }]),
        },
      ],
      reader: store,
      findings: store,
    });
    const report = await runner.run({ now: drifted.lastSeen });
    const [outcome] = report.outcomes;
    assert.equal(outcome?.ok, false);
    assert.match(outcome?.error ?? '', /finding-oom-cart \(oom_loop\/slow_leak\)/);
    assert.match(outcome?.error ?? '', /\/killCount: Expected required property/);
    assert.match(outcome?.error ?? '', /\/kills_count: Unexpected property/);
    assert.equal((await store.findings({ cluster: 'test', limit: 10 })).items.length, 0);
  });

  it('reads typed, field by field: a field that does not fit is absent, the rest still read', () => {
    const stored: Finding = {
      ...oomLoopFinding(),
      evidence: { ...oomLoopFinding().evidence, limitBytes: '512Mi', killCount: 3 },
    };
    const evidence = evidenceOf(stored, 'oom_loop');
    assert.equal(evidence?.limitBytes, undefined, 'a quantity string is not bytes');
    assert.equal(evidence?.killCount, 3);
    assert.equal(evidence?.nextOom?.inMs, 2 * HOUR);
    assert.equal(evidenceOf(stored, 'recommendation'), undefined, 'another kind reads nothing');
  });

  it('has a schema for every kind of finding', () => {
    const kinds: FindingKind[] = [
      'node_memory_flapping',
      'oom_loop',
      'requests_misfit',
      'node_capacity_misfit',
      'recommendation',
      'error_burst',
    ];
    assert.deepEqual(Object.keys(EVIDENCE_SCHEMAS).sort(), [...kinds].sort());
  });
});
