// A report for a past week uses that week's data: findings as they stood at its end. Generated
// three weeks later, the W46 report must not show what the analyzers said since — later kill
// counts, later "last seen" dates, a resolution that came afterwards, flaps of the next week.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Finding } from '../../core/domain.js';
import { gatherReportData } from '../../reports/data.js';
import { risksTable } from '../../reports/tables.js';
import { weekWindow } from '../../reports/week.js';
import { MemoryStore } from '../../store/memory.js';
import { terminationRecord } from '../support/records.js';
import { DAY, finding, GIB, HOUR, node } from './records.js';

const C = 'past';
const W46 = weekWindow('2026-W46');
const NOW = W46.to + 21 * DAY;
const api = { namespace: 'shop', kind: 'Deployment', name: 'api' };

const kill = (finishedAt: number, restartCount: number) =>
  terminationRecord({
    cluster: C,
    pod: 'api-1',
    podUid: 'uid-api-1',
    node: 'n1',
    workload: api,
    container: 'app',
    restartCount,
    termination: { reason: 'OOMKilled', exitCode: 137, startedAt: finishedAt - HOUR, finishedAt },
  });

const FINDINGS: Finding[] = [
  // Found in W46 and still open today, with today's counts in its title and evidence.
  finding({
    id: 'oom-api',
    kind: 'oom_loop',
    category: 'slow_leak',
    severity: 'critical',
    subject: { type: 'workload_container', cluster: C, workload: api, container: 'app' },
    title: 'OOM loop (slow leak): shop/Deployment/api container app killed 23 times in 24 h',
    evidence: { killCount: 23, limitBytes: 1 * GIB },
    firstSeen: W46.from + 4 * DAY,
    lastSeen: NOW - HOUR,
  }),
  // Open during W46, resolved the week after: open at W46's end.
  finding({
    id: 'misfit-api',
    kind: 'requests_misfit',
    category: 'under_requested',
    subject: { type: 'workload_container', cluster: C, workload: api, container: 'app' },
    status: 'resolved',
    resolvedAt: W46.to + 2 * DAY,
    firstSeen: W46.from + DAY,
    lastSeen: W46.to + 2 * DAY,
  }),
  // An episode that began on W46's last evening and went on into W47.
  finding({
    id: 'flap-n1',
    kind: 'node_memory_flapping',
    category: 'memory_pressure',
    severity: 'critical',
    subject: { type: 'node', cluster: C, node: 'n1' },
    window: { from: W46.to - 3 * HOUR, to: W46.to + 5 * HOUR },
    evidence: {
      flaps: [-3, -1, 1, 3, 5].map((h) => ({
        at: W46.to + h * HOUR,
        memoryPressure: true,
        notReady: h > 0,
      })),
      memoryPressureFlaps: 5,
      notReadyFlaps: 3,
      evictions: 40,
      systemOoms: 6,
    },
    status: 'resolved',
    resolvedAt: W46.to + 6 * HOUR,
    firstSeen: W46.to - 2 * HOUR,
    lastSeen: W46.to + 6 * HOUR,
  }),
];

describe('a report for a past week', () => {
  it('shows the findings as they stood at the end of that week', async () => {
    const store = new MemoryStore({ retentionDays: 3650 });
    await store.write([
      node(C, 'n1', 'general', [8, 32 * GIB], [8, 32 * GIB], W46.from - DAY),
      // Three kills in W46, twenty after it.
      ...[5, 5.5, 6].map((d, i) => kill(W46.from + d * DAY, i)),
      ...Array.from({ length: 20 }, (_, i) => kill(W46.to + (i + 1) * HOUR * 12, 3 + i)),
    ]);
    await store.upsertFindings(FINDINGS);
    const data = await gatherReportData(store, { cluster: C, week: '2026-W46', now: NOW });

    const oom = data.risks.rows.find((r) => r.findingId === 'oom-api')!;
    assert.equal(oom.status, 'open');
    assert.equal(oom.lastSeen, W46.to - 1, 'last seen within the week');
    assert.equal(oom.detail, '3 OOM kills in the week', 'kills of the week, not of today');
    assert.equal(
      oom.title,
      "oom loop (slow leak): shop/Deployment/api · app, open at the week's end",
    );
    const misfit = data.risks.rows.find((r) => r.findingId === 'misfit-api')!;
    assert.equal(misfit.status, 'open', 'resolved only after the week');
    for (const row of risksTable(data).rows) {
      const text = row.join(' | ');
      const dates = text.match(/\d{4}-\d\d-\d\d/g) ?? [];
      assert.ok(dates.length > 0, text);
      for (const date of dates)
        assert.ok(date <= '2026-11-15', `${date} is after the week: ${text}`);
      assert.doesNotMatch(text, /23 times/);
    }

    const [incident, ...more] = data.flapping;
    assert.equal(more.length, 0);
    assert.deepEqual(
      incident!.flaps.map((t) => (t - W46.to) / HOUR),
      [-3, -1],
    );
    assert.equal(incident!.memoryPressureFlaps, 2);
    assert.equal(incident!.notReadyFlaps, 0);
    assert.equal(incident!.evictions, undefined, 'the episode total cannot be split by time');
    assert.equal(incident!.window.to, W46.to);
    assert.equal(incident!.status, 'open');
  });
});
