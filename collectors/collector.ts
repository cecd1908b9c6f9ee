// The contract every collector shares: a Component (start, stop, health) that turns one kind of
// cluster signal into envelopes on the publisher, counts what it does on the shared Telemetry, and
// is built by a factory from a typed config whose defaults are written next to it.
import type { Component } from '../core/component.js';
import type { Logger } from '../core/logger.js';
import type { Telemetry } from '../core/telemetry.js';
import type { CollectorMetrics } from './metrics.js';
import type { RecordSink } from './publisher.js';

export interface CollectorDeps {
  /** Where records go; bounded, so `emit` waits when the bus is slow or down. */
  readonly publisher: RecordSink;
  readonly telemetry: Telemetry;
  readonly logger: Logger;
  /** Name of the cluster every record carries. */
  readonly cluster: string;
  /** The `source` stamped on envelopes; defaults to `collector/<type>`. */
  readonly source?: string;
}

export interface Collector extends Component {
  readonly type: string;
  /** This collector's view of the shared `plimsoll_collector_*` metrics. */
  readonly metrics: CollectorMetrics;
}

export interface CollectorFactory<C> {
  readonly type: string;
  readonly description: string;
  readonly defaultConfig: C;
  create(config: C, deps: CollectorDeps): Collector;
}

/** Merges a partial config over the factory's defaults (one level deep is all configs need). */
export function withDefaults<C extends object>(defaults: C, partial: Partial<C> = {}): C {
  const out = { ...defaults } as Record<string, unknown>;
  for (const [key, value] of Object.entries(partial)) if (value !== undefined) out[key] = value;
  return out as C;
}
