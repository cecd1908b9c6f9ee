// Generic webhook: the alert as JSON, signed when a secret is configured so the receiver can
// check it came from Plimsoll and is fresh. The signature covers a timestamp as well as the body
// (HMAC-SHA256 over `<timestamp>.<body>`, as Stripe and Slack sign theirs): a captured request
// replayed later carries an old timestamp, and changing the timestamp breaks the signature.
//   X-Plimsoll-Timestamp: <unix seconds>
//   X-Plimsoll-Signature: sha256=<hex>
import { createHmac, timingSafeEqual } from 'node:crypto';
import { postJson, safeTarget, type RetryPolicy } from '../../core/delivery.js';
import type { FindingNotification, Receiver, ReportDelivery } from './types.js';

export const TIMESTAMP_HEADER = 'x-plimsoll-timestamp';
export const SIGNATURE_HEADER = 'x-plimsoll-signature';
/** How old a signed request may be when it arrives (and how far ahead, for clock skew). */
export const DEFAULT_TOLERANCE_MS = 5 * 60_000;

export interface WebhookOptions {
  readonly url: string;
  readonly secret?: string;
  readonly name?: string;
  readonly retry?: Partial<RetryPolicy>;
  readonly rate?: Receiver['rate'];
  readonly now?: () => number;
}

export function webhookPayload(n: FindingNotification): Record<string, unknown> {
  const f = n.finding;
  return {
    version: '2',
    status: n.action === 'trigger' ? 'firing' : 'resolved',
    alertname: n.alertname,
    route: n.route,
    severity: n.severity,
    dedupKey: n.dedupKey,
    team: n.team,
    url: n.url,
    runbookUrl: n.runbookUrl,
    reason: n.reason,
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

/** The weekly report: the digest, and the e-mail-ready HTML for receivers that mail it on. */
export function webhookReportPayload(report: ReportDelivery): Record<string, unknown> {
  return { version: '2', type: 'weekly_report', digest: report.digest, html: report.html };
}

/** `sha256=<hex>` of HMAC-SHA256(secret, `${timestamp}.${body}`). */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export interface VerifyInput {
  readonly secret: string;
  /** The raw request body, exactly as received. */
  readonly body: string;
  readonly timestamp: string | undefined;
  readonly signature: string | undefined;
  readonly now?: number;
  readonly toleranceMs?: number;
}

export type VerifyResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/**
 * For the receiving side: accepts a request only if its signature matches and its timestamp is
 * within the tolerance of now (default 5 min either way). Compares in constant time.
 */
export function verifyWebhookSignature(input: VerifyInput): VerifyResult {
  const { timestamp, signature } = input;
  if (!timestamp || !/^\d{1,15}$/.test(timestamp)) return { ok: false, reason: 'no timestamp' };
  if (!signature) return { ok: false, reason: 'no signature' };
  const age = (input.now ?? Date.now()) - Number(timestamp) * 1000;
  if (Math.abs(age) > (input.toleranceMs ?? DEFAULT_TOLERANCE_MS)) {
    return { ok: false, reason: age > 0 ? 'timestamp too old' : 'timestamp in the future' };
  }
  const expected = Buffer.from(webhookSignature(input.secret, timestamp, input.body));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'signature mismatch' };
  }
  return { ok: true };
}

export function webhookReceiver(options: WebhookOptions): Receiver {
  const post = async (payload: Record<string, unknown>) => {
    const headers: Record<string, string> = {};
    if (options.secret) {
      // Signed once per message: retries reuse it, and they end well within the tolerance.
      const timestamp = String(Math.floor((options.now ?? Date.now)() / 1000));
      headers[TIMESTAMP_HEADER] = timestamp;
      // postJson sends JSON.stringify(payload): the same bytes as signed here.
      headers[SIGNATURE_HEADER] = webhookSignature(
        options.secret,
        timestamp,
        JSON.stringify(payload),
      );
    }
    await postJson(options.url, payload, {
      headers,
      ...(options.retry ? { retry: options.retry } : {}),
    });
  };
  return {
    name: options.name ?? `webhook ${safeTarget(options.url)}`,
    ...(options.rate ? { rate: options.rate } : {}),
    send: (n) => post(webhookPayload(n)),
    sendReport: (report) => post(webhookReportPayload(report)),
  };
}
