// One decision, every sink: each cycle reads the open findings, decides their alerts once
// (alerts/policy.ts) and hands the same set to Alertmanager and to the direct receivers, so the
// two never disagree. Cycles run on a timer (the re-sends keep Alertmanager's alerts alive and
// notice a page that has run its hour) and right after each analyzer run (a new loop pages within
// seconds, not at the next tick). Cycles never overlap, and one failing sink does not stop another.
import type { Finding, FindingKind } from '../core/domain.js';
import type { Logger } from '../core/logger.js';
import { DEFAULT_ALERT_KINDS, decide, type PagingOptions } from './policy.js';
import { problemAlerts, type AlertLinks, type ProblemAlert } from './problem-alert.js';
import type { TeamResolver } from './teams.js';

export interface SinkReport {
  readonly sent: number;
  readonly resolved: number;
  readonly failed: number;
}

export interface AlertSink {
  /** For logs; never contains a secret. */
  readonly name: string;
  /** Every alert that should be active now; the sink ends what it sent that is missing here. */
  deliver(alerts: readonly ProblemAlert[]): Promise<SinkReport>;
  /** Persists what it must remember across restarts; called once the dispatcher stops. */
  close?(): Promise<void>;
}

export interface DispatcherOptions {
  /** The open findings now. A rejection skips the cycle: nothing is resolved for lack of data. */
  readonly source: () => Promise<Finding[]>;
  readonly teams: TeamResolver;
  readonly sinks: readonly AlertSink[];
  readonly links: AlertLinks;
  readonly kinds?: readonly FindingKind[] | undefined;
  readonly paging?: PagingOptions | undefined;
  readonly logger: Logger;
  /** The decision clock: Date.now, or simulated time in tests. */
  readonly now?: () => number;
}

export interface CycleReport {
  readonly alerts: readonly ProblemAlert[];
  readonly sinks: Readonly<Record<string, SinkReport | { readonly error: string }>>;
}

export class AlertDispatcher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();
  private pending: Promise<void> | undefined;
  private started = false;
  private readonly now: () => number;

  constructor(private readonly options: DispatcherOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Decides the alerts of the open findings and delivers them to every sink. */
  async cycle(): Promise<CycleReport> {
    const now = this.now();
    const kinds = new Set(this.options.kinds ?? DEFAULT_ALERT_KINDS);
    const open = (await this.options.source()).filter((f) => kinds.has(f.kind));
    this.options.teams.clear();
    const alerts: ProblemAlert[] = [];
    for (const decision of decide(open, now, this.options.paging)) {
      const team = await this.options.teams.teamOf(decision.finding);
      alerts.push(...problemAlerts(decision, team, this.options.links));
    }
    const results = await Promise.allSettled(this.options.sinks.map((s) => s.deliver(alerts)));
    const sinks: Record<string, SinkReport | { error: string }> = {};
    for (const [i, result] of results.entries()) {
      const name = this.options.sinks[i]?.name ?? String(i);
      sinks[name] =
        result.status === 'fulfilled'
          ? result.value
          : { error: (result.reason as Error)?.message ?? String(result.reason) };
    }
    return { alerts, sinks };
  }

  /** Cycles now and every `intervalMs` until stop(). */
  start(intervalMs: number): void {
    if (this.started) return;
    this.started = true;
    void this.trigger();
    this.timer = setInterval(() => void this.trigger(), intervalMs);
    this.timer.unref();
  }

  /**
   * Asks for a cycle after the running one; asks made while one waits share it. Resolves when
   * that cycle is over; never rejects. Does nothing before start() or after stop().
   */
  trigger(): Promise<void> {
    if (!this.started) return Promise.resolve();
    if (!this.pending) {
      const next = this.running.then(() => {
        this.pending = undefined;
        return this.logged();
      });
      this.pending = next;
      this.running = next;
    }
    return this.pending;
  }

  async stop(): Promise<void> {
    this.started = false;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
    for (const sink of this.options.sinks) if (sink.close) await sink.close();
  }

  private async logged(): Promise<void> {
    if (!this.started) return;
    try {
      const report = await this.cycle();
      for (const [sink, result] of Object.entries(report.sinks)) {
        if ('error' in result) {
          this.options.logger.warn(
            { sink, err: { message: result.error } },
            'delivering alerts failed; retrying next cycle',
          );
        }
      }
      this.options.logger.debug(
        { alerts: report.alerts.length, sinks: report.sinks },
        'alerts delivered',
      );
    } catch (error) {
      this.options.logger.warn(
        { err: { message: (error as Error).message } },
        'reading findings for alerts failed; retrying next cycle',
      );
    }
  }
}
