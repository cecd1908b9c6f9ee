// The api suite's flood: a liveness probe's latency (/healthz, from its own address and its own
// process, as a kubelet probes) while one client floods the API with expensive requests over many
// parallel connections from one address — and the same probe alone, for the baseline. The probe
// runs in a child process: sharing autocannon's event loop, it would time autocannon's own lag.
// Prints one JSON line (FloodResult).
//
//   node --import tsx bench/workers/flood.ts '<FloodSpec as JSON>'
import { fork } from 'node:child_process';
import http from 'node:http';
import autocannon from 'autocannon';

export interface FloodSpec {
  /** Base URL of the API. */
  readonly base: string;
  /** Base URL the liveness probe asks (the API's probe port). */
  readonly probeBase: string;
  /** The expensive request's path and query. */
  readonly floodPath: string;
  readonly floodConnections: number;
  readonly durationSeconds: number;
  readonly probesPerSecond: number;
  readonly headers?: Record<string, string>;
}

export interface ProbeResult {
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly probes: number;
  /** Probes answered other than 200 (a 429 would mean the flood's limit spilled over). */
  readonly failed: number;
}

export interface FloodResult {
  readonly alone: ProbeResult;
  readonly flooded: ProbeResult;
  /** The flood's answers by status code (429: its rate limit). */
  readonly floodStatusCodes: Record<string, number>;
  readonly floodOkPerSecond: number;
}

const PROBE_ADDRESS = '127.0.0.250';

function probeOnce(url: URL): Promise<{ ms: number; ok: boolean }> {
  const start = process.hrtime.bigint();
  return new Promise((resolve) => {
    const request = http.get(
      {
        host: url.hostname,
        port: url.port,
        path: '/healthz',
        localAddress: PROBE_ADDRESS,
        agent: false,
      },
      (response) => {
        response.resume();
        response.on('end', () =>
          resolve({
            ms: Number(process.hrtime.bigint() - start) / 1e6,
            ok: response.statusCode === 200,
          }),
        );
      },
    );
    request.setTimeout(10_000, () => request.destroy(new Error('probe timed out')));
    request.on('error', () =>
      resolve({ ms: Number(process.hrtime.bigint() - start) / 1e6, ok: false }),
    );
  });
}

const quantile = (sorted: readonly number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

/** Probes at a fixed rate for `seconds`, each on a fresh connection (as a kubelet does). */
async function probe(base: string, probesPerSecond: number, seconds: number): Promise<ProbeResult> {
  const url = new URL(base);
  const interval = 1000 / probesPerSecond;
  const until = Date.now() + seconds * 1000;
  const pending: Promise<{ ms: number; ok: boolean }>[] = [];
  while (Date.now() < until) {
    pending.push(probeOnce(url));
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
  const results = await Promise.all(pending);
  const sorted = results.map((r) => r.ms).sort((a, b) => a - b);
  return {
    p50Ms: quantile(sorted, 0.5),
    p99Ms: quantile(sorted, 0.99),
    maxMs: sorted[sorted.length - 1] ?? NaN,
    probes: results.length,
    failed: results.filter((r) => !r.ok).length,
  };
}

/** Seconds the probe process runs before it measures: a process starting up times itself. */
const WARM_UP_SECONDS = 2;

/**
 * The probe in a child process of this same file. It warms up, then tells the parent (which
 * starts what is to be measured, if anything) and measures; resolves to what it printed.
 */
function probeInChild(spec: FloodSpec, onWarm: () => void = () => undefined): Promise<ProbeResult> {
  return new Promise((resolve, reject) => {
    const child = fork(import.meta.filename, ['probe', JSON.stringify(spec)], {
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    });
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('message', (message) => {
      if (message === 'warm') {
        onWarm();
        child.send('go');
      }
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(out.trim().split('\n').pop()!) as ProbeResult)
        : reject(new Error(`the probe exited with ${code}`)),
    );
  });
}

if (process.argv[2] === 'probe') {
  const spec = JSON.parse(process.argv[3] ?? '') as FloodSpec;
  await probe(spec.probeBase, spec.probesPerSecond, WARM_UP_SECONDS);
  const go = new Promise((resolve) => process.once('message', resolve));
  process.send!('warm');
  await go;
  const result = await probe(spec.probeBase, spec.probesPerSecond, spec.durationSeconds);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.disconnect();
} else {
  const spec = JSON.parse(process.argv[2] ?? '') as FloodSpec;
  const alone = await probeInChild(spec);
  let flood: ReturnType<typeof autocannon> | undefined;
  const flooded = await probeInChild(spec, () => {
    flood = autocannon({
      url: `${spec.base}${spec.floodPath}`,
      connections: spec.floodConnections,
      duration: spec.durationSeconds + 1,
      ...(spec.headers && { headers: spec.headers }),
    });
  });
  const result = await flood!;
  const output: FloodResult = {
    alone,
    flooded,
    floodStatusCodes: Object.fromEntries(
      Object.entries(result.statusCodeStats ?? {}).map(([code, stats]) => [code, stats.count ?? 0]),
    ),
    floodOkPerSecond: result['2xx'] / result.duration,
  };
  process.stdout.write(`${JSON.stringify(output)}\n`);
}
