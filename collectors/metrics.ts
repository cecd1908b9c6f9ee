// `plimsoll_collector_*` metrics, shared by every collector on one Telemetry registry and bound to
// one collector's name. Labels are a fixed, small set (collector, kind, error_type, resource,
// reason): never node or pod names, never error text. Problems are internal events that both count
// and log — the first occurrence of each (error_type, stage) with its context, then a summary at
// most once a minute — so a flood of bad input cannot flood the log.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from '../core/logger.js';
import type { CollectorDeps } from './collector.js';
import type { ErrorType, Stage, Telemetry } from '../core/telemetry.js';

interface SharedMetrics {
  readonly emitted: Counter<'collector' | 'kind'>;
  readonly errors: Counter<'collector' | 'error_type'>;
  readonly inputIssues: Counter<'collector' | 'code'>;
  readonly lastSuccess: Gauge<'collector'>;
  readonly watchRestarts: Counter<'collector' | 'resource'>;
  readonly relists: Counter<'collector' | 'resource'>;
  readonly suppressed: Counter<'collector' | 'kind'>;
  readonly dropped: Counter<'collector' | 'reason'>;
}

const shared = new WeakMap<Registry, SharedMetrics>();

function sharedMetrics(registry: Registry): SharedMetrics {
  const existing = shared.get(registry);
  if (existing) return existing;
  const registers = [registry];
  const created: SharedMetrics = {
    emitted: new Counter({
      name: 'plimsoll_collector_records_emitted_total',
      help: 'Records a collector handed to the publisher, by record kind',
      labelNames: ['collector', 'kind'],
      registers,
    }),
    errors: new Counter({
      name: 'plimsoll_collector_errors_total',
      help: 'Scrape, watch and parse errors a collector recovered from, by error type',
      labelNames: ['collector', 'error_type'],
      registers,
    }),
    inputIssues: new Counter({
      name: 'plimsoll_collector_input_issues_total',
      help: 'Fallbacks taken while mapping source objects (unknown enum, bad quantity, ...), by issue code',
      labelNames: ['collector', 'code'],
      registers,
    }),
    lastSuccess: new Gauge({
      name: 'plimsoll_collector_last_success_timestamp_seconds',
      help: 'Unix time of the last successful collection (scrape, watch event, query)',
      labelNames: ['collector'],
      registers,
    }),
    watchRestarts: new Counter({
      name: 'plimsoll_collector_watch_restarts_total',
      help: 'Watches restarted after an error or a server-side close, by resource',
      labelNames: ['collector', 'resource'],
      registers,
    }),
    relists: new Counter({
      name: 'plimsoll_collector_relists_total',
      help: 'Full re-lists after 410 Gone (resourceVersion expired), by resource',
      labelNames: ['collector', 'resource'],
      registers,
    }),
    suppressed: new Counter({
      name: 'plimsoll_collector_duplicates_suppressed_total',
      help: 'Records not emitted again because the checkpoint shows they already were, by kind',
      labelNames: ['collector', 'kind'],
      registers,
    }),
    dropped: new Counter({
      name: 'plimsoll_collector_lines_dropped_total',
      help: 'Input deliberately not shipped (rate limit, untagged lines outside context), by reason',
      labelNames: ['collector', 'reason'],
      registers,
    }),
  };
  shared.set(registry, created);
  return created;
}

const SUMMARY_INTERVAL_MS = 60_000;

export class CollectorMetrics {
  private readonly m: SharedMetrics;
  private readonly reported = new Map<string, { lastLog: number; since: number }>();

  constructor(
    readonly collector: string,
    private readonly telemetry: Telemetry,
    private readonly logger: Logger,
  ) {
    this.m = sharedMetrics(telemetry.registry);
    this.m.lastSuccess.set({ collector }, 0);
  }

  emitted(kind: string, count = 1): void {
    if (count > 0) this.m.emitted.inc({ collector: this.collector, kind }, count);
  }

  suppressed(kind: string, count = 1): void {
    if (count > 0) this.m.suppressed.inc({ collector: this.collector, kind }, count);
  }

  dropped(reason: string, count = 1): void {
    if (count > 0) this.m.dropped.inc({ collector: this.collector, reason }, count);
  }

  success(at = Date.now()): void {
    this.m.lastSuccess.set({ collector: this.collector }, at / 1000);
  }

  watchRestart(resource: string): void {
    this.m.watchRestarts.inc({ collector: this.collector, resource });
  }

  relist(resource: string): void {
    this.m.relists.inc({ collector: this.collector, resource });
  }

  /** Mapping fallbacks: counted by code; logged through `problem` only when asked to. */
  issues(codes: readonly { code: string }[]): void {
    for (const { code } of codes) this.m.inputIssues.inc({ collector: this.collector, code });
  }

  /**
   * An error the collector recovers from: counted on both the collector and the component
   * counter, logged the first time per (error_type, stage) and then at most once a minute.
   */
  problem(
    errorType: ErrorType,
    stage: Stage,
    message: string,
    context: Record<string, unknown> = {},
  ): void {
    this.m.errors.inc({ collector: this.collector, error_type: errorType });
    this.telemetry.error(`collector.${this.collector}`, stage, errorType);
    const key = `${errorType}\u0000${stage}`;
    const now = Date.now();
    const seen = this.reported.get(key);
    if (seen === undefined) {
      this.reported.set(key, { lastLog: now, since: 0 });
      this.logger.warn({ errorType, stage, ...context }, message);
      return;
    }
    seen.since++;
    if (now - seen.lastLog >= SUMMARY_INTERVAL_MS) {
      this.logger.warn(
        { errorType, stage, repeated: seen.since, ...context },
        `${message} (repeated)`,
      );
      seen.lastLog = now;
      seen.since = 0;
    }
  }

  /** Current value of a shared counter for this collector, for health details and tests. */
  async count(
    metric: 'emitted' | 'errors' | 'suppressed' | 'relists' | 'watchRestarts' | 'dropped',
    labels: Record<string, string> = {},
  ): Promise<number> {
    const { values } = await this.m[metric].get();
    let total = 0;
    for (const value of values) {
      const l = value.labels as Record<string, string | number | undefined>;
      if (l.collector !== this.collector) continue;
      if (Object.entries(labels).every(([k, v]) => l[k] === v)) total += value.value;
    }
    return total;
  }
}

/**
 * What every collector derives from its deps: its logger, its view of the shared metrics, and the
 * source its envelopes carry (`collector/<type>` unless the deps name another).
 */
export function collectorParts(
  type: string,
  deps: CollectorDeps,
): { logger: Logger; metrics: CollectorMetrics; source: string } {
  const logger = deps.logger.child({ collector: type });
  return {
    logger,
    metrics: new CollectorMetrics(type, deps.telemetry, logger),
    source: deps.source ?? `collector/${type}`,
  };
}
