// A second listening socket that serves only the liveness and readiness probes, through the same
// app (its hooks, limits and headers). Node's event loop accepts one new connection per turn
// (libuv since 1.45), and a kubelet probes on a fresh connection each time: on the API's own
// port, a client that opens a hundred connections at once puts the probe behind all of them,
// one turn each, and a busy server is restarted for being busy. Each listener has its own accept
// queue, so the probe waits at most a turn or two whatever the API's port is going through.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { problem, PROBLEM_TYPE } from './problem.js';

/** What the probe port answers; everything else there is a 404. */
export const PROBE_PATHS: ReadonlySet<string> = new Set(['/healthz', '/readyz']);

export interface ProbeListener {
  /** Base URL, e.g. http://127.0.0.1:8081. */
  readonly url: string;
  close(): Promise<void>;
}

function notHere(response: http.ServerResponse): void {
  const body = JSON.stringify(
    problem(404, 'Not Found', `This port serves only the probes: ${[...PROBE_PATHS].join(', ')}.`),
  );
  response.writeHead(404, {
    'content-type': `${PROBLEM_TYPE}; charset=utf-8`,
    'content-length': Buffer.byteLength(body),
  });
  response.end(body);
}

/** Listens on host:port (0 picks a free one) and routes the probes' requests into the app. */
export async function listenForProbes(
  app: FastifyInstance,
  host: string,
  port: number,
): Promise<ProbeListener> {
  await app.ready();
  const server = http.createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0] ?? '';
    const method = request.method ?? 'GET';
    if (!PROBE_PATHS.has(path) || (method !== 'GET' && method !== 'HEAD')) {
      notHere(response);
      return;
    }
    app.routing(request, response);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
