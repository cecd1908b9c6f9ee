// `plimsoll simulate` options: ground-truth export to stdout, and argument validation.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { simulateCommand } from '../../cli/commands/simulate.js';

async function capture(args: string[]): Promise<string> {
  let out = '';
  const original = process.stdout.write.bind(process.stdout);
  process.stdout.write = (chunk: string | Uint8Array) => {
    out += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    return true;
  };
  try {
    await simulateCommand()
      .exitOverride()
      .configureOutput({ writeErr: () => undefined })
      .parseAsync(args, { from: 'user' });
  } finally {
    process.stdout.write = original;
  }
  return out;
}

describe('plimsoll simulate', () => {
  it('writes the ground truth as JSON for a scenario, seed and window', async () => {
    const out = await capture([
      '--scenario',
      'oom-startup',
      '--seed',
      '4',
      '--export',
      'ground-truth',
      '--days',
      '2',
      '--start',
      '2025-01-06T00:00:00Z',
    ]);
    const truth = JSON.parse(out) as {
      scenario: string;
      seed: number;
      oomLoops: { kind: string }[];
      window: { from: number; to: number };
    };
    assert.equal(truth.scenario, 'oom-startup');
    assert.equal(truth.seed, 4);
    assert.equal(truth.window.to - truth.window.from, 2 * 86_400_000);
    assert.deepEqual(
      truth.oomLoops.map((l) => l.kind),
      ['startup'],
    );
  });

  it('rejects an unknown scenario and a bad seed', async () => {
    await assert.rejects(
      capture(['--scenario', 'nope', '--export', 'ground-truth']),
      /Allowed choices/,
    );
    await assert.rejects(
      capture(['--seed', '-1', '--export', 'ground-truth']),
      /--seed must be an integer/,
    );
  });
});
