// Screenshots of the web pages for the README and docs/ui.md, taken from the running demo (a week
// of history) in Debian's Chromium: the overview at /, the namespace with the most critical
// findings, and the workload of the newest OOM loop. Before a picture is kept, the figures it
// shows are checked against the API of the same demo.
// Usage: npm run ui:screenshots   (writes docs/images/ui-*.png)
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { WorkloadContainer } from '../api/workload-data.js';
import { SEVERITIES } from '../core/domain.js';
import { launchChromium } from '../test/support/chromium.js';
import { findings, get, OUT, startDemo } from './demo.js';

const kpi = (page: Page, id: string) =>
  page
    .locator(`[data-kpi="${id}"] .value`)
    .textContent()
    .then((t) => t?.trim());

function agree(what: string, page: unknown, api: unknown): void {
  if (JSON.stringify(page) !== JSON.stringify(api)) {
    throw new Error(
      `${what}: the page says ${JSON.stringify(page)}, the API ${JSON.stringify(api)}`,
    );
  }
  process.stdout.write(`${what}: ${JSON.stringify(page)} (page and API agree)\n`);
}

const demo = await startDemo('ui', 7);
const browser = await launchChromium();
try {
  const open = await findings(demo.url, 'status=open');
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  mkdirSync(OUT, { recursive: true });

  await page.goto(`${demo.url}/`);
  for (const severity of SEVERITIES) {
    agree(
      `open ${severity} findings`,
      await kpi(page, severity),
      String(open.filter((f) => f.severity === severity).length),
    );
  }
  await page.screenshot({ path: join(OUT, 'ui-overview.png'), fullPage: true });

  const critical = new Map<string, number>();
  for (const f of open) {
    if (f.severity === 'critical' && f.subject.type === 'workload_container') {
      const ns = f.subject.workload.namespace;
      critical.set(ns, (critical.get(ns) ?? 0) + 1);
    }
  }
  const namespace = [...critical].sort((a, b) => b[1] - a[1])[0]?.[0];
  if (!namespace) throw new Error('the demo has no critical finding about a workload');
  await page.goto(`${demo.url}/ui/namespaces/${namespace}`);
  const listed = await get<{ items: WorkloadContainer[] }>(
    `${demo.url}/api/v1/workloads?namespace=${namespace}&limit=500`,
  );
  agree(
    `OOM kills in namespace ${namespace}`,
    await kpi(page, 'oom-kills'),
    String(listed.items.reduce((sum, c) => sum + c.oomKills, 0)),
  );
  await page.screenshot({ path: join(OUT, 'ui-namespace.png'), fullPage: true });

  const loop = open
    .filter((f) => f.kind === 'oom_loop' && f.subject.type === 'workload_container')
    .sort((a, b) => b.lastSeen - a.lastSeen)[0];
  if (loop?.subject.type !== 'workload_container') throw new Error('the demo has no OOM loop');
  const w = loop.subject.workload;
  await page.goto(`${demo.url}/ui/workloads/${w.namespace}/${w.kind}/${w.name}`);
  const detail = await get<{ terminations: { termination: { reason: string } }[] }>(
    `${demo.url}/api/v1/workloads/${w.namespace}/${w.kind}/${w.name}`,
  );
  agree(
    `OOM kills of ${w.namespace}/${w.kind}/${w.name}`,
    await kpi(page, 'oom-kills'),
    String(detail.terminations.filter((t) => t.termination.reason === 'OOMKilled').length),
  );
  await page.screenshot({ path: join(OUT, 'ui-workload.png'), fullPage: true });
  process.stdout.write(
    `screenshots in ${OUT}: ui-overview.png, ui-namespace.png, ui-workload.png\n`,
  );
} finally {
  await browser.close();
  demo.stop();
}
