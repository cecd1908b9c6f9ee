// Slack incoming webhook. The webhook URL is the secret: it is never logged (safeTarget).
import { postJson, type RetryPolicy } from './delivery.js';
import type { FindingNotification, Receiver } from './types.js';

export interface SlackOptions {
  readonly webhookUrl: string;
  readonly retry?: Partial<RetryPolicy>;
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
      : `${ICON[f.severity]} ${f.title}`;
  const body =
    n.action === 'resolve'
      ? `Cleared. <${n.url}|Finding>`
      : `${f.explanation}\n*Next step:* ${f.recommendation}\n<${n.url}|Finding>`;
  return {
    text: head,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${head}*\n${body}` } },
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: `${f.kind} · ${f.severity} · team ${n.team} · cluster ${f.subject.cluster}`,
          },
        ],
      },
    ],
  };
}

export function slackReceiver(options: SlackOptions): Receiver {
  return {
    name: 'slack',
    async send(n) {
      await postJson(
        options.webhookUrl,
        slackPayload(n),
        options.retry ? { retry: options.retry } : {},
      );
    },
  };
}
