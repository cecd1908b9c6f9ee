// The contract every collector shares: a Component (start, stop, health) that turns one kind of
// cluster signal into envelopes on the publisher, counts what it does on the shared Telemetry, and
// is built by a factory from a typed config. The registry entry of a collector owns its section of
// the `collectors` configuration (the one place its defaults are written), the `plimsoll collect`
// flags over that section, and how the section becomes its factory's config.
import type { Static, TObject } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { Component } from '../core/component.js';
import type { Logger } from '../core/logger.js';
import type { Telemetry } from '../core/telemetry.js';
import type { KubeConnection } from './kubernetes/api.js';
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
  /** The config of a collector nothing configures: its entry's section defaults. */
  readonly defaultConfig: C;
  create(config: C, deps: CollectorDeps): Collector;
}

/** What all collectors of one `plimsoll collect` share: the `collectors` section's common keys. */
export interface SharedCollectorSettings {
  readonly connection: KubeConnection;
  /** This collector's checkpoint under collectors.stateDir; undefined keeps it in memory only. */
  readonly checkpointFile: string | undefined;
  /** The process environment (NODE_NAME, from the downward API). */
  readonly env: NodeJS.ProcessEnv;
}

/** A `plimsoll collect` flag that overrides one key of its collector's section. */
export interface CollectorFlag {
  /** The long option without its dashes, e.g. `kubelet-mode`. */
  readonly name: string;
  /** The key of the collector's section it overrides, e.g. `mode`. */
  readonly key: string;
  readonly description: string;
  /** The value's placeholder, e.g. `<mode>`; absent for a switch (true when given). */
  readonly value?: string;
  readonly choices?: readonly string[];
  /** The value is a number above zero. */
  readonly positive?: boolean;
}

/**
 * A collector as the registry knows it. The entry is cheap to import: the factory, with the client
 * libraries it needs, is loaded only when the collector runs.
 */
export interface CollectorEntry<S extends TObject = TObject, C = unknown> {
  readonly type: string;
  readonly description: string;
  /** Its section of `collectors` in the configuration, a default on every field that has one. */
  readonly section: S;
  readonly flags: readonly CollectorFlag[];
  /** The factory's config from the section (seconds become milliseconds) and the shared keys. */
  configure(section: Static<S>, shared: SharedCollectorSettings): C;
  load(): Promise<CollectorFactory<C>>;
}

/** The section as the configuration reads when none of it is written. */
export function sectionDefaults<S extends TObject>(section: S): Static<S> {
  return Value.Default(section, {}) as Static<S>;
}

const UNSHARED: SharedCollectorSettings = { connection: {}, checkpointFile: undefined, env: {} };

/** The factory config of a collector nothing configures. */
export function entryDefaults<S extends TObject, C>(entry: CollectorEntry<S, C>): C {
  return entry.configure(sectionDefaults(entry.section), UNSHARED);
}
