// autocannon loads for the api suite (run from bench/workers/load.ts, in its own process so its
// CPU never counts toward a server's): latency of 2xx responses, their rate, and the server's CPU.
//
// Every connection comes from its own loopback address (127.0.0.2, 127.0.0.3, ...; with
// `reconnectRate`, a new one at each re-dial): Plimsoll's API limits each client address to 100
// requests/s (burst 200), and the load stands for many clients, not one client hammering.
// Requests the limiter still refuses show up as 429 in `statusCodes`.
import net from 'node:net';
import autocannon from 'autocannon';
import { processCpuMs } from '../harness.js';

export interface LoadSpec {
  readonly label: string;
  /** Full URL, path and query included. */
  readonly url: string;
  readonly connections: number;
  readonly durationSeconds: number;
  /** Requests per second across all connections; unset: as fast as the server answers. */
  readonly overallRate?: number;
  /**
   * Each connection re-dials after this many requests, from the next source address, so that no
   * address sustains more than a fraction of an unthrottled load.
   */
  readonly reconnectRate?: number;
  /** The server's pid: its CPU time is read before and after the load. */
  readonly serverPid?: number;
}

export interface LoadPlan {
  readonly loads: readonly LoadSpec[];
}

export interface LoadResult {
  readonly label: string;
  /** Latency of 2xx responses, ms. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly meanMs: number;
  readonly maxMs: number;
  /** 2xx responses per second of the load's duration. */
  readonly okPerSecond: number;
  readonly ok: number;
  readonly non2xx: number;
  /** Responses by status code (429: the per-client rate limit). */
  readonly statusCodes: Record<string, number>;
  readonly errors: number;
  readonly timeouts: number;
  readonly durationSeconds: number;
  /** Server CPU time during the load, when its pid was given. */
  readonly serverCpuMs?: number;
}

/** The loopback source address of the i-th connection: 127.0.0.2 and up, wrapping at 127.0.0.254. */
export function sourceAddress(index: number): string {
  return `127.0.0.${2 + (index % 253)}`;
}

type Connect = typeof net.connect;

/**
 * Binds every new TCP connection to the next loopback source address. autocannon opens its sockets
 * with `net.connect(port, host)` and offers no option for the local address.
 */
export function spreadSourceAddresses(): () => void {
  const original: Connect = net.connect;
  let next = 0;
  const patched = (...args: unknown[]) => {
    const [port, host] = args;
    // autocannon passes the port as the URL's string.
    const loopback = host === '127.0.0.1' || host === 'localhost';
    if (loopback && (typeof port === 'number' || typeof port === 'string')) {
      return original({
        port: Number(port),
        host: '127.0.0.1',
        localAddress: sourceAddress(next++),
      });
    }
    return (original as (...a: unknown[]) => net.Socket)(...args);
  };
  (net as { connect: unknown }).connect = patched;
  return () => {
    (net as { connect: unknown }).connect = original;
  };
}

export function summarizeLoad(
  spec: LoadSpec,
  result: autocannon.Result,
  serverCpuMs?: number,
): LoadResult {
  return {
    label: spec.label,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    meanMs: result.latency.mean,
    maxMs: result.latency.max,
    okPerSecond: result['2xx'] / result.duration,
    ok: result['2xx'],
    non2xx: result.non2xx,
    statusCodes: Object.fromEntries(
      Object.entries(result.statusCodeStats ?? {}).map(([code, stats]) => [code, stats.count ?? 0]),
    ),
    errors: result.errors,
    timeouts: result.timeouts,
    durationSeconds: result.duration,
    ...(serverCpuMs !== undefined && { serverCpuMs }),
  };
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const cpuBefore = spec.serverPid !== undefined ? processCpuMs(spec.serverPid) : undefined;
  const result = await autocannon({
    url: spec.url,
    connections: spec.connections,
    duration: spec.durationSeconds,
    ...(spec.reconnectRate !== undefined && { reconnectRate: spec.reconnectRate }),
    ...(spec.overallRate !== undefined && {
      overallRate: spec.overallRate,
      // autocannon 8 corrects for coordinated omission with an expected interval of
      // ceil(1 / rate-per-connection) — seconds taken as milliseconds, i.e. always 1 ms — which
      // fills the histogram with made-up values below every real one. Plain latencies instead.
      ignoreCoordinatedOmission: true,
    }),
  });
  const serverCpuMs =
    spec.serverPid !== undefined && cpuBefore !== undefined
      ? processCpuMs(spec.serverPid) - cpuBefore
      : undefined;
  return summarizeLoad(spec, result, serverCpuMs);
}
