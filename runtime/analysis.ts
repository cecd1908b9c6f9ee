// The analysis side of a Plimsoll process: the analyzer runner, the findings exported as
// metrics after each run, and (when configured) findings pushed to Alertmanager.
import type { Component, ComponentHealth } from '../core/component.js';
import type { Config } from '../core/config/schema.js';
import type { AnyEnvelope } from '../core/envelope.js';
import type { Logger } from '../core/logger.js';
import type { Telemetry } from '../core/telemetry.js';
import { AlertmanagerPusher } from '../alerts/alertmanager-push.js';
import { TeamResolver } from '../alerts/teams.js';
import { createAnalyzers } from '../analyzers/index.js';
import { FindingMetrics } from '../analyzers/metrics.js';
import { AnalyzerRunner } from '../analyzers/runner.js';
import { WeeklyReportScheduler } from '../reports/scheduler.js';
import type { Store } from '../store/store.js';

export interface Analysis {
  readonly runner: AnalyzerRunner;
  readonly reports: WeeklyReportScheduler;
  readonly components: Component[];
  /** Wire to the ingest consumer so new kills and transitions are judged within seconds. */
  readonly onIndexed: (records: readonly AnyEnvelope[]) => void;
}

/** Adapts the pusher's start/stop to the component lifecycle. */
class AlertPush implements Component {
  readonly name = 'alertmanager.push';
  constructor(private readonly pusher: AlertmanagerPusher) {}
  start(): Promise<void> {
    this.pusher.start();
    return Promise.resolve();
  }
  stop(): Promise<void> {
    return this.pusher.stop();
  }
  health(): ComponentHealth {
    return { ready: true };
  }
}

export function createAnalysis(
  config: Config,
  deps: {
    store: Store;
    telemetry: Telemetry;
    logger: Logger;
    apiUrl: () => string;
    /** Generate the last week's report at start if it is missing (not while a demo loads). */
    reportCatchUp?: boolean;
  },
): Analysis {
  const { store, telemetry, logger } = deps;
  const metrics = new FindingMetrics({
    registry: telemetry.registry,
    reader: store,
    clusters: [config.cluster],
  });
  const runner = new AnalyzerRunner({
    cluster: config.cluster,
    analyzers: createAnalyzers({}, config.analysis.analyzers),
    reader: store,
    findings: store,
    intervalMs: config.analysis.intervalSeconds * 1000,
    logger: logger.child({ component: 'analyzer-runner' }),
    onRun: async () => {
      await metrics.refresh();
    },
  });
  const reports = new WeeklyReportScheduler({
    store,
    cluster: config.cluster,
    schedule: config.report.schedule,
    timezone: config.report.timezone,
    catchUp: deps.reportCatchUp ?? true,
    logger: logger.child({ component: 'reports' }),
  });
  const components: Component[] = [runner, reports];
  if (config.alerting.alertmanagerUrls.length > 0) {
    const pusher = new AlertmanagerPusher({
      alertmanagerUrls: config.alerting.alertmanagerUrls,
      source: async () =>
        (await store.findings({ cluster: config.cluster, status: 'open', limit: 500 })).items,
      teams: new TeamResolver({
        namespaceTeams: config.alerting.namespaceTeams,
        defaultTeam: config.alerting.defaultTeam,
        inventory: store,
      }),
      apiBaseUrl: config.api.publicUrl ?? deps.apiUrl(),
      resendIntervalMs: config.alerting.resendSeconds * 1000,
      logger: logger.child({ component: 'alertmanager.push' }),
    });
    components.push(new AlertPush(pusher));
  }
  return { runner, reports, components, onIndexed: (records) => runner.notify(records) };
}
