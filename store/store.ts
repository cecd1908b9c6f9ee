// The store port. The ingest consumer writes envelopes through it; analyzers, reports and the API
// read through it. Two adapters (in-memory and Elasticsearch) pass the same contract tests.
// Reads return domain types; aggregation happens in the store (percentiles, windows), so an
// analyzer never pulls raw samples into Node to summarise weeks of data.
import type { Component } from '../core/component.js';
import type {
  ContainerTermination,
  EpochMs,
  Finding,
  FindingKind,
  FindingStatus,
  KubeEvent,
  LogLine,
  LogTag,
  Node,
  NodeTransition,
  Pod,
  Severity,
  TimeWindow,
  UsageMetric,
  WorkloadRef,
} from '../core/domain.js';
import type { AnyEnvelope, RecordKind } from '../core/envelope.js';
import type { ErrorType } from '../core/telemetry.js';

/** Per-record result of a write, in the order the records were given. */
export type WriteOutcome =
  | { readonly status: 'written' }
  /** Transient (overload, unavailable): the same write may succeed later. */
  | { readonly status: 'retry'; readonly reason: string }
  /** Permanent for this record (mapping, validation): it belongs in the dead-letter topic. */
  | { readonly status: 'rejected'; readonly reason: string; readonly errorType: ErrorType };

export interface RecordSink {
  /**
   * Writes records idempotently (deterministic ids: writing one twice leaves one document).
   * Resolves once every `written` outcome is durable; rejects only when nothing was attempted.
   */
  write(records: readonly AnyEnvelope[]): Promise<WriteOutcome[]>;
}

/** One container of one workload, across pod replacements. */
export interface ContainerKey {
  readonly cluster: string;
  readonly workload: WorkloadRef;
  readonly container: string;
}

export interface Page<T> {
  readonly items: T[];
  /** Opaque cursor for the next page; absent on the last page. */
  readonly next?: string | undefined;
}

export interface UsageStatsQuery {
  readonly cluster: string;
  readonly metric: UsageMetric;
  readonly window: TimeWindow;
  /** Percentiles to compute, 0 < p ≤ 100 (e.g. [50, 95, 99]). */
  readonly percentiles: readonly number[];
  readonly namespace?: string | undefined;
  readonly pageSize?: number | undefined;
  readonly after?: string | undefined;
}

export interface UsageStats {
  readonly key: ContainerKey;
  readonly metric: UsageMetric;
  /** Raw samples summarised. */
  readonly samples: number;
  /** First and last sample time: how much history the numbers rest on. */
  readonly first: EpochMs;
  readonly last: EpochMs;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  /** Keyed by the percentile as written in the query, e.g. "95", "99.9". */
  readonly percentiles: Readonly<Record<string, number>>;
}

export type SeriesSubject =
  | { readonly type: 'pod_container'; readonly podUid: string; readonly container: string }
  | { readonly type: 'workload_container'; readonly key: ContainerKey }
  | { readonly type: 'node'; readonly node: string };

export interface SeriesQuery {
  readonly cluster: string;
  readonly metric: UsageMetric;
  readonly subject: SeriesSubject;
  readonly window: TimeWindow;
  /** Bucket width; points are aggregated per bucket (min, max, mean). */
  readonly stepMs: number;
}

export interface CoverageQuery {
  readonly cluster: string;
  readonly window: TimeWindow;
  /** Bucket width, counted from window.from (e.g. an hour). */
  readonly stepMs: number;
  /** Only samples recorded on these nodes (a pool's); all samples when absent. */
  readonly nodes?: readonly string[] | undefined;
  /** Only samples of workload containers in this namespace. */
  readonly namespace?: string | undefined;
}

export interface SeriesPoint {
  readonly t: EpochMs;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
}

export interface TerminationQuery {
  readonly cluster: string;
  readonly window: TimeWindow;
  readonly reasons?: readonly string[] | undefined;
  readonly namespace?: string | undefined;
  readonly workload?: WorkloadRef | undefined;
  readonly container?: string | undefined;
}

export interface EventQuery {
  readonly cluster: string;
  readonly window: TimeWindow;
  readonly reasons?: readonly string[] | undefined;
  readonly namespace?: string | undefined;
  /** Events about this node, or reported from it. */
  readonly node?: string | undefined;
  readonly limit?: number | undefined;
}

export interface LogQuery {
  readonly cluster: string;
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
  readonly window: TimeWindow;
  readonly tags?: readonly LogTag[] | undefined;
  /** The newest lines of the window, returned oldest first. */
  readonly limit: number;
}

export interface LogTagCountQuery {
  readonly cluster: string;
  readonly window: TimeWindow;
  /** Only lines with one of these tags, and only these tags counted (default: every tag). */
  readonly tags?: readonly LogTag[] | undefined;
  readonly namespace?: string | undefined;
  /**
   * Count per bucket of this width, aligned to the epoch (a line at t falls in the bucket that
   * starts at t - t % bucketMs); absent: one count over the whole window.
   */
  readonly bucketMs?: number | undefined;
  /** At most this many rows, in the order below (default 10 000); the rest are left out. */
  readonly limit?: number | undefined;
}

/** Lines carrying one tag, and the times of the first and last of them. */
export interface TagCount {
  readonly count: number;
  readonly first: EpochMs;
  readonly last: EpochMs;
}

/**
 * Tagged log lines of one pod container (in one bucket), in all and per tag. Rows are ordered by
 * namespace, pod, pod uid, container, node, bucket (an absent pod uid or node first).
 */
export interface LogTagCount {
  readonly namespace: string;
  readonly pod: string;
  readonly podUid?: string | undefined;
  readonly container: string;
  readonly node?: string | undefined;
  /** Start of the bucket counted, when the query asked for buckets. */
  readonly bucket?: EpochMs | undefined;
  /** Lines with any of the counted tags: a line with two tags is one line here ... */
  readonly lines: number;
  /** ... and counts under each of them here (only the counted tags appear). */
  readonly tags: Readonly<Partial<Record<LogTag, TagCount>>>;
  /** Times of the first and last counted line. */
  readonly first: EpochMs;
  readonly last: EpochMs;
}

export interface InventoryQuery {
  readonly cluster: string;
  /** Objects that existed at this time (default: now). */
  readonly at?: EpochMs | undefined;
  readonly namespace?: string | undefined;
  readonly node?: string | undefined;
}

export interface FindingQuery {
  readonly cluster?: string | undefined;
  readonly kinds?: readonly FindingKind[] | undefined;
  readonly severities?: readonly Severity[] | undefined;
  readonly status?: FindingStatus | undefined;
  readonly namespace?: string | undefined;
  readonly node?: string | undefined;
  /** Only findings about a node (any node). */
  readonly onNodes?: boolean | undefined;
  /** Findings whose [firstSeen, lastSeen] overlaps this window. */
  readonly window?: TimeWindow | undefined;
  readonly limit?: number | undefined;
  readonly after?: string | undefined;
}

export interface StoredReport {
  readonly id: string;
  readonly cluster: string;
  /** ISO week, e.g. 2026-W47. */
  readonly week: string;
  readonly generatedAt: EpochMs;
  readonly summary: Readonly<Record<string, unknown>>;
  readonly content: Readonly<Record<'html' | 'md' | 'json' | 'csv', string>>;
}

export type ReportSummary = Omit<StoredReport, 'content'>;

export interface LatestNodeValuesQuery {
  readonly cluster: string;
  /** A node metric (node_memory_available_bytes, …). */
  readonly metric: UsageMetric;
  readonly window: TimeWindow;
}

export interface UsageReader {
  /** Percentiles and extremes per workload container over a window, paged by container. */
  usageStats(query: UsageStatsQuery): Promise<Page<UsageStats>>;
  usageSeries(query: SeriesQuery): Promise<SeriesPoint[]>;
}

/** What the API's node list reads (analyzers read series through UsageReader instead). */
export interface NodeReadingReader {
  /**
   * The newest raw sample of a node metric in the window, for every node that has one: one
   * query for a whole node list, however long.
   */
  latestNodeValues(query: LatestNodeValuesQuery): Promise<Map<string, number>>;
}

export interface CoverageReader {
  /**
   * Start of each `stepMs` bucket of the window holding at least one usage sample of any metric
   * (raw or rolled up), ascending: where the data a figure rests on is, and where it is missing.
   */
  usageCoverage(query: CoverageQuery): Promise<EpochMs[]>;
}

export interface EventReader {
  nodeTransitions(query: {
    cluster: string;
    window: TimeWindow;
    node?: string;
  }): Promise<NodeTransition[]>;
  terminations(query: TerminationQuery): Promise<ContainerTermination[]>;
  events(query: EventQuery): Promise<KubeEvent[]>;
  logLines(query: LogQuery): Promise<LogLine[]>;
  /** Counts of tagged log lines per pod container (and bucket) and tag, aggregated in the store. */
  logTagCounts(query: LogTagCountQuery): Promise<LogTagCount[]>;
}

export interface InventoryReader {
  nodes(query: InventoryQuery): Promise<Node[]>;
  pods(query: InventoryQuery): Promise<Pod[]>;
}

export interface FindingStore {
  /** Inserts or replaces by finding id. */
  upsertFindings(findings: readonly Finding[]): Promise<void>;
  findings(query: FindingQuery): Promise<Page<Finding>>;
  finding(id: string): Promise<Finding | undefined>;
  /** The stored findings among `ids`, by id; one round trip however many are asked for. */
  findingsByIds(ids: readonly string[]): Promise<Map<string, Finding>>;
}

export interface ReportStore {
  putReport(report: StoredReport): Promise<void>;
  reports(query: {
    cluster?: string;
    limit?: number;
    after?: string;
  }): Promise<Page<ReportSummary>>;
  report(id: string): Promise<StoredReport | undefined>;
}

export interface LockStore {
  /**
   * Takes a named lock for `ttlMs` unless another owner holds an unexpired one. Lets several
   * replicas agree that one of them runs a scheduled job.
   */
  acquireLock(name: string, owner: string, ttlMs: number): Promise<boolean>;
}

export interface Store
  extends
    Component,
    RecordSink,
    UsageReader,
    NodeReadingReader,
    CoverageReader,
    EventReader,
    InventoryReader,
    FindingStore,
    ReportStore,
    LockStore {
  getRecord<K extends RecordKind>(
    kind: K,
    id: string,
  ): Promise<Extract<AnyEnvelope, { kind: K }> | undefined>;
  /** Distinct records of a kind (a replayed record counts once). */
  countRecords(kind: RecordKind): Promise<number>;
  /** Makes everything written so far visible to queries. */
  refresh(): Promise<void>;
  /**
   * Housekeeping that keeps weeks of history cheap: summarises closed windows of raw samples
   * into rollups and drops data past its retention. Idempotent; safe to run from several
   * replicas.
   */
  maintain(now: EpochMs): Promise<MaintenanceReport>;
}

export interface MaintenanceReport {
  readonly rolledUpWindows: number;
  readonly deletedIndices: readonly string[];
}
