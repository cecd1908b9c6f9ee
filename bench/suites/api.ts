// `api`: latency (p50/p99) and throughput of the findings and workload endpoints of a running
// Plimsoll — the embedded demo on the `mixed` scenario, its own process — under autocannon, each
// load repeated against a bare fastify server answering the same bytes at the same path. The
// ratio Plimsoll ÷ bare is what the queries, serialization and hooks cost over HTTP itself.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  FigureSet,
  measureNode,
  median,
  ratio,
  type BenchContext,
  type BenchSuite,
  type Ratio,
  type SuiteResult,
  type Target,
} from '../harness.js';
import type { CapturedRoute } from '../workers/bare-api.js';
import type { FloodResult, FloodSpec } from '../workers/flood.js';
import type { LoadResult, LoadSpec } from '../workers/load-runner.js';
import { startServiceProcess, type ServiceProcess } from '../workers/service-process.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WORKERS = join(ROOT, 'bench', 'workers');
const MIB = 2 ** 20;
const FIXED_RATE = 200;
const CONNECTIONS = 10;
/** Re-dial (from the next source address) every this many requests; see load-runner.ts. */
const RECONNECT_EVERY = 100;
const P99_GOAL_MS = 50;
/** The flood: one client, this many parallel connections of the widest workload query. */
const FLOOD_CONNECTIONS = 150;
const FLOOD_WINDOW_DAYS = 90;
const PROBES_PER_SECOND = 20;
const HEALTHZ_P99_GOAL_MS = 100;
const LIST_FILTER = 'kind=oom_loop,node_memory_flapping';

export interface Endpoint {
  readonly label: string;
  /** Path and query, as requested. */
  readonly path: string;
}

interface FindingLike {
  readonly id: string;
  readonly kind: string;
  readonly subject?: { readonly workload?: { namespace: string; kind: string; name: string } };
}

/**
 * The endpoints under load, from the findings a running Plimsoll lists: the filtered list, one
 * finding (an OOM loop when there is one) and the workload that finding is about — what a person
 * opens from an alert.
 */
export function chooseEndpoints(findings: readonly FindingLike[]): Endpoint[] {
  const withWorkload = (f: FindingLike) => f.subject?.workload !== undefined;
  const finding =
    findings.find((f) => f.kind === 'oom_loop' && withWorkload(f)) ?? findings.find(withWorkload);
  if (!finding) throw new Error('no finding about a workload to benchmark against');
  const workload = finding.subject!.workload!;
  const segment = encodeURIComponent;
  return [
    { label: 'findings list', path: `/api/v1/findings?${LIST_FILTER}` },
    { label: 'one finding', path: `/api/v1/findings/${segment(finding.id)}` },
    {
      label: 'workload',
      path: `/api/v1/workloads/${segment(workload.namespace)}/${segment(workload.kind)}/${segment(workload.name)}`,
    },
  ];
}

type Server = 'Plimsoll' | 'bare';
type Load = 'fixed' | 'max';

function loadLabel(endpoint: Endpoint, load: Load, server: Server): string {
  return `${endpoint.label}|${load}|${server}`;
}

/** The plan of one repetition: per endpoint and load, Plimsoll then the bare server. */
export function repetitionPlan(
  endpoints: readonly Endpoint[],
  servers: Readonly<Record<Server, { url: string; pid: number }>>,
  durationSeconds: number,
): LoadSpec[] {
  const specs: LoadSpec[] = [];
  for (const endpoint of endpoints) {
    for (const load of ['fixed', 'max'] as const) {
      for (const server of ['Plimsoll', 'bare'] as const) {
        specs.push({
          label: loadLabel(endpoint, load, server),
          url: `${servers[server].url}${endpoint.path}`,
          connections: CONNECTIONS,
          durationSeconds,
          reconnectRate: RECONNECT_EVERY,
          serverPid: servers[server].pid,
          ...(load === 'fixed' && { overallRate: FIXED_RATE }),
        });
      }
    }
  }
  return specs;
}

async function runPlan(loads: readonly LoadSpec[]): Promise<Map<string, LoadResult>> {
  const longest = loads.reduce((sum, load) => sum + load.durationSeconds + 15, 60);
  const usage = await measureNode(
    ['--import', 'tsx', join(WORKERS, 'load.ts'), JSON.stringify({ loads })],
    { cwd: ROOT, timeoutMs: longest * 1000 },
  );
  const results = JSON.parse(usage.stdout.trim().split('\n').pop()!) as LoadResult[];
  return new Map(results.map((result) => [result.label, result]));
}

/** /healthz alone, then while one client floods the API with its most expensive list. */
async function runFlood(
  base: string,
  probeBase: string,
  durationSeconds: number,
): Promise<FloodResult> {
  const to = Date.now();
  const from = to - FLOOD_WINDOW_DAYS * 86_400_000;
  const spec: FloodSpec = {
    base,
    probeBase,
    floodPath: `/api/v1/workloads?limit=500&from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`,
    floodConnections: FLOOD_CONNECTIONS,
    durationSeconds,
    probesPerSecond: PROBES_PER_SECOND,
  };
  const usage = await measureNode(
    ['--import', 'tsx', join(WORKERS, 'flood.ts'), JSON.stringify(spec)],
    { cwd: ROOT, timeoutMs: (durationSeconds * 2 + 60) * 1000 },
  );
  return JSON.parse(usage.stdout.trim().split('\n').pop()!) as FloodResult;
}

async function capture(base: string, endpoint: Endpoint): Promise<CapturedRoute> {
  const response = await fetch(`${base}${endpoint.path}`);
  const body = Buffer.from(await response.arrayBuffer());
  if (response.status !== 200) {
    throw new Error(
      `GET ${endpoint.path}: HTTP ${response.status} ${body.toString().slice(0, 200)}`,
    );
  }
  return {
    path: endpoint.path.split('?')[0]!,
    status: response.status,
    contentType: response.headers.get('content-type') ?? 'application/json',
    bodyBase64: body.toString('base64'),
  };
}

function startPlimsoll(context: BenchContext): Promise<ServiceProcess> {
  return startServiceProcess(
    [join(ROOT, 'bin', 'plimsoll.js'), 'demo', '--port', '0', '--probe-port', '0'],
    // Printed once the history is in, analyzed and the first reports written.
    /History loaded and analyzed: (http:\/\/[^/\s]+)[\s\S]*?Probes: (http:\/\/[^/\s]+)/,
    {
      cwd: ROOT,
      env: {
        PLIMSOLL_LOG_LEVEL: 'warn',
        // The demo runs open on loopback; no token, so the load measures the API, not 401s.
        PLIMSOLL_API_READ_TOKENS: '',
        PLIMSOLL_API_ADMIN_TOKENS: '',
        ...(context.quick && { PLIMSOLL_SIMULATOR_HISTORY_DAYS: '2' }),
      },
      timeoutMs: 600_000,
    },
  );
}

export const api: BenchSuite = {
  name: 'api',
  description:
    'p50/p99 latency and req/s of the findings and workload endpoints under load (autocannon), embedded demo on the mixed scenario, beside a bare fastify server answering the same bytes',
  async run(context: BenchContext): Promise<SuiteResult> {
    const durationSeconds = context.quick ? 3 : 5;
    const figures = new FigureSet();
    const notes: string[] = [];
    const refused = new Map<string, number>();
    const loads: number[] = [];
    const floodCodes: Record<string, number>[] = [];
    let plimsoll: ServiceProcess | undefined;
    let bare: ServiceProcess | undefined;
    const dir = mkdtempSync(join(tmpdir(), 'plimsoll-bench-api-'));
    try {
      context.progress(
        'api: starting Plimsoll (demo, mixed scenario) and waiting for its findings',
      );
      const startedAt = Date.now();
      plimsoll = await startPlimsoll(context);
      const plimsollUrl = plimsoll.match[1]!;
      const probeUrl = plimsoll.match[2]!;
      const loadedSeconds = Math.round((Date.now() - startedAt) / 1000);
      const page = (await (await fetch(`${plimsollUrl}/api/v1/findings?limit=500`)).json()) as {
        items: FindingLike[];
      };
      const endpoints = chooseEndpoints(page.items);
      const routes = await Promise.all(endpoints.map((e) => capture(plimsollUrl, e)));
      const routesFile = join(dir, 'routes.json');
      writeFileSync(routesFile, JSON.stringify(routes));
      bare = await startServiceProcess(
        [join(WORKERS, 'bare-api.ts'), routesFile],
        /^(http:\S+)$/m,
        {
          cwd: ROOT,
          nodeArgs: ['--import', 'tsx'],
        },
      );
      const servers = {
        Plimsoll: { url: plimsollUrl, pid: plimsoll.pid },
        bare: { url: bare.match[1]!, pid: bare.pid },
      };
      const rssAtStart = plimsoll.rssBytes();
      context.progress(`api: Plimsoll ready after ${loadedSeconds} s; warming up`);
      await runPlan(
        repetitionPlan(endpoints, servers, 1).filter((spec) => spec.overallRate === undefined),
      );

      for (let repeat = 1; repeat <= context.repeats; repeat++) {
        context.progress(`api: repetition ${repeat}/${context.repeats}`);
        const results = await runPlan(repetitionPlan(endpoints, servers, durationSeconds));
        for (const endpoint of endpoints) {
          const get = (load: Load, server: Server) => {
            const result = results.get(loadLabel(endpoint, load, server))!;
            const key = `${endpoint.label} ${load === 'fixed' ? `at ${FIXED_RATE} req/s` : 'unthrottled'}, ${server}`;
            const bad = result.non2xx + result.errors + result.timeouts;
            if (bad > 0) refused.set(key, (refused.get(key) ?? 0) + bad);
            return result;
          };
          for (const server of ['Plimsoll', 'bare'] as const) {
            const fixed = get('fixed', server);
            const max = get('max', server);
            const name = (what: string) => `${endpoint.label}: ${what}, ${server}`;
            figures.add(name(`p50 at ${FIXED_RATE} req/s`), 'ms', 'lower', fixed.p50Ms);
            figures.add(name(`p99 at ${FIXED_RATE} req/s`), 'ms', 'lower', fixed.p99Ms);
            figures.add(
              name(`served at ${FIXED_RATE} req/s offered`),
              'req/s',
              'higher',
              fixed.okPerSecond,
            );
            figures.add(name('req/s unthrottled'), 'req/s', 'higher', max.okPerSecond);
            figures.add(
              name('server CPU per request, unthrottled'),
              'ms',
              'lower',
              (max.serverCpuMs ?? NaN) / Math.max(1, max.ok),
            );
          }
        }
        context.progress(`api: repetition ${repeat}/${context.repeats}, the flood`);
        const flood = await runFlood(plimsollUrl, probeUrl, durationSeconds * 2);
        figures.add('/healthz p99 alone', 'ms', 'lower', flood.alone.p99Ms);
        figures.add(
          `/healthz p99 while one client sends ${FLOOD_CONNECTIONS} parallel heavy requests`,
          'ms',
          'lower',
          flood.flooded.p99Ms,
        );
        figures.add(
          '/healthz probes failed during the flood',
          'probes',
          'lower',
          flood.flooded.failed,
        );
        figures.add('flood: heavy requests served', 'req/s', 'higher', flood.floodOkPerSecond);
        floodCodes.push(flood.floodStatusCodes);
        loads.push(loadavg()[0]!);
        figures.add(
          'Plimsoll API process: peak RSS',
          'MiB',
          'lower',
          plimsoll.peakRssBytes() / MIB,
        );
        figures.add(
          'Plimsoll API process: RSS after the loads',
          'MiB',
          'lower',
          plimsoll.rssBytes() / MIB,
        );
      }

      const ratios: Ratio[] = [];
      for (const endpoint of endpoints) {
        for (const what of [
          `p50 at ${FIXED_RATE} req/s`,
          `p99 at ${FIXED_RATE} req/s`,
          'req/s unthrottled',
          'server CPU per request, unthrottled',
        ]) {
          ratios.push(
            ratio(
              `${endpoint.label}: ${what}, Plimsoll ÷ bare`,
              figures.get(`${endpoint.label}: ${what}, Plimsoll`),
              figures.get(`${endpoint.label}: ${what}, bare`),
            ),
          );
        }
      }

      const targets: Target[] = endpoints.slice(0, 2).map((endpoint) => {
        const p99 = median(
          figures.get(`${endpoint.label}: p99 at ${FIXED_RATE} req/s, Plimsoll`).values,
        );
        const served = median(
          figures.get(`${endpoint.label}: served at ${FIXED_RATE} req/s offered, Plimsoll`).values,
        );
        return {
          goal: `Findings endpoint p99 under ${P99_GOAL_MS} ms at ${FIXED_RATE} req/s (${endpoint.label})`,
          measured: `p99 ${p99.toFixed(1)} ms with ${served.toFixed(0)} req/s served`,
          met: p99 < P99_GOAL_MS && served >= FIXED_RATE * 0.95,
        };
      });

      ratios.push(
        ratio(
          '/healthz p99, flooded ÷ alone',
          figures.get(
            `/healthz p99 while one client sends ${FLOOD_CONNECTIONS} parallel heavy requests`,
          ),
          figures.get('/healthz p99 alone'),
        ),
      );
      const floodedP99 = median(
        figures.get(
          `/healthz p99 while one client sends ${FLOOD_CONNECTIONS} parallel heavy requests`,
        ).values,
      );
      const failedProbes = median(figures.get('/healthz probes failed during the flood').values);
      targets.push({
        goal: `/healthz p99 ≤ ${HEALTHZ_P99_GOAL_MS} ms while one client sends ${FLOOD_CONNECTIONS} parallel expensive requests`,
        measured: `p99 ${floodedP99.toFixed(1)} ms, ${failedProbes} probes failed`,
        met: floodedP99 <= HEALTHZ_P99_GOAL_MS && failedProbes === 0,
      });

      const sizes = routes
        .map(
          (route, i) =>
            `${endpoints[i]!.label} ${(Buffer.from(route.bodyBase64, 'base64').length / 1024).toFixed(1)} KiB`,
        )
        .join(', ');
      notes.push(
        `Endpoints: ${endpoints.map((e) => `\`${e.path}\``).join(', ')}; response sizes ${sizes}. The bare server answers the same bytes, captured from Plimsoll once, at the same paths.`,
        `Plimsoll is \`plimsoll demo\` (embedded bus, in-memory store, analysis on) in its own process, ready ${loadedSeconds} s after start (history replayed and analyzed); its peak RSS includes that replay (RSS when the loads began: ${(rssAtStart / MIB).toFixed(0)} MiB). The demo keeps replaying live simulated time every minute and analyzing new kills, as a deployment would, so its loads share the process with that work.`,
        `Each load: ${CONNECTIONS} connections for ${durationSeconds} s; "at ${FIXED_RATE} req/s" is autocannon's overallRate, which sends each connection's per-second quota back to back at the start of each second (bursts of ${CONNECTIONS} concurrent requests, not evenly spaced arrivals), latencies without autocannon's coordinated-omission correction (its expected interval is always 1 ms). Where a server cannot serve ${FIXED_RATE} req/s, "served" says what it did serve and the latencies are those of a saturated server.`,
        `Connections come from distinct loopback addresses and re-dial every ${RECONNECT_EVERY} requests from the next one, because the API limits each client address to 100 req/s (burst 200, not configurable): one address could never offer ${FIXED_RATE} req/s. Server CPU per request is the server process's CPU time during the unthrottled load over the 2xx responses.`,
        `The flood: one client (one address; the demo is open, so every request has read scope, as a read token's would) keeps ${FLOOD_CONNECTIONS} connections busy with \`/api/v1/workloads?limit=500\` over the widest window allowed (${FLOOD_WINDOW_DAYS} days) for ${durationSeconds * 2} s, while a probe from another address asks \`/healthz\` ${PROBES_PER_SECOND} times a second on fresh connections, as a kubelet does, on the API's probe port (\`api.probePort\`: Node accepts one new connection per turn of its event loop, so on the API's own port a probe waits behind every connection the flood opens; the deploys point their probes at this port), from its own process, warmed up for 2 s before it measures (a process starting up under the flood timed its own start-up); "alone" is the same probe just before. The demo runs its analysis in the same process, every minute of live data: a flood that overlaps a run measures that run too. The flood's answers by status (429: its rate limit, which weighs this route as 10 requests): ${floodCodes.map((codes) => JSON.stringify(codes)).join(', ')}.`,
        `Load average (1 min) after each repetition: ${loads.map((l) => l.toFixed(1)).join(', ')}; other work on the machine shows in latencies.`,
        refused.size === 0
          ? 'Every request got a 2xx answer (no 429, error or timeout).'
          : `Requests without a 2xx answer (429, error or timeout), summed over repetitions: ${[...refused].map(([k, v]) => `${k}: ${v}`).join('; ')}.`,
      );
      return {
        suite: 'api',
        description: api.description,
        parameters: {
          scenario: 'mixed',
          historyDays: context.quick ? 2 : 7,
          connections: CONNECTIONS,
          fixedRate: FIXED_RATE,
          durationSeconds,
        },
        figures: figures.all(),
        ratios,
        targets,
        notes,
      };
    } finally {
      await bare?.stop();
      await plimsoll?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
