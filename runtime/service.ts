// Runs a long-lived Plimsoll process: the configured bus and store (no store for a role that only
// publishes), the parts a role needs, and the API (health, readiness, metrics). Shuts down in
// reverse order on SIGINT/SIGTERM.
import type { Config } from '../core/config/schema.js';
import type { Component } from '../core/component.js';
import type { Logger } from '../core/logger.js';
import { Telemetry } from '../core/telemetry.js';
import { VERSION } from '../core/version.js';
import { buildApp, type App } from '../api/app.js';
import { isLoopback } from '../api/auth.js';
import { listenForProbes, type ProbeListener } from '../api/probe-listener.js';
import { ConfigError } from '../core/config/load.js';
import type { Bus } from '../bus/bus.js';
import { IngestConsumer } from '../pipeline/ingest.js';
import type { Store } from '../store/store.js';
import { createBus, createStore } from './adapters.js';
import { createAnalysis, type Analysis } from './analysis.js';
import { Lifecycle } from './lifecycle.js';
import { StoreMaintenance } from './maintenance.js';

export interface ServiceOptions {
  readonly config: Config;
  readonly logger: Logger;
  /** Run the ingest consumer (bus → store) in this process. */
  readonly ingest: boolean;
  /** Run the analyzers (and what follows them: metrics, reports, alert push) in this process. */
  readonly analysis?: boolean;
  /** Generate a missing last-week report at start (default true). */
  readonly reportCatchUp?: boolean;
  /**
   * Open the configured store (default true). Without it the process only publishes: no ingest,
   * no analysis, no store maintenance, and the API serves health and metrics only.
   */
  readonly store?: boolean;
  /** Further components to start after the pipeline, given the shared bus and store. */
  readonly extra?: (parts: {
    bus: Bus;
    store: Store | undefined;
    telemetry: Telemetry;
  }) => Component[];
}

export interface RunningService {
  readonly app: App;
  readonly analysis: Analysis | undefined;
  readonly url: string;
  /** The probe port's base URL, when api.probePort is set. */
  readonly probeUrl: string | undefined;
  readonly bus: Bus;
  /** Undefined when the service was started without a store. */
  readonly store: Store | undefined;
  readonly telemetry: Telemetry;
  stop(): Promise<void>;
}

export async function startService(options: ServiceOptions): Promise<RunningService> {
  const { config, logger } = options;
  const withStore = options.store ?? true;
  if (!withStore && (options.ingest || options.analysis)) {
    throw new Error('ingest and analysis need the store: start the service with store: true');
  }
  // Refused before anything starts: a half-started service (a history loading) would only have
  // to be unwound again.
  const tokens = { readTokens: config.api.readTokens, adminTokens: config.api.adminTokens };
  if (tokens.readTokens.length + tokens.adminTokens.length === 0) {
    if (!isLoopback(config.api.host)) {
      throw new ConfigError(
        'api.readTokens',
        `no API token is configured, which is only allowed on a loopback address, not ${config.api.host}; ` +
          'set api.tokensFile or PLIMSOLL_API_READ_TOKENS / PLIMSOLL_API_ADMIN_TOKENS',
        'config',
      );
    }
    logger.warn('no API token configured: the API is open to local callers (loopback only)');
  }
  const telemetry = new Telemetry();
  const lifecycle = new Lifecycle(logger, telemetry);
  const bus = createBus(config, { telemetry, logger });
  const store = withStore ? createStore(config, { telemetry, logger }) : undefined;
  let app: App | undefined;
  let probes: ProbeListener | undefined;
  let apiUrl = `http://${config.api.host}:${config.api.port}`;
  const analysis =
    store && options.analysis && config.analysis.enabled
      ? createAnalysis(config, {
          store,
          telemetry,
          logger,
          apiUrl: () => apiUrl,
          reportCatchUp: options.reportCatchUp ?? true,
        })
      : undefined;
  try {
    if (store) await lifecycle.start(store);
    await lifecycle.start(bus);
    if (store && options.ingest) {
      await lifecycle.start(
        new IngestConsumer({
          bus,
          store,
          group: config.kafka.consumerGroup,
          telemetry,
          logger: logger.child({ component: 'ingest' }),
          ...(analysis ? { onIndexed: analysis.onIndexed } : {}),
        }),
      );
    }
    if (store) {
      await lifecycle.start(
        new StoreMaintenance({
          store,
          intervalMs: config.store.maintenanceIntervalSeconds * 1000,
          logger: logger.child({ component: 'store.maintenance' }),
          telemetry,
        }),
      );
    }
    for (const component of analysis?.components ?? []) await lifecycle.start(component);
    for (const component of options.extra?.({ bus, store, telemetry }) ?? []) {
      await lifecycle.start(component);
    }
    app = await buildApp({
      logger,
      telemetry,
      health: () => lifecycle.health(),
      version: VERSION,
      store,
      cluster: config.cluster,
      tokens,
      metricsPublic: config.api.metricsPublic,
      trustProxy: config.api.trustProxy,
      maxWindowMs: config.api.maxWindowDays * 86_400_000,
      rateLimit: config.api.rateLimit,
      heavyRequests: config.api.heavyRequests,
      reports: analysis?.reports,
      publicUrl: config.api.publicUrl,
      dashboards: {
        currency: config.report.prices.currency,
        indexPrefix: config.elasticsearch.indexPrefix,
      },
    });
    const url = await app.listen({ host: config.api.host, port: config.api.port });
    apiUrl = url;
    if (config.api.probePort !== undefined) {
      probes = await listenForProbes(app, config.api.host, config.api.probePort);
    }
    logger.info(
      {
        url,
        probeUrl: probes?.url,
        bus: config.runtime.bus,
        store: store ? config.runtime.store : 'none',
      },
      'API listening',
    );
    const listening = app;
    const probeListener = probes;
    return {
      app: listening,
      analysis,
      url,
      probeUrl: probeListener?.url,
      bus,
      store,
      telemetry,
      stop: async () => {
        await probeListener?.close();
        await listening.close();
        await lifecycle.stopAll();
      },
    };
  } catch (error) {
    await probes?.close();
    await app?.close();
    await lifecycle.stopAll();
    throw error;
  }
}

/** Stops the service on the first SIGINT/SIGTERM; a second signal exits at once. */
export function stopOnSignals(service: RunningService, logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) process.exit(130);
      stopping = true;
      logger.info({ signal }, 'shutting down');
      service.stop().then(resolve, (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        resolve();
      });
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
}
