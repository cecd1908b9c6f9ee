// The weekly schedule: with two replicas on one store, one report per week is generated (the
// lock decides), a run never rejects, and a bad schedule fails at start.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Node } from '../../core/domain.js';
import { reportId } from '../../reports/generate.js';
import { WeeklyReportScheduler } from '../../reports/scheduler.js';
import { MemoryStore } from '../../store/memory.js';
import { waitFor } from '../support/wait.js';
import type { InventoryQuery, StoredReport } from '../../store/store.js';

/** A real MemoryStore that counts the reports written to it, and the runs that looked for one. */
class CountingStore extends MemoryStore {
  readonly written: string[] = [];
  /** Every run begins by looking for the week's report. */
  lookups = 0;
  override putReport(report: StoredReport): Promise<void> {
    this.written.push(report.id);
    return super.putReport(report);
  }
  override report(id: string): Promise<StoredReport | undefined> {
    this.lookups += 1;
    return super.report(id);
  }
}

/** A store whose inventory is unavailable, as Elasticsearch is during an outage. */
class BrokenStore extends MemoryStore {
  override nodes(_query: InventoryQuery): Promise<Node[]> {
    return Promise.reject(new Error('inventory unavailable'));
  }
}

// Monday 23 November 2026, 06:00 UTC: the run for 2026-W47.
const MONDAY = Date.UTC(2026, 10, 23, 6);

const replica = (store: MemoryStore, instanceId: string, overrides = {}) =>
  new WeeklyReportScheduler({
    store,
    cluster: 'prod',
    instanceId,
    catchUp: false,
    clock: () => MONDAY,
    ...overrides,
  });

describe('weekly report scheduler', () => {
  it('generates once when two replicas run at the same moment', async () => {
    const store = new CountingStore();
    const [a, b] = [replica(store, 'replica-a'), replica(store, 'replica-b')];
    const outcomes = await Promise.all([a.runOnce(), b.runOnce()]);
    assert.deepEqual(outcomes.map((o) => o.status).sort(), ['generated', 'skipped']);
    assert.deepEqual(store.written, [reportId('prod', '2026-W47')]);
    // A replica whose cron fires later finds the week's report and leaves it.
    assert.deepEqual(await b.runOnce(), { status: 'skipped', week: '2026-W47', reason: 'exists' });
    assert.equal(store.written.length, 1);
  });

  it('runs on its cron schedule in two replicas and still writes one report', async () => {
    const store = new CountingStore();
    // Every second: several firings in each replica within the test.
    const replicas = ['a', 'b'].map((id) => replica(store, id, { schedule: '* * * * * *' }));
    for (const r of replicas) await r.start();
    // Several firings in all: both replicas have run, and at least one found the report stored.
    await waitFor(
      () => store.lookups,
      (runs) => runs >= 4,
      { what: 'four scheduled runs', timeoutMs: 20_000, intervalMs: 50 },
    );
    for (const r of replicas) await r.stop();
    assert.deepEqual(store.written, [reportId('prod', '2026-W47')]);
  });

  it('catches up on start when the last week has no report yet', async () => {
    const store = new CountingStore();
    const scheduler = replica(store, 'a', { catchUp: true });
    await scheduler.start();
    await scheduler.stop();
    assert.deepEqual(store.written, [reportId('prod', '2026-W47')]);
  });

  it('regenerates an explicit week on demand', async () => {
    const store = new CountingStore();
    const scheduler = replica(store, 'a');
    await scheduler.runOnce();
    const again = await scheduler.runOnce({ week: '2026-W47' });
    assert.equal(again.status, 'generated');
    assert.equal(store.written.length, 2);
  });

  it('never rejects: a failed run is reported in health and retried next time', async () => {
    const scheduler = replica(new BrokenStore(), 'a');
    const outcome = await scheduler.runOnce();
    assert.equal(outcome.status, 'failed');
    assert.match(String((outcome as { error: string }).error), /inventory unavailable/);
    assert.match(scheduler.health().detail ?? '', /weekly report 2026-W47 failed/);
  });

  it('fails at start on an invalid cron expression or time zone', async () => {
    await assert.rejects(
      replica(new MemoryStore(), 'a', { schedule: 'every monday' }).start(),
      /report\.schedule/,
    );
    await assert.rejects(
      replica(new MemoryStore(), 'a', { timezone: 'Mars/Olympus' }).start(),
      /report\.timezone/,
    );
  });
});
