// The scan suite's history source, in a process of its own so that the simulator's memory is
// never counted as the scan's: a simulated cluster's replay at a scan's step, read back chunk by
// chunk as the prometheus collector reads it (six hours at a time), written to stdout as one JSON
// envelope a line and, after each chunk, a line `{"chunkEnd": <ms>}`.
//
//   node --import tsx bench/workers/scan-history.ts --nodes 20 --days 14 --step-ms 300000
import { once } from 'node:events';
import { createSimulation, replayChunks } from '../../simulator/index.js';
import { historyArgs } from './scan-args.js';

async function main(): Promise<void> {
  const { nodes, stepMs, window } = historyArgs();
  const sim = createSimulation({ scenario: 'mixed', seed: 1, start: window.from, nodes });
  const chunks = replayChunks(sim, window, {
    stepMs,
    chunkMs: 6 * 3_600_000,
    batchSize: Number.MAX_SAFE_INTEGER,
    logs: 'none',
  });
  for await (const chunk of chunks) {
    const lines = chunk.records.map((record) => JSON.stringify(record));
    lines.push(JSON.stringify({ chunkEnd: chunk.to }), '');
    if (!process.stdout.write(lines.join('\n'))) await once(process.stdout, 'drain');
  }
}

await main();
