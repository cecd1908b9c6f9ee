// DingTalk custom robot: markdown messages, signed when the robot has a secret (timestamp + HMAC
// in the query string, as DingTalk requires). DingTalk answers HTTP 200 with an errcode; 130101
// (sending too fast) is retried, other codes fail. The access token is never logged.
import { createHmac } from 'node:crypto';
import { postJson, type RetryPolicy } from '../../core/delivery.js';
import type { FindingNotification, Receiver, ReportDelivery } from './types.js';

export interface DingTalkOptions {
  /** https://oapi.dingtalk.com/robot/send?access_token=... */
  readonly webhookUrl: string;
  readonly secret?: string;
  readonly name?: string;
  readonly retry?: Partial<RetryPolicy>;
  readonly rate?: Receiver['rate'];
  readonly now?: () => number;
}

export function dingTalkMessage(n: FindingNotification): Record<string, unknown> {
  const f = n.finding;
  const title = n.action === 'resolve' ? `Resolved: ${f.title}` : `[${n.route}] ${f.title}`;
  const links = `[Finding](${n.url}) · [Runbook](${n.runbookUrl})`;
  const text =
    n.action === 'resolve'
      ? `### ${title}\n\n${links}`
      : `### ${title}\n\n${f.explanation}\n\n**Next step:** ${f.recommendation}\n\n${n.reason}\n\n${links} · team ${n.team}`;
  return { msgtype: 'markdown', markdown: { title: title.slice(0, 64), text } };
}

/** The weekly report digest as a DingTalk markdown message. */
export function dingTalkReportMessage({ digest: d }: ReportDelivery): Record<string, unknown> {
  const list = (items: ReportDelivery['digest']['risks']) =>
    items.map((i) => `- ${i.severity ? `[${i.severity}] ` : ''}**${i.subject}**: ${i.text}`);
  const text = [
    `### ${d.title}`,
    d.period,
    d.headline.map((l) => `- ${l}`).join('\n'),
    d.kpis.map((k) => `- **${k.label}:** ${k.value} (${k.note})`).join('\n'),
    d.risks.length > 0
      ? [`**Top risks** (${d.risks.length} of ${d.riskCount})`, ...list(d.risks)].join('\n')
      : '',
    d.net
      ? [`**Recommendations:** ${d.net}`, ...list(d.savings), ...list(d.increases)].join('\n')
      : '',
    `[Open the full report](${d.url})`,
  ]
    .filter(Boolean)
    .join('\n\n');
  return { msgtype: 'markdown', markdown: { title: d.title.slice(0, 64), text } };
}

export function signedUrl(webhookUrl: string, secret: string, timestamp: number): string {
  const sign = createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64');
  const url = new URL(webhookUrl);
  url.searchParams.set('timestamp', String(timestamp));
  url.searchParams.set('sign', sign);
  return url.toString();
}

export function dingTalkReceiver(options: DingTalkOptions): Receiver {
  const post = async (message: Record<string, unknown>) => {
    const url = options.secret
      ? signedUrl(options.webhookUrl, options.secret, (options.now ?? Date.now)())
      : options.webhookUrl;
    await postJson(url, message, {
      ...(options.retry ? { retry: options.retry } : {}),
      judge: (_status, body) => {
        const code = (JSON.parse(body || '{}') as { errcode?: number }).errcode ?? 0;
        return code === 0 ? 'ok' : code === 130101 ? 'retry' : 'fail';
      },
    });
  };
  return {
    name: options.name ?? 'dingtalk',
    ...(options.rate ? { rate: options.rate } : {}),
    send: (n) => post(dingTalkMessage(n)),
    sendReport: (report) => post(dingTalkReportMessage(report)),
  };
}
