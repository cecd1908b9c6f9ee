// The probe port: liveness and readiness on a listener of their own. Node accepts one new
// connection per turn of its event loop, so on a busy server a probe on the API's port waits a
// turn for every connection queued before it; on its own port it does not.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { listenForProbes } from '../../api/probe-listener.js';
import { loadConfig } from '../../core/config/load.js';
import { createLogger } from '../../core/logger.js';
import { startService } from '../../runtime/service.js';
import { build } from './helper.js';

function get(url: string, method = 'GET'): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method, agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          type: String(response.headers['content-type'] ?? ''),
          body,
        }),
      );
    });
    request.on('error', reject);
    request.end();
  });
}

function busyFor(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // A turn of the event loop spent on work, as a heavy request's slice is.
  }
}

describe('the probe port', () => {
  it('answers /healthz and /readyz as the API port does, and nothing else', async (t) => {
    const { app } = await build();
    const probes = await listenForProbes(app, '127.0.0.1', 0);
    t.after(async () => {
      await probes.close();
      await app.close();
    });
    const health = await get(`${probes.url}/healthz`);
    assert.equal(health.status, 200);
    assert.equal(health.body, (await app.inject('/healthz')).body);
    const ready = await get(`${probes.url}/readyz`);
    assert.equal(ready.status, (await app.inject('/readyz')).statusCode);

    for (const [path, method] of [
      ['/api/v1/findings', 'GET'],
      ['/metrics', 'GET'],
      ['/healthz', 'POST'],
    ] as const) {
      const refused = await get(`${probes.url}${path}`, method);
      assert.equal(refused.status, 404, `${method} ${path}`);
      assert.match(refused.type, /^application\/problem\+json/);
      assert.match(refused.body, /serves only the probes/);
    }
  });

  it('answers a probe within a few turns of a busy event loop, however many connections wait on the API port', async (t) => {
    const { app } = await build();
    await app.listen({ host: '127.0.0.1', port: 0 });
    const probes = await listenForProbes(app, '127.0.0.1', 0);
    const apiPort = (app.server.address() as AddressInfo).port;
    const waiting: net.Socket[] = [];
    t.after(async () => {
      for (const socket of waiting) socket.destroy();
      await probes.close();
      await app.close();
    });

    // A busy server: every turn of the event loop spends a few milliseconds on work.
    let turn = 0;
    let busy = true;
    const work = () => {
      turn += 1;
      busyFor(3);
      if (busy) setImmediate(work);
    };
    setImmediate(work);
    const answeredAfter = async (url: string) => {
      const from = turn;
      const { status } = await get(url);
      assert.equal(status, 200);
      return turn - from;
    };

    // A client opens 60 connections to the API port at once.
    for (let i = 0; i < 60; i++) {
      waiting.push(net.connect(apiPort, '127.0.0.1').on('error', () => undefined));
    }
    const [onApiPort, onProbePort] = await Promise.all([
      answeredAfter(`http://127.0.0.1:${apiPort}/healthz`),
      answeredAfter(`${probes.url}/healthz`),
    ]);
    busy = false;
    assert.ok(onProbePort <= 5, `the probe port answered after ${onProbePort} turns`);
    assert.ok(
      onApiPort > 30,
      `the API port's probe waits its turn behind the connections (${onApiPort} turns); if it no longer does, the probe port may be unneeded`,
    );
  });

  it('is opened by the service when api.probePort is set, and closed with it', async () => {
    const config = loadConfig({
      env: { PLIMSOLL_API_PORT: '0', PLIMSOLL_API_PROBE_PORT: '0' },
    });
    const service = await startService({
      config,
      logger: createLogger('silent'),
      ingest: false,
      store: false,
    });
    let stopped = false;
    try {
      assert.ok(service.probeUrl, 'a probe URL');
      assert.notEqual(service.probeUrl, service.url);
      assert.equal((await get(`${service.probeUrl}/healthz`)).status, 200);
      await service.stop();
      stopped = true;
      await assert.rejects(get(`${service.probeUrl}/healthz`), /ECONNREFUSED/);
    } finally {
      if (!stopped) await service.stop();
    }
  });
});
