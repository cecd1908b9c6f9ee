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
    // An empty store says so instead of failing.
    assert.match(html.body, /no data/i);
    const csv = await get('/api/v1/reports/latest?format=csv');
    assert.match(csv.headers['content-type'] as string, /text\/csv/);
    const json = await get('/api/v1/reports/latest');
    assert.equal(json.json<{ week: string }>().week, '2026-W46');
    assert.equal((await get('/api/v1/reports/nope')).statusCode, 404);
    await reports.stop();
  });
});
