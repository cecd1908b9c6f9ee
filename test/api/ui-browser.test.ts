// The web pages in Debian's Chromium: a visitor is sent to the login form, logs in with a read
// token, lands where they were going, and every page draws without a blocked resource, a
// console error (a CSP violation shows there) or a request leaving the site. The memory chart of
// a looping workload draws its marks. Full-page screenshots go to test-results/ for CI to keep.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { App } from '../../api/app.js';
import type { Finding } from '../../core/domain.js';
import { launchChromium } from '../support/chromium.js';
import { ROOT } from '../support/cli.js';
import { simulatedStore } from '../reports/fixture.js';
import { build, READ_TOKEN } from './helper.js';

const DAY = 86_400_000;
const RESULTS = join(ROOT, 'test-results');

describe('web pages in a browser', { timeout: 300_000 }, () => {
  let app: App;
  let browser: Browser | undefined;
  let page: Page;
  let base: string;
  let range: string;
  let workloadPath: string;
  const problems: string[] = [];

  before(async () => {
    const simulated = await simulatedStore();
    range = `from=${new Date(simulated.now - 14 * DAY).toISOString()}&to=${new Date(simulated.now).toISOString()}`;
    const loop = (
      await simulated.store.findings({
        cluster: simulated.cluster,
        kinds: ['oom_loop'],
        status: 'open',
      })
    ).items.find((f: Finding) => f.subject.type === 'workload_container');
    assert.ok(loop && loop.subject.type === 'workload_container');
    const w = loop.subject.workload;
    workloadPath = `/ui/workloads/${w.namespace}/${w.kind}/${w.name}`;
    ({ app } = await build({ store: simulated.store, cluster: simulated.cluster }));
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    page.on('request', (request) => {
      if (!request.url().startsWith(base)) problems.push(`left the site: ${request.url()}`);
    });
    page.on('response', (response) => {
      if (response.status() >= 400) problems.push(`${response.status()} ${response.url()}`);
    });
    mkdirSync(RESULTS, { recursive: true });
  });

  after(async () => {
    await browser?.close();
    await app?.close();
  });

  const shot = (name: string) =>
    page.screenshot({ path: join(RESULTS, `ui-${name}.png`), fullPage: true });

  it('sends a visitor to the login form and back to the page they asked for', async () => {
    await page.goto(`${base}/ui/namespaces/catalog?${range}`);
    assert.equal(new URL(page.url()).pathname, '/ui/login');
    await page.fill('#token', READ_TOKEN);
    await Promise.all([
      page.waitForURL(/\/ui\/namespaces\/catalog/),
      page.click('button[type=submit]'),
    ]);
    assert.equal(await page.locator('h1').textContent(), 'Namespace catalog');
    assert.ok((await page.locator('tr[data-row^="catalog/"]').count()) > 0, 'container rows');
    await shot('namespace');
  });

  it('draws the overview with its severity cards and namespace table', async () => {
    await page.goto(`${base}/`);
    assert.equal(await page.locator('h1').textContent(), `Cluster ${await clusterName()}`);
    assert.equal(await page.locator('.kpi').count(), 4);
    assert.ok(await page.locator('tr[data-row^="namespace/"]').first().isVisible());
    // The stylesheet applied: the navigation bar is the accent colour, not the default white.
    const navBackground = await page.evaluate<string>(
      "getComputedStyle(document.querySelector('nav')).backgroundColor",
    );
    assert.equal(navBackground, 'rgb(31, 78, 121)');
    await shot('overview');
  });

  it("draws a looping workload's memory chart with its marks", async () => {
    await page.goto(`${base}${workloadPath}?${range}`);
    const marks = await page.evaluate<number>(
      `[...document.querySelectorAll('figure.chart svg g.role-mark path, figure.chart svg g.role-mark rect, figure.chart svg g.role-mark line')]
        .filter((m) => { const b = m.getBoundingClientRect(); return b.width > 0 || b.height > 0; }).length`,
    );
    assert.ok(marks > 0, 'the chart draws marks');
    assert.ok(await page.locator('pre.patch').isVisible(), 'the patch to copy');
    const overflow = await page.evaluate<number>(
      'document.documentElement.scrollWidth - document.documentElement.clientWidth',
    );
    assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px`);
    await shot('workload');
  });

  it('loaded nothing broken and nothing from elsewhere', () => {
    assert.deepEqual(problems, []);
  });

  async function clusterName() {
    return (await simulatedStore()).cluster;
  }
});
