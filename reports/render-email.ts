// The weekly report as an e-mail: what mail clients render (Gmail, Outlook, Apple Mail) — one
// 640-pixel table layout, every style inline, no <style>, no script, no SVG (Gmail drops it), no
// external image. It carries the summary a planner reads first (headline, KPI figures, top risks,
// savings and their net, cost by namespace, days to exhaustion), with the same tables and digits
// as the full report, and links to the full report for the charts.
import { DIGEST_TOP, type ReportDigest } from './digest.js';
import { pricesText } from './format.js';
import type { ReportData } from './model.js';
import { escapeHtml } from './render-html.js';
import {
  allocationTable,
  forecastTable,
  increasesTable,
  risksTable,
  savingsTable,
  type Table,
} from './tables.js';

const FONT = "font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif";
const INK = 'color:#1c2430';
const MUTED = 'color:#5b6776';
const RULE = 'border-bottom:1px solid #e3e7ec';
const SEVERITY_COLOURS: Record<string, string> = {
  critical: '#b3261e',
  warning: '#a15c00',
  info: '#2f5d9b',
};

const p = (text: string, style = '') =>
  `<p style="margin:0 0 12px;${FONT};font-size:14px;line-height:20px;${INK};${style}">${escapeHtml(text)}</p>`;

const heading = (text: string) =>
  `<h2 style="margin:24px 0 8px;${FONT};font-size:17px;line-height:22px;${INK}">${escapeHtml(text)}</h2>`;

function table(t: Table, rows = DIGEST_TOP): string {
  const numeric = new Set(t.numeric);
  const cell = (tag: 'th' | 'td', text: string, i: number) => {
    const align = numeric.has(i) ? 'right' : 'left';
    const weight = tag === 'th' ? 'font-weight:600;' : '';
    const colour =
      tag === 'td' && t.head[i] === 'Severity' && SEVERITY_COLOURS[text]
        ? `color:${SEVERITY_COLOURS[text]};font-weight:600;`
        : tag === 'th'
          ? `${MUTED};`
          : `${INK};`;
    return `<${tag} align="${align}" style="padding:6px 8px;${RULE};${FONT};font-size:12px;line-height:16px;text-align:${align};vertical-align:top;${weight}${colour}">${escapeHtml(text)}</${tag}>`;
  };
  const shown = t.rows.slice(0, rows);
  return (
    `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="border-collapse:collapse;margin:0 0 8px">` +
    `<tr>${t.head.map((h, i) => cell('th', h, i)).join('')}</tr>` +
    shown.map((row) => `<tr>${row.map((c, i) => cell('td', c, i)).join('')}</tr>`).join('') +
    '</table>' +
    (t.rows.length > shown.length
      ? p(
          `… and ${t.rows.length - shown.length} more in the full report.`,
          `${MUTED};font-size:12px`,
        )
      : '')
  );
}

/** The e-mail of the report whose digest is `d` (its link is where the full report is). */
export function renderEmailHtml(data: ReportData, d: ReportDigest): string {
  const reportUrl = d.url;
  const link = (text: string) =>
    `<a href="${escapeHtml(reportUrl)}" style="color:#2f5d9b;text-decoration:underline">${escapeHtml(text)}</a>`;
  const parts: string[] = [];
  parts.push(
    `<h1 style="margin:0 0 4px;${FONT};font-size:22px;line-height:28px;${INK}">${escapeHtml(d.title)}</h1>`,
    p(d.period, `${MUTED};font-size:13px`),
  );
  if (d.kpis.length > 0) {
    const cells = d.kpis.map(
      (k) =>
        `<td valign="top" style="padding:10px 8px;border:1px solid #e3e7ec;background:#f6f8fa;${FONT}">` +
        `<div style="font-size:11px;line-height:14px;text-transform:uppercase;letter-spacing:.04em;${MUTED}">${escapeHtml(k.label)}</div>` +
        `<div style="font-size:18px;line-height:24px;font-weight:600;${INK}">${escapeHtml(k.value)}</div>` +
        `<div style="font-size:11px;line-height:14px;${MUTED}">${escapeHtml(k.note)}</div></td>`,
    );
    // Two or three cards a row: a phone's mail client is about 360 pixels wide.
    const rows: string[] = [];
    for (let i = 0; i < cells.length; i += 3)
      rows.push(`<tr>${cells.slice(i, i + 3).join('')}</tr>`);
    parts.push(
      `<table role="presentation" width="100%" cellpadding="0" cellspacing="6" border="0" style="margin:8px 0 12px">${rows.join('')}</table>`,
    );
  }
  parts.push(
    `<ul style="margin:0 0 12px;padding-left:20px">${d.headline
      .map(
        (l) =>
          `<li style="margin:0 0 6px;${FONT};font-size:14px;line-height:20px;${INK}">${escapeHtml(l)}</li>`,
      )
      .join('')}</ul>`,
  );
  if (data.hasData) {
    parts.push(heading('Top risks'));
    parts.push(data.risks.count > 0 ? table(risksTable(data)) : p('No risk was active this week.'));
    parts.push(heading('Recommendations'));
    if (d.net) {
      parts.push(p(d.net));
      if (data.savings.rows.length > 0) parts.push(table(savingsTable(data)));
      if (data.increases.rows.length > 0) parts.push(table(increasesTable(data)));
    } else {
      parts.push(p('No right-sizing recommendation was open this week.'));
    }
    if (data.allocation.namespaces.length > 0) {
      parts.push(heading('Cost by namespace'));
      parts.push(table(allocationTable(data.allocation.namespaces, 'Namespace', data.currency)));
    }
    if (data.forecasts.length > 0) {
      parts.push(heading('Days to exhaustion'));
      parts.push(table(forecastTable(data), 8));
    }
  }
  parts.push(
    `<p style="margin:24px 0 12px;${FONT};font-size:14px;line-height:20px">${link('Open the full report')} (charts, every table, the method).</p>`,
    p(`Generated ${d.generated}. Prices: ${pricesText(data.method)}.`, `${MUTED};font-size:12px`),
  );
  // The first headline line is what an inbox shows beside the subject.
  const preheader = `<div style="display:none;max-height:0;overflow:hidden;mso-hide:all">${escapeHtml(d.headline[0] ?? '')}</div>`;
  return (
    '<!DOCTYPE html>\n' +
    `<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(d.title)}</title></head>` +
    `<body style="margin:0;padding:0;background:#ffffff">${preheader}` +
    `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0"><tr><td align="center" style="padding:16px">` +
    `<table role="presentation" width="640" cellpadding="0" cellspacing="0" border="0" style="max-width:640px;width:100%"><tr><td style="text-align:left">` +
    parts.join('\n') +
    '</td></tr></table></td></tr></table></body></html>\n'
  );
}
