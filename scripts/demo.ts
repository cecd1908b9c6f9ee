// The running demo for the screenshot scripts: `plimsoll demo` (the embedded runtime and its
// simulated cluster) with a chosen history, started as a user starts it, and read through its API.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Finding } from '../core/domain.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const OUT = join(ROOT, 'docs', 'images');
const READY_MS = 15 * 60_000;

/** Starts the demo and resolves with its API address once the history is analyzed. */
export function startDemo(
  name: string,
  historyDays: number,
): Promise<{ url: string; stop: () => void }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'cli', 'main.ts'), 'demo', '--port', '0'],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        PLIMSOLL_CONFIG: '',
        PLIMSOLL_SIMULATOR_HISTORY_DAYS: String(historyDays),
        PLIMSOLL_LOG_LEVEL: 'warn',
      },
    },
  );
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`demo (${name}) did not load its history in ${READY_MS} ms`));
    }, READY_MS);
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /History loaded and analyzed: (http:\/\/\S+?)\/api\/v1\/findings/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ url: match[1]!, stop: () => child.kill('SIGTERM') });
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`demo (${name}) exited with ${code}:\n${output.slice(-2000)}`));
    });
  });
}

export async function get<T>(url: string): Promise<T> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** Every finding the API lists for a query (`status=open`, `kind=…&from=…`), all pages. */
export async function findings(base: string, query: string): Promise<Finding[]> {
  const items: Finding[] = [];
  let cursor: string | undefined;
  do {
    const page = await get<{ items: Finding[]; next?: string }>(
      `${base}/api/v1/findings?${query}&limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    items.push(...page.items);
    cursor = page.next;
  } while (cursor);
  return items;
}

/** Findings of a kind overlapping [from, to). */
export const findingsIn = (base: string, kind: string, from: number, to: number) =>
  findings(
    base,
    `kind=${kind}&from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`,
  );
