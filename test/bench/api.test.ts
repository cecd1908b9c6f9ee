// The api suite's pieces that do not time anything: which endpoints it loads, the plan of a
// repetition, connections from distinct loopback addresses, and the bare baseline answering the
// captured bytes.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { chooseEndpoints, repetitionPlan } from '../../bench/suites/api.js';
import type { CapturedRoute } from '../../bench/workers/bare-api.js';
import {
  sourceAddress,
  spreadSourceAddresses,
  summarizeLoad,
} from '../../bench/workers/load-runner.js';
import { startServiceProcess } from '../../bench/workers/service-process.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const workload = (name: string) => ({ namespace: 'shop', kind: 'Deployment', name });
const findings = [
  { id: 'flap-1', kind: 'node_memory_flapping', subject: {} },
  { id: 'misfit/1', kind: 'requests_misfit', subject: { workload: workload('cart') } },
  { id: 'oom-1', kind: 'oom_loop', subject: { workload: workload('pricing engine') } },
];

describe('the api suite', () => {
  it('loads the filtered list, an OOM-loop finding and the workload that finding is about', () => {
    const endpoints = chooseEndpoints(findings);
    assert.deepEqual(
      endpoints.map((e) => e.label),
      ['findings list', 'one finding', 'workload'],
    );
    assert.match(endpoints[0]!.path, /^\/api\/v1\/findings\?kind=/);
    assert.equal(endpoints[1]!.path, '/api/v1/findings/oom-1');
    assert.equal(endpoints[2]!.path, '/api/v1/workloads/shop/Deployment/pricing%20engine');
  });

  it('falls back to any finding about a workload, escaping its id, and refuses when none is', () => {
    const endpoints = chooseEndpoints(findings.filter((f) => f.kind !== 'oom_loop'));
    assert.equal(endpoints[1]!.path, '/api/v1/findings/misfit%2F1');
    assert.equal(endpoints[2]!.path, '/api/v1/workloads/shop/Deployment/cart');
    assert.throws(() => chooseEndpoints(findings.slice(0, 1)), /no finding about a workload/);
  });

  it('plans both loads of every endpoint on both servers, the fixed rate only on the fixed load', () => {
    const endpoints = chooseEndpoints(findings);
    const servers = {
      Plimsoll: { url: 'http://127.0.0.1:1', pid: 11 },
      bare: { url: 'http://127.0.0.1:2', pid: 22 },
    };
    const plan = repetitionPlan(endpoints, servers, 4);
    assert.equal(plan.length, endpoints.length * 2 * 2);
    for (const endpoint of endpoints) {
      const mine = plan.filter((spec) => spec.url.endsWith(endpoint.path));
      assert.equal(mine.length, 4, endpoint.label);
      assert.equal(mine.filter((spec) => spec.overallRate !== undefined).length, 2);
      assert.deepEqual(new Set(mine.map((spec) => spec.serverPid)), new Set([11, 22]));
      assert.equal(new Set(mine.map((spec) => spec.connections)).size, 1, 'same connections');
    }
    assert.ok(plan.every((spec) => spec.durationSeconds === 4));
  });
});

describe('the load generator', () => {
  it('gives each new connection its own loopback source address, and restores net.connect', async () => {
    const seen: string[] = [];
    const server: Server = createServer((socket) => {
      seen.push(socket.remoteAddress ?? '');
      socket.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const connectOnce = () =>
      new Promise<void>((resolve, reject) => {
        // As autocannon calls it: port as a string, host separately.
        const socket = (net.connect as unknown as (port: string, host: string) => net.Socket)(
          String(port),
          '127.0.0.1',
        );
        socket.on('error', reject).on('close', () => resolve());
        socket.resume();
      });
    const original = net.connect;
    const restore = spreadSourceAddresses();
    try {
      await connectOnce();
      await connectOnce();
    } finally {
      restore();
      server.close();
    }
    assert.equal(net.connect, original);
    assert.deepEqual(seen, [sourceAddress(0), sourceAddress(1)]);
    assert.notEqual(sourceAddress(0), sourceAddress(1));
    assert.match(sourceAddress(10_000), /^127\.0\.0\.(\d+)$/);
    assert.ok(Number(sourceAddress(10_000).split('.')[3]) <= 254);
  });

  it('reports 2xx responses per second and the status codes it got', () => {
    const spec = { label: 'x', url: 'http://127.0.0.1:1/', connections: 1, durationSeconds: 2 };
    const result = {
      latency: { p50: 3, p99: 9, mean: 4, max: 12 },
      duration: 2,
      '2xx': 300,
      non2xx: 5,
      errors: 0,
      timeouts: 0,
      statusCodeStats: { '200': { count: 300 }, '429': { count: 5 } },
    } as unknown as Parameters<typeof summarizeLoad>[1];
    const summary = summarizeLoad(spec, result, 120);
    assert.equal(summary.okPerSecond, 150);
    assert.deepEqual(summary.statusCodes, { '200': 300, '429': 5 });
    assert.equal(summary.serverCpuMs, 120);
  });
});

describe('the bare baseline server', () => {
  it('answers the captured status, content type and bytes at the captured path, whatever the query', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plimsoll-bare-test-'));
    const body = Buffer.from(JSON.stringify({ items: [{ id: 'a' }] }));
    const routes: CapturedRoute[] = [
      {
        path: '/api/v1/findings',
        status: 200,
        contentType: 'application/json; charset=utf-8',
        bodyBase64: body.toString('base64'),
      },
    ];
    writeFileSync(join(dir, 'routes.json'), JSON.stringify(routes));
    const bare = await startServiceProcess(
      [join(ROOT, 'bench', 'workers', 'bare-api.ts'), join(dir, 'routes.json')],
      /^(http:\S+)$/m,
      { cwd: ROOT, nodeArgs: ['--import', 'tsx'], timeoutMs: 60_000 },
    );
    try {
      const response = await fetch(`${bare.match[1]}/api/v1/findings?kind=oom_loop`);
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('content-type'), 'application/json; charset=utf-8');
      assert.deepEqual(Buffer.from(await response.arrayBuffer()), body);
      assert.equal((await fetch(`${bare.match[1]}/api/v1/other`)).status, 404);
      assert.ok(bare.peakRssBytes() > 0, 'its memory is read from /proc');
    } finally {
      assert.equal(await bare.stop(), 0, 'stops cleanly on SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
