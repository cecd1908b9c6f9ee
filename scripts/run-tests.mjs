#!/usr/bin/env node
// Runs every test file under test/ with Node's own test runner and tsx for TypeScript.
// Integration tests start the services they need through scripts/services.sh themselves.
// Usage: node scripts/run-tests.mjs [--unit] [path-filter ...]
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

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

let files = collect(join(root, 'test')).sort();
if (unitOnly) files = files.filter((file) => !/\/(integration|faults)\//.test(file));
if (filters.length > 0) files = files.filter((file) => filters.some((f) => file.includes(f)));
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}

// Fault tests stop and start shared services (Elasticsearch, Kafka): they run last, one file
// at a time, so that no other test sees the outage they cause.
const faults = files.filter((file) => file.includes('/faults/'));
const others = files.filter((file) => !file.includes('/faults/'));

function run(group, concurrency) {
  if (group.length === 0) return 0;
  const result = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--test',
      '--test-reporter=spec',
      `--test-concurrency=${concurrency}`,
      ...group,
    ],
    {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, PLIMSOLL_LOG_LEVEL: process.env.PLIMSOLL_LOG_LEVEL ?? 'silent' },
    },
  );
  return result.status ?? 1;
}

const othersStatus = run(others, 2);
const faultsStatus = run(faults, 1);
const status = othersStatus || faultsStatus;
process.exit(status);
