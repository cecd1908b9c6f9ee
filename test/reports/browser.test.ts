// Acceptance: the HTML report opened in a real headless Chromium (Debian's, driven by
// playwright-core) shows every section and every chart with drawn marks, and the full page is
// saved as test-results/report.png for CI to keep as an artifact. A missing Chromium fails the
// test with the command that installs it: a skipped browser test proves nothing.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { reportCharts } from '../../reports/charts.js';
import type { ReportData } from '../../reports/data.js';
import { generateWeeklyReport } from '../../reports/generate.js';
import { REPORT_SECTIONS } from '../../reports/render-html.js';
import { launchChromium } from '../support/chromium.js';
import { ROOT } from '../support/cli.js';
import { simulatedStore } from './fixture.js';

interface ChartBox {
  readonly id: string;
  readonly width: number;
  readonly height: number;
  /** Mark elements (vega's role-mark groups, not axes or legends) with a non-empty box. */
  readonly marks: number;
}

// Runs in the page (the project's TypeScript has no DOM types, so it travels as source).
const CHART_BOXES = `[...document.querySelectorAll('figure.chart')].map((figure) => {
  const marks = [...figure.querySelectorAll('svg g.role-mark path, svg g.role-mark rect, svg g.role-mark line')]
    .filter((mark) => { const box = mark.getBoundingClientRect(); return box.width > 0 || box.height > 0; });
  const svg = figure.querySelector('svg');
  const box = svg ? svg.getBoundingClientRect() : { width: 0, height: 0 };
  return { id: figure.getAttribute('data-chart') || '', width: box.width, height: box.height, marks: marks.length };
})`;
const RESULTS = join(ROOT, 'test-results');

describe('HTML report in a browser', { timeout: 180_000 }, () => {
  let browser: Browser | undefined;
  let page: Page;
  let data: ReportData;

  before(async () => {
    const { store, cluster, week, now } = await simulatedStore();
    const report = await generateWeeklyReport(store, { cluster, week, now });
    data = JSON.parse(report.content.json) as ReportData;
    mkdirSync(RESULTS, { recursive: true });
    const file = join(RESULTS, 'report.html');
    writeFileSync(file, report.content.html);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    // Self-contained means nothing leaves the page: any request but the file itself fails it.
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    assert.deepEqual(requests, [pathToFileURL(file).href]);
  });

  after(async () => {
    await browser?.close();
  });

  it('shows every section with its heading', async () => {
    for (const { id, title } of REPORT_SECTIONS) {
      const heading = page.locator(`section#${id} > h2`);
      assert.equal(await heading.count(), 1, `section #${id} is missing`);
      assert.equal((await heading.textContent())?.trim(), title);
      assert.ok(await heading.isVisible(), `the heading of #${id} is not visible`);
    }
  });

  it('draws every chart as an SVG with visible marks', async () => {
    const expected = reportCharts(data).map((c) => c.id);
    assert.ok(
      expected.length >= 6,
      `the simulated week should have most charts, got ${expected.join(', ')}`,
    );
    const found = await page.evaluate<ChartBox[]>(CHART_BOXES);
    assert.deepEqual(
      found.map((f) => f.id),
      expected,
    );
    for (const chart of found) {
      assert.ok(chart.width > 100 && chart.height > 50, `chart ${chart.id} has no size`);
      assert.ok(chart.marks > 0, `chart ${chart.id} draws no marks`);
    }
  });

  it('fits a laptop screen and saves a full-page screenshot', async () => {
    const overflow = await page.evaluate<number>(
      'document.documentElement.scrollWidth - document.documentElement.clientWidth',
    );
    assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px`);
    const path = join(RESULTS, 'report.png');
    await page.screenshot({ path, fullPage: true });
    assert.ok(existsSync(path), `no screenshot at ${path}`);
  });
});
