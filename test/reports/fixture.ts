// A realistic store for report tests: the simulator's `mixed` scenario (every kind of problem in
// one small cluster) replayed over four weeks, with the analyzers' findings stored as the runner
// would store them. Built once per process and shared, because the replay takes seconds.
import { createAnalyzers } from '../../analyzers/index.js';
import { misfitAnalyzer } from '../../analyzers/misfit/container-analyzer.js';
import { nodeCapacityAnalyzer } from '../../analyzers/misfit/node-analyzer.js';
import { recommendationAnalyzer } from '../../analyzers/recommendations/analyzer.js';
import { loadSimulation, createSimulation } from '../../simulator/index.js';
import type { Analyzer } from '../../analyzers/analyzer.js';
import { MemoryStore } from '../../store/memory.js';
import { weekWindow } from '../../reports/week.js';

export const FIRST_WEEK = '2026-W43';
/** The report week: the fourth week of history, so the trend has four points. */
export const REPORT_WEEK = '2026-W46';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface SimulatedStore {
  readonly store: MemoryStore;
  readonly cluster: string;
  readonly week: string;
  /** Generation time: after the report week ended. */
  readonly now: number;
}

let shared: Promise<SimulatedStore> | undefined;

export function simulatedStore(): Promise<SimulatedStore> {
  shared ??= build();
  return shared;
}

async function build(): Promise<SimulatedStore> {
  const start = weekWindow(FIRST_WEEK).from;
  const end = weekWindow(REPORT_WEEK).to;
  const sim = createSimulation({ scenario: 'mixed', start, nodes: 4 });
  const store = new MemoryStore({ retentionDays: 365 });
  await loadSimulation(
    store,
    sim,
    { from: start, to: end },
    {
      stepMs: 3_600_000,
      chunkMs: 6 * 3_600_000,
      logs: 'terminations',
    },
  );
  const cluster = sim.model.cluster;
  const analyzers: Analyzer[] = [
    ...createAnalyzers(),
    misfitAnalyzer(),
    nodeCapacityAnalyzer(),
    recommendationAnalyzer(),
  ];
  // The runner runs every few minutes; hourly runs over the last two weeks see every flapping
  // episode while it is current, and daily ones are enough for the slower analyzers.
  for (let t = weekWindow(REPORT_WEEK).from - 7 * DAY + HOUR; t <= end; t += HOUR) {
    const daily = (t - start) % DAY === 0;
    for (const analyzer of analyzers.filter((a) => daily || a.windowMs <= DAY / 2)) {
      const findings = await analyzer.analyze({
        cluster,
        window: { from: Math.max(start, t - analyzer.windowMs), to: t },
        now: t,
        store,
      });
      await store.upsertFindings(findings);
    }
  }
  return { store, cluster, week: REPORT_WEEK, now: end + 6 * 3_600_000 };
}
