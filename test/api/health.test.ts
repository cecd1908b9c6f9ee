import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildApp } from '../../api/app.js';
import { silentLogger } from '../../core/logger.js';
import { Telemetry } from '../../core/telemetry.js';
import type { ComponentReport } from '../../core/component.js';

function build(components: ComponentReport[]) {
  const telemetry = new Telemetry();
  telemetry.recordsPublished.inc({ topic: 'plimsoll.samples.v1' }, 3);
  return buildApp({
    logger: silentLogger,
    telemetry,
    health: () => Promise.resolve(components),
    version: '1.2.3',
  });
}

describe('health, readiness and metrics', () => {
  it('answers /healthz while the process runs', async () => {
    const app = await build([]);
    const response = await app.inject('/healthz');
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), { status: 'ok', version: '1.2.3' });
  });

  it('is ready only when every component is, and says which is not and why', async () => {
    const app = await build([
      { name: 'bus.kafka', ready: true },
      {
        name: 'store.elasticsearch',
        ready: false,
        detail: 'Elasticsearch unreachable: ECONNREFUSED',
      },
    ]);
    const response = await app.inject('/readyz');
    assert.equal(response.statusCode, 503);
    const body = response.json<{ ready: boolean; components: ComponentReport[] }>();
    assert.equal(body.ready, false);
    assert.equal(body.components[1]?.detail, 'Elasticsearch unreachable: ECONNREFUSED');

    const healthy = await build([{ name: 'bus.kafka', ready: true }]);
    assert.equal((await healthy.inject('/readyz')).statusCode, 200);
  });

  it('tells only token holders why a component is not ready', async () => {
    const app = await buildApp({
      logger: silentLogger,
      telemetry: new Telemetry({ defaultMetrics: false }),
      health: () =>
        Promise.resolve([
          { name: 'store.elasticsearch', ready: false, detail: 'unreachable at http://es:9200' },
        ]),
      version: '1.2.3',
      tokens: { readTokens: ['read-token-0123456789abcdef'], adminTokens: [] },
    });
    const anonymous = await app.inject('/readyz');
    assert.equal(anonymous.statusCode, 503);
    assert.deepEqual(anonymous.json(), {
      ready: false,
      components: [{ name: 'store.elasticsearch', ready: false }],
    });
    const reader = await app.inject({
      url: '/readyz',
      headers: { authorization: 'Bearer read-token-0123456789abcdef' },
    });
    assert.equal(
      reader.json<{ components: ComponentReport[] }>().components[0]?.detail,
      'unreachable at http://es:9200',
    );
  });

  it('exposes the pipeline counters and process metrics in Prometheus format', async () => {
    const app = await build([]);
    const response = await app.inject('/metrics');
    assert.equal(response.statusCode, 200);
    assert.match(response.headers['content-type'] as string, /text\/plain/);
    assert.match(
      response.body,
      /plimsoll_bus_records_published_total\{topic="plimsoll.samples.v1"\} 3/,
    );
    assert.match(response.body, /plimsoll_process_resident_memory_bytes/);
  });

  it('answers unknown routes with problem+json', async () => {
    const app = await build([]);
    const response = await app.inject('/no/such/route');
    assert.equal(response.statusCode, 404);
    assert.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8');
    assert.equal(response.json<{ status: number }>().status, 404);
  });

  it('serves an OpenAPI document that lists the routes', async () => {
    const app = await build([]);
    const response = await app.inject('/openapi.json');
    const document = response.json<{ openapi: string; paths: Record<string, unknown> }>();
    assert.equal(document.openapi, '3.1.0');
    assert.ok('/healthz' in document.paths && '/readyz' in document.paths);
  });
});
