import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Finding, Pod } from '../../core/domain.js';
import { envelope } from '../../core/envelope.js';
import { parseAllDocuments } from 'yaml';
import { MemoryStore } from '../../store/memory.js';
import {
  nodeRecord,
  sampleRecord,
  terminationRecord,
  transitionRecord,
} from '../support/records.js';
import { ADMIN_TOKEN, bearer, build, READ_TOKEN } from './helper.js';

const HOUR = 3_600_000;
const now = Date.now();
const cart = { namespace: 'shop', kind: 'Deployment', name: 'cart' };

function finding(id: string, lastSeen: number, overrides: Partial<Finding> = {}): Finding {
  return {
    id,
    kind: 'oom_loop',
    category: 'slow_leak',
    severity: 'critical',
    subject: { type: 'workload_container', cluster: 'test', workload: cart, container: 'cart' },
    window: { from: lastSeen - 24 * HOUR, to: lastSeen },
    title: `cart OOM loop ${id}`,
    evidence: { kills: 3 },
    explanation: 'The cart container was OOM-killed 3 times in 24 h.',
    recommendation: 'Raise the memory limit to 768Mi.',
    status: 'open',
    firstSeen: lastSeen - HOUR,
    lastSeen,
    ...overrides,
  };
}

async function seeded(): Promise<MemoryStore> {
  const store = new MemoryStore();
  const pod: Pod = {
    cluster: 'test',
    namespace: 'shop',
    name: 'cart-abc',
    uid: 'uid-pod-cart',
    nodeName: 'node-a',
    workload: cart,
    qosClass: 'Burstable',
    phase: 'Running',
    labels: {},
    containers: [
      {
        name: 'cart',
        image: 'cart:1',
        resources: {
          requests: { cpuCores: 0.5, memoryBytes: 512 * 2 ** 20 },
          limits: { memoryBytes: 1024 * 2 ** 20 },
        },
        state: { kind: 'running' },
        restartCount: 3,
        init: false,
      },
    ],
    createdAt: now - 48 * HOUR,
  };
  await store.write([
    nodeRecord(
      {
        cluster: 'test',
        name: 'node-a',
        uid: 'uid-a',
        createdAt: now - 100 * HOUR,
        pool: 'general',
      },
      now,
    ),
    envelope('pod', pod, 'test', now),
    ...Array.from({ length: 100 }, (_, i) =>
      sampleRecord(0, { timestamp: now - HOUR + i * 30_000, value: (300 + i) * 2 ** 20 }),
    ),
    ...Array.from({ length: 100 }, (_, i) =>
      sampleRecord(0, {
        metric: 'cpu_usage_cores',
        timestamp: now - HOUR + i * 30_000,
        value: 0.1 + i / 1000,
      }),
    ),
    sampleRecord(0, {
      metric: 'node_memory_available_bytes',
      timestamp: now - 60_000,
      value: 3 * 2 ** 30,
      namespace: undefined,
      pod: undefined,
      podUid: undefined,
      container: undefined,
      workload: undefined,
    }),
    transitionRecord({ at: now - 2 * HOUR }),
    terminationRecord({
      termination: { reason: 'OOMKilled', exitCode: 137, finishedAt: now - 3 * HOUR },
    }),
  ]);
  await store.upsertFindings([
    finding('f-1', now - 3 * HOUR),
    finding('f-2', now - 2 * HOUR, { severity: 'warning' }),
    finding('f-3', now - HOUR, {
      kind: 'node_memory_flapping',
      category: undefined,
      subject: { type: 'node', cluster: 'test', node: 'node-a' },
      title: 'node-a flaps under memory pressure',
    }),
    finding('f-4', now - 30 * 60_000, {
      kind: 'recommendation',
      category: undefined,
      severity: 'info',
      evidence: {
        strategy: 'plimsoll',
        current: {
          requests: { cpuCores: 0.5, memoryBytes: 512 * 2 ** 20 },
          limits: { memoryBytes: 2 ** 30 },
        },
        recommended: {
          requests: { cpuCores: 0.25, memoryBytes: 448 * 2 ** 20 },
          limits: { memoryBytes: 640 * 2 ** 20 },
        },
      },
    }),
  ]);
  return store;
}

describe('API auth', () => {
  it('rejects a missing or unknown token with 401 and a problem document', async () => {
    const { app } = await build();
    for (const headers of [{}, bearer('not-a-token-at-all-really')]) {
      const response = await app.inject({ url: '/api/v1/findings', headers });
      assert.equal(response.statusCode, 401);
      assert.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8');
      assert.equal(response.headers['www-authenticate'], 'Bearer realm="plimsoll"');
    }
  });

  it('lets read and admin tokens read; keeps health, docs and metrics public', async () => {
    const { app } = await build();
    assert.equal(
      (await app.inject({ url: '/api/v1/findings', headers: bearer(READ_TOKEN) })).statusCode,
      200,
    );
    assert.equal(
      (await app.inject({ url: '/api/v1/findings', headers: bearer(ADMIN_TOKEN) })).statusCode,
      200,
    );
    for (const url of ['/healthz', '/readyz', '/metrics', '/openapi.json', '/docs/json']) {
      assert.equal((await app.inject({ url })).statusCode, 200, url);
    }
  });

  it('answers 429 with Retry-After when one client exceeds the rate', async () => {
    const { app } = await build({ rateLimit: { perSecond: 1, burst: 3 } });
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) {
      codes.push(
        (await app.inject({ url: '/api/v1/findings', headers: bearer(READ_TOKEN) })).statusCode,
      );
    }
    assert.deepEqual(codes, [200, 200, 200, 429, 429]);
    // Public routes count too: each /readyz runs a health check of every engine.
    const { app: probed } = await build({ rateLimit: { perSecond: 1, burst: 2 } });
    const probes: number[] = [];
    for (let i = 0; i < 3; i++) probes.push((await probed.inject({ url: '/readyz' })).statusCode);
    assert.deepEqual(probes, [200, 200, 429]);
  });

  it('charges a route by what it reads: a workload list costs ten findings pages', async () => {
    const { app } = await build({ rateLimit: { perSecond: 0.001, burst: 20 } });
    const get = async (url: string) =>
      (await app.inject({ url, headers: bearer(READ_TOKEN) })).statusCode;
    // Twenty tokens: two workload lists, then nothing; a findings page would have been one.
    assert.deepEqual(
      [
        await get('/api/v1/workloads'),
        await get('/api/v1/workloads'),
        await get('/api/v1/workloads'),
      ],
      [200, 200, 429],
    );
    const { app: cheap } = await build({ rateLimit: { perSecond: 0.001, burst: 20 } });
    const pages: number[] = [];
    for (let i = 0; i < 20; i++) {
      pages.push(
        (await cheap.inject({ url: '/api/v1/findings', headers: bearer(READ_TOKEN) })).statusCode,
      );
    }
    assert.ok(pages.every((code) => code === 200));
  });

  it('keys the limit on the client a trusted proxy names, and only a trusted one', async () => {
    const limits = { perSecond: 0.001, burst: 1 };
    const behind = (app: Awaited<ReturnType<typeof build>>['app'], client: string) =>
      app.inject({
        url: '/api/v1/findings',
        headers: { ...bearer(READ_TOKEN), 'x-forwarded-for': client },
        remoteAddress: '10.0.0.5',
      });
    // The proxy at 10.0.0.5 is trusted: two clients behind it have a bucket each.
    const { app: trusting } = await build({ rateLimit: limits, trustProxy: '10.0.0.0/8' });
    assert.equal((await behind(trusting, '203.0.113.1')).statusCode, 200);
    assert.equal((await behind(trusting, '203.0.113.2')).statusCode, 200);
    assert.equal((await behind(trusting, '203.0.113.1')).statusCode, 429);
    // Not trusted (the default): the header is the client's own word, and all share the proxy's.
    const { app: wary } = await build({ rateLimit: limits });
    assert.equal((await behind(wary, '203.0.113.1')).statusCode, 200);
    assert.equal((await behind(wary, '203.0.113.2')).statusCode, 429);
  });
});

describe('API routes', () => {
  it('filters findings and pages through them with a cursor', async () => {
    const { app } = await build({ store: await seeded() });
    const get = (url: string) => app.inject({ url, headers: bearer(READ_TOKEN) });
    const first = (await get('/api/v1/findings?limit=2')).json<{
      items: Finding[];
      next?: string;
    }>();
    assert.deepEqual(
      first.items.map((f) => f.id),
      ['f-4', 'f-3'],
    );
    assert.ok(first.next);
    const second = (await get(`/api/v1/findings?limit=2&cursor=${first.next}`)).json<{
      items: Finding[];
      next?: string;
    }>();
    assert.deepEqual(
      second.items.map((f) => f.id),
      ['f-2', 'f-1'],
    );
    assert.equal(second.next, undefined);
    const oomCritical = (await get('/api/v1/findings?kind=oom_loop&severity=critical')).json<{
      items: Finding[];
    }>();
    assert.deepEqual(
      oomCritical.items.map((f) => f.id),
      ['f-1'],
    );
    const byNode = (await get('/api/v1/findings?node=node-a')).json<{ items: Finding[] }>();
    assert.deepEqual(
      byNode.items.map((f) => f.id),
      ['f-3'],
    );
    const one = await get('/api/v1/findings/f-1');
    assert.equal(
      one.json<Finding>().explanation,
      'The cart container was OOM-killed 3 times in 24 h.',
    );
    assert.equal((await get('/api/v1/findings/none')).statusCode, 404);
  });

  it('answers invalid input with 400 naming the bad field', async () => {
    const { app } = await build({ store: await seeded() });
    const get = (url: string) => app.inject({ url, headers: bearer(READ_TOKEN) });
    const cases: [string, RegExp][] = [
      ['/api/v1/findings?limit=5000', /limit/],
      ['/api/v1/findings?kind=oom', /kind.*"oom"/],
      ['/api/v1/findings?status=closed', /status/],
      ['/api/v1/findings?from=yesterday', /from/],
      ['/api/v1/findings?cursor=bogus', /cursor/],
      ['/api/v1/workloads?from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00Z', /from/],
      ['/api/v1/findings?to=1969-12-31T00:00:00Z', /to.*1970/],
      // Cursors of the wrong shape, leap seconds and URLs that do not decode: test/security.
    ];
    for (const [url, field] of cases) {
      const response = await get(url);
      assert.equal(response.statusCode, 400, url);
      assert.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8');
      assert.match(response.json<{ detail: string }>().detail, field, url);
    }
  });

  it('lists nodes with capacity, requests and latest available memory, and one node with its history', async () => {
    const { app } = await build({ store: await seeded() });
    const get = (url: string) => app.inject({ url, headers: bearer(READ_TOKEN) });
    const nodes = (await get('/api/v1/nodes')).json<{
      items: {
        name: string;
        requests: { cpuCores: number };
        memoryAvailableBytes: number;
        openFindings: number;
      }[];
    }>();
    assert.equal(nodes.items.length, 1);
    assert.equal(nodes.items[0]!.requests.cpuCores, 0.5);
    assert.equal(nodes.items[0]!.memoryAvailableBytes, 3 * 2 ** 30);
    assert.equal(nodes.items[0]!.openFindings, 1);
    const node = (await get('/api/v1/nodes/node-a')).json<{
      transitions: unknown[];
      findings: Finding[];
    }>();
    assert.equal(node.transitions.length, 1);
    assert.deepEqual(
      node.findings.map((f) => f.id),
      ['f-3'],
    );
    assert.equal((await get('/api/v1/nodes/node-z')).statusCode, 404);
  });

  it('shows a workload container with usage percentiles, current requests, OOM kills and its recommendation', async () => {
    const { app } = await build({ store: await seeded() });
    const get = (url: string) => app.inject({ url, headers: bearer(READ_TOKEN) });
    type Row = {
      container: string;
      memoryBytes: { max: number; p50: number; samples: number };
      cpuCores: { max: number };
      requests: { memoryBytes: number };
      oomKills: number;
      recommendation?: { findingId: string };
    };
    const list = (await get('/api/v1/workloads?namespace=shop')).json<{ items: Row[] }>();
    assert.equal(list.items.length, 1);
    const row = list.items[0]!;
    assert.equal(row.memoryBytes.samples, 100);
    assert.equal(row.memoryBytes.max, 399 * 2 ** 20);
    assert.equal(row.requests.memoryBytes, 512 * 2 ** 20);
    assert.equal(row.oomKills, 1);
    assert.equal(row.recommendation?.findingId, 'f-4');
    const detail = (await get('/api/v1/workloads/shop/Deployment/cart')).json<{
      containers: Row[];
      pods: { name: string }[];
      terminations: unknown[];
      findings: Finding[];
    }>();
    assert.deepEqual(
      detail.pods.map((p) => p.name),
      ['cart-abc'],
    );
    assert.equal(detail.terminations.length, 1);
    assert.equal(detail.containers[0]!.cpuCores.max, 0.199);
    assert.deepEqual(detail.findings.map((f) => f.id).sort(), ['f-1', 'f-2', 'f-4']);
    assert.equal((await get('/api/v1/workloads/shop/Deployment/nope')).statusCode, 404);
  });

  it('exports open recommendations as kubectl-ready patches in YAML and JSON', async () => {
    const { app } = await build({ store: await seeded() });
    const yamlResponse = await app.inject({
      url: '/api/v1/recommendations/export',
      headers: bearer(READ_TOKEN),
    });
    assert.equal(yamlResponse.statusCode, 200);
    assert.match(yamlResponse.headers['content-type'] as string, /application\/yaml/);
    const documents = parseAllDocuments(yamlResponse.body).map(
      (document) => document.toJSON() as Record<string, unknown>,
    );
    assert.equal(documents.length, 1);
    assert.deepEqual(documents[0]!.metadata, { name: 'cart', namespace: 'shop' });
    assert.match(
      yamlResponse.body,
      /kubectl --context test -n shop patch deployment\/cart --type strategic/,
    );
    const json = (
      await app.inject({
        url: '/api/v1/recommendations/export?format=json',
        headers: bearer(READ_TOKEN),
      })
    ).json<{
      items: {
        patch: {
          spec: {
            template: {
              spec: {
                containers: { name: string; resources: { requests: Record<string, string> } }[];
              };
            };
          };
        };
      }[];
    }>();
    const container = json.items[0]!.patch.spec.template.spec.containers[0]!;
    assert.equal(container.name, 'cart');
    assert.deepEqual(container.resources.requests, { cpu: '250m', memory: '448Mi' });
  });

  it('documents every route in the OpenAPI document', async () => {
    const { app } = await build({ store: await seeded() });
    const document = (await app.inject({ url: '/openapi.json' })).json<{
      paths: Record<string, unknown>;
    }>();
    for (const path of [
      '/api/v1/findings',
      '/api/v1/findings/{id}',
      '/api/v1/nodes',
      '/api/v1/nodes/{name}',
      '/api/v1/workloads',
      '/api/v1/workloads/{namespace}/{kind}/{name}',
    ]) {
      assert.ok(path in document.paths, path);
    }
  });
});
