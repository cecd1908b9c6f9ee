// Case 1 of the security review: /metrics carried the findings — OOM loops by namespace, workload
// and container, recommended requests, cost deltas — to anyone who reached the port, while the
// API keeps the same facts behind a read token. Now the findings families need a read token (or
// api.metricsPublic), process metrics stay public, and a real Prometheus scraping with and
// without a token sees exactly that.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FindingMetrics } from '../../analyzers/metrics.js';
import { freePort } from '../../core/free-port.js';
import { Telemetry } from '../../core/telemetry.js';
import { MemoryStore } from '../../store/memory.js';
import { NOW, oomLoopFinding } from '../alerts/findings.js';
import { bearer, build, READ_TOKEN } from '../api/helper.js';
import { stop } from '../support/cli.js';
import { requireServices } from '../support/services.js';
import { waitFor } from '../support/wait.js';

const FINDINGS_FAMILY = 'plimsoll_oom_loop';

/** An API whose telemetry holds one OOM loop in its findings families, as a running one would. */
async function apiWithFindings(metricsPublic = false) {
  const store = new MemoryStore();
  await store.upsertFindings([oomLoopFinding()]);
  const telemetry = new Telemetry();
  await new FindingMetrics({
    registry: telemetry.findingsRegistry,
    reader: store,
    clusters: ['test'],
    now: () => NOW,
  }).refresh();
  const { app } = await build({ store, telemetry, metricsPublic });
  return app;
}

describe('/metrics and the read token', () => {
  it('serves process and pipeline metrics to anyone, the findings only to a read token', async () => {
    const app = await apiWithFindings();
    const anonymous = await app.inject('/metrics');
    assert.equal(anonymous.statusCode, 200);
    assert.match(anonymous.body, /plimsoll_process_resident_memory_bytes/);
    assert.match(anonymous.body, /plimsoll_bus_records_published_total/);
    assert.doesNotMatch(anonymous.body, new RegExp(FINDINGS_FAMILY));
    assert.doesNotMatch(anonymous.body, /namespace="shop"|workload="/, 'no workload named');

    const reader = await app.inject({ url: '/metrics', headers: bearer(READ_TOKEN) });
    assert.equal(reader.statusCode, 200);
    assert.match(reader.body, new RegExp(`^${FINDINGS_FAMILY}\\{`, 'm'));
    assert.match(reader.body, /plimsoll_process_resident_memory_bytes/);
  });

  it('refuses a wrong token instead of quietly serving less', async () => {
    const app = await apiWithFindings();
    const wrong = await app.inject({ url: '/metrics', headers: bearer('not-a-token-0123456789') });
    assert.equal(wrong.statusCode, 401);
    assert.equal(wrong.headers['content-type'], 'application/problem+json; charset=utf-8');
    assert.equal(wrong.headers['www-authenticate'], 'Bearer realm="plimsoll"');
  });

  it('serves the findings without a token only when api.metricsPublic says so', async () => {
    const app = await apiWithFindings(true);
    assert.match((await app.inject('/metrics')).body, new RegExp(FINDINGS_FAMILY));
  });

  it('rate-limits the public routes too', async () => {
    const { app } = await build({ rateLimit: { perSecond: 1, burst: 2 } });
    const codes: number[] = [];
    for (let i = 0; i < 3; i++) codes.push((await app.inject('/metrics')).statusCode);
    assert.deepEqual(codes, [200, 200, 429]);
  });
});

describe('a real Prometheus scraping /metrics', () => {
  let app: Awaited<ReturnType<typeof apiWithFindings>> | undefined;
  let prometheus: ChildProcess | undefined;
  let dir: string | undefined;
  let promUrl = '';

  before(async () => {
    await requireServices('prometheus');
    app = await apiWithFindings();
    const target = new URL(await app.listen({ host: '127.0.0.1', port: 0 })).host;
    const job = (name: string, credentials?: string) => ({
      job_name: name,
      ...(credentials ? { authorization: { credentials } } : {}),
      static_configs: [{ targets: [target] }],
    });
    const config = {
      global: { scrape_interval: '1s', scrape_timeout: '1s' },
      scrape_configs: [
        job('with-read-token', READ_TOKEN),
        job('anonymous'),
        job('wrong-token', 'not-a-token-0123456789'),
      ],
    };
    dir = mkdtempSync(join(tmpdir(), 'plimsoll-scrape-'));
    writeFileSync(join(dir, 'prometheus.yml'), JSON.stringify(config));
    const port = await freePort();
    promUrl = `http://127.0.0.1:${port}`;
    prometheus = spawn(
      '/usr/bin/prometheus',
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: 'ignore' },
    );
  });

  after(async () => {
    if (prometheus) await stop(prometheus);
    await app?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Each job's value of an instant query `… by (job)`. */
  async function byJob(query: string): Promise<Record<string, number>> {
    try {
      const response = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(query)}`);
      const body = (await response.json()) as {
        data?: { result?: { metric: { job: string }; value: [number, string] }[] };
      };
      return Object.fromEntries(
        (body.data?.result ?? []).map((r) => [r.metric.job, Number(r.value[1])]),
      );
    } catch {
      return {};
    }
  }

  it('stores the findings from the scrape with a read token only; a wrong token fails the target', async () => {
    const up = await waitFor(
      () => byJob('up'),
      (jobs) => Object.keys(jobs).length === 3,
      { what: 'all three jobs scraped', timeoutMs: 60_000, intervalMs: 500 },
    );
    assert.deepEqual(up, { 'with-read-token': 1, anonymous: 1, 'wrong-token': 0 });
    const loops = await waitFor(
      () => byJob(`count by (job) (${FINDINGS_FAMILY})`),
      (jobs) => 'with-read-token' in jobs,
      { what: 'the OOM loop scraped with the token', timeoutMs: 30_000, intervalMs: 500 },
    );
    assert.deepEqual(loops, { 'with-read-token': 1 });
    const memory = await byJob('count by (job) (plimsoll_process_resident_memory_bytes)');
    assert.deepEqual(memory, { 'with-read-token': 1, anonymous: 1 });
  });
});
