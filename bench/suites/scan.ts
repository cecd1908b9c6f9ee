// Scan: the peak resident set of a 14-day `plimsoll scan`'s reading and judging, per cluster size,
// beside its raw baseline in the same run: the same history read the same way, its samples held
// in two Float64Arrays and nothing judged. Both run under one V8 heap cap, so what is measured is
// what the process must hold, not the garbage an uncapped heap leaves lying. The history is the
// simulator's replay at the scan's step (bench/workers/scan-replay.ts): a real Prometheus with
// 14 days of 5,000 containers would need hundreds of GB of OpenMetrics to backfill here, and the
// scan's reading path through one (test/scan/integration) holds one chunk's answers at a time.
import { fileURLToPath } from 'node:url';
import { autoStepMs } from '../../scan/run.js';
import {
  FigureSet,
  growthExponent,
  measureNode,
  median,
  ratio,
  type BenchContext,
  type BenchSuite,
  type Ratio,
  type SuiteResult,
  type Target,
} from '../harness.js';
import type { ScanReplayReport } from '../workers/scan-replay.js';

const WORKER = fileURLToPath(new URL('../workers/scan-replay.ts', import.meta.url));
const DAYS = 14;
/** Simulated nodes; the `mixed` cluster runs about 23 containers a node (215 nodes: 5,000). */
const FULL_SIZES = [50, 215];
const QUICK_SIZES = [5, 20];
/** V8 heap cap of both processes (MiB). */
const HEAP_CAP_MIB = 384;
/** The bound the scan issue asks for: 14 days of 5,000 containers. */
const TARGET_CONTAINERS = 5_000;
const TARGET_RSS_MIB = 1_024;
const MiB = 2 ** 20;

async function replay(mode: 'scan' | 'raw', nodes: number) {
  const usage = await measureNode(
    [
      '--import',
      'tsx',
      WORKER,
      '--mode',
      mode,
      '--nodes',
      String(nodes),
      '--days',
      String(DAYS),
      '--step-ms',
      String(autoStepMs(DAYS)),
    ],
    {
      env: { NODE_OPTIONS: `--max-old-space-size=${HEAP_CAP_MIB}` },
      timeoutMs: 90 * 60_000,
    },
  );
  return { ...usage, report: JSON.parse(usage.stdout) as ScanReplayReport };
}

export const scan: BenchSuite = {
  name: 'scan',
  description: `Peak RSS of a ${DAYS}-day scan's reading and judging (the scan's store and every analyzer, V8 heap capped at ${HEAP_CAP_MIB} MiB), per cluster size; baseline: the same history's samples in two Float64Arrays.`,
  services: [],
  async run(context: BenchContext): Promise<SuiteResult> {
    const sizes = context.quick ? QUICK_SIZES : FULL_SIZES;
    const figures = new FigureSet();
    const ratios: Ratio[] = [];
    const notes: string[] = [];
    const growth: { x: number; y: number }[] = [];
    let largest: { containers: number; rssMiB: number } | undefined;
    for (const nodes of sizes) {
      // Only the smallest size repeats: a large one reads tens of millions of samples.
      const repeats = nodes === sizes[0] ? context.repeats : 1;
      let containers = 0;
      for (let r = 0; r < repeats; r++) {
        const raw = await replay('raw', nodes);
        const run = await replay('scan', nodes);
        containers = run.report.runningContainers;
        const label = `${containers} containers`;
        context.progress(
          `scan ${nodes} nodes (${label}, ${run.report.samples} samples): ${(run.maxRssBytes / MiB).toFixed(0)} MiB in ${(run.wallMs / 1000).toFixed(0)} s; raw ${(raw.maxRssBytes / MiB).toFixed(0)} MiB`,
        );
        figures.add(`scan peak RSS, ${label}`, 'MiB', 'lower', run.maxRssBytes / MiB);
        figures.add(`raw peak RSS, ${label}`, 'MiB', 'lower', raw.maxRssBytes / MiB);
        figures.add(`scan time, ${label}`, 's', 'lower', run.wallMs / 1000);
        if (r === 0) {
          notes.push(
            `${nodes} nodes: ${containers} containers running on average (${run.report.podContainers} pod containers in all, of ${run.report.containers} workload containers), ${run.report.samples} samples of ${run.report.records} records; read in ${(run.report.readMs / 1000).toFixed(0)} s, judged in ${(run.report.judgeMs / 1000).toFixed(0)} s, ${run.report.findings} findings.`,
          );
        }
      }
      const rss = figures.get(`scan peak RSS, ${containers} containers`);
      ratios.push(
        ratio(
          `scan / raw peak RSS, ${containers} containers`,
          rss,
          figures.get(`raw peak RSS, ${containers} containers`),
        ),
      );
      growth.push({ x: containers, y: median(rss.values) });
      largest = { containers, rssMiB: median(rss.values) };
    }
    const exponent = growthExponent(growth);
    const targets: Target[] = [];
    if (largest) {
      targets.push({
        goal: `peak RSS ≤ ${TARGET_RSS_MIB} MiB for ${DAYS} days of ${TARGET_CONTAINERS} containers`,
        measured: `${largest.rssMiB.toFixed(0)} MiB at ${largest.containers} containers`,
        met: largest.containers >= TARGET_CONTAINERS && largest.rssMiB <= TARGET_RSS_MIB,
      });
    }
    targets.push({
      goal: 'peak RSS grows at most linearly with containers (exponent ≤ 1.0)',
      measured: exponent.toFixed(2),
      met: exponent <= 1,
    });
    return {
      suite: 'scan',
      description: scan.description,
      parameters: { days: DAYS, stepMs: autoStepMs(DAYS), nodes: sizes, heapCapMiB: HEAP_CAP_MIB },
      figures: figures.all(),
      ratios,
      targets,
      notes,
    };
  },
};
