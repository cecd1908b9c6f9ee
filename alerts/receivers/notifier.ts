// Direct notifications for teams without Alertmanager: each open finding triggers once per
// receiver (again after repeatIntervalMs while it stays open), and resolves once when it goes.
// Sends are rate-limited; a failed send is logged without its URL and retried on the next call.
import type { Finding } from '../../core/domain.js';
import type { Logger } from '../../core/logger.js';
import { findingUrl } from '../alertmanager-push.js';
import type { TeamResolver } from '../teams.js';
import { RateLimiter } from './delivery.js';
import { dedupKeyOf, type FindingNotification, type Receiver } from './types.js';

export interface Route {
  readonly receiver: Receiver;
  /** Teams this receiver serves; all when absent. */
  readonly teams?: readonly string[];
}

export interface NotifierOptions {
  readonly routes: readonly Route[];
  readonly teams: TeamResolver;
  readonly apiBaseUrl: string;
  readonly logger: Logger;
  readonly repeatIntervalMs?: number;
  readonly perSecond?: number;
  readonly now?: () => number;
  readonly limiter?: RateLimiter;
}

export class DirectNotifier {
  /** receiver name + dedup key → state sent. */
  private readonly sent = new Map<string, { at: number; notification: FindingNotification }>();
  private readonly limiter: RateLimiter;

  constructor(private readonly options: NotifierOptions) {
    this.limiter = options.limiter ?? new RateLimiter(options.perSecond ?? 1, 5);
  }

  /** `open` is every finding open now; the ones sent before and missing here resolve. */
  async notify(open: readonly Finding[]): Promise<{ sent: number; failed: number }> {
    const now = (this.options.now ?? Date.now)();
    const repeat = this.options.repeatIntervalMs ?? 4 * 3_600_000;
    let sent = 0;
    let failed = 0;
    const live = new Set<string>();
    this.options.teams.clear();
    for (const finding of open) {
      const team = await this.options.teams.teamOf(finding);
      const notification: FindingNotification = {
        finding,
        action: 'trigger',
        team,
        dedupKey: dedupKeyOf(finding),
        url: findingUrl(this.options.apiBaseUrl, finding.id),
      };
      for (const route of this.routesFor(team)) {
        const key = `${route.receiver.name}|${notification.dedupKey}`;
        live.add(key);
        const previous = this.sent.get(key);
        if (previous && now - previous.at < repeat) continue;
        if (await this.deliver(route.receiver, notification)) {
          this.sent.set(key, { at: now, notification });
          sent += 1;
        } else failed += 1;
      }
    }
    for (const [key, state] of [...this.sent]) {
      if (live.has(key)) continue;
      const receiver = this.options.routes.find((r) =>
        key.startsWith(`${r.receiver.name}|`),
      )?.receiver;
      const resolve = { ...state.notification, action: 'resolve' as const };
      if (!receiver || (await this.deliver(receiver, resolve))) {
        this.sent.delete(key);
        sent += receiver ? 1 : 0;
      } else failed += 1;
    }
    return { sent, failed };
  }

  private routesFor(team: string): Route[] {
    return this.options.routes.filter((r) => !r.teams || r.teams.includes(team));
  }

  private async deliver(receiver: Receiver, n: FindingNotification): Promise<boolean> {
    await this.limiter.take();
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
}
