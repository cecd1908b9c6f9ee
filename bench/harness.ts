// The benchmark harness's vocabulary. A suite measures something several times, each time beside
// its raw baseline in the same run, and reports every repetition; the harness summarises them
// (min / median / max) and turns pairs into ratios, so figures stay comparable on a noisy machine.
import { spawn } from 'node:child_process';
import { cpus, totalmem, release, platform, arch } from 'node:os';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface BenchContext {
  /** How many times each measurement is repeated. */
  readonly repeats: number;
  /** Smaller sizes, for a smoke run of the harness itself. */
  readonly quick: boolean;
  readonly services: { readonly kafka: string; readonly elasticsearch: string };
  /** Unique per run: prefixes for topics and indices, so runs never read each other's data. */
  readonly runId: string;
  /** Progress lines for the person watching; not part of the results. */
  readonly progress: (message: string) => void;
}

/** One quantity measured once per repetition. */
export interface Figure {
  readonly name: string;
  readonly unit: string;
  readonly better: 'higher' | 'lower';
  readonly values: number[];
}

/** A figure divided by its baseline, repetition by repetition (both measured in that repetition). */
export interface Ratio {
  readonly name: string;
  readonly numerator: string;
  readonly denominator: string;
  readonly values: number[];
}

/** A goal from the product's targets, judged on medians; reported, never asserted. */
export interface Target {
  readonly goal: string;
  readonly measured: string;
  readonly met: boolean;
}

export interface SuiteResult {
  readonly suite: string;
  readonly description: string;
  readonly parameters: Record<string, unknown>;
  readonly figures: Figure[];
  readonly ratios: Ratio[];
  readonly targets: Target[];
  readonly notes: string[];
}

export interface BenchSuite {
  readonly name: string;
  readonly description: string;
  /** Services the suite needs started (default: Kafka and Elasticsearch). */
  readonly services?: readonly ('kafka' | 'elasticsearch')[];
  run(context: BenchContext): Promise<SuiteResult>;
}

export interface Summary {
  readonly min: number;
  readonly median: number;
  readonly max: number;
}

export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) return { min: NaN, median: NaN, max: NaN };
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { min: sorted[0]!, median, max: sorted[sorted.length - 1]! };
}

export function median(values: readonly number[]): number {
  return summarize(values).median;
}

/** Per-repetition ratio of two figures with the same number of values. */
export function ratio(name: string, numerator: Figure, denominator: Figure): Ratio {
  return {
    name,
    numerator: numerator.name,
    denominator: denominator.name,
    values: numerator.values.map((value, i) => value / denominator.values[i]!),
  };
}

/** Collects figures by name as repetitions add values to them. */
export class FigureSet {
  private readonly figures = new Map<string, Figure>();

  add(name: string, unit: string, better: Figure['better'], value: number): void {
    let figure = this.figures.get(name);
    if (!figure) {
      figure = { name, unit, better, values: [] };
      this.figures.set(name, figure);
    }
    figure.values.push(value);
  }

  get(name: string): Figure {
    const figure = this.figures.get(name);
    if (!figure) throw new Error(`no figure named ${name}`);
    return figure;
  }

  all(): Figure[] {
    return [...this.figures.values()];
  }
}

export interface MachineDescription {
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly os: string;
  readonly node: string;
  readonly kafka: string;
  readonly elasticsearch: string;
}

export function describeMachine(versions: {
  kafka: string;
  elasticsearch: string;
}): MachineDescription {
  const cpu = cpus();
  return {
    cpuModel: cpu[0]?.model.trim() ?? 'unknown',
    cores: cpu.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${platform()} ${release()} ${arch()}`,
    node: process.version,
    ...versions,
  };
}

export interface ChildUsage {
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly maxRssBytes: number;
  readonly stdout: string;
}

const USAGE_REPORTER = fileURLToPath(new URL('./usage-reporter.mjs', import.meta.url));

/**
 * Runs a Node program in its own process and reads, from the process itself as it exits, its CPU
 * time and peak resident set (so the harness's own memory never counts).
 */
export function measureNode(
  args: readonly string[],
  options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {},
): Promise<ChildUsage> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', USAGE_REPORTER, ...args], {
      cwd: options.cwd,
      env: {
        ...process.env,
        // Lets a run measure Plimsoll under a deployment's heap cap (docs/bench.md).
        ...(process.env.PLIMSOLL_BENCH_NODE_OPTIONS && {
          NODE_OPTIONS: process.env.PLIMSOLL_BENCH_NODE_OPTIONS,
        }),
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let usage = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const channel = child.stdio[3] as NodeJS.ReadableStream;
    channel.setEncoding('utf8');
    channel.on('data', (chunk: string) => (usage += chunk));
    const timer = options.timeoutMs
      ? setTimeout(() => child.kill('SIGKILL'), options.timeoutMs)
      : undefined;
    child.on('error', reject);
    child.on('close', (code) => {
      if (timer) clearTimeout(timer);
      const wallMs = performance.now() - started;
      if (code !== 0) {
        reject(
          new Error(
            `${args.join(' ')} exited with ${code}:\n${stderr.slice(-4000)}${stdout.slice(-2000)}`,
          ),
        );
        return;
      }
      try {
        const reported = JSON.parse(usage) as { cpuMs: number; maxRssBytes: number };
        resolve({ wallMs, ...reported, stdout });
      } catch {
        reject(new Error(`${args.join(' ')} did not report its resource usage`));
      }
    });
  });
}

/** CPU time and peak RSS of this process since `start()`; for in-process measurements. */
export class ProcessMeter {
  private cpuAtStart = process.cpuUsage();
  private started = performance.now();
  private peakRss = process.memoryUsage().rss;
  private timer: NodeJS.Timeout | undefined;

  start(): this {
    this.cpuAtStart = process.cpuUsage();
    this.started = performance.now();
    this.peakRss = process.memoryUsage().rss;
    this.timer = setInterval(() => {
      this.peakRss = Math.max(this.peakRss, process.memoryUsage().rss);
    }, 50);
    this.timer.unref();
    return this;
  }

  stop(): { wallMs: number; cpuMs: number; peakRssBytes: number } {
    if (this.timer) clearInterval(this.timer);
    const cpu = process.cpuUsage(this.cpuAtStart);
    this.peakRss = Math.max(this.peakRss, process.memoryUsage().rss);
    return {
      wallMs: performance.now() - this.started,
      cpuMs: (cpu.user + cpu.system) / 1000,
      peakRssBytes: this.peakRss,
    };
  }
}

/** CPU seconds a process has used so far, from /proc (Linux): for services such as Elasticsearch. */
export function processCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const ticksPerSecond = 100;
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
}

/** Least-squares slope of log(y) on log(x): 1 is linear growth. */
export function growthExponent(points: readonly { x: number; y: number }[]): number {
  const xs = points.map((p) => Math.log(p.x));
  const ys = points.map((p) => Math.log(p.y));
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < xs.length; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return num / den;
}
