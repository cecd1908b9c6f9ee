// The checked-in dashboards/generated/ must be exactly what the code renders: CI fails when a
// dashboard changed in code but not in the files Grafana mounts (or the reverse).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { renderDashboardFiles } from '../../dashboards/build.js';

const generated = fileURLToPath(new URL('../../dashboards/generated/', import.meta.url));

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = join(dir, entry);
    return statSync(full).isDirectory() ? filesUnder(full) : [relative(generated, full)];
  });
}

describe('dashboards/generated', () => {
  it('matches what the dashboard code renders', () => {
    const expected = renderDashboardFiles();
    const fix = 'run `plimsoll dashboards build` (or `npx tsx cli/main.ts dashboards build`)';
    assert.deepEqual(
      filesUnder(generated).sort(),
      [...expected.keys()].sort(),
      `files differ; ${fix}`,
    );
    for (const [file, content] of expected) {
      assert.equal(readFileSync(join(generated, file), 'utf8'), content, `${file} drifted; ${fix}`);
    }
  });
});
