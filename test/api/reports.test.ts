import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WeeklyReportScheduler } from '../../reports/scheduler.js';
import { MemoryStore } from '../../store/memory.js';
import { ADMIN_TOKEN, bearer, build, READ_TOKEN } from './helper.js';

describe('report routes', () => {
  it('generates a report on demand (admin only) and serves it in every format', async () => {
    const store = new MemoryStore();
    const reports = new WeeklyReportScheduler({ store, cluster: 'test', catchUp: false });
    const { app } = await build({ store, reports });

    const asReader = await app.inject({
      method: 'POST',
      url: '/api/v1/reports',
      headers: bearer(READ_TOKEN),
      payload: { week: '2026-W46' },
    });
    assert.equal(asReader.statusCode, 403);

    const badWeek = await app.inject({
      method: 'POST',
      url: '/api/v1/reports',
      headers: bearer(ADMIN_TOKEN),
      payload: { week: '2026-47' },
    });
    assert.equal(badWeek.statusCode, 400);
    assert.match(badWeek.json<{ detail: string }>().detail, /week/);

    const created = await app.inject({
      method: 'POST',
      url: '/api/v1/reports',
      headers: bearer(ADMIN_TOKEN),
      payload: { week: '2026-W46' },
    });
    assert.equal(created.statusCode, 201);
    const summary = created.json<{ id: string; week: string }>();
    assert.equal(summary.week, '2026-W46');

    const get = (url: string) => app.inject({ url, headers: bearer(READ_TOKEN) });
    const listed = (await get('/api/v1/reports')).json<{ items: { id: string }[] }>();
    assert.deepEqual(
      listed.items.map((report) => report.id),
      [summary.id],
    );
    const html = await get(`/api/v1/reports/${summary.id}?format=html`);
    assert.match(html.headers['content-type'] as string, /text\/html/);
    // The report is self-contained: no script, nothing fetched, never framed.
    assert.match(String(html.headers['content-security-policy']), /default-src 'none'/);
    assert.match(String(html.headers['content-security-policy']), /frame-ancestors 'none'/);
    assert.equal(html.headers['x-content-type-options'], 'nosniff');
    // An empty store says so instead of failing.
    assert.match(html.body, /no data/i);
    const csv = await get('/api/v1/reports/latest?format=csv');
    assert.match(csv.headers['content-type'] as string, /text\/csv/);
    const json = await get('/api/v1/reports/latest');
    assert.equal(json.json<{ week: string }>().week, '2026-W46');
    assert.equal((await get('/api/v1/reports/nope')).statusCode, 404);
    await reports.stop();
  });

  it('refuses, as problem+json naming the field, weeks it cannot report', async () => {
    const store = new MemoryStore();
    const now = Date.UTC(2026, 11, 7, 12);
    const reports = new WeeklyReportScheduler({
      store,
      cluster: 'test',
      catchUp: false,
      retentionDays: 35,
      clock: () => now,
    });
    const { app } = await build({ store, reports });
    const post = (week: string) =>
      app.inject({
        method: 'POST',
        url: '/api/v1/reports',
        headers: bearer(ADMIN_TOKEN),
        payload: { week },
      });
    for (const [week, detail] of [
      ['2026-W52', /^body\/week: 2026-W52 has not started yet \(it starts 2026-12-21 00:00 UTC\)$/],
      ['2026-W40', /^body\/week: 2026-W40 ended .* before the store's retention of 35 days/],
      ['0000-W01', /^body\/week: 0000-W01: weeks before 1970 are not reported$/],
    ] as const) {
      const response = await post(week);
      assert.equal(response.statusCode, 400, week);
      assert.match(response.headers['content-type'] as string, /application\/problem\+json/);
      assert.match(response.json<{ detail: string }>().detail, detail);
    }
    assert.equal((await post('2026-W49')).statusCode, 201, 'the week that just ended');
    assert.deepEqual(
      (await store.reports({})).items.map((r) => r.week),
      ['2026-W49'],
    );
    await reports.stop();
  });
});
