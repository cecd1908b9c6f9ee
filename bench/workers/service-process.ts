// A long-running Node program a suite talks to while it measures (the simulator, the API server,
// a bare baseline server): started in its own process, ready once its stdout shows an address,
// stopped with SIGTERM. Its memory and CPU are read from /proc, so only its own use counts.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { processCpuMs } from '../harness.js';

export interface ServiceProcess {
  readonly pid: number;
  /** The match of the readiness pattern on stdout (e.g. the URL it printed). */
  readonly match: RegExpExecArray;
  /** Peak resident set so far (VmHWM), Linux only. */
  peakRssBytes(): number;
  /** Resident set now (VmRSS), Linux only. */
  rssBytes(): number;
  /** CPU time used so far. */
  cpuMs(): number;
  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. Resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
}

export interface StartOptions {
  readonly env?: Record<string, string>;
  readonly cwd?: string;
  /** Extra arguments for node itself, before the script (e.g. `--import tsx`). */
  readonly nodeArgs?: readonly string[];
  readonly timeoutMs?: number;
}

const TAIL = 4000;

/** Reads a `Vm*` field of /proc/<pid>/status in bytes (0 when the process is gone). */
export function procStatusBytes(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

function waitForExit(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

export function startServiceProcess(
  args: readonly string[],
  ready: RegExp,
  options: StartOptions = {},
): Promise<ServiceProcess> {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), ...args], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-TAIL);
  });
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (reason: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${args.join(' ')} ${reason}:\n${stderr}`));
    };
    const timer = setTimeout(
      () => fail(`was not ready within ${options.timeoutMs ?? 120_000} ms`),
      options.timeoutMs ?? 120_000,
    );
    child.on('error', (error) => fail(`could not start (${error.message})`));
    child.on('exit', (code, signal) => fail(`exited early (${code ?? signal})`));
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      if (settled) return;
      stdout += chunk;
      const match = ready.exec(stdout);
      if (!match) return;
      settled = true;
      clearTimeout(timer);
      const pid = child.pid!;
      resolve({
        pid,
        match,
        peakRssBytes: () => procStatusBytes(pid, 'VmHWM'),
        rssBytes: () => procStatusBytes(pid, 'VmRSS'),
        cpuMs: () => processCpuMs(pid),
        stop: async (graceMs = 15_000) => {
          const exited = waitForExit(child);
          child.kill('SIGTERM');
          const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
          const code = await exited;
          clearTimeout(kill);
          return code;
        },
      });
    });
  });
}
