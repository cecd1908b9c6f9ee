// PagerDuty Events API v2: trigger and resolve one incident per problem and route through its
// dedup_key. The routing key travels in the body and is never logged.
import { postJson, type RetryPolicy } from '../../core/delivery.js';
import type { FindingNotification, Receiver } from './types.js';

export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

export interface PagerDutyOptions {
  readonly routingKey: string;
  readonly name?: string;
  /** Overridable for tests and EU accounts. */
  readonly url?: string;
  readonly retry?: Partial<RetryPolicy>;
  readonly rate?: Receiver['rate'];
}

export function pagerDutyEvent(
  routingKey: string,
  n: FindingNotification,
): Record<string, unknown> {
  const f = n.finding;
  if (n.action === 'resolve') {
    return { routing_key: routingKey, event_action: 'resolve', dedup_key: n.dedupKey };
  }
  const s = f.subject;
  const source =
    s.type === 'node'
      ? s.node
      : s.type === 'cluster'
        ? s.cluster
        : `${s.workload.namespace}/${s.workload.name}`;
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: n.dedupKey,
    payload: {
      summary: f.title.slice(0, 1024),
      source,
      severity: n.severity,
      timestamp: new Date(f.lastSeen).toISOString(),
      component: s.type === 'workload_container' ? s.container : undefined,
      group: s.cluster,
      class: n.alertname,
      custom_details: {
        explanation: f.explanation,
        recommendation: f.recommendation,
        reason: n.reason,
        route: n.route,
        category: f.category,
        team: n.team,
        finding_id: f.id,
      },
    },
    links: [
      { href: n.url, text: 'Plimsoll finding' },
      { href: n.runbookUrl, text: 'Runbook' },
    ],
  };
}

export function pagerDutyReceiver(options: PagerDutyOptions): Receiver {
  return {
    name: options.name ?? 'pagerduty',
    ...(options.rate ? { rate: options.rate } : {}),
    async send(n) {
      await postJson(options.url ?? PAGERDUTY_EVENTS_URL, pagerDutyEvent(options.routingKey, n), {
        ...(options.retry ? { retry: options.retry } : {}),
      });
    },
  };
}
