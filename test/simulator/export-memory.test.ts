// The OpenMetrics export streams: exporting 14 days holds no more memory than exporting 2 (a
// 7-day export of the default `mixed` cluster used to die with "RangeError: Invalid string length"
// because whole families were gathered in one string before being written). Each export runs in
// its own process so that peaks do not mix.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';

const run = promisify(execFile);
const child = fileURLToPath(new URL('./support/export-child.ts', import.meta.url));

interface Peak {
  days: number;
  bytes: number;
  samples: number;
  liveHeapMb: number;
  maxRssMb: number;
}

async function exportPeak(days: number, stepSeconds: number): Promise<Peak> {
  const { stdout } = await run(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', child, String(days), String(stepSeconds)],
    { timeout: 150_000, maxBuffer: 1 << 20 },
  );
  return JSON.parse(stdout) as Peak;
}

describe('OpenMetrics export memory', () => {
  it(
    'is flat in the number of days (2 vs 14 days at a 5-minute step)',
    { timeout: 300_000 },
    async () => {
      const short = await exportPeak(2, 300);
      const long = await exportPeak(14, 300);
      process.stderr.write(
        `2 days: ${Math.round(short.bytes / 1e6)} MB out, live heap ${short.liveHeapMb.toFixed(1)} MiB, peak RSS ${short.maxRssMb.toFixed(0)} MiB; ` +
          `14 days: ${Math.round(long.bytes / 1e6)} MB out, live heap ${long.liveHeapMb.toFixed(1)} MiB, peak RSS ${long.maxRssMb.toFixed(0)} MiB\n`,
      );
      assert.ok(long.bytes > 6 * short.bytes, 'the long export is ~7 times the text');
      // Retained memory does not follow the output: a buffered family would be tens of MiB here.
      assert.ok(
        long.liveHeapMb < short.liveHeapMb + 8,
        `live heap ${long.liveHeapMb.toFixed(1)} MiB for 14 days vs ${short.liveHeapMb.toFixed(1)} MiB for 2`,
      );
      assert.ok(long.liveHeapMb < 64, 'live heap stays small');
      assert.ok(
        long.maxRssMb < short.maxRssMb + 64,
        `peak RSS ${long.maxRssMb.toFixed(0)} MiB for 14 days vs ${short.maxRssMb.toFixed(0)} MiB for 2`,
      );
    },
  );
});
