// The in-memory store of the embedded runtime: one machine, a small cluster, nothing installed.
// Keyed by deterministic record ids, so a replay overwrites instead of duplicating; inventory
// keeps the newest observation of each object; usage samples live in compact per-series arrays
// and percentiles are computed exactly from them (Elasticsearch uses rollup sketches instead).
import type { ComponentHealth } from '../core/component.js';
import type {
  ContainerTermination,
  EpochMs,
  Finding,
  KubeEvent,
  LogLine,
  LogTag,
  Node,
  NodeTransition,
  Pod,
  UsageSample,
} from '../core/domain.js';
import { recordId, type AnyEnvelope, type Envelope, type RecordKind } from '../core/envelope.js';
import { exactQuantile } from '../core/sketch.js';
import { yieldIfDue } from '../core/event-loop-slices.js';
import { SampleColumn, type SamplePrecision } from './sample-column.js';
import { compareFindings, findingAfter, matchesFinding } from './finding-filter.js';
import {
  containerKeyString,
  decodeCursor,
  hasFields,
  isString,
  encodeCursor,
  InvalidCursorError,
  NODE_METRICS,
  parseContainerKey,
  percentileKey,
  sameWorkload,
} from './keys.js';
import type {
  CoverageQuery,
  EventQuery,
  FindingQuery,
  InventoryQuery,
  LatestNodeValuesQuery,
  LogQuery,
  LogTagCount,
  LogTagCountQuery,
  MaintenanceReport,
  TagCount,
  Page,
  ReportSummary,
  SeriesPoint,
  SeriesQuery,
  Store,
  StoredReport,
  TerminationQuery,
  UsageStats,
  UsageStatsQuery,
  WriteOutcome,
} from './store.js';

const DAY = 86_400_000;

export interface MemoryStoreOptions {
  /** Days of raw samples, events and logs kept; older ones are dropped by maintain(). */
  readonly retentionDays?: number;
  /**
   * How usage values are kept: exactly (default), or as Float32 — seven significant digits in
   * 8 bytes a sample instead of 12, for a one-shot scan of thousands of containers.
   */
  readonly samplePrecision?: SamplePrecision;
}

/** One usage series: the same metric of the same container of the same pod (or of a node). */
interface Series {
  readonly meta: Omit<UsageSample, 'timestamp' | 'value'>;
  readonly samples: SampleColumn;
}

const inWindow = (t: number, window: { from: number; to: number }) =>
  t >= window.from && t < window.to;

export class MemoryStore implements Store {
  readonly name = 'store.memory';
  private readonly retentionMs: number;
  private readonly samplePrecision: SamplePrecision;
  private readonly nodesById = new Map<string, Envelope<'node'>>();
  private readonly podsById = new Map<string, Envelope<'pod'>>();
  private readonly series = new Map<string, Series>();
  private readonly transitions = new Map<string, Envelope<'node_transition'>>();
  private readonly terminationsById = new Map<string, Envelope<'container_termination'>>();
  private readonly eventsById = new Map<string, Envelope<'kube_event'>>();
  private readonly logs = new Map<string, Envelope<'log_line'>>();
  private readonly findingsById = new Map<string, Finding>();
  private readonly reportsById = new Map<string, StoredReport>();
  private readonly locks = new Map<string, { owner: string; until: number }>();

  constructor(options: MemoryStoreOptions = {}) {
    this.retentionMs = (options.retentionDays ?? 35) * DAY;
    this.samplePrecision = options.samplePrecision ?? 'float64';
  }

  start(): Promise<void> {
    return Promise.resolve();
  }

  stop(): Promise<void> {
    return Promise.resolve();
  }

  health(): ComponentHealth {
    return { ready: true };
  }

  write(records: readonly AnyEnvelope[]): Promise<WriteOutcome[]> {
    return Promise.resolve(
      records.map((record) => {
        this.writeOne(record);
        return { status: 'written' } as const;
      }),
    );
  }

  private writeOne(record: AnyEnvelope): void {
    switch (record.kind) {
      case 'node':
        return keepNewest(this.nodesById, record);
      case 'pod':
        return keepNewest(this.podsById, record);
      case 'usage_sample':
        return this.addSample(record.payload);
      case 'node_transition':
        this.transitions.set(record.id, record);
        return;
      case 'container_termination':
        this.terminationsById.set(record.id, record);
        return;
      case 'kube_event':
        this.eventsById.set(record.id, record);
        return;
      case 'log_line':
        this.logs.set(record.id, record);
        return;
    }
  }

  private addSample(sample: UsageSample): void {
    const key = seriesKey(sample);
    let series = this.series.get(key);
    if (!series) {
      const { timestamp: _t, value: _v, ...meta } = sample;
      series = { meta, samples: new SampleColumn(this.samplePrecision) };
      this.series.set(key, series);
    }
    series.samples.set(sample.timestamp, sample.value);
  }

  getRecord<K extends RecordKind>(
    kind: K,
    id: string,
  ): Promise<Extract<AnyEnvelope, { kind: K }> | undefined> {
    return Promise.resolve(this.findRecord(kind, id) as Extract<AnyEnvelope, { kind: K }>);
  }

  private findRecord(kind: RecordKind, id: string): AnyEnvelope | undefined {
    switch (kind) {
      case 'node':
        return this.nodesById.get(id);
      case 'pod':
        return this.podsById.get(id);
      case 'node_transition':
        return this.transitions.get(id);
      case 'container_termination':
        return this.terminationsById.get(id);
      case 'kube_event':
        return this.eventsById.get(id);
      case 'log_line':
        return this.logs.get(id);
      case 'usage_sample':
        // Samples are kept as compact series, not envelopes: a look-up by id scans. It serves
        // diagnostics and tests, never a hot path.
        for (const series of this.series.values()) {
          let found: AnyEnvelope | undefined;
          series.samples.forEach(-Infinity, Infinity, (timestamp, value) => {
            const payload = { ...series.meta, timestamp, value };
            if (found || recordId('usage_sample', payload) !== id) return;
            found = {
              schema: 1,
              kind: 'usage_sample',
              id,
              cluster: payload.cluster,
              observedAt: payload.timestamp,
              source: 'store',
              payload,
            };
          });
          if (found) return found;
        }
        return undefined;
    }
  }

  countRecords(kind: RecordKind): Promise<number> {
    const sizes: Record<RecordKind, () => number> = {
      node: () => this.nodesById.size,
      pod: () => this.podsById.size,
      node_transition: () => this.transitions.size,
      container_termination: () => this.terminationsById.size,
      kube_event: () => this.eventsById.size,
      log_line: () => this.logs.size,
      usage_sample: () => {
        let total = 0;
        for (const series of this.series.values()) total += series.samples.length;
        return total;
      },
    };
    return Promise.resolve(sizes[kind]());
  }

  refresh(): Promise<void> {
    return Promise.resolve();
  }

  async usageStats(query: UsageStatsQuery): Promise<Page<UsageStats>> {
    const after = decodeCursor(query.after, isString);
    if (query.after !== undefined && after === undefined) {
      throw new InvalidCursorError();
    }
    // The page's containers first, then only their samples: one page never holds the window's
    // samples of every container.
    const { from, to } = query.window;
    const grouped = new Map<string, Series[]>();
    let visited = 0;
    for (const series of this.series.values()) {
      // Checking the clock costs more than a series does: every 256 of them.
      if ((++visited & 255) === 0) await yieldIfDue();
      const { meta } = series;
      if (meta.cluster !== query.cluster || meta.metric !== query.metric) continue;
      if (!meta.workload || !meta.container) continue;
      if (query.namespace && meta.workload.namespace !== query.namespace) continue;
      const key = containerKeyString({
        cluster: meta.cluster,
        workload: meta.workload,
        container: meta.container,
      });
      if (after !== undefined && key <= after) continue;
      const first = series.samples.firstAtOrAfter(from);
      if (first === undefined || first >= to) continue;
      const members = grouped.get(key);
      if (members) members.push(series);
      else grouped.set(key, [series]);
    }
    const pageSize = query.pageSize ?? 500;
    const keys = [...grouped.keys()].sort().slice(0, pageSize + 1);
    // A page sorts weeks of samples of hundreds of containers: the work is sliced so that the
    // event loop serves probes, scrapes and cheap calls in between.
    const items: UsageStats[] = [];
    for (const keyText of keys.slice(0, pageSize)) {
      await yieldIfDue();
      items.push(this.containerStats(query, keyText, grouped.get(keyText)!));
    }
    const next = keys.length > pageSize ? encodeCursor(keys[pageSize - 1]) : undefined;
    return { items, next };
  }

  private containerStats(
    query: UsageStatsQuery,
    keyText: string,
    members: readonly Series[],
  ): UsageStats {
    const { from, to } = query.window;
    const values = new Float64Array(
      members.reduce((n, series) => n + series.samples.countIn(from, to), 0),
    );
    let filled = 0;
    let first = Infinity;
    let last = -Infinity;
    let sum = 0;
    for (const series of members) {
      series.samples.forEach(from, to, (t, value) => {
        values[filled++] = value;
        sum += value;
        if (t < first) first = t;
        if (t > last) last = t;
      });
    }
    values.sort();
    const percentiles: Record<string, number> = {};
    for (const p of query.percentiles) {
      percentiles[percentileKey(p)] = exactQuantile(values, p / 100)!;
    }
    return {
      key: parseContainerKey(keyText)!,
      metric: query.metric,
      samples: values.length,
      first,
      last,
      min: values[0]!,
      max: values[values.length - 1]!,
      mean: sum / values.length,
      percentiles,
    };
  }

  async usageSeries(query: SeriesQuery): Promise<SeriesPoint[]> {
    // Analysis chains many store calls through resolved promises: each call is a chance to
    // let probes and requests in.
    await yieldIfDue();
    const buckets = new Map<number, { min: number; max: number; sum: number; n: number }>();
    for (const series of this.series.values()) {
      const { meta } = series;
      if (meta.cluster !== query.cluster || meta.metric !== query.metric) continue;
      if (!seriesMatches(meta, query)) continue;
      series.samples.forEach(query.window.from, query.window.to, (t, value) => {
        const start = t - ((t - query.window.from) % query.stepMs);
        const bucket = buckets.get(start) ?? { min: Infinity, max: -Infinity, sum: 0, n: 0 };
        bucket.min = Math.min(bucket.min, value);
        bucket.max = Math.max(bucket.max, value);
        bucket.sum += value;
        bucket.n += 1;
        buckets.set(start, bucket);
      });
    }
    return [...buckets]
      .sort(([a], [b]) => a - b)
      .map(([t, b]) => ({ t, min: b.min, max: b.max, mean: b.sum / b.n }));
  }

  async latestNodeValues(query: LatestNodeValuesQuery): Promise<Map<string, number>> {
    await yieldIfDue();
    if (!NODE_METRICS.has(query.metric)) return new Map();
    const newest = new Map<string, { t: number; value: number }>();
    for (const { meta, samples } of this.series.values()) {
      if (meta.cluster !== query.cluster || meta.metric !== query.metric) continue;
      if (meta.node === undefined) continue;
      const last = samples.lastIn(query.window.from, query.window.to);
      const known = newest.get(meta.node);
      if (last && (!known || last.t > known.t)) newest.set(meta.node, last);
    }
    return new Map([...newest].map(([node, { value }]) => [node, value]));
  }

  async usageCoverage(query: CoverageQuery): Promise<number[]> {
    await yieldIfDue();
    const { from, to } = query.window;
    const covered = new Set<number>();
    const nodes = query.nodes && new Set(query.nodes);
    for (const series of this.series.values()) {
      if (series.meta.cluster !== query.cluster) continue;
      if (nodes && !nodes.has(series.meta.node ?? '')) continue;
      if (query.namespace && series.meta.workload?.namespace !== query.namespace) continue;
      // One search per covered bucket, not one step per sample.
      for (let t = series.samples.firstAtOrAfter(from); t !== undefined && t < to;) {
        const start = t - ((t - from) % query.stepMs);
        covered.add(start);
        t = series.samples.firstAtOrAfter(start + query.stepMs);
      }
    }
    return [...covered].sort((a, b) => a - b);
  }

  nodeTransitions(query: {
    cluster: string;
    window: { from: number; to: number };
    node?: string;
  }): Promise<NodeTransition[]> {
    return Promise.resolve(
      payloads(this.transitions)
        .filter(
          (t) =>
            t.cluster === query.cluster &&
            inWindow(t.at, query.window) &&
            (query.node === undefined || t.node === query.node),
        )
        .sort((a, b) => a.at - b.at || a.condition.localeCompare(b.condition)),
    );
  }

  async terminations(query: TerminationQuery): Promise<ContainerTermination[]> {
    await yieldIfDue();
    return payloads(this.terminationsById)
      .filter(
        (t) =>
          t.cluster === query.cluster &&
          inWindow(t.termination.finishedAt, query.window) &&
          (!query.reasons || query.reasons.includes(t.termination.reason)) &&
          (!query.namespace || t.namespace === query.namespace) &&
          (!query.workload || sameWorkload(t.workload, query.workload)) &&
          (!query.container || t.container === query.container),
      )
      .sort((a, b) => a.termination.finishedAt - b.termination.finishedAt);
  }

  async events(query: EventQuery): Promise<KubeEvent[]> {
    await yieldIfDue();
    const matching = latestEventObservations(payloads(this.eventsById)).filter(
      (e) =>
        e.cluster === query.cluster &&
        e.lastTimestamp >= query.window.from &&
        e.firstTimestamp < query.window.to &&
        (!query.reasons || query.reasons.includes(e.reason)) &&
        (!query.namespace || e.involvedObject.namespace === query.namespace) &&
        (!query.node ||
          (e.involvedObject.kind === 'Node' && e.involvedObject.name === query.node) ||
          e.sourceHost === query.node),
    );
    matching.sort((a, b) => a.lastTimestamp - b.lastTimestamp);
    return query.limit ? matching.slice(-query.limit) : matching;
  }

  async logLines(query: LogQuery): Promise<LogLine[]> {
    await yieldIfDue();
    const lines = payloads(this.logs)
      .filter(
        (l) =>
          l.cluster === query.cluster &&
          l.namespace === query.namespace &&
          l.pod === query.pod &&
          l.container === query.container &&
          inWindow(l.timestamp, query.window) &&
          (!query.tags || query.tags.some((tag) => l.tags.includes(tag))),
      )
      .sort((a, b) => a.timestamp - b.timestamp || (a.nanos ?? 0) - (b.nanos ?? 0));
    return lines.slice(-query.limit);
  }

  async logTagCounts(query: LogTagCountQuery): Promise<LogTagCount[]> {
    await yieldIfDue();
    const rows = new Map<
      string,
      Mutable<Omit<LogTagCount, 'tags'>> & { tags: Partial<Record<LogTag, Mutable<TagCount>>> }
    >();
    for (const line of payloads(this.logs)) {
      if (line.cluster !== query.cluster || !inWindow(line.timestamp, query.window)) continue;
      if (query.namespace && line.namespace !== query.namespace) continue;
      const tags = [...new Set(line.tags)].filter((tag) => !query.tags || query.tags.includes(tag));
      if (tags.length === 0) continue;
      const t = line.timestamp;
      const bucket = query.bucketMs ? t - (t % query.bucketMs) : undefined;
      const key = JSON.stringify([
        line.namespace,
        line.pod,
        line.podUid,
        line.container,
        line.node,
        bucket,
      ]);
      let row = rows.get(key);
      if (!row) {
        row = {
          namespace: line.namespace,
          pod: line.pod,
          ...(line.podUid !== undefined && { podUid: line.podUid }),
          container: line.container,
          ...(line.node !== undefined && { node: line.node }),
          ...(bucket !== undefined && { bucket }),
          lines: 0,
          tags: {},
          first: t,
          last: t,
        };
        rows.set(key, row);
      }
      row.lines += 1;
      row.first = Math.min(row.first, t);
      row.last = Math.max(row.last, t);
      for (const tag of tags) {
        const count = (row.tags[tag] ??= { count: 0, first: t, last: t });
        count.count += 1;
        count.first = Math.min(count.first, t);
        count.last = Math.max(count.last, t);
      }
    }
    return [...rows.values()]
      .sort(compareLogTagCounts)
      .slice(0, query.limit ?? 10_000)
      .map((row) => ({ ...row, tags: inKeyOrder(row.tags) }));
  }

  async nodes(query: InventoryQuery): Promise<Node[]> {
    await yieldIfDue();
    const at = query.at ?? Date.now();
    return payloads(this.nodesById)
      .filter(
        (n) =>
          n.cluster === query.cluster && existedAt(n, at) && (!query.node || n.name === query.node),
      )
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  async pods(query: InventoryQuery): Promise<Pod[]> {
    await yieldIfDue();
    const at = query.at ?? Date.now();
    return payloads(this.podsById)
      .filter(
        (p) =>
          p.cluster === query.cluster &&
          existedAt(p, at) &&
          (!query.namespace || p.namespace === query.namespace) &&
          (!query.node || p.nodeName === query.node),
      )
      .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
  }

  upsertFindings(findings: readonly Finding[]): Promise<void> {
    for (const finding of findings) this.findingsById.set(finding.id, finding);
    return Promise.resolve();
  }

  async findings(query: FindingQuery): Promise<Page<Finding>> {
    await yieldIfDue();
    const after = findingAfter(query.after);
    const limit = query.limit ?? 100;
    const matching = [...this.findingsById.values()].filter((finding) =>
      matchesFinding(finding, query),
    );
    return pageAfter(matching, compareFindings, after, limit, (f) => ({
      lastSeen: f.lastSeen,
      id: f.id,
    }));
  }

  finding(id: string): Promise<Finding | undefined> {
    return Promise.resolve(this.findingsById.get(id));
  }

  findingsByIds(ids: readonly string[]): Promise<Map<string, Finding>> {
    const found = new Map<string, Finding>();
    for (const id of ids) {
      const finding = this.findingsById.get(id);
      if (finding) found.set(id, finding);
    }
    return Promise.resolve(found);
  }

  putReport(report: StoredReport): Promise<void> {
    this.reportsById.set(report.id, report);
    return Promise.resolve();
  }

  reports(query: {
    cluster?: string;
    limit?: number;
    after?: string;
  }): Promise<Page<ReportSummary>> {
    type Position = { generatedAt: number; id: string };
    const after = decodeCursor(
      query.after,
      hasFields<Position>({ generatedAt: 'number', id: 'string' }),
    );
    if (query.after !== undefined && !after) return Promise.reject(new InvalidCursorError());
    const limit = query.limit ?? 50;
    const order = (a: Position, b: Position) =>
      b.generatedAt - a.generatedAt || a.id.localeCompare(b.id);
    const matching = [...this.reportsById.values()]
      .filter((report) => !query.cluster || report.cluster === query.cluster)
      .map(({ content: _content, ...summary }) => summary);
    return Promise.resolve(
      pageAfter(matching, order, after, limit, (r) => ({
        generatedAt: r.generatedAt,
        id: r.id,
      })),
    );
  }

  report(id: string): Promise<StoredReport | undefined> {
    return Promise.resolve(this.reportsById.get(id));
  }

  acquireLock(name: string, owner: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    const held = this.locks.get(name);
    if (held && held.owner !== owner && held.until > now) return Promise.resolve(false);
    this.locks.set(name, { owner, until: now + ttlMs });
    return Promise.resolve(true);
  }

  maintain(now: EpochMs): Promise<MaintenanceReport> {
    const horizon = now - this.retentionMs;
    for (const [key, series] of this.series) {
      if (series.samples.dropBefore(horizon) === 0) this.series.delete(key);
    }
    dropOlder(this.transitions, (t) => t.at, horizon);
    dropOlder(this.terminationsById, (t) => t.termination.finishedAt, horizon);
    dropOlder(this.eventsById, (e) => e.lastTimestamp, horizon);
    dropOlder(this.logs, (l) => l.timestamp, horizon);
    return Promise.resolve({ rolledUpWindows: 0, deletedIndices: [] });
  }
}

/**
 * One page of `items` in `order`, starting after the position `after` (an item or a decoded
 * cursor), with the cursor of its last item when more follow.
 */
function pageAfter<T, P>(
  items: T[],
  order: (a: T | P, b: T | P) => number,
  after: P | undefined,
  limit: number,
  positionOf: (item: T) => P,
): Page<T> {
  const remaining = items.sort(order).filter((item) => !after || order(item, after) > 0);
  const page = remaining.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page,
    next: remaining.length > limit && last ? encodeCursor(positionOf(last)) : undefined,
  };
}

function keepNewest<K extends 'node' | 'pod'>(map: Map<string, Envelope<K>>, record: Envelope<K>) {
  const existing = map.get(record.id);
  // An older snapshot of an object arriving late must not replace a newer one.
  if (!existing || existing.observedAt <= record.observedAt) map.set(record.id, record);
}

function payloads<P>(map: Map<string, { payload: P }>): P[] {
  return [...map.values()].map((record) => record.payload);
}

function dropOlder<P>(
  map: Map<string, { payload: P }>,
  timeOf: (payload: P) => number,
  horizon: number,
): void {
  for (const [id, record] of map) if (timeOf(record.payload) < horizon) map.delete(id);
}

/** Each count of an Event is stored as its own observation; queries want the latest of each. */
function latestEventObservations(events: KubeEvent[]): KubeEvent[] {
  const latest = new Map<string, KubeEvent>();
  for (const event of events) {
    const seen = latest.get(event.uid);
    if (!seen || seen.count < event.count) latest.set(event.uid, event);
  }
  return [...latest.values()];
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Byte order of keyword values, an absent value first: the order Elasticsearch pages in. */
function compareKeys(a: string | undefined, b: string | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return -1;
  if (b === undefined) return 1;
  return a < b ? -1 : 1;
}

/** The same object with its keys in byte order, as Elasticsearch's key-ordered buckets give. */
function inKeyOrder<T>(record: Partial<Record<string, T>>): Partial<Record<string, T>> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => compareKeys(a, b)));
}

function compareLogTagCounts(a: LogTagCount, b: LogTagCount): number {
  return (
    compareKeys(a.namespace, b.namespace) ||
    compareKeys(a.pod, b.pod) ||
    compareKeys(a.podUid, b.podUid) ||
    compareKeys(a.container, b.container) ||
    compareKeys(a.node, b.node) ||
    (a.bucket ?? 0) - (b.bucket ?? 0)
  );
}

const existedAt = (object: { createdAt: number; deletedAt?: number | undefined }, at: number) =>
  object.createdAt <= at && (object.deletedAt === undefined || object.deletedAt > at);

function seriesKey(sample: UsageSample): string {
  return [
    sample.cluster,
    sample.metric,
    sample.podUid ?? '',
    sample.container ?? '',
    sample.node ?? '',
  ].join('\u0000');
}

function seriesMatches(meta: Series['meta'], query: SeriesQuery): boolean {
  const subject = query.subject;
  switch (subject.type) {
    case 'node':
      return NODE_METRICS.has(meta.metric) && meta.node === subject.node;
    case 'pod_container':
      return meta.podUid === subject.podUid && meta.container === subject.container;
    case 'workload_container':
      return (
        meta.workload !== undefined &&
        sameWorkload(meta.workload, subject.key.workload) &&
        meta.container === subject.key.container
      );
  }
}
