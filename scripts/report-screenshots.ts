// Screenshots of the weekly report for docs/reports.md, taken from the running demo as a user
// would see it: `plimsoll demo` (the embedded runtime and its simulated cluster) with its default
// week of history, and again with three weeks, each report of the last complete week opened in
// Debian's Chromium. Before a picture is kept, the figures it shows are checked against the API of
// the same demo: flapping incidents and OOM loops of the week, and the nodes at its end.
// Usage: npm run report:screenshots   (writes docs/images/report-*.png)
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findingsIn, get, OUT, startDemo } from './demo.js';
import type { ReportData } from '../reports/data.js';
import { reportId } from '../reports/generate.js';
import { lastCompleteWeek } from '../reports/week.js';
import { launchChromium } from '../test/support/chromium.js';

interface Shot {
  readonly name: string;
  readonly historyDays: number;
  /** Also shoot the e-mail view. */
  readonly email?: boolean;
}

const SHOTS: readonly Shot[] = [
  { name: 'demo', historyDays: 7 },
  { name: 'three-weeks', historyDays: 21, email: true },
];

async function shoot(shot: Shot): Promise<void> {
  const demo = await startDemo(shot.name, shot.historyDays);
  try {
    const cluster = 'sim-mixed';
    const week = lastCompleteWeek(Date.now());
    const id = reportId(cluster, week);
    const data = await get<ReportData>(`${demo.url}/api/v1/reports/${id}?format=json`);
    // The report and the API say the same about the same week.
    const { from, to } = data.window;
    const flapping = (await findingsIn(demo.url, 'node_memory_flapping', from, to)).filter(
      (f) => f.category === 'memory_pressure' || f.category === 'not_ready',
    );
    const flappingNodes = new Set(
      flapping.map((f) => (f.subject.type === 'node' ? f.subject.node : '')),
    );
    const reportNodes = new Set(data.flapping.map((i) => i.node));
    const loops = await findingsIn(demo.url, 'oom_loop', from, to);
    const loopSubjects = new Set(
      loops.map((f) =>
        f.subject.type === 'workload_container'
          ? `${f.subject.workload.namespace}/${f.subject.workload.kind}/${f.subject.workload.name} · ${f.subject.container}`
          : '',
      ),
    );
    const checks: [string, unknown, unknown][] = [
      ['nodes flapping in the week', [...reportNodes].sort(), [...flappingNodes].sort()],
      ['OOM loops in the week', data.findingCounts.current.oomLoops, loopSubjects.size],
    ];
    for (const [what, report, api] of checks) {
      if (JSON.stringify(report) !== JSON.stringify(api)) {
        throw new Error(
          `${shot.name}: ${what}: the report says ${JSON.stringify(report)}, the API ${JSON.stringify(api)}`,
        );
      }
      process.stdout.write(
        `${shot.name}: ${what}: ${JSON.stringify(report)} (report and API agree)\n`,
      );
    }

    // The full report, and (for one shot) the e-mail body as a 700-pixel mail client shows it.
    const views = [
      { format: 'html', suffix: '', width: 1100 },
      ...(shot.email ? [{ format: 'email', suffix: '-email', width: 700 }] : []),
    ];
    const browser = await launchChromium();
    try {
      for (const view of views) {
        const response = await fetch(`${demo.url}/api/v1/reports/${id}?format=${view.format}`);
        const file = join(tmpdir(), `plimsoll-report-${shot.name}${view.suffix}.html`);
        writeFileSync(file, await response.text());
        const page = await browser.newPage({ viewport: { width: view.width, height: 900 } });
        await page.goto(`file://${file}`);
        mkdirSync(OUT, { recursive: true });
        const png = join(OUT, `report-${shot.name}${view.suffix}.png`);
        await page.screenshot({ path: png, fullPage: true });
        await page.close();
        process.stdout.write(
          `${shot.name}: ${week} report of ${cluster} (${view.format}) → ${png}\n`,
        );
      }
    } finally {
      await browser.close();
    }
  } finally {
    demo.stop();
  }
}

for (const shot of SHOTS) await shoot(shot);
