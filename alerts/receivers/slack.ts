// Slack incoming webhook. The webhook URL is the secret: it is never logged (safeTarget).
import { postJson, type RetryPolicy } from '../../core/delivery.js';
import type { DigestItem } from '../../reports/digest.js';
import type { FindingNotification, Receiver, ReportDelivery } from './types.js';

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

/** Slack caps a section's text at 3,000 characters. */
const SECTION_LIMIT = 3000;

const mrkdwn = (text: string) => ({
  type: 'section',
  text: { type: 'mrkdwn', text: text.slice(0, SECTION_LIMIT) },
});

/** Slack's mrkdwn needs only these three escaped. */
const esc = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const items = (list: readonly DigestItem[]) =>
  list.map((i) => `• ${i.severity ? `[${i.severity}] ` : ''}*${esc(i.subject)}*: ${esc(i.text)}`);

/** The weekly report digest as Block Kit: headline, KPI fields, top risks, savings, a link. */
export function slackReportPayload({ digest: d }: ReportDelivery): Record<string, unknown> {
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: d.title.slice(0, 150) } },
    { type: 'context', elements: [{ type: 'mrkdwn', text: esc(d.period) }] },
    mrkdwn(d.headline.map((l) => `• ${esc(l)}`).join('\n')),
  ];
  if (d.kpis.length > 0) {
    blocks.push({
      type: 'section',
      fields: d.kpis.slice(0, 10).map((k) => ({
        type: 'mrkdwn',
        text: `*${esc(k.label)}*\n${esc(k.value)}\n_${esc(k.note)}_`,
      })),
    });
  }
  if (d.risks.length > 0) {
    blocks.push(
      mrkdwn([`*Top risks* (${d.risks.length} of ${d.riskCount})`, ...items(d.risks)].join('\n')),
    );
  }
  if (d.net) {
    blocks.push(
      mrkdwn(
        [
          `*Recommendations:* ${esc(d.net)}`,
          ...items(d.savings),
          ...(d.increases.length > 0
            ? ['_Increases that remove risks_', ...items(d.increases)]
            : []),
        ].join('\n'),
      ),
    );
  }
  blocks.push({
    type: 'actions',
    elements: [
      {
        type: 'button',
        text: { type: 'plain_text', text: 'Open the full report' },
        url: d.url,
      },
    ],
  });
  return { text: `${d.title}: ${d.headline[0] ?? ''}`.slice(0, SECTION_LIMIT), blocks };
}

export function slackReceiver(options: SlackOptions): Receiver {
  const post = async (payload: Record<string, unknown>) => {
    await postJson(options.webhookUrl, payload, options.retry ? { retry: options.retry } : {});
  };
  return {
    name: options.name ?? 'slack',
    ...(options.rate ? { rate: options.rate } : {}),
    send: (n) => post(slackPayload(n)),
    sendReport: (report) => post(slackReportPayload(report)),
  };
}
