// Container log lines as a function of (container, run, time): a fixed cadence per container with
// jitter, start-up banners, and the lines that tell a story before a kill (the JVM's
// OutOfMemoryError, a cache that keeps growing, a queue backing up under a spike).
import { between, mix, unit } from './rng.js';
import type { Incarnation, Run } from './pod-timeline.js';
import type { Simulation } from './simulation.js';
import { DAY, MI, type AnySlot, type ContainerModel } from './types.js';

export interface LogEntry {
  at: number;
  /** Sub-millisecond part, so lines keep their order when timestamps are printed in ns. */
  nanos: number;
  stream: 'stdout' | 'stderr';
  message: string;
}

/** Logs rotate: only the last day of a run is retrievable, as with the kubelet's size limits. */
export const LOG_RETENTION_MS = DAY;

const PATHS = [
  '/api/v1/items',
  '/api/v1/search',
  '/healthz',
  '/api/v1/cart',
  '/api/v1/users',
  '/metrics',
];
const AGENTS = ['Go-http-client/1.1', 'okhttp/4.12.0', 'Mozilla/5.0', 'kube-probe/1.29'];

export class LogSource {
  constructor(private readonly sim: Simulation) {}

  /** Lines of one run in [from, to), at most `limit` (the newest ones when `tail`). */
  lines(
    pod: Incarnation<AnySlot>,
    ci: number,
    run: Run,
    from: number,
    to: number,
    limit = Infinity,
    tail = false,
  ): LogEntry[] {
    const c = pod.slot.workload.containers[ci];
    if (!c) return [];
    const seed = this.sim.model.seed;
    const key = mix(seed, pod.slot.index, pod.generation, pod.evictions, ci, run.index);
    const end = Math.min(to, run.end);
    const begin = Math.max(from, run.start, end - LOG_RETENTION_MS);
    if (end <= begin) return [];
    const interval = Math.round(between(1500, 9000, seed, pod.slot.index, ci, 101));
    const out: LogEntry[] = [];
    const banner = this.banner(c, run, key);
    const closing = this.closing(pod, c, run, key);
    const first = Math.max(0, Math.floor((begin - run.start - 1000) / interval) - 1);
    const last = Math.ceil((end - run.start - 1000) / interval);
    const emit = (entry: LogEntry) => {
      if (entry.at >= begin && entry.at < end) out.push(entry);
    };
    if (tail) {
      // Walk backwards so a tail over a long run costs only `limit` lines.
      for (const e of [...closing].reverse()) emit(e);
      for (let j = last; j >= first && out.length < limit; j--) {
        const e = this.regular(pod, ci, c, run, key, j, interval);
        if (e) emit(e);
      }
      for (const e of [...banner].reverse()) if (out.length < limit) emit(e);
      return out.slice(0, limit).reverse();
    }
    for (const e of banner) emit(e);
    for (let j = first; j <= last && out.length < limit; j++) {
      const e = this.regular(pod, ci, c, run, key, j, interval);
      if (e) emit(e);
    }
    for (const e of closing) if (out.length < limit) emit(e);
    return out;
  }

  private banner(c: ContainerModel, run: Run, key: number): LogEntry[] {
    const at = (ms: number, i: number) => ({
      at: run.start + ms,
      nanos: unit(key, i, 1) * 1e6,
      stream: 'stdout' as const,
    });
    if (c.logStyle === 'jvm') {
      const xmx =
        [...(c.args ?? []), ...(c.env ?? []).map((e) => e.value)].find((a) => a.includes('-Xmx')) ??
        '-Xmx2g';
      return [
        {
          ...at(120, 0),
          stream: 'stderr',
          message: `Picked up JAVA_TOOL_OPTIONS: ${(c.env ?? []).map((e) => e.value).join(' ')}`,
        },
        {
          ...at(900, 1),
          message: `OpenJDK 64-Bit Server VM (build 17.0.11+9, mixed mode, sharing) heap settings: ${xmx}`,
        },
        {
          ...at(2400, 2),
          message: `INFO  o.s.b.StartupInfoLogger - Starting Application v5.0.2 using Java 17.0.11 with PID 1`,
        },
        {
          ...at(6800, 3),
          message: `INFO  o.s.c.s.DefaultLifecycleProcessor - Loading price tables into memory (warm-up)`,
        },
      ];
    }
    return [
      {
        ...at(300, 0),
        message: `starting ${c.name} ${c.image.split(':')[1] ?? ''} listening on :${c.port ?? 8080}`,
      },
    ];
  }

  private closing(pod: Incarnation<AnySlot>, c: ContainerModel, run: Run, key: number): LogEntry[] {
    if (run.termination?.reason !== 'OOMKilled' || run.end === Infinity) return [];
    const at = (ms: number, i: number) => ({ at: run.end - ms, nanos: unit(key, i, 2) * 1e6 });
    if (c.logStyle === 'jvm' && unit(key, 3) < 0.75) {
      return [
        {
          ...at(1800, 0),
          stream: 'stderr',
          message:
            'Exception in thread "price-loader-1" java.lang.OutOfMemoryError: Java heap space',
        },
        {
          ...at(1799, 1),
          stream: 'stderr',
          message: '\tat java.base/java.util.Arrays.copyOf(Arrays.java:3537)',
        },
        {
          ...at(1798, 2),
          stream: 'stderr',
          message: '\tat java.base/java.util.ArrayList.grow(ArrayList.java:237)',
        },
        {
          ...at(1797, 3),
          stream: 'stderr',
          message: '\tat com.example.pricing.PriceTableLoader.load(PriceTableLoader.java:88)',
        },
        {
          ...at(900, 4),
          stream: 'stderr',
          message: 'Terminating due to java.lang.OutOfMemoryError: Java heap space',
        },
      ];
    }
    if (c.logStyle === 'cache') {
      const ws = this.sim.usage.memory(pod, 0, run, run.end - 2000);
      return [
        {
          ...at(2000, 0),
          stream: 'stderr',
          message: `WARN cache above soft limit: size=${Math.round(ws / MI)}MiB entries=${Math.round(ws / 2900)} evictions=0`,
        },
      ];
    }
    return [];
  }

  private regular(
    pod: Incarnation<AnySlot>,
    ci: number,
    c: ContainerModel,
    run: Run,
    key: number,
    j: number,
    interval: number,
  ): LogEntry | undefined {
    if (j < 0) return undefined;
    const r = unit(key, j, 5);
    const at = Math.round(run.start + 1000 + j * interval + r * interval * 0.8);
    if (at >= run.end) return undefined;
    const nanos = Math.floor(unit(key, j, 6) * 1e6);
    const date = new Date(at);
    switch (c.logStyle) {
      case 'jvm':
        return {
          at,
          nanos,
          stream: 'stdout',
          message: `INFO  c.e.p.PriceTableLoader - loaded chunk ${j} (${Math.round(40 + r * 20)} MiB)`,
        };
      case 'cache': {
        if (j % 6 === 0) {
          const ws = this.sim.usage.memory(pod, ci, run, at);
          return {
            at,
            nanos,
            stream: 'stdout',
            message: `INFO cache stats size=${Math.round(ws / MI)}MiB entries=${Math.round(ws / 2900)} hit_ratio=0.${Math.round(90 + r * 9)} evictions=0`,
          };
        }
        return {
          at,
          nanos,
          stream: 'stdout',
          message: `INFO suggest q_len=${1 + Math.floor(r * 12)} took=${Math.round(2 + r * 30)}ms`,
        };
      }
      case 'worker': {
        // Now and then a worker dumps a large payload: long enough for CRI partial lines.
        const payload = unit(key, j, 7) < 0.003 ? ',"payload":"' + 'x'.repeat(20_000) + '"' : '';
        return {
          at,
          nanos,
          stream: 'stdout',
          message: `{"level":"info","ts":${(at / 1000).toFixed(3)},"msg":"processed batch","batch":${j},"items":${Math.floor(r * 500)}${payload}}`,
        };
      }
      case 'agent':
        return {
          at,
          nanos,
          stream: 'stderr',
          message: `[${date.toISOString().replace('T', ' ').slice(0, 19)}] [ info] [input:tail:tail.0] inotify_fs_add(): inode=${mix(key, j) % 9_999_999} watch_fd=${j % 40}`,
        };
      default: {
        const status = r < 0.97 ? 200 : r < 0.99 ? 404 : 503;
        const path = PATHS[Math.floor(unit(key, j, 8) * PATHS.length)] ?? '/';
        const agent = AGENTS[Math.floor(unit(key, j, 9) * AGENTS.length)] ?? '-';
        return {
          at,
          nanos,
          stream: 'stdout',
          message: `10.${(mix(key, j) >> 8) & 0xff}.${mix(key, j) & 0xff}.${j % 250} - - [${clf(date)}] "GET ${path} HTTP/1.1" ${status} ${Math.floor(200 + r * 4000)} "-" "${agent}" ${(0.002 + r * 0.2).toFixed(3)}`,
        };
      }
    }
  }
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function clf(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

/** RFC3339 with nanoseconds, as CRI log files and `timestamps=true` print them. */
export function rfc3339Nano(at: number, nanos: number): string {
  const iso = new Date(at).toISOString();
  const ms = iso.slice(20, 23);
  return `${iso.slice(0, 19)}.${ms}${String(Math.floor(nanos)).padStart(6, '0')}Z`;
}
