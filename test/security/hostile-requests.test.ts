// Case 4 of the security review, as a careless or hostile client sends it: every GET route of the
// OpenAPI document, every query and path parameter, given values that broke it before (a leap
// second, `{}` as a cursor, a URL that does not decode, names longer than Fastify's default) and
// values that break parsers elsewhere. No answer is a 5xx, and every refusal is problem+json.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryStore } from '../../store/memory.js';
import { flappingFinding, oomLoopFinding } from '../alerts/findings.js';
import { bearer, build, READ_TOKEN } from '../api/helper.js';
import { nodeRecord, sampleRecord, terminationRecord } from '../support/records.js';

const PROBLEM = 'application/problem+json; charset=utf-8';

const HOSTILE_VALUES = [
  '',
  ' ',
  '0',
  '-1',
  '1e309',
  'NaN',
  'e30',
  'bogus',
  '0000-01-01T00:00:00Z',
  '9999-12-31T23:59:59Z',
  '2016-12-31T23:59:60Z',
  '1969-12-31T23:59:59Z',
  '../../etc/passwd',
  '<script>alert(1)</script>',
  "' OR 1=1 --",
  '{"$gt":""}',
  '\u0000',
  '\u202e',
  'a'.repeat(300),
  'a'.repeat(20_000),
];

interface OpenApi {
  paths: Record<
    string,
    { get?: { parameters?: { name: string; in: 'query' | 'path' }[] } } | undefined
  >;
}

async function seededApp() {
  const store = new MemoryStore();
  await store.write([
    nodeRecord(),
    sampleRecord(1),
    terminationRecord(),
    sampleRecord(2, { metric: 'node_memory_available_bytes', container: undefined }),
  ]);
  await store.upsertFindings([oomLoopFinding(), flappingFinding()]);
  // Limits high enough that every answer below is the route's own, not a 429.
  return (await build({ store, rateLimit: { perSecond: 1e6, burst: 1e6 } })).app;
}

describe('hostile requests', () => {
  it('never answer 5xx, and refuse in problem+json, on every GET route and parameter', async () => {
    const app = await seededApp();
    const spec = (await app.inject('/openapi.json')).json<OpenApi>();
    const routes = Object.entries(spec.paths).filter(([, item]) => item?.get);
    assert.ok(routes.length >= 10, `the document lists the GET routes (${routes.length})`);
    let requests = 0;
    for (const [template, item] of routes) {
      const parameters = item!.get!.parameters ?? [];
      const path = (values: Record<string, string>) =>
        template.replace(/\{(\w+)\}/g, (_, name: string) =>
          encodeURIComponent(values[name] ?? 'x'),
        );
      for (const parameter of parameters) {
        for (const value of HOSTILE_VALUES) {
          const url =
            parameter.in === 'path'
              ? path({ [parameter.name]: value })
              : `${path({})}?${parameter.name}=${encodeURIComponent(value)}`;
          const response = await app.inject({ url, headers: bearer(READ_TOKEN) });
          requests += 1;
          const where = `${url.slice(0, 160)} → ${response.statusCode}`;
          assert.ok(response.statusCode < 500 && response.statusCode !== 429, where);
          if (response.statusCode >= 400) {
            assert.equal(response.headers['content-type'], PROBLEM, where);
            assert.ok(response.json<{ detail?: string }>().detail, where);
          }
        }
      }
    }
    assert.ok(requests > 200, `${requests} hostile requests`);
  });

  it('refuses what it once took silently, naming the field', async () => {
    const app = await seededApp();
    const cases: [string, RegExp][] = [
      // A leap second passes the date-time format but no Date reads it: it was NaN, no filter.
      ['/api/v1/workloads?from=2016-12-31T23:59:60Z', /from.*23:59:60/],
      ['/api/v1/findings?from=2016-12-31T23:59:60Z', /from.*23:59:60/],
      // `{}` is valid base64 JSON but no position.
      ['/api/v1/findings?cursor=e30', /cursor/],
      ['/api/v1/workloads?cursor=e30', /cursor/],
      // A window that ends before it starts was a 200.
      ['/api/v1/findings?from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00Z', /from/],
      ['/api/v1/workloads?from=0000-01-01T00:00:00Z&to=9999-12-31T23:59:59Z', /from/],
    ];
    for (const [url, field] of cases) {
      const response = await app.inject({ url, headers: bearer(READ_TOKEN) });
      assert.equal(response.statusCode, 400, url);
      assert.equal(response.headers['content-type'], PROBLEM, url);
      assert.match(response.json<{ detail: string }>().detail, field, url);
    }
  });

  it("answers the router's own errors in problem+json: a URL that does not decode, a long name", async () => {
    const app = await seededApp();
    const undecodable = await app.inject({
      url: '/api/v1/findings/%ZZ',
      headers: bearer(READ_TOKEN),
    });
    assert.equal(undecodable.statusCode, 400);
    assert.equal(undecodable.headers['content-type'], PROBLEM);
    assert.match(undecodable.json<{ detail: string }>().detail, /URL/);
    // 253 characters is a valid Kubernetes name: a 404 for an unknown one, not Fastify's 414.
    const name = 'a'.repeat(253);
    const long = await app.inject({
      url: `/api/v1/workloads/shop/Deployment/${name}`,
      headers: bearer(READ_TOKEN),
    });
    assert.equal(long.statusCode, 404);
    assert.equal(long.headers['content-type'], PROBLEM);
    assert.match(long.json<{ detail: string }>().detail, new RegExp(name));
  });
});
