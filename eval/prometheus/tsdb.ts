// A private Prometheus over an OpenMetrics history: the file is turned into TSDB blocks with
// `promtool tsdb create-blocks-from openmetrics` and served by Debian's Prometheus on a free
// loopback port, in a temporary directory of its own. Used by `npm run eval -- --via prometheus`
// and by the tests that read a simulated history back through the prometheus collector. The
// shared Prometheus of scripts/services.sh is never touched; stop() ends the process and removes
// the directory (so does the exit of this Node process, should stop() never be called).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { freePort } from '../../core/free-port.js';

const run = promisify(execFile);

/** Where Debian's `prometheus` package installs them (scripts/services.sh installs the package). */
export const PROMETHEUS_BIN = '/usr/bin/prometheus';
export const PROMTOOL_BIN = '/usr/bin/promtool';

export const INSTALL_HINT =
  'run `bash scripts/services.sh up prometheus` (or `npm run services:up -- prometheus`) to install it';

/** Throws, saying how to install them, unless prometheus and promtool are installed. */
export function requirePrometheusBinaries(): void {
  const missing = [PROMETHEUS_BIN, PROMTOOL_BIN].filter((bin) => !existsSync(bin));
  if (missing.length > 0) {
    throw new Error(`Prometheus is not installed (${missing.join(', ')} missing): ${INSTALL_HINT}`);
  }
}

export interface ServeOpenMetricsOptions {
  /** An OpenMetrics file to load (left in place). Either this or `write`. */
  readonly file?: string;
  /** Writes the OpenMetrics history to the stream (not ending it); the file is removed once loaded. */
  readonly write?: (out: Writable) => Promise<unknown>;
  /** Parent of the private working directory (default: the OS temp directory). */
  readonly dir?: string;
  /** promtool's `--max-block-duration` (default 168h: one pass over the file per week). */
  readonly maxBlockDuration?: string;
  /** Longest the block creation may take (default 60 min). */
  readonly promtoolTimeoutMs?: number;
  /** Longest Prometheus may take to answer /-/ready (default 2 min). */
  readonly readyTimeoutMs?: number;
  /**
   * Prometheus' `--query.lookback-delta` (default: Prometheus' own, 5m). Blocks made from a file
   * carry no staleness markers, so a series that ended (a restarted container's old instance, a
   * deleted pod) stays visible to instant selectors for the whole look-back, where a Prometheus
   * that scraped it would have marked it stale at the next scrape. A look-back shorter than the
   * scrape interval restores that, as long as queries are made at the samples' grid.
   */
  readonly lookbackDelta?: string;
}

export interface ServedPrometheus {
  /** Base URL of the HTTP API, e.g. http://127.0.0.1:40123. */
  readonly url: string;
  /** The private working directory (TSDB, config, log); gone after stop(). */
  readonly dir: string;
  /** Process id of the Prometheus server. */
  readonly pid: number;
  /** Ends the server (SIGTERM, then SIGKILL after 10 s) and removes the working directory. */
  stop(): Promise<void>;
}

export async function servePrometheusFromOpenMetrics(
  options: ServeOpenMetricsOptions,
): Promise<ServedPrometheus> {
  if ((options.file === undefined) === (options.write === undefined)) {
    throw new Error('servePrometheusFromOpenMetrics needs either `file` or `write`');
  }
  requirePrometheusBinaries();
  const dir = mkdtempSync(join(options.dir ?? tmpdir(), 'plimsoll-prom-'));
  let child: ChildProcess | undefined;
  // Should this process exit before stop(): no orphaned server, no leftover directory.
  const onExit = () => {
    if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', onExit);
  const cleanup = async () => {
    process.off('exit', onExit);
    if (child) await terminate(child, 10_000);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const input = options.file ?? join(dir, 'history.om');
    if (options.write) await writeFileWith(input, options.write);
    await createBlocks(input, join(dir, 'tsdb'), options);
    if (options.write) await rm(input, { force: true });
    await writeFile(join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 1m\n');
    // A free port can be taken between the probe and the bind: try another one then.
    let url = '';
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      url = `http://127.0.0.1:${port}`;
      child = await launch(dir, port, options.lookbackDelta);
      const outcome = await whenReady(url, child, options.readyTimeoutMs ?? 120_000);
      if (outcome === 'ready') break;
      const log = await logTail(dir);
      await terminate(child, 10_000);
      child = undefined;
      if (outcome === 'exited' && /address already in use/i.test(log) && attempt < 3) continue;
      throw new Error(
        outcome === 'exited'
          ? `Prometheus exited before it was ready:\n${log}`
          : `Prometheus was not ready within ${options.readyTimeoutMs ?? 120_000} ms:\n${log}`,
      );
    }
    const server = child;
    let stopped: Promise<void> | undefined;
    return {
      url,
      dir,
      pid: server.pid!,
      stop: () => (stopped ??= cleanup()),
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

async function writeFileWith(path: string, write: (out: Writable) => Promise<unknown>) {
  const out = createWriteStream(path);
  let failure: Error | undefined;
  out.on('error', (error) => (failure ??= error));
  try {
    await write(out);
  } catch (error) {
    out.destroy();
    throw error;
  }
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
  if (failure) throw failure;
}

async function createBlocks(
  input: string,
  output: string,
  options: ServeOpenMetricsOptions,
): Promise<void> {
  try {
    await run(
      PROMTOOL_BIN,
      [
        'tsdb',
        'create-blocks-from',
        'openmetrics',
        `--max-block-duration=${options.maxBlockDuration ?? '168h'}`,
        input,
        output,
      ],
      { maxBuffer: 64 << 20, timeout: options.promtoolTimeoutMs ?? 60 * 60_000 },
    );
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`promtool could not load ${input}: ${e.message}\n${e.stderr ?? ''}`);
  }
}

async function launch(
  dir: string,
  port: number,
  lookbackDelta: string | undefined,
): Promise<ChildProcess> {
  const log = await open(join(dir, 'prometheus.log'), 'a');
  try {
    return spawn(
      PROMETHEUS_BIN,
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'tsdb')}`,
        // The history lies in the past: nothing of it may be dropped as too old.
        '--storage.tsdb.retention.time=3650d',
        `--web.listen-address=127.0.0.1:${port}`,
        ...(lookbackDelta === undefined ? [] : [`--query.lookback-delta=${lookbackDelta}`]),
      ],
      { stdio: ['ignore', log.fd, log.fd] },
    );
  } finally {
    await log.close();
  }
}

/** Polls /-/ready until it answers 200, the process exits, or the deadline passes. */
async function whenReady(
  url: string,
  child: ChildProcess,
  timeoutMs: number,
): Promise<'ready' | 'exited' | 'timeout'> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) return 'exited';
    const status = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(5_000) }).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) return 'ready';
    await sleep(250);
  }
  return 'timeout';
}

async function logTail(dir: string): Promise<string> {
  const text = await readFile(join(dir, 'prometheus.log'), 'utf8').catch(() => '');
  return text.split('\n').slice(-20).join('\n');
}

/** SIGTERM, then SIGKILL once `graceMs` passed; resolves when the process is gone. */
async function terminate(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const cancel = new AbortController();
  const late = sleep(graceMs, 'late' as const, { signal: cancel.signal }).catch(
    () => 'cancelled' as const,
  );
  const first = await Promise.race([exited.then(() => 'exited' as const), late]);
  cancel.abort();
  if (first === 'late') {
    child.kill('SIGKILL');
    await exited;
  }
}
