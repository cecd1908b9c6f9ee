// What a direct receiver gets: one finding opening or resolving, already routed to a team.
import type { Finding } from '../../core/domain.js';

export type NotificationAction = 'trigger' | 'resolve';

export interface FindingNotification {
  readonly finding: Finding;
  readonly action: NotificationAction;
  readonly team: string;
  /** Stable per finding: re-sends and the resolve collapse into one incident downstream. */
  readonly dedupKey: string;
  /** The finding in the API. */
  readonly url: string;
}

export interface Receiver {
  /** For logs and metrics; never contains a secret. */
  readonly name: string;
  send(notification: FindingNotification): Promise<void>;
}

export function dedupKeyOf(finding: Finding): string {
  return `plimsoll-${finding.id}`;
}
