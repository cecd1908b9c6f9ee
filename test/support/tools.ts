// Tests that run a tool neither Debian nor npm ships at the version they need (helm) call
// requireHelm() first: it builds the tool once through scripts/tools.sh (a no-op when built) and
// fails the test with the command to run when it cannot. A test never skips because a tool is
// missing.
import { fileURLToPath } from 'node:url';
import { setUp } from './services.js';

const script = fileURLToPath(new URL('../../scripts/tools.sh', import.meta.url));
const REMEDY = 'bash scripts/tools.sh install helm';

/** The path of the helm binary the chart's tests run, built from the Go module proxy if need be. */
export async function requireHelm(): Promise<string> {
  const missing = 'helm is not available and could not be built';
  // A cold build takes a few minutes on 2 cores.
  await setUp([script, 'install', 'helm'], missing, REMEDY, 20 * 60_000);
  return (await setUp([script, 'path', 'helm'], missing, REMEDY)).trim();
}
