// Direct notifications for teams without Alertmanager, doing what an Alertmanager route would:
// every alert triggers once per matching receiver (again after repeatIntervalMs if set) and
// resolves once when it goes away; a ticket held back while a page of the same problem fires
// (Alertmanager's inhibition) is neither sent nor resolved until the page ends. Each receiver has
// its own rate limit; a failed send is logged without its URL and retried on the next cycle.
// What was sent where survives a restart in a checkpoint file (alerting.stateFile): an alert still
// open is not sent again, and one that ended while Plimsoll was down is resolved.
import { Checkpoint } from '../../collectors/checkpoint.js';
import type { Logger } from '../../core/logger.js';
import type { AlertSink, SinkReport } from '../dispatch.js';
import type { AlertRoute } from '../policy.js';
import type { ProblemAlert } from '../problem-alert.js';
import { RateLimiter } from '../../core/delivery.js';
import { dedupKeyOf, type FindingNotification, type Receiver } from './types.js';

export interface Route {
  readonly receiver: Receiver;
  /** Teams this route serves; all when absent. */
  readonly teams?: readonly string[] | undefined;
  /** Alerts it takes by route label; page and ticket when absent. */
  readonly routes?: readonly AlertRoute[] | undefined;
}

export interface NotifierOptions {
  readonly routes: readonly Route[];
  readonly logger: Logger;
  /** Re-send an alert still active after this long; 0 or absent: never. */
  readonly repeatIntervalMs?: number;
  readonly now?: () => number;
  /** Tests inject limiters with a fake clock; by receiver name. */
  readonly limiters?: ReadonlyMap<string, RateLimiter>;
  /** JSON file of what was sent where (undefined: in memory only). */
  readonly stateFile?: string | undefined;
}

interface Sent {
  readonly at: number;
  readonly receiver: Receiver;
  readonly notification: FindingNotification;
}

/** A Sent as the checkpoint keeps it: the receiver by name. */
interface SavedSent {
  readonly at: number;
  readonly receiver: string;
  readonly notification: FindingNotification;
}

const SECTION = 'sent';
/** Kept past the checkpoint's default 30 days: a ticket may stay open that long and more. */
const STATE_RETENTION_MS = 365 * 86_400_000;

export class DirectNotifier implements AlertSink {
  readonly name = 'direct';
  /** receiver name + alert key → what was last sent there. */
  private readonly sent = new Map<string, Sent>();
  private readonly limiters = new Map<string, RateLimiter>();
  private readonly state: Checkpoint;
  private loaded: Promise<void> | undefined;

  constructor(private readonly options: NotifierOptions) {
    for (const [name, limiter] of options.limiters ?? []) this.limiters.set(name, limiter);
    this.state = new Checkpoint({
      file: options.stateFile,
      retentionMs: STATE_RETENTION_MS,
      logger: options.logger,
    });
  }

  /** Writes what was sent to the state file; call on shutdown. */
  async close(): Promise<void> {
    await this.loaded;
    await this.state.close();
  }

  async deliver(alerts: readonly ProblemAlert[]): Promise<SinkReport> {
    await (this.loaded ??= this.restore());
    const now = (this.options.now ?? Date.now)();
    const repeat = this.options.repeatIntervalMs ?? 0;
    const paging = new Set(alerts.filter((a) => a.route === 'page').map((a) => a.finding.id));
    const live = new Set<string>();
    const due: { key: string; receiver: Receiver; alert: ProblemAlert }[] = [];
    for (const alert of alerts) {
      const held = alert.route === 'ticket' && paging.has(alert.finding.id);
      for (const route of this.routesFor(alert)) {
        const key = `${route.receiver.name}|${alert.key}`;
        const previous = this.sent.get(key);
        // Inhibited: a ticket already out stays open, one not yet sent waits for the page.
        if (held && !previous) continue;
        live.add(key);
        if (held || (previous && (repeat <= 0 || now - previous.at < repeat))) continue;
        due.push({ key, receiver: route.receiver, alert });
      }
    }
    let sent = 0;
    let resolved = 0;
    let failed = 0;
    // Resolves first: when a page hands over to a ticket, the pager hears it end before the
    // ticket opens.
    for (const [key, state] of [...this.sent]) {
      if (live.has(key)) continue;
      const resolve = { ...state.notification, action: 'resolve' as const };
      if (await this.send(state.receiver, resolve)) {
        this.sent.delete(key);
        this.state.delete(SECTION, key);
        resolved += 1;
      } else failed += 1;
    }
    for (const { key, receiver, alert } of due) {
      const notification = notificationOf(alert, 'trigger');
      if (await this.send(receiver, notification)) {
        this.sent.set(key, { at: now, receiver, notification });
        this.state.set(SECTION, key, {
          at: now,
          receiver: receiver.name,
          notification,
        } satisfies SavedSent);
        sent += 1;
      } else failed += 1;
    }
    return { sent, resolved, failed };
  }

  /** What an earlier run sent, to receivers still configured. */
  private async restore(): Promise<void> {
    await this.state.load();
    const receivers = new Map(this.options.routes.map((r) => [r.receiver.name, r.receiver]));
    for (const key of this.state.keys(SECTION)) {
      const saved = this.state.get<SavedSent>(SECTION, key);
      const receiver = saved && receivers.get(saved.receiver);
      if (!saved || !receiver) {
        // Its receiver is gone from the configuration: nothing can resolve it there.
        this.options.logger.warn(
          { receiver: saved?.receiver, key },
          'sent alert of a receiver no longer configured; forgotten',
        );
        this.state.delete(SECTION, key);
        continue;
      }
      this.sent.set(key, { at: saved.at, receiver, notification: saved.notification });
    }
  }

  private routesFor(alert: ProblemAlert): Route[] {
    const matched = this.options.routes.filter(
      (r) =>
        (!r.teams || r.teams.includes(alert.team)) &&
        (r.routes ?? ['page', 'ticket']).includes(alert.route),
    );
    // A receiver named by two matching routes gets one copy.
    return [...new Map(matched.map((r) => [r.receiver.name, r])).values()];
  }

  private async send(receiver: Receiver, n: FindingNotification): Promise<boolean> {
    await this.limiterOf(receiver).take();
    try {
      await receiver.send(n);
      return true;
    } catch (error) {
      // DeliveryError messages name the host only; the URL (and any token in it) stays out.
      this.options.logger.warn(
        {
          receiver: receiver.name,
          dedupKey: n.dedupKey,
          action: n.action,
          err: { message: (error as Error).message },
        },
        'notification failed; retrying on the next cycle',
      );
      return false;
    }
  }

  private limiterOf(receiver: Receiver): RateLimiter {
    let limiter = this.limiters.get(receiver.name);
    if (!limiter) {
      limiter = new RateLimiter(receiver.rate?.perSecond ?? 1, receiver.rate?.burst ?? 5);
      this.limiters.set(receiver.name, limiter);
    }
    return limiter;
  }
}

export function notificationOf(
  alert: ProblemAlert,
  action: FindingNotification['action'],
): FindingNotification {
  return {
    finding: alert.finding,
    action,
    alertname: alert.alertname,
    route: alert.route,
    severity: alert.severity,
    team: alert.team,
    dedupKey: dedupKeyOf(alert.finding, alert.route),
    url: alert.findingUrl,
    runbookUrl: alert.runbookUrl,
    reason: alert.reason,
  };
}
