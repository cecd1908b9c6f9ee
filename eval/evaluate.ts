// One scenario end to end, the way the live system would see it. A source of records fills a fresh
// in-memory store stretch by stretch of data time — the simulator's own replay ("live"), or the
// scenario's OpenMetrics history read back from a real Prometheus by the prometheus collector
// ("prometheus", eval/prometheus/source.ts) — and one judge runs the analyzers at the end of each
// stretch that brought new transitions, kills or memory events and on its schedule otherwise.
// Every finding the runner opened is compared with the ground truth at the end.
import type { Finding } from '../core/domain.js';
import type { AnyEnvelope } from '../core/envelope.js';
import {
  replayChunks,
  createSimulation,
  groundTruth,
  type ExportOptions,
  type Simulation,
} from '../simulator/index.js';
import { createAnalyzers, FLAPPING_ANALYZER, OOM_LOOP_ANALYZER } from '../analyzers/index.js';
import { AnalyzerRunner } from '../analyzers/runner.js';
import { MemoryStore } from '../store/memory.js';
import {
  classifyOomLoops,
  scoreFlapping,
  scoreOomLoops,
  type AnalyzerScore,
  type ClassConfusion,
  type Detection,
} from './match.js';
import { prometheusSource } from './prometheus/source.js';
import { disagreements, unwindowedCounts, type Disagreement } from './agreement.js';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

export interface EvalScenario {
  readonly scenario: string;
  /** General pool size; undefined keeps the scenario's default. */
  readonly nodes?: number;
  /**
   * General pool size on the Prometheus path, where the export grows with nodes × samples (a
   * 1-minute week of the 32-node `healthy` cluster is over 60 GB); undefined keeps `nodes`.
   */
  readonly prometheusNodes?: number;
}

/** Where the records come from: the simulator's replay, or a real Prometheus. */
export type EvalPath = 'live' | 'prometheus';

export interface EvalOptions {
  readonly seed?: number;
  readonly start?: number;
  readonly days?: number;
  /**
   * Scrape interval: of the replay's usage samples (live), of the OpenMetrics export and of the
   * collector's reads (prometheus). Default 5 min: a week of a cluster stays quick.
   */
  readonly stepMs?: number;
  /** Data time between ingest batches (collector chunks); triggered runs happen at most this often. */
  readonly chunkMs?: number;
  /** Scheduled runs of every analyzer. */
  readonly scheduleMs?: number;
  /** Default live. */
  readonly via?: EvalPath;
  /** Parent of the prometheus path's temporary directory (default: the OS temp directory). */
  readonly workDir?: string;
  /**
   * Prometheus' query look-back on the prometheus path. Default: half the scrape interval, which
   * stands in for the staleness markers a scraping Prometheus writes and a backfill lacks (see
   * eval/prometheus/tsdb.ts); e.g. "5m" for Prometheus' own default.
   */
  readonly lookbackDelta?: string;
  /** Told the data time judged after every chunk, e.g. to print progress. */
  readonly onChunk?: (dataTime: number) => void;
  /** The prometheus path's export dialect: kube-state-metrics generation, cAdvisor labels, families left out. */
  readonly exportOptions?: DialectOptions;
}

export type DialectOptions = Pick<ExportOptions, 'ksmVersion' | 'cadvisorLabels' | 'omit'>;

/**
 * A stretch of data time whose records are in the store by the time it is handed to the judge.
 * `records` are those records (a source may leave usage samples out: they trigger nothing).
 */
export interface DataChunk {
  readonly from: number;
  readonly to: number;
  readonly records: readonly AnyEnvelope[];
}

export interface SourceContext {
  readonly sim: Simulation;
  readonly window: { from: number; to: number };
  readonly store: MemoryStore;
  readonly stepMs: number;
  readonly chunkMs: number;
  /** Parent of any temporary directory the source needs (undefined: the OS temp directory). */
  readonly workDir: string | undefined;
  /** Query look-back of a Prometheus the source serves (undefined: half of stepMs). */
  readonly lookbackDelta: string | undefined;
  /** Stages the source took (e.g. export and serve, collect and judge), in ms, for the results. */
  readonly timings: Record<string, number>;
  /** Export dialect of a source that exports (default: current names, every family). */
  readonly exportOptions?: DialectOptions;
}

/** Fills ctx.store chunk by chunk, in time order, and yields each chunk once it is stored. */
export type RecordSource = (ctx: SourceContext) => AsyncIterable<DataChunk>;

export interface ScenarioResult {
  readonly scenario: string;
  /** The evaluation variant (eval/variants.ts) this result is of, if any. */
  readonly variant?: string;
  readonly via: EvalPath;
  readonly stepMs: number;
  /** Data time between ingest batches (and triggered analyses). */
  readonly chunkMs: number;
  readonly nodes: number;
  readonly pods: number;
  readonly window: { from: number; to: number };
  readonly runs: number;
  readonly findings: number;
  readonly scores: readonly AnalyzerScore[];
  /** OOM loops: true class against the category of the finding. */
  readonly oomClasses: ClassConfusion;
  readonly examples: readonly Pick<
    Finding,
    'kind' | 'category' | 'title' | 'explanation' | 'recommendation'
  >[];
  /** Records the store received, per kind. */
  readonly records: Readonly<Record<string, number>>;
  /**
   * One voice at the end of the window, every analyzer run once more: pairs of open findings on
   * one subject with contradicting advice, and kill counts that do not state their window.
   */
  readonly agreement: {
    readonly openFindings: number;
    readonly disagreements: readonly Disagreement[];
    readonly unwindowedCounts: readonly string[];
  };
  /** Preparation stages of the source (ms), e.g. export, blocks, serve. */
  readonly timings: Readonly<Record<string, number>>;
  readonly durationMs: number;
}

export const DEFAULT_START = Date.UTC(2025, 0, 6);

/** The simulator's replay, straight into the store. */
export const liveSource: RecordSource = async function* (ctx) {
  const chunks = replayChunks(ctx.sim, ctx.window, {
    stepMs: ctx.stepMs,
    chunkMs: ctx.chunkMs,
    batchSize: Number.MAX_SAFE_INTEGER,
    logTailLines: 12,
  });
  for await (const chunk of chunks) {
    await ctx.store.write(chunk.records);
    yield chunk;
  }
};

export async function evaluateScenario(
  spec: EvalScenario,
  options: EvalOptions = {},
): Promise<ScenarioResult> {
  const started = performance.now();
  const via = options.via ?? 'live';
  const start = options.start ?? DEFAULT_START;
  const window = { from: start, to: start + (options.days ?? 7) * DAY };
  const nodes = via === 'prometheus' ? (spec.prometheusNodes ?? spec.nodes) : spec.nodes;
  const sim = createSimulation({
    scenario: spec.scenario,
    seed: options.seed ?? 1,
    start,
    ...(nodes === undefined ? {} : { nodes }),
  });
  const source = via === 'live' ? liveSource : prometheusSource;
  const stepMs = options.stepMs ?? 5 * MINUTE;
  const store = new MemoryStore();
  const ctx: SourceContext = {
    sim,
    window,
    store,
    stepMs,
    chunkMs: options.chunkMs ?? 10 * MINUTE,
    workDir: options.workDir,
    lookbackDelta: options.lookbackDelta,
    timings: {},
    ...(options.exportOptions ? { exportOptions: options.exportOptions } : {}),
  };
  const judged = await judge(source(ctx), {
    cluster: sim.model.cluster,
    store,
    window,
    scheduleMs: options.scheduleMs ?? 30 * MINUTE,
    ...(options.onChunk ? { onChunk: options.onChunk } : {}),
  });
  const agreement = await speaksWithOneVoice(store, sim.model.cluster, window.to);
  const truth = groundTruth(sim, window);
  const examples = new Map<string, Finding>();
  for (const f of judged.findings) {
    const key = `${f.kind}/${f.category ?? ''}`;
    if (!examples.has(key)) examples.set(key, f);
  }
  return {
    scenario: spec.scenario,
    via,
    stepMs,
    chunkMs: ctx.chunkMs,
    nodes: sim.model.nodes.length,
    pods: sim.model.slots.length,
    window,
    runs: judged.runs,
    findings: judged.findings.length,
    scores: [scoreFlapping(truth, judged.detections), scoreOomLoops(truth, judged.detections)],
    oomClasses: classifyOomLoops(truth, judged.detections),
    examples: [...examples.values()].map(
      ({ kind, category, title, explanation, recommendation }) => ({
        kind,
        category,
        title,
        explanation,
        recommendation,
      }),
    ),
    records: judged.records,
    agreement,
    timings: ctx.timings,
    durationMs: performance.now() - started,
  };
}

/**
 * Every analyzer over the judged store at the end of the window — sizing and capacity beside the
 * scored flapping and OOM loops, memory advice following each open loop — and what the open
 * findings say together.
 */
async function speaksWithOneVoice(
  store: MemoryStore,
  cluster: string,
  now: number,
): Promise<ScenarioResult['agreement']> {
  const runner = new AnalyzerRunner({
    cluster,
    analyzers: createAnalyzers(),
    reader: store,
    findings: store,
  });
  await runner.run({ now });
  const open = (await store.findings({ cluster, status: 'open', limit: 10_000 })).items;
  return {
    openFindings: open.length,
    disagreements: disagreements(open),
    unwindowedCounts: unwindowedCounts(open),
  };
}

export interface Judged {
  readonly runs: number;
  readonly findings: readonly Finding[];
  readonly detections: readonly Detection[];
  readonly records: Readonly<Record<string, number>>;
}

/**
 * The judge: the flapping and OOM-loop analyzers run in data time, at the end of every chunk that
 * brought evidence and every `scheduleMs` otherwise; remembers when each finding was first open.
 */
export async function judge(
  chunks: AsyncIterable<DataChunk>,
  options: {
    cluster: string;
    store: MemoryStore;
    window: { from: number; to: number };
    scheduleMs: number;
    onChunk?: (dataTime: number) => void;
  },
): Promise<Judged> {
  const { cluster, store, scheduleMs } = options;
  const runner = new AnalyzerRunner({
    cluster,
    // Scored against ground truth here: flapping and OOM loops. Sizing (misfit,
    // recommendations) is judged by the backtest, which replays a second week.
    analyzers: createAnalyzers({}, [FLAPPING_ANALYZER, OOM_LOOP_ANALYZER]),
    reader: store,
    findings: store,
  });
  let nextScheduled = options.window.from + scheduleMs;
  let runs = 0;
  const firstOpen = new Map<string, number>();
  const records: Record<string, number> = {};
  for await (const chunk of chunks) {
    for (const r of chunk.records) records[r.kind] = (records[r.kind] ?? 0) + 1;
    const now = chunk.to;
    options.onChunk?.(now);
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
  return {
    runs,
    findings,
    detections: findings.map((finding) => ({
      finding,
      firstOpenAt: firstOpen.get(finding.id) ?? finding.firstSeen,
    })),
    records,
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
