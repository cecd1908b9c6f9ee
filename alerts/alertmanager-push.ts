// Alerts pushed to Alertmanager's v2 API (POST /api/v2/alerts), the way Prometheus pushes its
// own: every active alert is re-sent each cycle with endsAt a few intervals ahead, so Alertmanager
// keeps it firing while Plimsoll is alive and resolves it by itself if Plimsoll dies; an alert
// that goes away (its finding resolved, or its page ran its hour) is sent once more with
// endsAt = now, which makes Alertmanager send the resolved notification at once. What to send is
// decided elsewhere (alerts/policy.ts, alerts/dispatch.ts); this module only speaks the API.
import type { Finding, FindingKind } from '../core/domain.js';
import type { Logger } from '../core/logger.js';
import type { FindingStore } from '../store/store.js';
import type { AlertSink, SinkReport } from './dispatch.js';
import { DEFAULT_ALERT_KINDS } from './policy.js';
import type { ProblemAlert } from './problem-alert.js';
import { postJson, safeTarget, type RetryPolicy } from '../core/delivery.js';

export { ALERT_NAMES, DEFAULT_ALERT_KINDS } from './policy.js';
export { findingUrl } from './problem-alert.js';

/** An alert as Alertmanager's v2 API takes it (postableAlert). */
export interface PostableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
}

export function postableAlert(
  alert: ProblemAlert,
  startsAt: number,
  endsAt: number,
): PostableAlert {
  return {
    labels: { ...alert.labels },
    annotations: { ...alert.annotations },
    startsAt: new Date(startsAt).toISOString(),
    endsAt: new Date(endsAt).toISOString(),
    generatorURL: alert.findingUrl,
  };
}

export interface AlertmanagerPushOptions {
  /** Alertmanager base URL, e.g. http://alertmanager:9093 (several for an HA pair). */
  readonly alertmanagerUrls: readonly string[];
  /** How often the dispatcher re-sends; endsAt is three of these ahead. */
  readonly resendIntervalMs?: number;
  readonly retry?: Partial<RetryPolicy>;
  readonly logger: Logger;
  /**
   * Wall clock for startsAt/endsAt: Alertmanager judges them by its own clock, whatever clock
   * the decisions were made with.
   */
  readonly now?: () => number;
}

export class AlertmanagerPusher implements AlertSink {
  readonly name = 'alertmanager';
  /** Alerts sent as firing, by key: what must be ended when it goes away. */
  private readonly active = new Map<string, PostableAlert>();
  private readonly holdMs: number;
  private readonly now: () => number;

  constructor(private readonly options: AlertmanagerPushOptions) {
    if (options.alertmanagerUrls.length === 0) throw new Error('no Alertmanager URL configured');
    for (const url of options.alertmanagerUrls) new URL(url);
    // Three missed re-sends before Alertmanager resolves on its own, as Prometheus does (4x).
    this.holdMs = 3 * (options.resendIntervalMs ?? 60_000);
    this.now = options.now ?? Date.now;
  }

  /** Sends every alert that should fire and ends the ones that went away. Rejects if no AM took them. */
  async deliver(alerts: readonly ProblemAlert[]): Promise<SinkReport> {
    const now = this.now();
    // startsAt is when the alert began firing here, as Prometheus sends it: a new alert waits
    // group_wait in Alertmanager, which gives a page the time to inhibit its ticket. Pages go
    // first in the batch for the same reason.
    const ordered = [...alerts].sort(
      (a, b) => Number(b.route === 'page') - Number(a.route === 'page'),
    );
    const firing = new Map(
      ordered.map((a) => {
        const startsAt = Date.parse(this.active.get(a.key)?.startsAt ?? '') || now;
        return [a.key, postableAlert(a, startsAt, now + this.holdMs)];
      }),
    );
    const ending: [string, PostableAlert][] = [];
    for (const [key, alert] of this.active) {
      if (!firing.has(key)) ending.push([key, { ...alert, endsAt: new Date(now).toISOString() }]);
    }
    const batch = [...firing.values(), ...ending.map(([, a]) => a)];
    // Nothing is remembered as sent or ended until an Alertmanager took it: a failed cycle is
    // repeated whole on the next one.
    if (batch.length > 0) await this.send(batch);
    for (const [key] of ending) this.active.delete(key);
    for (const [key, alert] of firing) this.active.set(key, alert);
    return { sent: firing.size, resolved: ending.length, failed: 0 };
  }

  private async send(batch: PostableAlert[]): Promise<void> {
    // Every Alertmanager of an HA pair gets every alert; they deduplicate among themselves.
    const results = await Promise.allSettled(
      this.options.alertmanagerUrls.map((base) =>
        postJson(`${base.replace(/\/+$/, '')}/api/v2/alerts`, batch, {
          ...(this.options.retry ? { retry: this.options.retry } : {}),
        }),
      ),
    );
    const failed = results.filter((r) => r.status === 'rejected');
    if (failed.length === results.length) {
      throw new Error(
        `no Alertmanager accepted the alerts: ${failed.map((r) => String(r.reason)).join('; ')}`,
      );
    }
    for (const [i, r] of results.entries()) {
      if (r.status === 'rejected') {
        this.options.logger.warn(
          { target: safeTarget(this.options.alertmanagerUrls[i] ?? '') },
          'one Alertmanager refused the alerts',
        );
      }
    }
  }
}

/** Open findings of the given kinds from the store, every page. */
export function openFindings(
  store: Pick<FindingStore, 'findings'>,
  cluster: string | undefined,
  kinds: readonly FindingKind[] = DEFAULT_ALERT_KINDS,
  max = 10_000,
): () => Promise<Finding[]> {
  return async () => {
    const out: Finding[] = [];
    let after: string | undefined;
    do {
      const page = await store.findings({ cluster, kinds, status: 'open', limit: 500, after });
      out.push(...page.items);
      after = page.next;
    } while (after !== undefined && out.length < max);
    return out;
  };
}
