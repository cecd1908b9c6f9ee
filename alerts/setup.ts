// The alerting of a running Plimsoll, from its configuration: one dispatcher deciding the alerts
// of the open findings, feeding Alertmanager (alerting.alertmanagerUrls) and the direct receivers
// (alerting.receivers + alerting.routes). Nothing is built when neither is configured.
import type { Component, ComponentHealth } from '../core/component.js';
import type { Config } from '../core/config/schema.js';
import type { Logger } from '../core/logger.js';
import type { FindingStore, InventoryReader } from '../store/store.js';
import { AlertmanagerPusher, openFindings } from './alertmanager-push.js';
import { AlertDispatcher, type AlertSink } from './dispatch.js';
import { directRoutes, type ReadSecret } from './receivers/config.js';
import { DirectNotifier } from './receivers/notifier.js';
import { TeamResolver } from './teams.js';

export interface AlertingDeps {
  readonly store: Pick<FindingStore, 'findings'> & InventoryReader;
  readonly logger: Logger;
  /** Where users reach the API, for finding links (config api.publicUrl wins). */
  readonly apiUrl: () => string;
  /** Decision clock; tests drive it. */
  readonly now?: () => number;
  readonly readSecret?: ReadSecret;
}

export function teamResolver(config: Config, inventory?: InventoryReader): TeamResolver {
  return new TeamResolver({
    namespaceTeams: config.alerting.namespaceTeams,
    defaultTeam: config.alerting.defaultTeam,
    ...(config.alerting.nodeTeam ? { nodeTeam: config.alerting.nodeTeam } : {}),
    ...(inventory ? { inventory } : {}),
  });
}

/** The dispatcher for this configuration, or undefined when alerts go nowhere. */
export function createAlerting(config: Config, deps: AlertingDeps): AlertDispatcher | undefined {
  const a = config.alerting;
  const sinks: AlertSink[] = [];
  if (a.alertmanagerUrls.length > 0) {
    sinks.push(
      new AlertmanagerPusher({
        alertmanagerUrls: a.alertmanagerUrls,
        resendIntervalMs: a.resendSeconds * 1000,
        logger: deps.logger.child({ component: 'alertmanager.push' }),
      }),
    );
  }
  const routes = directRoutes(a, deps.readSecret);
  if (routes.length > 0) {
    sinks.push(
      new DirectNotifier({
        routes,
        repeatIntervalMs: a.repeatSeconds * 1000,
        stateFile: a.stateFile,
        logger: deps.logger.child({ component: 'alerts.direct' }),
      }),
    );
  }
  if (sinks.length === 0) return undefined;
  return new AlertDispatcher({
    source: openFindings(deps.store, config.cluster, a.kinds),
    teams: teamResolver(config, deps.store),
    sinks,
    links: { apiBaseUrl: config.api.publicUrl ?? deps.apiUrl(), runbookBaseUrl: a.runbookBaseUrl },
    kinds: a.kinds,
    paging: { pageForMs: a.pageForSeconds * 1000 },
    logger: deps.logger.child({ component: 'alerts' }),
    ...(deps.now ? { now: deps.now } : {}),
  });
}

/** Adapts the dispatcher to the component lifecycle: cycles every resendSeconds while started. */
export class AlertingComponent implements Component {
  readonly name = 'alerts';
  constructor(
    private readonly dispatcher: AlertDispatcher,
    private readonly intervalMs: number,
  ) {}
  start(): Promise<void> {
    this.dispatcher.start(this.intervalMs);
    return Promise.resolve();
  }
  stop(): Promise<void> {
    return this.dispatcher.stop();
  }
  health(): ComponentHealth {
    return { ready: true };
  }
}
