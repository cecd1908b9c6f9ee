// The API as users reach it: a running `plimsoll demo` on the mixed scenario, with tokens, over
// HTTP. Auth (401/403), validation (400 naming the field), pagination, and every route.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import type { Finding } from '../../core/domain.js';
import { disagreements, unwindowedCounts } from '../../eval/agreement.js';
import { startCli, stop } from '../support/cli.js';
import { waitFor } from '../support/wait.js';

const READ = 'reader-token-0123456789abcdef';

interface PatchedContainer {
  name: string;
  resources: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
}

/** The containers list of a strategic-merge patch, wherever the workload kind puts it. */
function containersIn(value: unknown): PatchedContainer[] {
  if (typeof value !== 'object' || value === null) return [];
  const record = value as Record<string, unknown>;
  if (Array.isArray(record.containers)) return record.containers as PatchedContainer[];
  return Object.values(record).flatMap(containersIn);
}
const ADMIN = 'admin-token-0123456789abcdef';

describe('the API of a running demo (mixed scenario)', () => {
  let demo: ChildProcess | undefined;
  let base = '';
  const get = (path: string, token: string | null = READ) =>
    fetch(`${base}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

  before(async () => {
    const started = await startCli(
      ['demo', '--port', '0'],
      /\n {2}API\s+(http:\/\/\S+)\n/,
      {
        PLIMSOLL_SIMULATOR_NODES: '8',
        PLIMSOLL_API_READ_TOKENS: READ,
        PLIMSOLL_API_ADMIN_TOKENS: ADMIN,
      },
      120_000,
    );
    demo = started.child;
    base = started.match[1]!;
    await waitFor(
      async () => (await fetch(`${base}/readyz`)).status,
      (status) => status === 200,
      { what: 'demo history loaded', timeoutMs: 240_000, intervalMs: 1_000 },
    );
    // The first reports are written right after the history is analyzed.
    await waitFor(
      async () =>
        ((await (await get('/api/v1/reports')).json()) as { items: unknown[] }).items.length,
      (count) => count >= 1,
      { what: 'the first report', timeoutMs: 120_000, intervalMs: 1_000 },
    );
  });

  after(async () => {
    if (demo) await stop(demo);
  });

  it('refuses missing and unknown tokens, and read tokens on admin routes', async () => {
    assert.equal((await get('/api/v1/findings', null)).status, 401);
    assert.equal((await get('/api/v1/findings', 'wrong-token-0123456789abcdef')).status, 401);
    const asReader = await fetch(`${base}/api/v1/reports`, {
      method: 'POST',
      headers: { authorization: `Bearer ${READ}`, 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(asReader.status, 403);
    assert.equal((await get('/healthz', null)).status, 200);
    assert.equal((await get('/metrics', null)).status, 200);
  });

  it('answers bad input with 400 naming the field', async () => {
    for (const [path, field] of [
      ['/api/v1/findings?limit=0', /limit/],
      ['/api/v1/findings?severity=urgent', /severity/],
      ['/api/v1/workloads?from=not-a-time', /from/],
      ['/api/v1/reports/latest?format=pdf', /format/],
    ] as const) {
      const response = await get(path);
      assert.equal(response.status, 400, path);
      assert.match(((await response.json()) as { detail: string }).detail, field, path);
    }
  });

  it('pages through every finding exactly once', async () => {
    const all = ((await (await get('/api/v1/findings?limit=500')).json()) as { items: Finding[] })
      .items;
    assert.ok(all.length >= 10, `findings on the mixed scenario: ${all.length}`);
    const paged: string[] = [];
    let cursor: string | undefined;
    do {
      const page = (await (
        await get(
          `/api/v1/findings?limit=7${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        )
      ).json()) as { items: Finding[]; next?: string };
      paged.push(...page.items.map((finding) => finding.id));
      cursor = page.next;
    } while (cursor);
    assert.deepEqual(
      paged,
      all.map((finding) => finding.id),
    );
    const one = (await (await get(`/api/v1/findings/${all[0]!.id}`)).json()) as Finding;
    assert.equal(one.id, all[0]!.id);
    assert.ok(one.explanation.length > 40 && one.recommendation.length > 10);
  });

  it('serves nodes, workloads and recommendations', async () => {
    const nodes = (await (await get('/api/v1/nodes')).json()) as {
      items: { name: string; allocatable: { memoryBytes: number } }[];
    };
    assert.ok(nodes.items.length >= 8);
    const node = await get(`/api/v1/nodes/${nodes.items[0]!.name}`);
    assert.equal(node.status, 200);
    const workloads = (await (await get('/api/v1/workloads?limit=20')).json()) as {
      items: {
        workload: { namespace: string; kind: string; name: string };
        memoryBytes?: { p99: number };
      }[];
      next?: string;
    };
    assert.equal(workloads.items.length, 20);
    assert.ok(workloads.next, 'more than one page of workload containers');
    assert.ok(workloads.items.every((row) => (row.memoryBytes?.p99 ?? 0) > 0));
    const { namespace, kind, name } = workloads.items[0]!.workload;
    assert.equal((await get(`/api/v1/workloads/${namespace}/${kind}/${name}`)).status, 200);
    const yaml = await (await get('/api/v1/recommendations/export')).text();
    assert.ok(parseAllDocuments(yaml).length >= 1);
    const json = (await (await get('/api/v1/recommendations/export?format=json')).json()) as {
      items: unknown[];
    };
    assert.equal(json.items.length, parseAllDocuments(yaml).length);
  });

  it('speaks with one voice: findings agree, and no patch feeds a leak', async () => {
    const open = (
      (await (await get('/api/v1/findings?status=open&limit=500')).json()) as { items: Finding[] }
    ).items;
    assert.deepEqual(disagreements(open), [], 'no contradicting advice on one subject');
    assert.deepEqual(unwindowedCounts(open), [], 'every kill count says its window');
    const leaks = open.filter((f) => f.kind === 'oom_loop' && f.category === 'slow_leak');
    assert.ok(leaks.length > 0, 'the demo has a slow leak');
    const json = (await (await get('/api/v1/recommendations/export?format=json')).json()) as {
      items: { workload: { name: string }; patch: unknown }[];
      excluded: { workload: { name: string }; container: string; findingId: string }[];
    };
    for (const leak of leaks) {
      if (leak.subject.type !== 'workload_container') continue;
      const { workload, container } = leak.subject;
      assert.ok(
        json.excluded.some((e) => e.findingId === leak.id && e.container === container),
        `${workload.name}/${container} is listed as excluded`,
      );
      for (const item of json.items.filter((i) => i.workload.name === workload.name)) {
        const mine = containersIn(item.patch).find((c) => c.name === container);
        assert.equal(mine?.resources.requests?.memory, undefined, `${container} memory request`);
        assert.equal(mine?.resources.limits?.memory, undefined, `${container} memory limit`);
      }
    }
  });

  it('serves reports in every format and generates one on an admin request', async () => {
    const listed = (await (await get('/api/v1/reports')).json()) as { items: { id: string }[] };
    const id = listed.items[0]!.id;
    for (const [format, type] of [
      ['html', /text\/html/],
      ['md', /text\/markdown/],
      ['json', /application\/json/],
      ['csv', /text\/csv/],
    ] as const) {
      const response = await get(`/api/v1/reports/${id}?format=${format}`);
      assert.equal(response.status, 200, format);
      assert.match(response.headers.get('content-type') ?? '', type);
    }
    assert.equal((await get('/api/v1/reports/latest?format=html')).status, 200);
    const created = await fetch(`${base}/api/v1/reports`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({}),
    });
    assert.equal(created.status, 201);
  });

  it('serves the dashboards and their provisioning bundle', async () => {
    const list = (await (await get('/api/v1/dashboards')).json()) as { items: { uid: string }[] };
    assert.equal(list.items.length, 5);
    const dashboard = (await (await get(`/api/v1/dashboards/${list.items[0]!.uid}`)).json()) as {
      uid: string;
      panels: unknown[];
    };
    assert.equal(dashboard.uid, list.items[0]!.uid);
    assert.ok(dashboard.panels.length > 0);
    const bundle = (await (await get('/api/v1/dashboards/provisioning')).json()) as {
      files: Record<string, string>;
    };
    assert.ok(Object.keys(bundle.files).some((path) => path.includes('datasources')));
    assert.ok(Object.keys(bundle.files).some((path) => path.endsWith('.json')));
    const openapi = (await (await get('/openapi.json', null)).json()) as {
      paths: Record<string, unknown>;
    };
    for (const path of ['/api/v1/dashboards', '/api/v1/dashboards/{uid}', '/api/v1/reports/{id}']) {
      assert.ok(path in openapi.paths, path);
    }
  });
});
