// The weekly report in brief, for where planners read it (a chat channel, an inbox): the
// headline, the KPI figures, the top risks and the largest savings and increases, and a link to
// the full report. Every line is taken from the same functions as the report itself (kpiFigures,
// netText, the money and date formatters), so the digest and the report cannot disagree.
import { date, dateTime, money } from './format.js';
import type { ReportData, SavingRow } from './model.js';
import { kpiFigures, netText, type Kpi } from './tables.js';

/** Items of each list a digest shows; the full report has the rest. */
export const DIGEST_TOP = 5;

export interface DigestItem {
  /** What it is about: "shop/Deployment/cart (app)", "node n1". */
  readonly subject: string;
  /** The one line a reader needs: a risk's title, a saving's amount. */
  readonly text: string;
  readonly severity?: string | undefined;
}

export interface ReportDigest {
  readonly cluster: string;
  readonly week: string;
  /** "Capacity report · prod · 2026-W47". */
  readonly title: string;
  /** "2026-11-16 to 2026-11-22 (UTC)", "… · week to date". */
  readonly period: string;
  /** The full HTML report. */
  readonly url: string;
  readonly hasData: boolean;
  readonly partial: boolean;
  readonly generated: string;
  readonly headline: readonly string[];
  readonly kpis: readonly Kpi[];
  /** Savings, the cost of increases that remove risks, and the net. */
  readonly net: string;
  readonly risks: readonly DigestItem[];
  readonly riskCount: number;
  readonly savings: readonly DigestItem[];
  readonly increases: readonly DigestItem[];
}

export function reportTitle(data: Pick<ReportData, 'cluster' | 'week'>): string {
  return `Capacity report · ${data.cluster} · ${data.week}`;
}

export function reportPeriod(
  data: Pick<ReportData, 'window' | 'timezone' | 'partial' | 'hasData'>,
): string {
  const tz = data.timezone;
  const span = `${date(data.window.from, tz)} to ${date(data.window.to - 1, tz)} (${tz})`;
  return data.partial && data.hasData ? `${span} · week to date` : span;
}

export function reportDigest(data: ReportData, url: string): ReportDigest {
  const recommendation = (row: SavingRow, verb: string): DigestItem => ({
    subject: `${row.namespace}/${row.workloadKind}/${row.workload} (${row.container})`,
    text: `${verb} ${money(Math.abs(row.monthlySaving), data.currency)}/month`,
  });
  return {
    cluster: data.cluster,
    week: data.week,
    title: reportTitle(data),
    period: reportPeriod(data),
    url,
    hasData: data.hasData,
    partial: data.partial,
    generated: `${dateTime(data.generatedAt, data.timezone)} ${data.timezone}`,
    headline: data.headline,
    kpis: data.hasData ? kpiFigures(data) : [],
    net: data.savings.count + data.increases.count > 0 ? netText(data) : '',
    risks: data.risks.rows.slice(0, DIGEST_TOP).map((r) => ({
      subject: r.subject,
      text: r.title,
      severity: r.severity,
    })),
    riskCount: data.risks.count,
    savings: data.savings.rows.slice(0, DIGEST_TOP).map((r) => recommendation(r, 'saves')),
    increases: data.increases.rows.slice(0, DIGEST_TOP).map((r) => recommendation(r, 'adds')),
  };
}

/** The digest as plain text: the e-mail's text part, and what a log line can quote. */
export function digestText(d: ReportDigest): string {
  const lines = [d.title, d.period, ''];
  lines.push(...d.headline.map((l) => `- ${l}`), '');
  if (d.kpis.length > 0) {
    lines.push(...d.kpis.map((k) => `${k.label}: ${k.value} (${k.note})`), '');
  }
  const list = (title: string, items: readonly DigestItem[]) => {
    if (items.length === 0) return;
    lines.push(title);
    for (const item of items) {
      lines.push(`- ${item.severity ? `[${item.severity}] ` : ''}${item.subject}: ${item.text}`);
    }
    lines.push('');
  };
  list(`Top risks (${d.risks.length} of ${d.riskCount})`, d.risks);
  if (d.net) lines.push(d.net, '');
  list('Largest savings', d.savings);
  list('Increases that remove risks', d.increases);
  lines.push(`Full report: ${d.url}`, `Generated ${d.generated}.`);
  return `${lines.join('\n')}\n`;
}
