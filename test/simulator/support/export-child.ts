// Child process for the export memory test: exports `days` of the mixed scenario to a reader that
// takes each chunk on the next tick (so backpressure is real) and throws it away, then prints as
// JSON the peak live heap (sampled after a full GC every 2048 chunks: what the export retains,
// not garbage waiting to be collected) and the process's peak RSS.
// Usage: node --expose-gc --import tsx export-child.ts <days> <step seconds>
import { Writable } from 'node:stream';
import { createSimulation, exportOpenMetrics } from '../../../simulator/index.js';

const START = Date.UTC(2025, 0, 6);
const days = Number(process.argv[2] ?? 1);
const step = Number(process.argv[3] ?? 300);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');
const sim = createSimulation({ scenario: 'mixed', nodes: 2, seed: 1, start: START });
let peakLive = 0;
let chunks = 0;
const sink = new Writable({
  write(_chunk, _enc, done) {
    if (++chunks % 2048 === 0) {
      gc();
      peakLive = Math.max(peakLive, process.memoryUsage().heapUsed);
    }
    setImmediate(done);
  },
});
const summary = await exportOpenMetrics(sim, sink, {
  from: START,
  to: START + days * 86_400_000,
  stepMs: step * 1000,
});
process.stdout.write(
  JSON.stringify({
    days,
    bytes: summary.bytes,
    samples: summary.samples,
    liveHeapMb: peakLive / 2 ** 20,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  }) + '\n',
);
