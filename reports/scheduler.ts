// Generates the weekly report on a node-cron schedule in the configured time zone (default:
// Mondays 06:00 UTC, for the week that just ended). Every replica schedules it; a lock in the
// store (`weekly-report:<cluster>:<week>`) lets one of them generate each week, and a report
// already stored for the ended week is not generated again when a late replica gets the lock
// after the first one's expired. A failed run is logged and shown in health; it never rejects.
// A report the schedule generates (not one asked for through the API) is then sent to the
// receivers of report.deliver.
import { hostname } from 'node:os';
import cron, { type ScheduledTask } from 'node-cron';
import type { Receiver } from '../alerts/receivers/types.js';
import type { Prices } from '../analyzers/recommendations/prices.js';
import type { Component, ComponentHealth } from '../core/component.js';
import { silentLogger, type Logger } from '../core/logger.js';
import type { Store } from '../store/store.js';
import { deliverReport, type DeliveryOutcome } from './delivery.js';
import { generateWeeklyReport, reportId } from './generate.js';
import type { TeamRules } from '../core/teams.js';
import { assertTimeZone, checkReportableWeek, lastCompleteWeek, weekWindow } from './week.js';

export interface ReportSchedulerOptions {
  readonly store: Store;
  readonly cluster: string;
  /** Cron expression, five or six fields (config `report.schedule`, default `0 6 * * 1`). */
  readonly schedule?: string | undefined;
  /** IANA time zone of the schedule and of the report weeks (config `report.timezone`). */
  readonly timezone?: string | undefined;
  /** Identifies this replica in the lock (default hostname:pid). */
  readonly instanceId?: string | undefined;
  /** How long the lock is held; longer than a generation takes (default 1 h). */
  readonly lockTtlMs?: number | undefined;
  /** At start, generate the last ended week if no report of it is stored yet (default true). */
  readonly catchUp?: boolean | undefined;
  readonly prices?: Prices | undefined;
  /** Days the store keeps usage data: weeks that ended before that are refused. */
  readonly retentionDays?: number | undefined;
  /** How pods map to teams, for cost by team. */
  readonly teams?: TeamRules | undefined;
  /** Where scheduled reports are sent (report.deliver), and the API base their links point at. */
  readonly delivery?:
    { readonly receivers: readonly Receiver[]; readonly baseUrl: () => string } | undefined;
  readonly logger?: Logger | undefined;
  readonly clock?: (() => number) | undefined;
}

export const DEFAULT_REPORT_SCHEDULE = '0 6 * * 1';
export const DEFAULT_REPORT_TIMEZONE = 'UTC';

export type RunOutcome =
  | {
      readonly status: 'generated';
      readonly week: string;
      readonly reportId: string;
      /** Receivers it was sent to; empty when the run was asked for a week (API, CLI). */
      readonly delivered: readonly DeliveryOutcome[];
    }
  | { readonly status: 'skipped'; readonly week: string; readonly reason: 'locked' | 'exists' }
  | { readonly status: 'failed'; readonly week: string; readonly error: string };

export class WeeklyReportScheduler implements Component {
  readonly name = 'reports.weekly';
  private task: ScheduledTask | undefined;
  private running: Promise<RunOutcome> | undefined;
  private lastError: string | undefined;
  private readonly schedule: string;
  private readonly timezone: string;
  private readonly owner: string;
  private readonly logger: Logger;
  private readonly clock: () => number;

  constructor(private readonly options: ReportSchedulerOptions) {
    this.schedule = options.schedule ?? DEFAULT_REPORT_SCHEDULE;
    this.timezone = options.timezone ?? DEFAULT_REPORT_TIMEZONE;
    this.owner = options.instanceId ?? `${hostname()}:${process.pid}`;
    this.logger = options.logger ?? silentLogger;
    this.clock = options.clock ?? Date.now;
  }

  /** Rejects on an invalid cron expression or time zone: a configuration error, found at start. */
  start(): Promise<void> {
    if (!cron.validate(this.schedule)) {
      return Promise.reject(
        new Error(`report.schedule: "${this.schedule}" is not a valid cron expression`),
      );
    }
    try {
      assertTimeZone(this.timezone);
    } catch (error) {
      return Promise.reject(new Error(`report.timezone: ${(error as Error).message}`));
    }
    this.task = cron.schedule(this.schedule, () => this.runOnce(), {
      timezone: this.timezone,
      name: this.name,
      noOverlap: true,
    });
    // The schedule alone must not keep a CLI or test process alive.
    this.task.unref();
    if (this.options.catchUp ?? true) void this.runOnce({ onlyIfMissing: true });
    this.logger.info(
      { schedule: this.schedule, timezone: this.timezone },
      'weekly report scheduled',
    );
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    const task = this.task;
    this.task = undefined;
    await task?.destroy();
    await this.running;
  }

  health(): ComponentHealth {
    // A failed report is worth seeing, not a reason to take the API out of rotation.
    return { ready: true, detail: this.lastError };
  }

  /** Throws WeekError when `week` cannot be reported: malformed, not started, or past retention. */
  checkWeek(week: string): void {
    checkReportableWeek(week, {
      now: this.clock(),
      timezone: this.timezone,
      retentionDays: this.options.retentionDays,
    });
  }

  /**
   * One run for `week` (default: the last week that has ended, in the schedule's time zone);
   * resolves with what happened, never rejects. Concurrent calls share one run.
   */
  runOnce(options: { week?: string; onlyIfMissing?: boolean } = {}): Promise<RunOutcome> {
    this.running ??= this.run(options).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async run(options: { week?: string; onlyIfMissing?: boolean }): Promise<RunOutcome> {
    const now = this.clock();
    const week = options.week ?? lastCompleteWeek(now, this.timezone);
    const { store, cluster } = this.options;
    try {
      const id = reportId(cluster, week);
      const existing = await store.report(id);
      const ended = weekWindow(week, this.timezone).to;
      // A report generated after the week ended is final; re-generating it would only repeat it.
      if (existing && existing.generatedAt >= ended && (options.onlyIfMissing || !options.week)) {
        return { status: 'skipped', week, reason: 'exists' };
      }
      const mine = await store.acquireLock(
        `weekly-report:${cluster}:${week}`,
        this.owner,
        this.options.lockTtlMs ?? 3_600_000,
      );
      if (!mine) return { status: 'skipped', week, reason: 'locked' };
      const report = await generateWeeklyReport(store, {
        cluster,
        week,
        timezone: this.timezone,
        now,
        prices: this.options.prices,
        retentionDays: this.options.retentionDays,
        teams: this.options.teams,
      });
      this.lastError = undefined;
      this.logger.info({ week, reportId: report.id }, 'weekly report generated');
      const delivery = this.options.delivery;
      const delivered =
        delivery && !options.week
          ? await deliverReport(report, delivery.receivers, {
              baseUrl: delivery.baseUrl(),
              logger: this.logger,
            })
          : [];
      const failed = delivered.filter((d) => !d.ok);
      if (failed.length > 0) {
        this.lastError = `weekly report ${week} not sent to ${failed.map((d) => `${d.receiver} (${d.error})`).join(', ')}`;
      }
      return { status: 'generated', week, reportId: report.id, delivered };
    } catch (error) {
      this.lastError = `weekly report ${week} failed: ${(error as Error).message}`;
      this.logger.warn({ err: error, week }, 'weekly report failed; the next run will retry');
      return { status: 'failed', week, error: (error as Error).message };
    }
  }
}
