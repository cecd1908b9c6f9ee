// The shape of a backtest result, shared by the runner and the formatter.
export interface StrategyTotals {
  readonly strategy: string;
  /** oomWindows + uncoveredKills. */
  readonly wouldBeOomKills: number;
  readonly oomWindows: number;
  readonly uncoveredKills: number;
  /** Mean over containers of the share of CPU samples above the request. */
  readonly cpuAboveRequest: number;
  readonly memoryAboveRequest: number;
  readonly reservedCpuCores: number;
  readonly reservedMemoryBytes: number;
  readonly monthlyCost: number;
  /** Containers with at least one would-be OOM. */
  readonly containersWithOoms: number;
}

export interface ScenarioBacktest {
  readonly scenario: string;
  readonly nodes: number;
  readonly containersCompared: number;
  readonly skipped: number;
  /** `current` (the spec the pods run with) first, then each strategy. */
  readonly scores: readonly StrategyTotals[];
  /** Per container and strategy, for drilling into a difference. */
  readonly details: readonly ContainerDetail[];
}

export interface ContainerDetail {
  readonly container: string;
  readonly strategy: string;
  readonly requests: { cpuCores?: number | undefined; memoryBytes?: number | undefined };
  readonly limits: { cpuCores?: number | undefined; memoryBytes?: number | undefined };
  readonly oomWindows: number;
  readonly uncoveredKills: number;
}

export interface BacktestReport {
  /** Where the fit week was read from. */
  readonly via: 'live' | 'prometheus';
  readonly fitDays: number;
  readonly replayDays: number;
  readonly stepMs: number;
  readonly seed: number;
  readonly scenarios: readonly ScenarioBacktest[];
}
