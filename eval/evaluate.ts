// One scenario end to end, the way the live system would see it: the simulator's week replayed
// chunk by chunk into a fresh in-memory store, the runner judging after every chunk that brought
// new transitions, kills or memory events and on its schedule otherwise, and every finding the
// runner opened compared with the ground truth at the end.
import type { Finding } from '../core/domain.js';
import { replayChunks } from '../collectors/replay/simulation.js';
import { createAnalyzers, FLAPPING_ANALYZER, OOM_LOOP_ANALYZER } from '../analyzers/index.js';
import { AnalyzerRunner } from '../analyzers/runner.js';
import { createSimulation, groundTruth } from '../simulator/index.js';
import { MemoryStore } from '../store/memory.js';
import { scoreFlapping, scoreOomLoops, type AnalyzerScore, type Detection } from './match.js';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

export interface EvalScenario {
  readonly scenario: string;
  /** General pool size; undefined keeps the scenario's default. */
  readonly nodes?: number;
}

export interface EvalOptions {
  readonly seed?: number;
  readonly start?: number;
  readonly days?: number;
  /** Usage scrape interval of the replay (default 5 min: a week of a cluster stays quick). */
  readonly stepMs?: number;
  /** Simulated time between ingest batches; triggered runs happen at most this often. */
  readonly chunkMs?: number;
  /** Scheduled runs of every analyzer. */
  readonly scheduleMs?: number;
}

export interface ScenarioResult {
  readonly scenario: string;
  readonly nodes: number;
  readonly pods: number;
  readonly window: { from: number; to: number };
  readonly runs: number;
  readonly findings: number;
  readonly scores: readonly AnalyzerScore[];
  readonly examples: readonly Pick<
    Finding,
    'kind' | 'category' | 'title' | 'explanation' | 'recommendation'
  >[];
  readonly durationMs: number;
}

export const DEFAULT_START = Date.UTC(2025, 0, 6);

export async function evaluateScenario(
  spec: EvalScenario,
  options: EvalOptions = {},
): Promise<ScenarioResult> {
  const started = performance.now();
  const start = options.start ?? DEFAULT_START;
  const window = { from: start, to: start + (options.days ?? 7) * DAY };
  const sim = createSimulation({
    scenario: spec.scenario,
    seed: options.seed ?? 1,
    start,
    ...(spec.nodes === undefined ? {} : { nodes: spec.nodes }),
  });
  const cluster = sim.model.cluster;
  const store = new MemoryStore();
  const runner = new AnalyzerRunner({
    cluster,
    // Scored against ground truth here: flapping and OOM loops. Sizing (misfit,
    // recommendations) is judged by the backtest, which replays a second week.
    analyzers: createAnalyzers({}, [FLAPPING_ANALYZER, OOM_LOOP_ANALYZER]),
    reader: store,
    findings: store,
  });
  const scheduleMs = options.scheduleMs ?? 30 * MINUTE;
  let nextScheduled = window.from + scheduleMs;
  let runs = 0;
  const firstOpen = new Map<string, number>();
  const chunks = replayChunks(sim, window, {
    stepMs: options.stepMs ?? 5 * MINUTE,
    chunkMs: options.chunkMs ?? 10 * MINUTE,
    batchSize: Number.MAX_SAFE_INTEGER,
    logTailLines: 12,
  });
  for await (const chunk of chunks) {
    await store.write(chunk.records);
    const now = chunk.to;
    let only: string[] | undefined;
    if (now >= nextScheduled) {
      while (nextScheduled <= now) nextScheduled += scheduleMs;
    } else {
      only = runner.triggered(chunk.records);
      if (only.length === 0) continue;
    }
    await runner.run({ now, only });
    runs++;
    for (const finding of await allFindings(store, cluster, 'open')) {
      if (!firstOpen.has(finding.id)) firstOpen.set(finding.id, now);
    }
  }
  const findings = await allFindings(store, cluster);
  const detections: Detection[] = findings.map((finding) => ({
    finding,
    firstOpenAt: firstOpen.get(finding.id) ?? finding.firstSeen,
  }));
  const truth = groundTruth(sim, window);
  const examples = new Map<string, Finding>();
  for (const f of findings) {
    const key = `${f.kind}/${f.category ?? ''}`;
    if (!examples.has(key)) examples.set(key, f);
  }
  return {
    scenario: spec.scenario,
    nodes: sim.model.nodes.length,
    pods: sim.model.slots.length,
    window,
    runs,
    findings: findings.length,
    scores: [scoreFlapping(truth, detections), scoreOomLoops(truth, detections)],
    examples: [...examples.values()].map(
      ({ kind, category, title, explanation, recommendation }) => ({
        kind,
        category,
        title,
        explanation,
        recommendation,
      }),
    ),
    durationMs: performance.now() - started,
  };
}

async function allFindings(
  store: MemoryStore,
  cluster: string,
  status?: 'open' | 'resolved',
): Promise<Finding[]> {
  const out: Finding[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await store.findings({
      cluster,
      kinds: ['node_memory_flapping', 'oom_loop'],
      status,
      limit: 1000,
      after,
    });
    out.push(...page.items);
    if (!page.next) return out;
    after = page.next;
  }
}
