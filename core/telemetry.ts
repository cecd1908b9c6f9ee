// Plimsoll's own metrics. Internal events both log and count; counters follow
// `plimsoll_<component>_<name>_<unit>_total` with small, fixed label sets (`error_type`, `stage`),
// never ids or error strings as label values.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type ErrorType =
  | 'malformed'
  | 'validation'
  | 'mapping'
  | 'timeout'
  | 'unavailable'
  | 'rejected'
  | 'conflict'
  | 'internal';

export type Stage = 'collect' | 'produce' | 'consume' | 'decode' | 'index' | 'query' | 'analyze';

export class Telemetry {
  /** Process and pipeline health: public on /metrics, nothing in it names a workload. */
  readonly registry = new Registry();
  /**
   * What the analysis found (analyzers/metrics.ts): OOM loops, flapping nodes, recommendations
   * and their costs, by namespace and workload. /metrics serves it only to a read token.
   */
  readonly findingsRegistry = new Registry();

  readonly recordsPublished = new Counter({
    name: 'plimsoll_bus_records_published_total',
    help: 'Records accepted by the bus, by topic',
    labelNames: ['topic'] as const,
    registers: [this.registry],
  });

  readonly recordsIngested = new Counter({
    name: 'plimsoll_ingest_records_indexed_total',
    help: 'Records the store acknowledged as written, by record kind',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly recordsRejected = new Counter({
    name: 'plimsoll_records_rejected_total',
    help: 'Records sent to the dead-letter topic, by stage and error type',
    labelNames: ['stage', 'error_type'] as const,
    registers: [this.registry],
  });

  readonly componentErrors = new Counter({
    name: 'plimsoll_component_errors_total',
    help: 'Errors a component recovered from, by component, stage and error type',
    labelNames: ['component', 'stage', 'error_type'] as const,
    registers: [this.registry],
  });

  readonly componentUp = new Gauge({
    name: 'plimsoll_component_up',
    help: '1 when the component reports itself healthy',
    labelNames: ['component'] as const,
    registers: [this.registry],
  });

  readonly ingestBatchSeconds = new Histogram({
    name: 'plimsoll_ingest_batch_duration_seconds',
    help: 'Time from receiving a batch to committing its offsets',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  readonly consumerLag = new Gauge({
    name: 'plimsoll_ingest_consumer_lag_records',
    help: 'Records behind the partition high watermark, by topic',
    labelNames: ['topic'] as const,
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics ?? true) {
      collectDefaultMetrics({ register: this.registry, prefix: 'plimsoll_' });
    }
  }

  /** Counts a recovered error; logging is the caller's, once, with context. */
  error(component: string, stage: Stage, errorType: ErrorType): void {
    this.componentErrors.inc({ component, stage, error_type: errorType });
  }
}
