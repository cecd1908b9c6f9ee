// The analyzer contract. An analyzer is a pure function of what the store returns for a window:
// the same code serves the live runner, the evaluation against the simulator's ground truth and
// the recommendation backtest. It never writes; the runner stores what it returns.
import type { EpochMs, Finding, FindingKind, TimeWindow, UsageMetric } from '../core/domain.js';
import type { EventReader, InventoryReader, UsageReader } from '../store/store.js';
import type { VerdictBook } from './verdicts.js';

/** What an analyzer may read: no writes, no findings of its own making. */
export type AnalysisReader = UsageReader & EventReader & InventoryReader;

/**
 * The container usage metrics some analyzer reads: a one-shot scan reads only these (the RSS is
 * kept for dashboards, and no verdict rests on it). test/analyzers/metrics-read.test.ts holds
 * every analyzer to it.
 */
export const ANALYZED_CONTAINER_METRICS: readonly UsageMetric[] = [
  'memory_working_set_bytes',
  'cpu_usage_cores',
  'cpu_throttled_ratio',
];

export interface AnalysisInput {
  readonly cluster: string;
  /** The window judged, e.g. the last 24 h for OOM loops, the last 14 days for misfit. */
  readonly window: TimeWindow;
  /** The time of the run; findings' lastSeen and "now" in explanations. */
  readonly now: EpochMs;
  readonly store: AnalysisReader;
  /**
   * The primary verdict per workload container (from its open OOM loop), which memory advice must
   * follow. Absent where nobody judged OOM loops first (e.g. a backtest of sizing alone).
   */
  readonly verdicts?: VerdictBook | undefined;
  /**
   * Per node name, the open memory-flapping finding that is the node's primary verdict; node
   * capacity findings about the same node link to it.
   */
  readonly nodeVerdicts?: ReadonlyMap<string, string> | undefined;
}

export interface Analyzer {
  /** Stable name, used in config, metrics labels and logs. */
  readonly name: string;
  /** The finding kinds it produces; the runner resolves open findings of these kinds it no longer returns. */
  readonly kinds: readonly FindingKind[];
  /** How far back the runner looks on each run. */
  readonly windowMs: number;
  /**
   * Findings for the window, with `status: 'open'`. Ids must be stable: the same problem seen
   * again on a later run (same subject, same episode) gets the same id. firstSeen/lastSeen are
   * the evidence's times; the runner keeps the earliest firstSeen across runs.
   */
  analyze(input: AnalysisInput): Promise<Finding[]>;
}
