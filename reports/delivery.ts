// Sends a stored weekly report to the receivers named in report.deliver: a digest to chat
// (Slack, DingTalk), the e-mail-ready HTML by mail, both to a webhook. One receiver failing does
// not stop the others; each outcome is returned and logged (never with a receiver's URL).
import type { Receiver, ReportDelivery } from '../alerts/receivers/types.js';
import type { Logger } from '../core/logger.js';
import type { StoredReport } from '../store/store.js';
import { digestText, reportDigest } from './digest.js';
import { REPORT_FORMATS, type ReportFormat } from './generate.js';
import type { ReportData } from './model.js';
import { renderEmailHtml } from './render-email.js';

/** What a stored report can be read as: its stored formats, and the e-mail rendered from its data. */
export type ReportView = ReportFormat | 'email';
export const REPORT_VIEWS: readonly ReportView[] = [...REPORT_FORMATS, 'email'];

export interface DeliveryOutcome {
  readonly receiver: string;
  readonly ok: boolean;
  readonly error?: string | undefined;
}

/** Where the full HTML report is served by the API at `baseUrl`. */
export function reportLink(baseUrl: string, id: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/api/v1/reports/${encodeURIComponent(id)}?format=html`;
}

function dataOf(report: StoredReport): ReportData {
  return JSON.parse(report.content.json) as ReportData;
}

/** The report in one of its views; the e-mail links to the full report at `baseUrl`. */
export function reportView(report: StoredReport, view: ReportView, baseUrl: string): string {
  return view === 'email' ? reportDelivery(report, baseUrl).html : report.content[view];
}

export function reportDelivery(report: StoredReport, baseUrl: string): ReportDelivery {
  const url = reportLink(baseUrl, report.id);
  const data = dataOf(report);
  const digest = reportDigest(data, url);
  return { digest, html: renderEmailHtml(data, digest), text: digestText(digest) };
}

export async function deliverReport(
  report: StoredReport,
  receivers: readonly Receiver[],
  options: { baseUrl: string; logger: Logger },
): Promise<DeliveryOutcome[]> {
  if (receivers.length === 0) return [];
  const delivery = reportDelivery(report, options.baseUrl);
  const outcomes: DeliveryOutcome[] = [];
  for (const receiver of receivers) {
    try {
      if (!receiver.sendReport) throw new Error('this receiver cannot take a report');
      await receiver.sendReport(delivery);
      outcomes.push({ receiver: receiver.name, ok: true });
      options.logger.info({ receiver: receiver.name, reportId: report.id }, 'weekly report sent');
    } catch (error) {
      // DeliveryError messages name the host only.
      const message = (error as Error).message;
      outcomes.push({ receiver: receiver.name, ok: false, error: message });
      options.logger.warn(
        { receiver: receiver.name, reportId: report.id, err: { message } },
        'weekly report not sent',
      );
    }
  }
  return outcomes;
}
