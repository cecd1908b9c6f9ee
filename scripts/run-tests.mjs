#!/usr/bin/env node
// Runs every test file under test/ with Node's own test runner and tsx for TypeScript.
// Integration tests start the services they need through scripts/services.sh themselves. Each
// file runs in its own process group with a deadline (a hang is killed and named, not waited
// for), every test has a default timeout, and the end prints the time per group and the slowest
// files. A file is tagged with the services it starts (its requireServices('kafka', ...) calls);
// --unit runs the files that need none. Usage: node scripts/run-tests.mjs [--unit] [path-filter ...]
import { Buffer } from 'node:buffer';
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { clearTimeout, setTimeout } from 'node:timers';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const unitOnly = args.includes('--unit');
const filters = args.filter((arg) => !arg.startsWith('--'));

function collect(dir) {
  const found = [];
  for (const entry of readdirSync(dir)) {
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) found.push(...collect(full));
    else if (entry.endsWith('.test.ts')) found.push(relative(root, full));
  }
  return found;
}

/** The services a test file starts: the names in its requireServices(...) calls. */
function servicesOf(file) {
  const source = readFileSync(join(root, file), 'utf8');
  const names = new Set();
  for (const call of source.matchAll(/requireServices\(([^)]*)\)/g)) {
    for (const name of call[1].matchAll(/'([a-z]+)'/g)) names.add(name[1]);
  }
  return [...names].sort();
}

let files = collect(join(root, 'test')).sort();
const services = new Map(files.map((file) => [file, servicesOf(file)]));
if (unitOnly) files = files.filter((file) => services.get(file).length === 0);
if (filters.length > 0) files = files.filter((file) => filters.some((f) => file.includes(f)));
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}

// Fault tests stop and start shared services (Elasticsearch, Kafka): they run last, one file
// at a time, so that no other test sees the outage they cause.
const faults = files.filter((file) => file.includes('/faults/'));
const others = files.filter((file) => !file.includes('/faults/'));

/** A test without its own timeout fails after this long (node:test's default is none). */
const TEST_TIMEOUT_MS = seconds('PLIMSOLL_TEST_TIMEOUT_S', 600) * 1000;
/** A test file still running after this long is killed and named: a hang cannot hold up CI. */
const FILE_DEADLINE_MS = seconds('PLIMSOLL_TEST_FILE_DEADLINE_S', 1200) * 1000;

function seconds(name, fallback) {
  const value = Number(process.env[name] ?? fallback);
  if (!(value > 0)) {
    console.error(`${name} must be a positive number of seconds`);
    process.exit(2);
  }
  return value;
}

const running = new Set();
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    for (const child of running) killGroup(child);
    process.exit(130);
  });
}

function killGroup(child) {
  try {
    // Detached: the child leads its own group, which holds node:test's per-file subprocess too.
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** Runs one file in its own process; its output is printed whole when it ends, not interleaved. */
function runFile(file) {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--test',
        '--test-reporter=spec',
        `--test-timeout=${TEST_TIMEOUT_MS}`,
        file,
      ],
      {
        cwd: root,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, PLIMSOLL_LOG_LEVEL: process.env.PLIMSOLL_LOG_LEVEL ?? 'silent' },
      },
    );
    running.add(child);
    const chunks = [];
    child.stdout.on('data', (chunk) => chunks.push(chunk));
    child.stderr.on('data', (chunk) => chunks.push(chunk));
    let timedOut = false;
    const deadline = setTimeout(() => {
      timedOut = true;
      killGroup(child);
    }, FILE_DEADLINE_MS);
    child.on('close', (code, signal) => {
      clearTimeout(deadline);
      running.delete(child);
      const output = Buffer.concat(chunks).toString();
      const count = (label) => Number(output.match(new RegExp(`ℹ ${label} (\\d+)`))?.[1] ?? 0);
      const ms = Date.now() - started;
      const failed = code !== 0 || timedOut;
      const verdict = timedOut
        ? `KILLED: still running after its deadline of ${FILE_DEADLINE_MS / 1000} s (PLIMSOLL_TEST_FILE_DEADLINE_S)`
        : failed
          ? `FAILED (exit ${code ?? signal})`
          : 'ok';
      process.stdout.write(
        `\n━━ ${file} · ${(ms / 1000).toFixed(1)} s · ${verdict}\n${output.trimEnd()}\n`,
      );
      resolve({
        file,
        ms,
        failed,
        timedOut,
        tests: count('tests'),
        fail: count('fail'),
        cancelled: count('cancelled'),
      });
    });
  });
}

async function runGroup(name, group, concurrency) {
  const started = Date.now();
  const queue = [...group];
  const results = [];
  const worker = async () => {
    for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
      results.push(await runFile(file));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, group.length) }, worker));
  return { name, ms: Date.now() - started, results };
}

const groups = [
  await runGroup('tests', others, 2),
  // After the others: see above.
  await runGroup('fault tests', faults, 1),
].filter((g) => g.results.length > 0);

const all = groups.flatMap((g) => g.results);
const failedFiles = all.filter((r) => r.failed);
const line = (text) => process.stdout.write(`${text}\n`);
line('\n━━ Summary');
for (const g of groups) {
  const tests = g.results.reduce((sum, r) => sum + r.tests, 0);
  line(`${g.name}: ${g.results.length} files, ${tests} tests, ${(g.ms / 1000).toFixed(0)} s`);
}
// Files of a group run side by side: these are the files' own times added up, per tag.
const byTag = new Map();
for (const r of all) {
  const tag = services.get(r.file).join(' + ') || 'no service';
  const entry = byTag.get(tag) ?? { files: 0, ms: 0 };
  entry.files += 1;
  entry.ms += r.ms;
  byTag.set(tag, entry);
}
line('by the services they start (file times added up):');
for (const [tag, entry] of [...byTag].sort((a, b) => b[1].ms - a[1].ms)) {
  line(`  ${tag}: ${entry.files} files, ${(entry.ms / 1000).toFixed(0)} s`);
}
line('slowest files:');
for (const r of [...all].sort((a, b) => b.ms - a.ms).slice(0, 8)) {
  line(`  ${(r.ms / 1000).toFixed(1).padStart(7)} s  ${r.file}`);
}
const total = all.reduce((sum, r) => sum + r.tests, 0);
const failures = all.reduce((sum, r) => sum + r.fail, 0);
// A failing before() hook cancels its tests rather than failing them; both are lost tests.
const cancelled = all.reduce((sum, r) => sum + r.cancelled, 0);
line(
  `tests ${total}, failed ${failures}, cancelled ${cancelled}, files failed ${failedFiles.length} of ${all.length}`,
);
for (const r of failedFiles) {
  line(`  ${r.timedOut ? 'killed at its deadline' : 'failed'}: ${r.file}`);
}
process.exit(failedFiles.length > 0 ? 1 : 0);
