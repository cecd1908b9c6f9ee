// Generic webhook: the finding as JSON, signed with HMAC-SHA256 when a secret is configured so
// the receiver can check it came from Plimsoll (header X-Plimsoll-Signature: sha256=<hex>).
import { createHmac } from 'node:crypto';
import { postJson, safeTarget, type RetryPolicy } from './delivery.js';
import type { FindingNotification, Receiver } from './types.js';

export interface WebhookOptions {
  readonly url: string;
  readonly secret?: string;
  readonly retry?: Partial<RetryPolicy>;
}

export function webhookPayload(n: FindingNotification): Record<string, unknown> {
  const f = n.finding;
  return {
    version: '1',
    status: n.action === 'trigger' ? 'firing' : 'resolved',
    dedupKey: n.dedupKey,
    team: n.team,
    url: n.url,
    finding: {
      id: f.id,
      kind: f.kind,
      category: f.category,
      severity: f.severity,
      subject: f.subject,
      title: f.title,
      explanation: f.explanation,
      recommendation: f.recommendation,
      window: f.window,
      firstSeen: f.firstSeen,
      lastSeen: f.lastSeen,
      resolvedAt: f.resolvedAt,
    },
  };
}

export function webhookReceiver(options: WebhookOptions): Receiver {
  return {
    name: `webhook ${safeTarget(options.url)}`,
    async send(n) {
      const payload = webhookPayload(n);
      const headers: Record<string, string> = {};
      if (options.secret) {
        const mac = createHmac('sha256', options.secret).update(JSON.stringify(payload));
        headers['x-plimsoll-signature'] = `sha256=${mac.digest('hex')}`;
      }
      await postJson(options.url, payload, {
        headers,
        ...(options.retry ? { retry: options.retry } : {}),
      });
    },
  };
}
