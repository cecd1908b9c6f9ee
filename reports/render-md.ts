// The Markdown report: the same sections and tables as the HTML, without charts (a chat message
// or a merge request renders tables, not SVG).
import { reportTitle } from './digest.js';
import { bytes, coresText, date, dateTime, pricesText } from './format.js';
import type { ReportData } from './model.js';
import { REPORT_SECTIONS, type SectionId } from './render-html.js';
import {
  capacityTable,
  changesTable,
  flappingTable,
  forecastTable,
  overheadTable,
  risksTable,
  allocationTable,
  allocationText,
  increasesTable,
  netText,
  savingsTable,
  strandedTable,
  type Table,
} from './tables.js';

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function table(t: Table): string {
  if (t.rows.length === 0) return '';
  const align = t.head.map((_, i) => (t.numeric.includes(i) ? '---:' : '---'));
  return [
    `| ${t.head.map(cell).join(' | ')} |`,
    `| ${align.join(' | ')} |`,
    ...t.rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
    '',
  ].join('\n');
}

const heading = (id: SectionId) => `## ${REPORT_SECTIONS.find((s) => s.id === id)!.title}\n`;

export function renderMarkdown(data: ReportData): string {
  const tz = data.timezone;
  const noData = '_No data for this week._\n';
  const out: string[] = [
    `# ${reportTitle(data)}\n`,
    `${date(data.window.from, tz)} to ${date(data.window.to - 1, tz)} (${tz})${data.partial ? ' · week to date' : ''}. Generated ${dateTime(data.generatedAt, tz)} ${tz}.\n`,
  ];
  out.push(heading('summary'), ...data.headline.map((l) => `- ${l}`), '');
  out.push(heading('capacity'), data.current.pools.length ? table(capacityTable(data)) : noData);
  if (data.current.unscheduledPods > 0) {
    out.push(
      `${data.current.unscheduledPods} pod(s) were waiting for a node at the end of the week, requesting ${coresText(data.current.unscheduledRequests.cpuCores)} and ${bytes(data.current.unscheduledRequests.memoryBytes)}.\n`,
    );
  }
  out.push(heading('trend'), data.forecasts.length ? table(forecastTable(data)) : noData);
  out.push(
    heading('savings'),
    data.savings.count + data.increases.count > 0
      ? [
          `${netText(data)}\n`,
          ...(data.savings.rows.length ? ['**Savings**\n', table(savingsTable(data))] : []),
          ...(data.increases.rows.length
            ? ['**Increases that remove risks**\n', table(increasesTable(data))]
            : []),
        ].join('\n')
      : data.hasData
        ? '_No right-sizing recommendation was open this week._\n'
        : noData,
  );
  out.push(
    heading('risks'),
    data.risks.rows.length
      ? table(risksTable(data))
      : data.hasData
        ? '_No OOM loop, under-requested container, tight limit or saturated pool this week._\n'
        : noData,
  );
  out.push(
    heading('incidents'),
    data.flapping.length
      ? table(flappingTable(data))
      : data.hasData
        ? '_No node flapped under memory pressure this week._\n'
        : noData,
  );
  out.push(
    heading('allocation'),
    data.allocation.namespaceCount
      ? `${allocationText(data)}\n\n${table(allocationTable(data.allocation.namespaces, 'Namespace', data.currency))}\n${table(allocationTable(data.allocation.teams, 'Team', data.currency))}`
      : noData,
  );
  out.push(
    heading('overhead'),
    data.overhead.length
      ? `### Node overhead\n\n${table(overheadTable(data))}\n### Stranded capacity\n\n${table(strandedTable(data))}`
      : noData,
  );
  out.push(heading('changes'), data.hasData ? table(changesTable(data)) : noData);
  const m = data.method;
  out.push(
    heading('method'),
    `- Window: ${dateTime(m.window.from, tz)} to ${dateTime(m.window.to, tz)} (${tz}); trend weeks ${m.trendWeeks.join(', ')}`,
    `- Usage metrics: ${m.usageMetrics.join(', ')}; percentile p${m.percentile}`,
    `- Prices: ${pricesText(m)}`,
    ...m.notes.map((n) => `- ${n}`),
    '',
  );
  return out.join('\n');
}
