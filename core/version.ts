// The running version, read from the package manifest both from sources and from dist/.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findManifest(start: string): string | undefined {
  let dir = start;
  for (;;) {
    const candidate = join(dir, 'package.json');
    try {
      const manifest = JSON.parse(readFileSync(candidate, 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (manifest.name === 'plimsoll') return manifest.version;
    } catch {
      // Not here: keep walking up.
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

export const VERSION = findManifest(dirname(fileURLToPath(import.meta.url))) ?? '0.0.0';
