// The weekly report as plain typed data. Every renderer (HTML, Markdown, CSV) and the API read
// these figures and nothing else, so a number in the report and the same number from the API
// cannot disagree. docs/reports.md says which Store call produces each field.
import type { Resources } from '../core/capacity.js';
import type { EpochMs, ResourceAmounts, Severity, TimeWindow } from '../core/domain.js';

export type { Resources } from '../core/capacity.js';

/** How much of a week (to its end, or to now) the usage figures rest on. */
export interface Coverage {
  /** Hours in which usage samples were recorded. */
  readonly hoursWithData: number;
  /** Hours the week had (to its end, or to now). */
  readonly hours: number;
  /** The longest run of hours without any usage sample. */
  readonly longestGapHours: number;
}

export interface CapacityFigures {
  readonly nodes: number;
  /** Usage data behind these figures: of the whole cluster, or of the pool's nodes. */
  readonly coverage: Coverage;
  /** Node capacity summed (the machine). */
  readonly capacity: Resources;
  /** Node allocatable summed (what the scheduler may give to pods). */
  readonly allocatable: Resources;
  /** Requests of the pods bound to these nodes, at the week's end. */
  readonly requests: Resources;
  /** Limits set on those pods (containers without a limit add nothing). */
  readonly limits: Resources;
  /** Time-averaged usage: per-replica mean × average running replicas, summed over containers. */
  readonly usageMean: Resources;
  /** Per-replica percentile (see method) × average replicas, summed: peaks assumed to coincide. */
  readonly usagePeak: Resources;
}

export interface PoolFigures extends CapacityFigures {
  readonly pool: string;
}

export interface WeekFigures {
  readonly week: string;
  readonly window: TimeWindow;
  /** The inventory snapshot requests and nodes are read at: the week's end, or now if earlier. */
  readonly snapshotAt: EpochMs;
  /** True when the week has not ended yet (week to date). */
  readonly partial: boolean;
  readonly hasData: boolean;
  readonly cluster: CapacityFigures;
  readonly pools: readonly PoolFigures[];
  /** Pods holding resources at the snapshot, and those not bound to a known node. */
  readonly pods: number;
  readonly unscheduledPods: number;
  readonly unscheduledRequests: Resources;
  /** Workload containers with usage samples, and how many of them no snapshot saw running. */
  readonly usageContainers: number;
  readonly unattributedContainers: number;
}

export type ForecastResource = 'cpu' | 'memory';
export type ForecastBasis = 'requests' | 'usagePeak';

export interface Forecast {
  /** "cluster" or a pool name. */
  readonly scope: string;
  readonly resource: ForecastResource;
  readonly basis: ForecastBasis;
  /** Value in the report week, and the allocatable it is compared with. */
  readonly current: number;
  readonly allocatable: number;
  /** Slope of the least-squares line through the weekly values, per day. */
  readonly growthPerDay: number;
  /** Weeks the fit rests on (up to the trend length). */
  readonly points: number;
  /** Days until the current value reaches allocatable at that slope; null when it never does. */
  readonly daysToExhaustion: number | null;
  /**
   * Days to exhaustion at the slope ± one standard error (three or more weeks fitted); `latest`
   * is null when the slower slope never reaches allocatable.
   */
  readonly interval?: { readonly soonest: number; readonly latest: number | null } | undefined;
  readonly verdict: 'exhausted' | 'growing' | 'flat_or_shrinking' | 'insufficient_history';
  /** Why there is no forecast (verdict insufficient_history). */
  readonly reason?: string | undefined;
}

export interface SavingRow {
  readonly findingId: string;
  readonly namespace: string;
  readonly workloadKind: string;
  readonly workload: string;
  readonly container: string;
  readonly replicas: number;
  readonly current: { readonly requests: ResourceAmounts; readonly limits: ResourceAmounts };
  readonly recommended: { readonly requests: ResourceAmounts; readonly limits: ResourceAmounts };
  /** Reserved capacity released across replicas (positive = released). */
  readonly cpuCoresReleased: number;
  readonly memoryBytesReleased: number;
  /** Dollars a month, positive = saved. */
  readonly monthlySaving: number;
  readonly confidence?: string | undefined;
  readonly risksRemoved: readonly string[];
}

export interface RiskRow {
  readonly findingId: string;
  readonly kind: string;
  readonly category?: string | undefined;
  readonly severity: Severity;
  /** "namespace/Kind/name container", "node x" or "pool x". */
  readonly subject: string;
  readonly namespace?: string | undefined;
  readonly title: string;
  /** The key numbers, in words (e.g. "4 OOM kills at 512 MiB"). */
  readonly detail: string;
  readonly lastSeen: EpochMs;
  readonly status: string;
  /** Findings of this kind about this subject in the week (one per episode or analyzer run). */
  readonly occurrences: number;
}

export interface FlappingIncident {
  readonly findingId: string;
  readonly node: string;
  readonly pool?: string | undefined;
  readonly severity: Severity;
  readonly category?: string | undefined;
  readonly window: TimeWindow;
  readonly flaps: readonly EpochMs[];
  readonly memoryPressureFlaps?: number | undefined;
  readonly notReadyFlaps?: number | undefined;
  readonly evictions?: number | undefined;
  readonly systemOoms?: number | undefined;
  readonly minAvailableBytes?: number | undefined;
  readonly title: string;
  readonly recommendation: string;
  readonly status: string;
}

/** A namespace's or team's share of the cluster: requests averaged over the week, priced. */
export interface AllocationRow {
  readonly name: string;
  /** Pods holding resources, averaged over the week's snapshots. */
  readonly pods: number;
  readonly requests: Resources;
  /** Time-averaged usage, as in the capacity figures. */
  readonly usageMean: Resources;
  /** requests × price, per month. */
  readonly monthlyCost: number;
  /** Hours of the week with usage of the namespace's containers (namespace rows only). */
  readonly coverage?: Coverage | undefined;
}

export interface OverheadRow {
  readonly pool: string;
  readonly nodes: number;
  readonly capacity: Resources;
  readonly allocatable: Resources;
  /** capacity − allocatable: kube/system reserved and eviction thresholds. */
  readonly overhead: Resources;
  /** Nodes whose allocatable memory equals capacity: nothing reserved for the system. */
  readonly nodesWithoutMemoryReserve: number;
}

export interface StrandedRow {
  readonly pool: string;
  /** Unrequested CPU on nodes whose memory is (almost) fully requested. */
  readonly cpuCores: number;
  /** Unrequested memory on nodes whose CPU is (almost) fully requested. */
  readonly memoryBytes: number;
  readonly cpuStrandingNodes: readonly string[];
  readonly memoryStrandingNodes: readonly string[];
  /** What the stranded capacity costs a month at the report's prices. */
  readonly monthlyCost: number;
  /** Allocatable nobody requested, stranded or not. */
  readonly free: Resources;
}

/** `money` is in the report's currency. */
export type DeltaUnit = 'cores' | 'bytes' | 'count' | 'money';

export interface Delta {
  readonly scope: string;
  readonly metric: string;
  readonly unit: DeltaUnit;
  readonly previous: number | null;
  readonly current: number;
  readonly change: number | null;
}

export interface FindingCounts {
  readonly flappingIncidents: number;
  readonly oomLoops: number;
  readonly risks: number;
  readonly savingsMonthly: number;
  /** Savings minus the cost of increases. */
  readonly netMonthly: number;
}

export interface PriceNote {
  readonly cpuCoreHour: number;
  readonly memoryGibHour: number;
  readonly currency: string;
}

export interface ScopedPriceNote extends PriceNote {
  /** "default", "pool general", "instance type m5.large". */
  readonly scope: string;
}

export interface MethodNotes {
  readonly timezone: string;
  readonly window: TimeWindow;
  readonly percentile: number;
  readonly snapshotsPerDay: number;
  readonly trendWeeks: readonly string[];
  readonly usageMetrics: readonly string[];
  /** The configured rates, default first, then per pool and instance type. */
  readonly prices: readonly ScopedPriceNote[];
  /** Rates recommendation findings were priced at that the configuration no longer sets. */
  readonly findingPrices: readonly PriceNote[];
  readonly notes: readonly string[];
}

export interface ReportData {
  readonly schema: 1;
  readonly cluster: string;
  /** ISO 4217 code of every money figure. */
  readonly currency: string;
  readonly week: string;
  readonly timezone: string;
  readonly window: TimeWindow;
  readonly generatedAt: EpochMs;
  readonly partial: boolean;
  readonly hasData: boolean;
  /** Plain sentences, most important first: what a planner should take away. */
  readonly headline: readonly string[];
  readonly current: WeekFigures;
  /** The trend weeks, oldest first; the last one is `current`. */
  readonly trend: readonly WeekFigures[];
  readonly forecasts: readonly Forecast[];
  readonly savings: {
    readonly rows: readonly SavingRow[];
    /** All recommendations with a saving, not only the rows shown. */
    readonly count: number;
    readonly totalMonthly: number;
  };
  /**
   * Recommendations that cost money (raising requests that are too low to remove a risk): rows
   * with a negative `monthlySaving`, largest cost first; `totalMonthly` is the added cost (≥ 0).
   */
  readonly increases: {
    readonly rows: readonly SavingRow[];
    readonly count: number;
    readonly totalMonthly: number;
  };
  /** Savings minus increases, over every standing recommendation (positive = saves money). */
  readonly netMonthly: number;
  readonly risks: {
    readonly rows: readonly RiskRow[];
    readonly count: number;
    readonly byKind: Readonly<Record<string, number>>;
  };
  readonly flapping: readonly FlappingIncident[];
  readonly overhead: readonly OverheadRow[];
  /** Cost by namespace and team (top rows) and what is idle. */
  readonly allocation: {
    readonly namespaces: readonly AllocationRow[];
    readonly namespaceCount: number;
    readonly teams: readonly AllocationRow[];
    readonly teamCount: number;
    /** Every namespace's requests, priced. */
    readonly requestedMonthly: number;
    /** Allocatable of schedulable nodes nobody requested, averaged over the week, and its price. */
    readonly idle: Resources;
    readonly idleMonthly: number;
  };
  readonly stranded: readonly StrandedRow[];
  readonly changes: readonly Delta[];
  readonly findingCounts: { readonly current: FindingCounts; readonly previous: FindingCounts };
  readonly method: MethodNotes;
}
