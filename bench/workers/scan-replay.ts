// The scan suite's measured process: a simulated cluster's history at a scan's resolution, read
// chunk by chunk from scan-history.ts (a child process, so the simulator is not measured) and
// parsed, either into a scan's store and judged as `plimsoll scan` judges it (`scan`), or as the
// raw baseline (`raw`): the same samples' times and values held in two growing Float64Arrays,
// nothing judged. Prints one JSON line on stdout.
//
//   node --import tsx bench/workers/scan-replay.ts --mode scan|raw --nodes 20 --days 14 --step-ms 300000
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ANALYZED_CONTAINER_METRICS } from '../../analyzers/analyzer.js';
import type { AnyEnvelope } from '../../core/envelope.js';
import { NODE_METRICS } from '../../store/keys.js';
import { historyArgs } from './scan-args.js';

const HISTORY = fileURLToPath(new URL('./scan-history.ts', import.meta.url));

/** Records handed to the store at once. */
const PARSE_SLICE = 20_000;

/** The history's records, a slice at a time, from a scan-history.ts child. */
async function* historyChunks(args: string[]): AsyncGenerator<AnyEnvelope[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', HISTORY, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    // The heap cap is the measured process's; the simulator needs what it needs.
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  let chunk: AnyEnvelope[] = [];
  for await (const line of createInterface({ input: child.stdout, crlfDelay: Infinity })) {
    const parsed = JSON.parse(line) as AnyEnvelope | { chunkEnd: number };
    if (!('chunkEnd' in parsed)) chunk.push(parsed);
    // Handed on in slices, as the collector hands on each query's answer: what one JSON line
    // parses into (every label a string of its own) is several times what the collector builds
    // from a series' shared labels, and holding a whole chunk of it would measure the parser.
    if ('chunkEnd' in parsed || chunk.length >= PARSE_SLICE) {
      yield chunk;
      chunk = [];
    }
  }
  const code = await exited;
  if (code !== 0) throw new Error(`the history process exited with ${code}`);
}

export interface ScanReplayReport {
  readonly records: number;
  readonly samples: number;
  /**
   * Containers running on average through the window: working-set samples per point of a whole
   * series. What a cluster's "5,000 containers" means; short-lived pods count by their share.
   */
  readonly runningContainers: number;
  /** Containers of pods with memory samples in the window (a replaced pod's are others). */
  readonly podContainers: number;
  /** Containers of workloads (all replicas of one counted once); scan mode only. */
  readonly containers: number;
  readonly findings: number;
  readonly readMs: number;
  readonly judgeMs: number;
}

/** What the prometheus collector of a scan emits: no log lines, only the metrics analyzed. */
function readByScan(record: AnyEnvelope): boolean {
  if (record.kind === 'log_line') return false;
  if (record.kind !== 'usage_sample') return true;
  const { metric } = record.payload;
  return NODE_METRICS.has(metric) || ANALYZED_CONTAINER_METRICS.includes(metric);
}

function grown(array: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> {
  const bigger = new Float64Array(array.length * 2);
  bigger.set(array);
  return bigger;
}

async function main(): Promise<void> {
  const { days, stepMs, window, mode, argv } = historyArgs();
  const chunks = historyChunks(argv);
  const started = performance.now();
  let records = 0;
  let samples = 0;
  const podContainers = new Set<string>();
  let memorySamples = 0;
  const countContainer = (record: AnyEnvelope) => {
    if (record.kind === 'usage_sample' && record.payload.metric === 'memory_working_set_bytes') {
      podContainers.add(`${record.payload.podUid}/${record.payload.container}`);
      memorySamples += 1;
    }
  };
  const runningContainers = () => Math.round(memorySamples / ((window.to - window.from) / stepMs));
  if (mode === 'raw') {
    let times = new Float64Array(1_024);
    let held = new Float64Array(1_024);
    for await (const chunk of chunks) {
      for (const record of chunk) {
        if (!readByScan(record)) continue;
        records += 1;
        countContainer(record);
        if (record.kind !== 'usage_sample') continue;
        if (samples === held.length) {
          times = grown(times);
          held = grown(held);
        }
        times[samples] = record.payload.timestamp;
        held[samples] = record.payload.value;
        samples += 1;
      }
    }
    const report: ScanReplayReport = {
      records,
      samples,
      runningContainers: runningContainers(),
      podContainers: podContainers.size,
      containers: 0,
      findings: 0,
      readMs: performance.now() - started,
      judgeMs: 0,
    };
    process.stdout.write(`${JSON.stringify(report)}\n`);
    return;
  }
  if (mode !== 'scan') throw new Error('--mode scan|raw is required');
  // Loaded only in scan mode, so the raw process carries none of the store or the analyzers.
  const { judgeScan, scanStore } = await import('../../scan/run.js');
  const { createAnalyzers } = await import('../../analyzers/index.js');
  const { silentLogger } = await import('../../core/logger.js');
  const store = scanStore(days);
  let cluster = '';
  for await (const chunk of chunks) {
    cluster ||= chunk[0]?.cluster ?? '';
    const kept = chunk.filter(readByScan);
    records += kept.length;
    kept.forEach(countContainer);
    samples += kept.filter((r) => r.kind === 'usage_sample').length;
    await store.write(kept);
  }
  const readMs = performance.now() - started;
  const judged = await judgeScan(store, {
    cluster,
    analyzers: createAnalyzers(),
    logger: silentLogger,
    window,
  });
  let containers = 0;
  let after: string | undefined;
  do {
    const page = await store.usageStats({
      cluster,
      metric: 'memory_working_set_bytes',
      window,
      percentiles: [],
      after,
    });
    containers += page.items.length;
    after = page.next;
  } while (after);
  const report: ScanReplayReport = {
    records,
    samples,
    runningContainers: runningContainers(),
    podContainers: podContainers.size,
    containers,
    findings: judged.findings.length,
    readMs,
    judgeMs: performance.now() - started - readMs,
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

await main();
