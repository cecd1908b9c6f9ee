// The strategy contract, after KRR's: a strategy declares the series and percentiles it reads,
// takes typed settings with defaults, and answers "not enough data" with a reason rather than
// guessing. Strategies are pure: the same numbers in give the same recommendation out, whether
// the caller is the live analyzer or the backtest.
import type { Node, ResourceAmounts, ResourceSpec, TimeWindow } from '../../core/domain.js';
import type { ContainerKey, UsageStats } from '../../store/store.js';

/** What a strategy reads; the input gatherer asks the store for the union of every strategy's needs. */
export interface StrategyNeeds {
  /** Percentiles of cpu_usage_cores over the fit window. */
  readonly cpuPercentiles: readonly number[];
  /** Percentiles of memory_working_set_bytes over the fit window. */
  readonly memoryPercentiles: readonly number[];
  /** Percentiles of cpu_throttled_ratio; empty when the strategy ignores throttling. */
  readonly throttlingPercentiles: readonly number[];
  /** Width of the intervals whose memory peaks the strategy reads (VPA: one day); absent = none. */
  readonly memoryPeakIntervalMs?: number | undefined;
}

export interface OomKill {
  readonly at: number;
  /** The memory limit the container died at, when it had one. */
  readonly limitBytes?: number | undefined;
  readonly requestBytes?: number | undefined;
}

/** Everything known about one workload container over the fit window. */
export interface ContainerHistory {
  readonly key: ContainerKey;
  readonly cpu?: UsageStats | undefined;
  readonly memory?: UsageStats | undefined;
  readonly throttling?: UsageStats | undefined;
  /** Peak working set per interval of `memoryPeakIntervalMs`, oldest first. */
  readonly memoryPeaks?: readonly number[] | undefined;
  readonly oomKills: readonly OomKill[];
  /** Requests and limits of the newest pod; absent when no pod of the workload is known. */
  readonly current?: ResourceSpec | undefined;
  /** Pods of the workload running at the end of the window (what a change multiplies by). */
  readonly replicas: number;
  /** Runtime sizing hints of the newest pod (e.g. -Xmx2g). */
  readonly runtimeHints: readonly string[];
  /**
   * The node most of its running pods are on: its pool and instance type set the rates the
   * container's capacity is priced at.
   */
  readonly node?: Node | undefined;
}

export interface StrategyContext {
  readonly window: TimeWindow;
  readonly now: number;
}

export type ConfidenceLevel = 'low' | 'medium' | 'high';

export interface Confidence {
  readonly level: ConfidenceLevel;
  /** 0..1: history length against the strategy's full-confidence history. */
  readonly score: number;
  readonly historyHours: number;
  readonly samples: number;
}

export interface Recommendation {
  readonly kind: 'recommendation';
  readonly strategy: string;
  readonly requests: ResourceAmounts;
  /** Absent fields mean "no limit". */
  readonly limits: ResourceAmounts;
  readonly confidence: Confidence;
  /** One short line per number: where it came from. */
  readonly basis: readonly string[];
}

export interface NotEnoughData {
  readonly kind: 'not_enough_data';
  readonly strategy: string;
  readonly reason: string;
}

export type StrategyResult = Recommendation | NotEnoughData;

export interface SettingDoc {
  readonly description: string;
  readonly min?: number;
  readonly max?: number;
}

export interface Strategy<S extends object = object> {
  readonly name: string;
  readonly description: string;
  /** Settings in effect (defaults merged with overrides). */
  readonly settings: Readonly<S>;
  /** A description and bounds per setting, for docs and validation messages. */
  readonly settingDocs: Readonly<Record<keyof S, SettingDoc>>;
  readonly needs: StrategyNeeds;
  recommend(history: ContainerHistory, context: StrategyContext): StrategyResult;
}
