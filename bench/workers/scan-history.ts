// The scan suite's history source, in a process of its own so that the simulator's memory is
// never counted as the scan's: a simulated cluster's replay at a scan's step, read back chunk by
// chunk as the scan's prometheus collector reads it (SCAN_CHUNK_MS), written to stdout as one JSON
// envelope a line and, after each chunk, a line `{"chunkEnd": <ms>}`.
//
//   node --import tsx bench/workers/scan-history.ts --nodes 20 --days 14 --step-ms 300000
import { once } from 'node:events';
import { SCAN_CHUNK_MS } from '../../scan/run.js';
import { createSimulation, replayChunks } from '../../simulator/index.js';
import { historyArgs } from './scan-args.js';

/** Records per write. */
const WRITE_SLICE = 10_000;

async function main(): Promise<void> {
  const { nodes, stepMs, window } = historyArgs();
  const sim = createSimulation({ scenario: 'mixed', seed: 1, start: window.from, nodes });
  const chunks = replayChunks(sim, window, {
    stepMs,
    chunkMs: SCAN_CHUNK_MS,
    batchSize: Number.MAX_SAFE_INTEGER,
    logs: 'none',
  });
  const write = async (text: string) => {
    if (!process.stdout.write(text)) await once(process.stdout, 'drain');
  };
  for await (const chunk of chunks) {
    // A chunk of a large cluster is more text than one string may hold: written in slices.
    for (let i = 0; i < chunk.records.length; i += WRITE_SLICE) {
      const slice = chunk.records.slice(i, i + WRITE_SLICE);
      await write(`${slice.map((record) => JSON.stringify(record)).join('\n')}\n`);
    }
    await write(`${JSON.stringify({ chunkEnd: chunk.to })}\n`);
  }
}

await main();
