// Rendering: charts become SVG with marks on the server; every format carries the same figures;
// a week without data gives a stored report that says so (also from the command line).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { CommandFailed } from '../../cli/context.js';
import { capacityChart, reportCharts, trendChart } from '../../reports/charts.js';
import type { ReportData } from '../../reports/data.js';
import { generateWeeklyReport, reportId } from '../../reports/generate.js';
import { REPORT_SECTIONS } from '../../reports/render-html.js';
import { renderSvg } from '../../reports/render-svg.js';
import { isoWeekOf, lastCompleteWeek, shiftWeek } from '../../reports/week.js';
import { MemoryStore } from '../../store/memory.js';
import type { StoredReport } from '../../store/store.js';
import { reportProgram } from '../support/report-cli.js';
import { simulatedStore } from './fixture.js';

const markCount = (svg: string) => (svg.match(/class="mark-[a-z]+ role-mark/g) ?? []).length;

describe('report rendering', { timeout: 120_000 }, () => {
  let report: StoredReport;
  let data: ReportData;

  before(async () => {
    const { store, cluster, week, now } = await simulatedStore();
    report = await generateWeeklyReport(store, { cluster, week, now });
    data = JSON.parse(report.content.json) as ReportData;
  });

  it('renders vega-lite specs to SVG with marks, without a browser', async () => {
    for (const spec of [capacityChart(data, 'memory'), trendChart(data, 'cpu')]) {
      const chart = await renderSvg(spec);
      assert.match(
        chart.svg,
        /^<svg role="img" aria-label="[^"]+" xmlns="http:\/\/www\.w3\.org\/2000\/svg"/,
      );
      assert.ok(markCount(chart.svg) > 0, `${spec.id} has no mark group`);
      assert.match(chart.svg, /<path [^>]*d="M[^"]+"/, `${spec.id} draws no path`);
    }
  });

  it('inlines every chart and section in one self-contained HTML page', () => {
    const html = report.content.html;
    for (const { id, title } of REPORT_SECTIONS) {
      assert.ok(html.includes(`<section id="${id}"><h2>${title}</h2>`), `section ${id} missing`);
    }
    for (const chart of reportCharts(data)) {
      assert.ok(html.includes(`data-chart="${chart.id}"><h3>`), `chart ${chart.id} missing`);
    }
    assert.doesNotMatch(html, /<script|<link |src="http|href="http/);
    assert.match(html, /@media print/);
  });

  it('says the same numbers in JSON, CSV and Markdown', () => {
    const csv = report.content.csv.trim().split('\n');
    assert.equal(csv[0], 'week,cluster,section,scope,subject,metric,unit,value');
    const value = (section: string, scope: string, metric: string) =>
      Number(
        csv
          .find(
            (line) =>
              line.startsWith(`${data.week},${data.cluster},${section},${scope},`) &&
              line.includes(`,${metric},`),
          )
          ?.split(',')
          .pop(),
      );
    assert.equal(
      value('capacity', 'cluster', 'requests_cpu'),
      data.current.cluster.requests.cpuCores,
    );
    assert.equal(
      value('capacity', 'cluster', 'usage_p95_memory'),
      data.current.cluster.usagePeak.memoryBytes,
    );
    assert.equal(value('savings', 'cluster', 'monthly_saving_total'), data.savings.totalMonthly);
    const md = report.content.md;
    for (const { title } of REPORT_SECTIONS)
      assert.ok(md.includes(`## ${title}\n`), `md lacks ${title}`);
    for (const line of data.headline) assert.ok(md.includes(`- ${line}`), `md lacks "${line}"`);
    assert.equal(report.id, reportId(data.cluster, data.week));
    assert.equal(report.summary.savingsMonthly, data.savings.totalMonthly);
  });
});

describe('a week without data', () => {
  it('yields a stored report that says so, in every format', async () => {
    const store = new MemoryStore();
    const report = await generateWeeklyReport(store, {
      cluster: 'prod-eu',
      week: '2026-W47',
      now: Date.UTC(2026, 10, 24),
    });
    const stored = await store.report(report.id);
    assert.equal(stored?.id, 'weekly-2026-W47-prod-eu');
    assert.equal(report.summary.hasData, false);
    const data = JSON.parse(report.content.json) as ReportData;
    assert.equal(data.hasData, false);
    assert.deepEqual(reportCharts(data), []);
    assert.match(data.headline[0]!, /^No data for cluster prod-eu in 2026-W47/);
    assert.match(report.content.html, /<strong>No data\.<\/strong> No data for cluster prod-eu/);
    for (const { id } of REPORT_SECTIONS) {
      assert.ok(report.content.html.includes(`<section id="${id}">`), `section ${id} missing`);
    }
    assert.match(report.content.md, /No data for cluster prod-eu in 2026-W47/);
    assert.match(report.content.csv, /2026-W47,prod-eu,summary,cluster,,has_data,bool,0/);
  });

  it('keeps a CSV cell that a spreadsheet would run as a formula as text', async () => {
    const cluster = '=HYPERLINK("https://evil.example","open")';
    const report = await generateWeeklyReport(new MemoryStore(), {
      cluster,
      week: '2026-W47',
      now: Date.UTC(2026, 10, 24),
    });
    const line = report.content.csv.split('\n')[1]!;
    assert.equal(line.split(',"')[0], '2026-W47', 'the week is first');
    assert.ok(
      line.startsWith(`2026-W47,"'=HYPERLINK(""https://evil.example"",""open"")"`),
      `the cluster cell starts with a quote mark: ${line}`,
    );
  });

  /** Runs `plimsoll report …` on the embedded store (no config file); resolves or rejects. */
  async function plimsollReport(args: string[]): Promise<void> {
    const program = reportProgram();
    const previous = process.env.PLIMSOLL_CONFIG;
    delete process.env.PLIMSOLL_CONFIG;
    try {
      await program.parseAsync(['--log-level', 'silent', 'report', ...args], { from: 'user' });
    } finally {
      if (previous !== undefined) process.env.PLIMSOLL_CONFIG = previous;
    }
  }

  it('says a week without data has none and fails, unless --allow-empty', async () => {
    const week = lastCompleteWeek(Date.now());
    const dir = mkdtempSync(join(tmpdir(), 'plimsoll-report-'));
    const out = join(dir, 'report.md');
    try {
      await assert.rejects(
        plimsollReport(['--week', week, '--format', 'md', '--out', out]),
        (error: Error) =>
          error instanceof CommandFailed &&
          error.message.startsWith(`no data for cluster default in ${week}`) &&
          error.message.includes('--allow-empty'),
      );
      assert.equal(existsSync(out), false, 'nothing written');
      await plimsollReport(['--week', week, '--format', 'md', '--out', out, '--allow-empty']);
      const text = readFileSync(out, 'utf8');
      assert.match(text, new RegExp(`^# Capacity report · default · ${week}`));
      assert.match(text, new RegExp(`No data for cluster default in ${week}`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses weeks that have not started, are past retention or before 1970', async () => {
    const now = Date.now();
    const refused = (week: string, pattern: RegExp) =>
      assert.rejects(
        plimsollReport(['--week', week]),
        (error: Error) => pattern.test(error.message),
        `${week} is refused`,
      );
    await refused(
      shiftWeek(isoWeekOf(now), 2),
      /has not started yet \(it starts \d{4}-\d\d-\d\d 00:00 UTC\)/,
    );
    // The embedded store keeps 35 days (store.memoryRetentionDays).
    await refused(
      shiftWeek(isoWeekOf(now), -7),
      /before the store's retention of 35 days: its data has been deleted/,
    );
    await refused('0000-W01', /weeks before 1970 are not reported/);
  });

  it('refuses a malformed week with a message that shows the form', async () => {
    const program = reportProgram();
    await assert.rejects(
      program.parseAsync(['report', '--week', '2026-47'], { from: 'user' }),
      /expected e\.g\. 2026-W47/,
    );
  });
});
