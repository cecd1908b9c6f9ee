// The collection suite's measured process: one kubelet round over every node's /metrics/resource
// of a simulated cluster, or one kube-state-metrics scrape, either through Plimsoll's collector
// and parsers (`plimsoll`, collection-plimsoll.ts) or as the raw baseline (`raw`,
// collection-raw.ts). Each half is loaded only when asked for, so the raw process carries none of
// Plimsoll's modules. Prints one JSON line (WorkerReport) on stdout.
//
//   node --import tsx bench/workers/collection.ts --target kubelet|ksm --mode plimsoll|raw \
//     --url http://127.0.0.1:PORT [--concurrency 4]
import { parseArgs } from 'node:util';
import type { WorkerReport } from './collection-common.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      target: { type: 'string' },
      mode: { type: 'string' },
      url: { type: 'string' },
      // The kubelet collector's default.
      concurrency: { type: 'string', default: '4' },
    },
  });
  const url = values.url?.replace(/\/+$/, '');
  if (!url) throw new Error('--url is required');
  const concurrency = Number(values.concurrency);
  const runs: Record<string, () => Promise<WorkerReport>> = {
    'kubelet/plimsoll': async () =>
      (await import('./collection-plimsoll.js')).plimsollKubelet(url, concurrency),
    'kubelet/raw': async () => (await import('./collection-raw.js')).rawKubelet(url, concurrency),
    'ksm/plimsoll': async () => (await import('./collection-plimsoll.js')).plimsollKsm(url),
    'ksm/raw': async () => (await import('./collection-raw.js')).rawKsm(url),
  };
  const run = runs[`${values.target}/${values.mode}`];
  if (!run) throw new Error('--target kubelet|ksm and --mode plimsoll|raw are required');
  const report = await run();
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

await main();
