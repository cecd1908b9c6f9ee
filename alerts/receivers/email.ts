// E-mail over SMTP (nodemailer): alert notifications as short plain-text mails, and the weekly
// report as an e-mail-ready HTML body with a plain-text part. `smtp://host:587` upgrades with
// STARTTLS when the server offers it, `smtps://host:465` is TLS from the start. Credentials come
// from files, never from the URL, so errors and logs name the server only. A temporary refusal
// (SMTP 4xx) or a network error is retried with backoff; a permanent one (5xx) fails at once, and
// so does a mail some recipients were refused (the others have it already).
import nodemailer from 'nodemailer';
import { DeliveryError, withRetries, type Attempt, type RetryPolicy } from '../../core/delivery.js';
import type { FindingNotification, Receiver } from './types.js';

export interface EmailOptions {
  /** smtp://host[:port] or smtps://host[:port]. */
  readonly smtpUrl: string;
  readonly from: string;
  readonly to: readonly string[];
  readonly auth?: { readonly user: string; readonly pass: string } | undefined;
  readonly name?: string;
  readonly retry?: Partial<RetryPolicy>;
  readonly rate?: Receiver['rate'];
  /** Injected by tests to skip real waiting. */
  readonly sleep?: (ms: number) => Promise<unknown>;
}

interface Mail {
  readonly subject: string;
  readonly text: string;
  readonly html?: string;
}

/** "smtp://mail.example.com:587" without a path or credentials; undefined if it is not one. */
export function smtpTarget(
  url: string,
): { secure: boolean; host: string; port: number } | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'smtp:' && parsed.protocol !== 'smtps:') return undefined;
  if (parsed.username || parsed.password || !parsed.hostname) return undefined;
  const secure = parsed.protocol === 'smtps:';
  const port = parsed.port ? Number(parsed.port) : secure ? 465 : 587;
  // URL keeps IPv6 hosts in brackets; the socket wants them bare.
  return { secure, host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'), port };
}

export function notificationMail(n: FindingNotification): Mail {
  const f = n.finding;
  const subject = n.action === 'resolve' ? `Resolved: ${f.title}` : `[${n.route}] ${f.title}`;
  const text =
    n.action === 'resolve'
      ? `${f.title}\n\nCleared.\n\nFinding: ${n.url}\n`
      : [
          f.title,
          '',
          f.explanation,
          '',
          `Next step: ${f.recommendation}`,
          '',
          n.reason,
          '',
          `${n.alertname} · ${n.severity} · team ${n.team} · cluster ${f.subject.cluster}`,
          `Finding: ${n.url}`,
          `Runbook: ${n.runbookUrl}`,
          '',
        ].join('\n');
  return { subject: subject.slice(0, 200), text };
}

export function emailReceiver(options: EmailOptions): Receiver {
  const target = smtpTarget(options.smtpUrl);
  if (!target)
    throw new Error('email receiver: smtpUrl must be smtp://host[:port] or smtps://host[:port]');
  const shown = `${target.secure ? 'smtps' : 'smtp'}://${target.host}:${target.port}`;
  const transport = nodemailer.createTransport({
    host: target.host,
    port: target.port,
    secure: target.secure,
    ...(options.auth ? { auth: { user: options.auth.user, pass: options.auth.pass } } : {}),
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
  const deliver = (mail: Mail): Promise<void> =>
    withRetries(shown, options, async (attempt): Promise<Attempt<void>> => {
      try {
        const info = await transport.sendMail({
          from: options.from,
          to: [...options.to],
          subject: mail.subject,
          text: mail.text,
          ...(mail.html !== undefined ? { html: mail.html } : {}),
        });
        // Some recipients took it: sending again would repeat it to them, so say who did not.
        const refused = info.rejected.length;
        if (refused > 0) {
          throw new DeliveryError(
            `${shown} refused ${refused} of ${options.to.length} recipients; the others got the mail`,
            shown,
            undefined,
            attempt,
          );
        }
        return { done: undefined };
      } catch (error) {
        if (error instanceof DeliveryError) throw error;
        const code = (error as { responseCode?: number }).responseCode;
        const reason = code ? `SMTP ${code}` : 'network error';
        // 5xx: the server will not take this message however often it is sent.
        if (code !== undefined && code >= 500) {
          throw new DeliveryError(`${shown} rejected the mail (${reason})`, shown, code, attempt);
        }
        return { retry: reason };
      }
    });

  return {
    name: options.name ?? `email ${shown}`,
    ...(options.rate ? { rate: options.rate } : {}),
    send: (n) => deliver(notificationMail(n)),
    sendReport: (report) =>
      deliver({
        subject: `${report.digest.title}${report.digest.partial ? ' (week to date)' : ''}`,
        text: report.text,
        html: report.html,
      }),
  };
}
