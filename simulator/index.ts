// Public entry points: build a simulation, serve it (in-process or from the CLI), read its
// ground truth, export its history as OpenMetrics.
import type { TimeWindow } from '../core/domain.js';
import { computeGroundTruth, type GroundTruth } from './ground-truth.js';
import { VirtualClock } from './model/clock.js';
import { Simulation } from './model/simulation.js';
import { DAY, HOUR } from './model/types.js';
import { buildScenario, scenarioNames, SCENARIOS } from './scenarios/index.js';
import type { Faults } from './faults.js';
import { SimulatorServer } from './server.js';

export { SCENARIOS, scenarioNames };
export {
  Faults,
  FAULT_PROBE_NAMESPACE,
  KUBELET_FAULTS,
  malformedExposition,
  truncatedJson,
  type KubeletFault,
} from './faults.js';
export { exportOpenMetrics, type ExportOptions } from './export/openmetrics.js';
export {
  loadSimulation,
  replayChunks,
  replaySimulation,
  type LoadSummary,
  type ReplayChunk,
  type ReplayOptions,
  type ReplayPublisher,
  type ReplaySink,
} from './replay/simulation.js';
export type {
  GroundTruth,
  OomKillTruth,
  OomLoopTruth,
  FlappingNodeTruth,
  MisfitTruth,
  SingleOomTruth,
  EvictionTruth,
  RebootTruth,
} from './ground-truth.js';
export { Simulation } from './model/simulation.js';
export { VirtualClock } from './model/clock.js';

export const DEFAULT_SEED = 1;
export const DEFAULT_HISTORY_DAYS = 7;

/** History start for "the last `days` days", aligned to the hour so it is stable within an hour. */
export function defaultStart(days: number, now = Date.now()): number {
  return Math.floor((now - days * DAY) / HOUR) * HOUR;
}

export interface SimulationOptions {
  scenario: string;
  seed?: number;
  /** History start (virtual epoch ms); defaults to DEFAULT_HISTORY_DAYS before now. */
  start?: number;
  /** General node pool size (scale factor); defaults per scenario. */
  nodes?: number;
}

export function createSimulation(options: SimulationOptions): Simulation {
  const model = buildScenario(options.scenario, {
    seed: options.seed ?? DEFAULT_SEED,
    start: options.start ?? defaultStart(DEFAULT_HISTORY_DAYS),
    ...(options.nodes === undefined ? {} : { nodes: options.nodes }),
  });
  return new Simulation(model);
}

/** Ground truth for a scenario over a window (defaults: the simulation's first 7 days). */
export function groundTruth(sim: Simulation, window?: Partial<TimeWindow>): GroundTruth {
  const from = window?.from ?? sim.model.start;
  return computeGroundTruth(sim, { from, to: window?.to ?? from + DEFAULT_HISTORY_DAYS * DAY });
}

export interface SimulatorOptions extends SimulationOptions {
  /** Virtual seconds per real second (default 1). */
  speed?: number;
  /** TCP port on loopback; 0 picks a free one. */
  port?: number;
  host?: string;
  /** Days of history behind the live "now" (default 7): the clock starts at start + historyDays. */
  historyDays?: number;
  tickMs?: number;
  bookmarkMs?: number;
  watchHistory?: number;
  /** Serve the fault-injection endpoints under /simulator/ (default off). */
  faultAdmin?: boolean;
  onError?: (error: unknown) => void;
}

export interface RunningSimulator {
  url: string;
  scenario: string;
  seed: number;
  clock: VirtualClock;
  simulation: Simulation;
  /** Ground truth; the window defaults to [history start, virtual now). */
  groundTruth: (window?: Partial<TimeWindow>) => GroundTruth;
  /** Re-evaluates the model now instead of waiting for the next tick. */
  tick: () => void;
  /** Compacts watch history and ends watches, so clients must re-list (they see 410 on resume). */
  expireWatches: () => void;
  /** Per-node kubelet faults (`hang`, `malformed`); none unless set. */
  faults: Faults;
  /** Stops serving as an API server going down: watches end, connections are refused. */
  stopListening: () => Promise<void>;
  /** Serves again, on the same port. */
  listen: () => Promise<void>;
  /** `stopListening`, `downMs` of refused connections, then `listen` on the same port. */
  restart: (downMs?: number) => Promise<void>;
  close: () => Promise<void>;
}

export async function startSimulator(options: SimulatorOptions): Promise<RunningSimulator> {
  const historyDays = options.historyDays ?? DEFAULT_HISTORY_DAYS;
  const start = options.start ?? defaultStart(historyDays);
  const seed = options.seed ?? DEFAULT_SEED;
  const simulation = createSimulation({ ...options, seed, start });
  const clock = new VirtualClock({ origin: start + historyDays * DAY, speed: options.speed ?? 1 });
  const server = new SimulatorServer({
    sim: simulation,
    clock,
    port: options.port ?? 0,
    ...(options.host ? { host: options.host } : {}),
    // A tick re-evaluates every pod; big clusters tick less often to leave CPU for clients.
    tickMs: options.tickMs ?? (simulation.model.slots.length > 5000 ? 5000 : 1000),
    ...(options.bookmarkMs ? { bookmarkMs: options.bookmarkMs } : {}),
    ...(options.watchHistory ? { watchHistory: options.watchHistory } : {}),
    ...(options.faultAdmin ? { faultAdmin: true } : {}),
    ...(options.onError ? { onError: options.onError } : {}),
  });
  const url = await server.listen();
  return {
    url,
    scenario: options.scenario,
    seed,
    clock,
    simulation,
    groundTruth: (window) =>
      computeGroundTruth(simulation, {
        from: window?.from ?? start,
        to: window?.to ?? clock.now(),
      }),
    tick: () => server.tick(),
    expireWatches: () => server.expireWatches(),
    faults: server.faults,
    stopListening: () => server.stopListening(),
    listen: async () => {
      await server.listen();
    },
    restart: (downMs) => server.restart(downMs),
    close: () => server.close(),
  };
}
