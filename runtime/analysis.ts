// The analysis side of a Plimsoll process: the analyzer runner, the findings exported as
// metrics after each run, and (when configured) the alerts of the findings, pushed to
// Alertmanager and sent to the direct receivers.
import type { Component } from '../core/component.js';
import type { Config } from '../core/config/schema.js';
import type { AnyEnvelope } from '../core/envelope.js';
import type { Logger } from '../core/logger.js';
import type { Telemetry } from '../core/telemetry.js';
import type { AlertDispatcher } from '../alerts/dispatch.js';
import { escalationOf } from '../alerts/policy.js';
import { AlertingComponent, createAlerting, teamResolver } from '../alerts/setup.js';
import { configuredAnalyzers } from '../analyzers/index.js';
import { FindingMetrics } from '../analyzers/metrics.js';
import { AnalyzerRunner } from '../analyzers/runner.js';
import { reportReceivers } from '../alerts/receivers/config.js';
import { WeeklyReportScheduler } from '../reports/scheduler.js';
import type { Store } from '../store/store.js';
import { usageRetentionDays } from './adapters.js';

export interface Analysis {
  readonly runner: AnalyzerRunner;
  readonly reports: WeeklyReportScheduler;
  readonly components: Component[];
  /** The alerting, when Alertmanager or direct receivers are configured. */
  readonly alerts: AlertDispatcher | undefined;
  /** Wire to the ingest consumer so new kills and transitions are judged within seconds. */
  readonly onIndexed: (records: readonly AnyEnvelope[]) => void;
}

/** A run this far behind the clock is judging history, not now (the runner's late threshold). */
const LIVE_SLACK_MS = 15 * 60_000;

export function createAnalysis(
  config: Config,
  deps: {
    store: Store;
    telemetry: Telemetry;
    logger: Logger;
    apiUrl: () => string;
    /** Generate the last week's report at start if it is missing (not while a demo loads). */
    reportCatchUp?: boolean;
    /** The clock alerts are decided by (when a page has run its hour); tests drive it. */
    alertClock?: () => number;
  },
): Analysis {
  const { store, telemetry, logger } = deps;
  // Built first so that a receiver misconfigured (a missing secret file) stops the start-up.
  const alerts = createAlerting(config, {
    store,
    logger,
    apiUrl: deps.apiUrl,
    ...(deps.alertClock ? { now: deps.alertClock } : {}),
  });
  // The rules path labels and pages as the pushed alerts do: same team, same escalation.
  const teams = teamResolver(config, store);
  const paging = { pageForMs: config.alerting.pageForSeconds * 1000 };
  const metrics = new FindingMetrics({
    registry: telemetry.findingsRegistry,
    reader: store,
    clusters: [config.cluster],
    teamOf: (finding) => teams.teamOf(finding),
    escalatedAt: (finding) => escalationOf(finding, paging)?.at,
  });
  const runner = new AnalyzerRunner({
    cluster: config.cluster,
    analyzers: configuredAnalyzers(config),
    reader: store,
    findings: store,
    intervalMs: config.analysis.intervalSeconds * 1000,
    logger: logger.child({ component: 'analyzer-runner' }),
    onRun: async (report) => {
      // A new loop pages within seconds of the run that found it (not awaited: rate-limited
      // sends must not hold up the next run). Runs judging a replayed history (data time well
      // behind the clock) do not alert: those problems are past.
      if (alerts && report.now >= Date.now() - LIVE_SLACK_MS) void alerts.trigger();
      await metrics.refresh();
    },
  });
  const reports = new WeeklyReportScheduler({
    store,
    cluster: config.cluster,
    schedule: config.report.schedule,
    timezone: config.report.timezone,
    retentionDays: usageRetentionDays(config),
    prices: config.report.prices,
    teams: { namespaceTeams: config.alerting.namespaceTeams },
    catchUp: deps.reportCatchUp ?? true,
    // Built at start like the alert receivers: a missing secret file stops the start-up.
    delivery: {
      receivers: reportReceivers(config),
      baseUrl: () => config.api.publicUrl ?? deps.apiUrl(),
    },
    logger: logger.child({ component: 'reports' }),
  });
  const components: Component[] = [runner, reports];
  if (alerts) {
    components.push(new AlertingComponent(alerts, config.alerting.resendSeconds * 1000));
  }
  return { runner, reports, components, alerts, onIndexed: (records) => runner.notify(records) };
}
