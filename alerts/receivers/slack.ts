// Slack incoming webhook. The webhook URL is the secret: it is never logged (safeTarget).
import { postJson, type RetryPolicy } from './delivery.js';
import type { FindingNotification, Receiver } from './types.js';

export interface SlackOptions {
  readonly webhookUrl: string;
  readonly name?: string;
  readonly retry?: Partial<RetryPolicy>;
  readonly rate?: Receiver['rate'];
}

const ICON = {
  critical: ':red_circle:',
  warning: ':large_orange_circle:',
  info: ':large_blue_circle:',
};

export function slackPayload(n: FindingNotification): Record<string, unknown> {
  const f = n.finding;
  const head =
    n.action === 'resolve'
      ? `:white_check_mark: Resolved: ${f.title}`
      : `${ICON[n.severity]} [${n.route}] ${f.title}`;
  const links = `<${n.url}|Finding> · <${n.runbookUrl}|Runbook>`;
  const body =
    n.action === 'resolve'
      ? `Cleared. ${links}`
      : `${f.explanation}\n*Next step:* ${f.recommendation}\n_${n.reason}_\n${links}`;
  return {
    text: head,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${head}*\n${body}` } },
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: `${n.alertname} · ${n.severity} · team ${n.team} · cluster ${f.subject.cluster}`,
          },
        ],
      },
    ],
  };
}

export function slackReceiver(options: SlackOptions): Receiver {
  return {
    name: options.name ?? 'slack',
    ...(options.rate ? { rate: options.rate } : {}),
    async send(n) {
      await postJson(
        options.webhookUrl,
        slackPayload(n),
        options.retry ? { retry: options.retry } : {},
      );
    },
  };
}
