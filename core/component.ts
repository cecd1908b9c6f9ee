// The lifecycle every long-running part shares (collectors, the ingest consumer, the analyzer
// runner, the bus and store adapters): start, stop, and a health answer that /readyz aggregates.

export interface ComponentHealth {
  readonly ready: boolean;
  /** Why it is not ready, in words an operator can act on. */
  readonly detail?: string | undefined;
}

/** One component's health under its name: what /readyz lists. */
export interface ComponentReport extends ComponentHealth {
  readonly name: string;
}

export interface Component {
  readonly name: string;
  /** Resolves once the component does its job; rejects only on configuration or start-up errors. */
  start(): Promise<void>;
  /** Stops taking new work, finishes or abandons in-flight work cleanly, releases resources. */
  stop(): Promise<void>;
  health(): ComponentHealth | Promise<ComponentHealth>;
}
