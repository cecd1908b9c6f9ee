// Generates the weekly report in every format and stores it. The id depends only on cluster and
// week, so generating a week again (a re-run, a second replica, a CLI call) replaces the stored
// report instead of adding another.
import { stableId } from '../core/envelope.js';
import type { Store, StoredReport } from '../store/store.js';
import { reportCharts } from './charts.js';
import { gatherReportData, type ReportOptions } from './data.js';
import type { ReportData } from './model.js';
import { renderCsv } from './render-csv.js';
import { renderHtml } from './render-html.js';
import { renderMarkdown } from './render-md.js';
import { renderCharts } from './render-svg.js';

export type ReportFormat = 'html' | 'md' | 'json' | 'csv';
export const REPORT_FORMATS: readonly ReportFormat[] = ['html', 'md', 'json', 'csv'];

/** "weekly-2026-W47-prod-eu" (readable in URLs); a hash replaces characters a URL would escape. */
export function reportId(cluster: string, week: string): string {
  const slug = cluster
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  const exact = slug === cluster ? '' : `-${stableId('report', cluster).slice(0, 8)}`;
  return `weekly-${week}-${slug || 'cluster'}${exact}`;
}

/** The summary the API lists reports by: headline figures, no rendering. */
export function reportSummary(data: ReportData): Record<string, unknown> {
  const c = data.current.cluster;
  return {
    hasData: data.hasData,
    partial: data.partial,
    timezone: data.timezone,
    window: data.window,
    headline: data.headline,
    nodes: c.nodes,
    allocatable: c.allocatable,
    requests: c.requests,
    usageMean: c.usageMean,
    usagePeak: c.usagePeak,
    savingsMonthly: data.savings.totalMonthly,
    increasesMonthly: data.increases.totalMonthly,
    netMonthly: data.netMonthly,
    risks: data.risks.count,
    oomLoops: data.findingCounts.current.oomLoops,
    flappingIncidents: data.flapping.length,
  };
}

export async function renderReport(data: ReportData): Promise<StoredReport['content']> {
  const charts = await renderCharts(reportCharts(data));
  return {
    html: renderHtml(data, charts),
    md: renderMarkdown(data),
    json: `${JSON.stringify(data, null, 2)}\n`,
    csv: renderCsv(data),
  };
}

/** Gathers and renders the week's report without storing it; a week without data says so. */
export async function buildWeeklyReport(
  store: Store,
  options: ReportOptions,
): Promise<StoredReport> {
  const data = await gatherReportData(store, options);
  return {
    id: reportId(data.cluster, data.week),
    cluster: data.cluster,
    week: data.week,
    generatedAt: data.generatedAt,
    summary: reportSummary(data),
    content: await renderReport(data),
  };
}

/** Gathers, renders and stores (putReport) the week's report. */
export async function generateWeeklyReport(
  store: Store,
  options: ReportOptions,
): Promise<StoredReport> {
  const report = await buildWeeklyReport(store, options);
  await store.putReport(report);
  return report;
}
