// `npm run eval` stopped midway, as a user does with Ctrl-C or a wrapper such as timeout(1) does
// with one SIGTERM after another: the private Prometheus and the scenario's export (gigabytes for
// a week at a 1-minute scrape) are gone once the evaluation has exited.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { requireServices } from '../../support/services.js';
import { waitFor } from '../../support/wait.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

describe('an interrupted evaluation', { timeout: 180_000 }, () => {
  const scratch = mkdtempSync(join(tmpdir(), 'plimsoll-eval-interrupt-'));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it('removes its Prometheus working directory even when signalled twice', async () => {
    await requireServices('prometheus');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'eval/run.ts', '--via', 'prometheus', '--variant', 'scrape-15s'],
      { cwd: root, env: { ...process.env, TMPDIR: scratch }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code)),
    );
    // The export is being written into the private directory.
    await waitFor(
      () => readdirSync(scratch).filter((name) => name.startsWith('plimsoll-prom-')),
      (dirs) => dirs.length > 0 && readdirSync(join(scratch, dirs[0]!)).length > 0,
      { timeoutMs: 120_000, intervalMs: 100, what: 'the evaluation writing its export' },
    );
    child.kill('SIGTERM');
    child.kill('SIGTERM');
    assert.equal(await exited, 130, stderr);
    assert.deepEqual(
      readdirSync(scratch).filter((name) => name.startsWith('plimsoll-prom-')),
      [],
      'no working directory left behind',
    );
  });
});
