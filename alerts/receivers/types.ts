// What a direct receiver gets: one alert of one problem opening or resolving, already decided
// (page, ticket or report) and routed to a team; and, for receivers named in report.deliver, the
// weekly report in brief.
import type { Finding, Severity } from '../../core/domain.js';
import type { ReportDigest } from '../../reports/digest.js';
import type { AlertRoute } from '../policy.js';

export type NotificationAction = 'trigger' | 'resolve';

export interface FindingNotification {
  readonly finding: Finding;
  readonly action: NotificationAction;
  readonly alertname: string;
  readonly route: AlertRoute;
  /** The alert's severity (critical pages), not the finding's. */
  readonly severity: Severity;
  readonly team: string;
  /** Stable per problem and route: re-sends and the resolve collapse into one incident downstream. */
  readonly dedupKey: string;
  /** The finding in the API. */
  readonly url: string;
  readonly runbookUrl: string;
  /** Why this is a page, a ticket or a report now. */
  readonly reason: string;
}

export interface Receiver {
  /** For logs and metrics; never contains a secret. */
  readonly name: string;
  /** Sends per second this receiver takes, and bursts above it (default 1/s, bursts of 5). */
  readonly rate?: { readonly perSecond: number; readonly burst: number };
  send(notification: FindingNotification): Promise<void>;
  /** Sends the weekly report; absent where the channel cannot take one (PagerDuty pages people). */
  sendReport?(report: ReportDelivery): Promise<void>;
}

/** The weekly report as receivers send it. */
export interface ReportDelivery {
  readonly digest: ReportDigest;
  /** The report as an e-mail body (reports/render-email.ts). */
  readonly html: string;
  /** The digest as plain text (the e-mail's text part). */
  readonly text: string;
}

/**
 * One key per problem and route. A page and a ticket of the same finding need two: PagerDuty
 * folds a trigger into an open incident with the same key, so a page after a ticket (the loop
 * sped up) would not page anyone if they shared one.
 */
export function dedupKeyOf(finding: Finding, route: AlertRoute = 'ticket'): string {
  return route === 'page' ? `plimsoll-${finding.id}-page` : `plimsoll-${finding.id}`;
}
