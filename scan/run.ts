// One scan of an existing Prometheus: check its series, read `days` of history with the prometheus
// collector (backfill only, no follow) straight into an in-memory store, judge the window hour by
// hour (the event-driven analyzers) and every analyzer at its end, and hand back its findings:
// open ones, and incidents that began and ended inside the window (resolved). Nothing else runs: no bus, no API,
// no Elasticsearch — what `krr simple` gives, with Plimsoll's verdicts.
import { ANALYZED_CONTAINER_METRICS } from '../analyzers/analyzer.js';
import { configuredAnalyzers } from '../analyzers/index.js';
import type { AnalyzerOutcome } from '../analyzers/runner.js';
import { AnalyzerRunner } from '../analyzers/runner.js';
import { HttpPromClient, type PromClient } from '../collectors/prometheus/client.js';
import { PrometheusCollector, prometheusDefaults } from '../collectors/prometheus/collector.js';
import { selectorText, type LabelRequirement } from '../collectors/prometheus/selector.js';
import type { DeliveryListener, RecordSink } from '../collectors/publisher.js';
import type { Finding, TimeWindow } from '../core/domain.js';
import type { AnyEnvelope } from '../core/envelope.js';
import type { Logger } from '../core/logger.js';
import { Telemetry } from '../core/telemetry.js';
import { MemoryStore } from '../store/memory.js';
import { checkSeries, missingSeriesText, type SeriesCheck } from './series.js';

const DAY = 86_400_000;

export class ScanError extends Error {
  override readonly name = 'ScanError';
}

export interface ScanProgress {
  /** Data time read so far and in all, in ms of history. */
  readonly doneMs: number;
  readonly totalMs: number;
  /** Records read so far (usage samples, pods, kills, ...). */
  readonly records: number;
  readonly elapsedMs: number;
}

export interface ScanOptions {
  readonly prometheusUrl: string;
  /** Days of history to read. */
  readonly days: number;
  /** Resolution of the history read back; default autoStepMs(days). */
  readonly stepMs?: number | undefined;
  /** End of the window (default now): a Prometheus of past data is scanned at its end. */
  readonly end?: number | undefined;
  readonly namespaces?: readonly string[] | undefined;
  /** Only pods whose kube-state-metrics labels satisfy this selector. */
  readonly podSelector?: readonly LabelRequirement[] | undefined;
  readonly cluster: string;
  /** Prices and analyzer settings (report.prices, analysis.settings and analysis.analyzers). */
  readonly config: Parameters<typeof configuredAnalyzers>[0];
  readonly logger: Logger;
  readonly onProgress?: ((progress: ScanProgress) => void) | undefined;
  /** Injected by tests; default an HTTP client of prometheusUrl. */
  readonly client?: PromClient | undefined;
}

export interface ScanResult {
  readonly window: TimeWindow;
  /** The resolution the history was read at. */
  readonly stepMs: number;
  readonly series: readonly SeriesCheck[];
  /** What the scan could not judge, from the series missing. */
  readonly missing: readonly string[];
  readonly records: number;
  /** The analyzers' outcomes at the window's end. */
  readonly outcomes: readonly AnalyzerOutcome[];
  /** Every finding of the window: open at its end, or an incident that ended inside it. */
  readonly findings: readonly Finding[];
}

/** The collector's publisher, writing straight into the store and counting what it wrote. */
class StoreSink implements RecordSink {
  records = 0;
  constructor(
    private readonly store: MemoryStore,
    private readonly onChunk: () => void,
  ) {}

  async emit(records: readonly AnyEnvelope[]): Promise<void> {
    await this.store.write(records);
    this.records += records.length;
  }

  onDelivered(_listener: DeliveryListener): () => void {
    return () => undefined;
  }

  /** Called once per chunk, after all of its records. */
  flush(): Promise<boolean> {
    this.onChunk();
    return Promise.resolve(true);
  }
}

/**
 * History read per query: two hours. What a chunk's answers hold is the scan's working set beside
 * the store (every container's samples of the chunk, as objects): at 6,000 containers a six-hour
 * chunk needed more than a 384 MiB heap, two hours fit in it (docs/bench.md).
 */
export const SCAN_CHUNK_MS = 2 * 3_600_000;

/** Points a usage series may have with the default step: three days at one a minute. */
export const MAX_POINTS_PER_SERIES = 4_320;

/**
 * The default step: one minute, or the whole minutes that keep every usage series at or under
 * MAX_POINTS_PER_SERIES — 5 minutes for 14 days, 12 for 35. A scan's store keeps a sample in
 * 8 bytes (store/sample-column.ts), so its samples are bounded by the containers alone:
 * 3 metrics × 4,320 points × 8 B ≈ 100 KB a container (docs/bench.md measures the whole process).
 */
export function autoStepMs(days: number): number {
  const minutes = Math.ceil((days * 1_440) / MAX_POINTS_PER_SERIES);
  return Math.max(1, minutes) * 60_000;
}

export async function runScan(options: ScanOptions): Promise<ScanResult> {
  const end = options.end ?? Date.now();
  const stepMs = options.stepMs ?? autoStepMs(options.days);
  // Built first: a setting an analyzer refuses is found before minutes of reading.
  const analyzers = configuredAnalyzers(options.config);
  const client =
    options.client ?? new HttpPromClient(options.prometheusUrl, { timeoutMs: 120_000 });
  const started = Date.now();
  let series: SeriesCheck[];
  try {
    series = await checkSeries(client, end);
  } catch (error) {
    throw new ScanError(
      `cannot query Prometheus at ${options.prometheusUrl}: ${(error as Error).message}`,
    );
  }
  const missing = missingSeriesText(series);
  const fatal = series.find((c) => c.family.required && c.found.length === 0);
  if (fatal) {
    throw new ScanError(
      `Prometheus at ${options.prometheusUrl} has no ${fatal.family.names.join(' or ')} series in the hour before ${new Date(end).toISOString()}: ${fatal.family.without}. Is kube-state-metrics scraped by it?`,
    );
  }

  if (options.podSelector) await checkSelector(client, options, end);

  const store = scanStore(options.days);
  const telemetry = new Telemetry({ defaultMetrics: false });
  // The sink reports progress from the collector it feeds, made just after it.
  const fed: { collector?: PrometheusCollector } = {};
  const sink = new StoreSink(store, () => {
    const collector = fed.collector;
    if (!collector || !options.onProgress) return;
    const { from, to } = collector.span;
    // flush() runs before the cursor moves: this chunk's end is the position plus its length.
    const done = Math.min(to, collector.position + SCAN_CHUNK_MS) - from;
    options.onProgress({
      doneMs: Math.max(0, done),
      totalMs: Math.max(1, to - from),
      records: sink.records,
      elapsedMs: Date.now() - started,
    });
  });
  const collector = new PrometheusCollector(
    client,
    {
      ...prometheusDefaults,
      backfillDays: options.days,
      stepMs,
      chunkMs: SCAN_CHUNK_MS,
      follow: false,
      // The end is the scan's: nothing after it is read, nothing before it left for later.
      lagMs: 0,
      namespaces: options.namespaces,
      podSelector: options.podSelector,
      usageMetrics: ANALYZED_CONTAINER_METRICS,
      failAfter: 3,
    },
    { publisher: sink, telemetry, logger: options.logger, cluster: options.cluster },
    () => end,
  );
  fed.collector = collector;
  await collector.start();
  try {
    await collector.whenBackfilled();
  } catch (error) {
    throw new ScanError(
      `reading history from ${options.prometheusUrl}: ${(error as Error).message}`,
    );
  } finally {
    await collector.stop();
  }

  const window = { from: end - options.days * DAY, to: end };
  const judged = await judgeScan(store, {
    cluster: options.cluster,
    analyzers,
    logger: options.logger,
    window,
  });
  return { window, stepMs, series, missing, records: sink.records, ...judged };
}

/** The store a scan of `days` reads into. */
export function scanStore(days: number): MemoryStore {
  // Seven digits of every value are plenty for a verdict, and a third less memory (docs/bench.md).
  return new MemoryStore({ retentionDays: days + 2, samplePrecision: 'float32' });
}

/**
 * A scan's verdicts once its history is in the store: the window hour by hour (the event-driven
 * analyzers: a node that flapped on Tuesday is a resolved finding too), every analyzer at its end.
 */
export async function judgeScan(
  store: MemoryStore,
  options: {
    cluster: string;
    analyzers: ReturnType<typeof configuredAnalyzers>;
    logger: Logger;
    window: TimeWindow;
  },
): Promise<Pick<ScanResult, 'outcomes' | 'findings'>> {
  const runner = new AnalyzerRunner({
    cluster: options.cluster,
    analyzers: options.analyzers,
    reader: store,
    findings: store,
    logger: options.logger,
    timeoutMs: 30 * 60_000,
  });
  await store.maintain(options.window.to);
  const report = await runner.judgeSpan(options.window);
  const findings: Finding[] = [];
  let after: string | undefined;
  do {
    const page = await store.findings({ cluster: options.cluster, limit: 500, after });
    findings.push(...page.items);
    after = page.next;
  } while (after);
  return { outcomes: report.outcomes, findings };
}

/**
 * A selector that matches no pod would scan nothing and report a healthy cluster: refuse it, and
 * say whether kube-state-metrics exports pod labels at all (v2 exports only allowlisted ones).
 */
async function checkSelector(client: PromClient, options: ScanOptions, end: number): Promise<void> {
  const selector = options.podSelector!;
  const range = `${options.days * 24}h`;
  const matchers = selector.map((r) => `label_${r.exported}${r.operator}"${r.value}"`).join(', ');
  const [all, matching] = await Promise.all([
    client.query(`count(last_over_time(kube_pod_labels[${range}]))`, end),
    client.query(`count(last_over_time(kube_pod_labels{${matchers}}[${range}]))`, end),
  ]);
  const count = (rows: typeof all) => Number(rows[0]?.values[0]?.[1] ?? 0);
  if (count(all) === 0) {
    throw new ScanError(
      `--selector ${selectorText(selector)}: Prometheus has no kube_pod_labels series, so pod labels are unknown. kube-state-metrics v2 exports pod labels only when started with --metric-labels-allowlist=pods=[${selector.map((r) => r.key).join(',')}] (or pods=[*]).`,
    );
  }
  if (count(matching) === 0) {
    throw new ScanError(
      `--selector ${selectorText(selector)}: no pod of the window has these labels on kube_pod_labels (label names as kube-state-metrics exports them: ${selector.map((r) => `label_${r.exported}`).join(', ')}). If the pods do carry them, kube-state-metrics needs --metric-labels-allowlist=pods=[${selector.map((r) => r.key).join(',')}].`,
    );
  }
}
