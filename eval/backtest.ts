// The recommendation backtest: fit every strategy on days 1–7 of a simulated cluster, replay days
// 8–14 against what each recommended, and compare would-be OOM kills, CPU above request and the
// capacity each reserves. The same gatherer and strategies serve the live analyzer, so what is
// measured here is what users get. The fit reads either the simulator's own replay (`live`) or
// the week as a real Prometheus serves it to the prometheus collector (`prometheus`); the replay
// is always scored against what the simulated cluster really did.
import { allUsageStats, gatherHistories } from '../analyzers/recommendations/container-history.js';
import { monthlyCost, DEFAULT_PRICES } from '../analyzers/recommendations/prices.js';
import {
  createStrategy,
  STRATEGY_NAMES,
  type StrategyName,
  type StrategyOverrides,
} from '../analyzers/recommendations/strategies/registry.js';
import type { ContainerHistory, Recommendation } from '../analyzers/recommendations/types.js';
import { loadSimulation, createSimulation, type Simulation } from '../simulator/index.js';
import type { TimeWindow } from '../core/domain.js';
import { containerKeyString } from '../store/keys.js';
import { MemoryStore } from '../store/memory.js';
import type { EvalPath, SourceContext } from './evaluate.js';
import { prometheusSource } from './prometheus/source.js';
import {
  OOM_WINDOW_MS,
  scoreContainer,
  type ContainerScore,
  type ReplayEvidence,
  type Sizing,
} from './backtest/score.js';
import { SHARE_GRID } from './backtest/share-above.js';
import type {
  BacktestReport,
  ContainerDetail,
  ScenarioBacktest,
  StrategyTotals,
} from './backtest/report.js';

export { formatBacktest } from './backtest/format.js';
export type { BacktestReport, ScenarioBacktest, StrategyTotals } from './backtest/report.js';

const DAY = 86_400_000;

/** Scenario sizes that replay 14 days in well under a minute each on two cores. */
export const BACKTEST_NODES: Readonly<Record<string, number>> = { misfit: 8, mixed: 12 };

export interface BacktestOptions {
  readonly scenarios?: readonly string[];
  /** General-pool size per scenario (default BACKTEST_NODES, else the scenario's default). */
  readonly nodes?: Readonly<Record<string, number>>;
  readonly seed?: number;
  /** Scrape interval of the replayed usage (default 5 min). */
  readonly stepMs?: number;
  readonly fitDays?: number;
  readonly replayDays?: number;
  readonly strategies?: readonly StrategyName[];
  readonly overrides?: StrategyOverrides;
  /** History start; fixed by default so runs are comparable. */
  readonly start?: number;
  /** Where the fit week is read from (default live). */
  readonly via?: EvalPath;
  /** Parent of the prometheus path's temporary directory (default: the OS temp directory). */
  readonly workDir?: string;
}

/** The scenarios backtested by default: every misfit kind, and a cluster with everything. */
export const BACKTEST_SCENARIOS: readonly string[] = ['misfit', 'mixed'];

export async function runBacktest(options: BacktestOptions = {}): Promise<BacktestReport> {
  const scenarios = options.scenarios ?? BACKTEST_SCENARIOS;
  const fitDays = options.fitDays ?? 7;
  const replayDays = options.replayDays ?? 7;
  const stepMs = options.stepMs ?? 5 * 60_000;
  const seed = options.seed ?? 1;
  const start = options.start ?? Date.UTC(2026, 9, 5);
  const via = options.via ?? 'live';
  const results: ScenarioBacktest[] = [];
  for (const scenario of scenarios) {
    const nodes = options.nodes?.[scenario] ?? BACKTEST_NODES[scenario];
    results.push(
      await backtestScenario({
        scenario,
        nodes,
        seed,
        start,
        stepMs,
        fit: { from: start, to: start + fitDays * DAY },
        replay: { from: start + fitDays * DAY, to: start + (fitDays + replayDays) * DAY },
        strategies: options.strategies ?? STRATEGY_NAMES,
        overrides: options.overrides ?? {},
        via,
        workDir: options.workDir,
      }),
    );
  }
  return { via, fitDays, replayDays, stepMs, seed, scenarios: results };
}

interface ScenarioRun {
  scenario: string;
  nodes: number | undefined;
  seed: number;
  start: number;
  stepMs: number;
  fit: TimeWindow;
  replay: TimeWindow;
  strategies: readonly StrategyName[];
  overrides: StrategyOverrides;
  via: EvalPath;
  workDir: string | undefined;
}

/** The simulated cluster as it really was over `window`, from the simulator's own replay. */
async function simulatedStore(sim: Simulation, window: TimeWindow, stepMs: number) {
  const store = new MemoryStore({ retentionDays: 3650 });
  await loadSimulation(store, sim, window, { stepMs, logs: 'none' });
  return store;
}

/** The fit week as the prometheus collector reads it back from a real Prometheus. */
async function prometheusStore(sim: Simulation, run: ScenarioRun): Promise<MemoryStore> {
  const store = new MemoryStore({ retentionDays: 3650 });
  const ctx: SourceContext = {
    sim,
    window: run.fit,
    store,
    stepMs: run.stepMs,
    // No judge runs in between: large chunks read the week in few queries.
    chunkMs: 6 * 3_600_000,
    workDir: run.workDir,
    lookbackDelta: undefined,
    timings: {},
  };
  for await (const chunk of prometheusSource(ctx)) void chunk;
  return store;
}

async function backtestScenario(run: ScenarioRun): Promise<ScenarioBacktest> {
  const sim = createSimulation({
    scenario: run.scenario,
    seed: run.seed,
    start: run.start,
    ...(run.nodes === undefined ? {} : { nodes: run.nodes }),
  });
  const cluster = sim.model.cluster;
  // Two stores, as at the end of the fit week: sizing sees nothing of the replay (the store keeps
  // each pod's newest state, so a pod evicted in the replay would otherwise count for nothing).
  const fitStore =
    run.via === 'live'
      ? await simulatedStore(sim, run.fit, run.stepMs)
      : await prometheusStore(sim, run);
  const truth = await simulatedStore(sim, run.replay, run.stepMs);
  const strategies = run.strategies.map((name) => createStrategy(name, run.overrides));
  const replay = await replayEvidence(truth, cluster, run.replay);
  const histories = (
    await gatherHistories({
      store: fitStore,
      cluster,
      window: run.fit,
      inventoryAt: run.fit.to - 1,
      needs: strategies.map((s) => s.needs),
    })
  ).filter((h) => h.current !== undefined && h.replicas > 0);

  const sized: { history: ContainerHistory; sizings: Map<string, Sizing> }[] = [];
  let skipped = 0;
  for (const history of histories) {
    // Sized from the fit source but absent from what the cluster ran afterwards: nothing to score.
    if (!replay.has(containerKeyString(history.key))) {
      skipped++;
      continue;
    }
    const sizings = new Map<string, Sizing>();
    sizings.set('current', history.current!);
    for (const strategy of strategies) {
      const result = strategy.recommend(history, { window: run.fit, now: run.fit.to });
      if (result.kind === 'recommendation') sizings.set(strategy.name, sizingOf(result));
    }
    // Totals compare like with like: only containers every strategy sized.
    if (sizings.size === strategies.length + 1) sized.push({ history, sizings });
    else skipped++;
  }

  const evidence = new Map<string, ReplayEvidence>();
  for (const { history } of sized)
    evidence.set(containerKeyString(history.key), await replay.evidence(history));
  const names = ['current', ...strategies.map((s) => s.name)];
  const details: ContainerDetail[] = [];
  const scores: StrategyTotals[] = names.map((strategy) => {
    const perContainer: ContainerScore[] = sized.map(({ history, sizings }) => {
      const sizing = sizings.get(strategy)!;
      const score = scoreContainer(sizing, evidence.get(containerKeyString(history.key))!);
      details.push({
        container: containerKeyString(history.key).split('\u0000').slice(1).join('/'),
        strategy,
        requests: sizing.requests,
        limits: sizing.limits,
        oomWindows: score.oomWindows,
        uncoveredKills: score.uncoveredKills,
      });
      return score;
    });
    return totals(strategy, perContainer);
  });
  return {
    scenario: run.scenario,
    nodes: sim.model.nodes.length,
    containersCompared: sized.length,
    skipped,
    scores,
    details,
  };
}

function sizingOf(result: Recommendation): Sizing {
  return { requests: result.requests, limits: result.limits };
}

interface Replay {
  /** Whether the container ran during the replay at all. */
  has(key: string): boolean;
  evidence(history: ContainerHistory): Promise<ReplayEvidence>;
}

/** What the cluster did during the replay, per container. */
async function replayEvidence(
  store: MemoryStore,
  cluster: string,
  window: TimeWindow,
): Promise<Replay> {
  const [cpu, memory, kills] = await Promise.all([
    allUsageStats(store, { cluster, metric: 'cpu_usage_cores', window, percentiles: SHARE_GRID }),
    allUsageStats(store, {
      cluster,
      metric: 'memory_working_set_bytes',
      window,
      percentiles: SHARE_GRID,
    }),
    store.terminations({ cluster, window, reasons: ['OOMKilled'] }),
  ]);
  const killLimits = new Map<string, number[]>();
  for (const kill of kills) {
    if (kill.limits.memoryBytes === undefined) continue;
    const key = containerKeyString({ cluster, workload: kill.workload, container: kill.container });
    killLimits.set(key, [...(killLimits.get(key) ?? []), kill.limits.memoryBytes]);
  }
  return {
    has: (key) => memory.has(key) || cpu.has(key) || killLimits.has(key),
    async evidence(history) {
      const key = containerKeyString(history.key);
      const peaks = await store.usageSeries({
        cluster,
        metric: 'memory_working_set_bytes',
        subject: { type: 'workload_container', key: history.key },
        window,
        stepMs: OOM_WINDOW_MS,
      });
      return {
        memoryWindowPeaks: peaks.map((p) => p.max),
        killLimits: killLimits.get(key) ?? [],
        cpu: cpu.get(key),
        memory: memory.get(key),
        replicas: history.replicas,
      };
    },
  };
}

function totals(strategy: string, scores: readonly ContainerScore[]): StrategyTotals {
  const sum = (pick: (s: ContainerScore) => number) => scores.reduce((t, s) => t + pick(s), 0);
  const oomWindows = sum((s) => s.oomWindows);
  const uncoveredKills = sum((s) => s.uncoveredKills);
  const reservedCpuCores = sum((s) => s.reservedCpuCores);
  const reservedMemoryBytes = sum((s) => s.reservedMemoryBytes);
  return {
    strategy,
    wouldBeOomKills: oomWindows + uncoveredKills,
    oomWindows,
    uncoveredKills,
    cpuAboveRequest: scores.length ? sum((s) => s.cpuAboveRequest) / scores.length : 0,
    memoryAboveRequest: scores.length ? sum((s) => s.memoryAboveRequest) / scores.length : 0,
    reservedCpuCores,
    reservedMemoryBytes,
    monthlyCost: monthlyCost(DEFAULT_PRICES, reservedCpuCores, reservedMemoryBytes),
    containersWithOoms: scores.filter((s) => s.oomWindows + s.uncoveredKills > 0).length,
  };
}
