// promtool (Debian's Prometheus package) turns short OpenMetrics exports into TSDB blocks: the
// default kube-state-metrics v2 / current cAdvisor output and the v1 / legacy / omit dialects,
// written by the CLI exactly as a user runs it. promtool must be installed; the test fails with
// the command that installs it rather than skipping.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';

const run = promisify(execFile);
const START = '2025-01-06T00:00:00Z';

async function requirePromtool(): Promise<void> {
  try {
    await run('promtool', ['--version'], { timeout: 10_000 });
  } catch {
    throw new Error(
      'promtool is not installed. Run: bash scripts/services.sh up prometheus   (installs Prometheus and promtool)',
    );
  }
}

/** `plimsoll simulate --export openmetrics ...` into a file, as a user runs it. */
async function exportFile(file: string, args: string[]): Promise<void> {
  const fd = openSync(file, 'w');
  try {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'cli/main.ts',
        'simulate',
        '--scenario',
        'mixed',
        '--nodes',
        '2',
        '--export',
        'openmetrics',
        '--start',
        START,
        ...args,
      ],
      { stdio: ['ignore', fd, 'pipe'] },
    );
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(code, 0, `export failed: ${stderr}`);
  } finally {
    closeSync(fd);
  }
}

async function createBlocks(file: string, out: string): Promise<string> {
  const { stdout } = await run(
    'promtool',
    ['tsdb', 'create-blocks-from', 'openmetrics', file, out],
    { timeout: 120_000, maxBuffer: 16 << 20 },
  );
  return stdout;
}

describe('promtool accepts the OpenMetrics export', () => {
  let dir: string;
  before(async () => {
    await requirePromtool();
    dir = mkdtempSync(join(tmpdir(), 'plimsoll-om-promtool-'));
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the default dialect (a day at a 5-minute step)', { timeout: 180_000 }, async () => {
    const file = join(dir, 'default.om');
    await exportFile(file, ['--days', '1', '--step', '300']);
    const stdout = await createBlocks(file, join(dir, 'default'));
    assert.match(stdout, /BLOCK ULID/);
  });

  it('the v1, legacy cAdvisor and omit dialects', { timeout: 180_000 }, async () => {
    const file = join(dir, 'v1.om');
    await exportFile(file, [
      '--days',
      '1',
      '--step',
      '600',
      '--ksm-version',
      '1',
      '--cadvisor-labels',
      'legacy',
      '--omit',
      'node-exporter,container_start_time_seconds',
    ]);
    const stdout = await createBlocks(file, join(dir, 'v1'));
    assert.match(stdout, /BLOCK ULID/);
  });
});
