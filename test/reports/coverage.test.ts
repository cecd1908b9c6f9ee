// Coverage first: what the weekly report says when its data is thin. A week of which only a few
// hours were collected says so and is not diluted into a low usage figure; weeks without data are
// gaps in the trend, not zeros, and no forecast is dated from them; a forecast over three weeks
// or more gives an interval; a figure already over allocatable says so instead of "0 days".
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { reportCharts } from '../../reports/charts.js';
import { gatherReportData, type ReportData } from '../../reports/data.js';
import { renderReport } from '../../reports/generate.js';
import { runsOut } from '../../reports/format.js';
import { forecastTable } from '../../reports/tables.js';
import { weekWindow } from '../../reports/week.js';
import { MemoryStore } from '../../store/memory.js';
import { GIB, HOUR, node, pod, samples, type PodSpec } from './records.js';
import type { AnyEnvelope } from '../../core/envelope.js';

const C = 'coverage';
const W44 = weekWindow('2026-W44');
const W47 = weekWindow('2026-W47');
const NOW = W47.to + HOUR;

const web = (name: string, createdAt: number, cpu = 1, memoryGib = 2): PodSpec => ({
  cluster: C,
  namespace: 'shop',
  kind: 'Deployment',
  workload: name.replace(/-\d+$/, ''),
  name,
  nodeName: 'n1',
  container: 'app',
  requests: { cpuCores: cpu, memoryBytes: memoryGib * GIB },
  limits: { memoryBytes: 4 * GIB },
  createdAt,
});

/** Usage of a pod every 10 minutes over the given ranges (half a core, 1 GiB). */
function usage(spec: PodSpec, ranges: readonly (readonly [number, number])[], cpu = 0.5) {
  return ranges.flatMap(([from, to]) => [
    ...samples(spec, 'cpu_usage_cores', from, to, 600_000, () => cpu),
    ...samples(spec, 'memory_working_set_bytes', from, to, 600_000, () => GIB),
  ]);
}

async function report(records: AnyEnvelope[], now = NOW): Promise<ReportData> {
  const store = new MemoryStore({ retentionDays: 3650 });
  await store.write(records);
  return gatherReportData(store, { cluster: C, week: '2026-W47', now });
}

const cpuRequests = (data: ReportData) =>
  data.forecasts.find(
    (f) => f.scope === 'cluster' && f.resource === 'cpu' && f.basis === 'requests',
  )!;

describe('report coverage', () => {
  it('states a week built from three hours of data, and does not dilute its usage', async () => {
    // Collection began three hours before the week ended: the pod is first seen then.
    const began = W47.to - 3 * HOUR;
    const pod1 = web('web-1', began);
    const data = await report([
      node(C, 'n1', 'general', [8, 32 * GIB], [8, 32 * GIB], began),
      pod(pod1),
      ...usage(pod1, [[began, W47.to]]),
    ]);
    const coverage = data.current.cluster.coverage;
    assert.deepEqual(coverage, { hoursWithData: 3, hours: 168, longestGapHours: 165 });
    // One replica for the hours there was data: its own mean, not 3/168 of it.
    assert.equal(data.current.cluster.usageMean.cpuCores, 0.5);
    assert.ok(
      data.headline.some((l) =>
        l.startsWith('Usage data: 3 h of 7 days of data (longest gap 165 h)'),
      ),
      data.headline.join('\n'),
    );
    const forecast = cpuRequests(data);
    assert.equal(forecast.verdict, 'insufficient_history');
    assert.equal(forecast.reason, 'needs 5 days of data in each of 2 weeks; this week has 0.1');
    assert.ok(
      data.headline.some((l) =>
        l.startsWith('No days-to-exhaustion forecast yet: it needs 5 days'),
      ),
      data.headline.join('\n'),
    );
    assert.doesNotMatch(data.headline.join('\n'), /\b0 days?\b/);
    const table = forecastTable(data);
    assert.match(table.rows[0]!.at(-1)!, /^no forecast: needs 5 days of data/);
  });

  it('leaves weeks without data out of the trend and the forecast, as gaps, not zeros', async () => {
    // W44 and W47 collected in full; W45 not at all (the collector was down), W46 for a day only.
    // The pods stay in the inventory throughout, so only the usage data tells the weeks apart.
    const pod1 = web('web-1', W44.from - HOUR);
    const pod2 = web('web-2', W47.from);
    const data = await report([
      node(C, 'n1', 'general', [8, 32 * GIB], [8, 32 * GIB], W44.from - HOUR),
      pod(pod1),
      pod(pod2),
      ...usage(pod1, [
        [W44.from, W44.to],
        [W47.from - 7 * 86_400_000, W47.from - 6 * 86_400_000],
        [W47.from, W47.to],
      ]),
      ...usage(pod2, [[W47.from, W47.to]]),
    ]);
    assert.deepEqual(
      data.trend.map((w) => [w.week, w.cluster.coverage.hoursWithData]),
      [
        ['2026-W44', 168],
        ['2026-W45', 0],
        ['2026-W46', 24],
        ['2026-W47', 168],
      ],
    );
    const forecast = cpuRequests(data);
    assert.equal(forecast.points, 2, 'W44 and W47 only');
    assert.equal(forecast.verdict, 'growing');
    assert.ok(
      data.headline.some((l) =>
        l.includes(
          'Left out of the trend for having under 5 days of data: 2026-W45 (no usage data in 7 days), 2026-W46 (1 of 7 days of data)',
        ),
      ),
      data.headline.join('\n'),
    );
    // The chart draws no usage for W45 and W46: null values break the line instead of a drop to 0.
    const chart = reportCharts(data).find((c) => c.id === 'trend-cpu')!;
    const values = (
      chart.spec as { data: { values: { week: string; series: string; value: number | null }[] } }
    ).data.values;
    const usageOf = (week: string) =>
      values.filter((v) => v.week === week && v.series === 'mean usage').map((v) => v.value);
    assert.deepEqual(usageOf('2026-W45'), [null]);
    assert.deepEqual(usageOf('2026-W46'), [null]);
    assert.deepEqual(usageOf('2026-W47'), [1]);
    const requestsOf = (week: string) =>
      values.filter((v) => v.week === week && v.series === 'requests').map((v) => v.value);
    assert.deepEqual(requestsOf('2026-W45'), [null], 'nothing was collected that week');
    assert.deepEqual(requestsOf('2026-W46'), [1], 'one day collected: its week-end requests stand');
    assert.match(chart.caption, /Usage not plotted for weeks with under 5 days of data: 2026-W45/);
    const html = (await renderReport(data)).html;
    assert.match(html, /id="chart-trend-cpu"[\s\S]*?<svg/, 'the trend chart renders with its gaps');
    // Week over week compares with the last week that had enough data, or says there is none.
    const change = data.changes.find(
      (d) => d.scope === 'cluster' && d.metric === 'CPU used (mean)',
    );
    assert.equal(change?.previous, null);
  });

  it('gives an interval from three weeks or more, and says "already over" instead of 0 days', async () => {
    // Requests grow by about a core and 2 GiB a week, unevenly, and usage runs above a small node's allocatable.
    const start = W44.from - HOUR;
    const pods = [
      web('a-1', start),
      web('b-1', weekWindow('2026-W45').from),
      web('c-1', weekWindow('2026-W46').from, 1.5, 3.5),
      web('d-1', W47.from, 0.5),
    ];
    const data = await report([
      node(C, 'n1', 'general', [4, 32 * GIB], [4, 32 * GIB], start),
      ...pods.map(pod),
      ...pods.flatMap((p) => usage(p, [[Math.max(W44.from, p.createdAt), W47.to]], 1.2)),
    ]);
    const requests = cpuRequests(data);
    assert.equal(requests.points, 4);
    assert.equal(requests.verdict, 'exhausted', 'four cores requested of four');
    assert.equal(runsOut(requests), 'already at or over allocatable');
    const peak = data.forecasts.find(
      (f) => f.scope === 'cluster' && f.resource === 'cpu' && f.basis === 'usagePeak',
    )!;
    assert.equal(peak.verdict, 'exhausted', '4.8 cores used of 4');
    assert.ok(
      data.headline.some((l) => l.startsWith('Already at or over allocatable: CPU requests')),
      data.headline.join('\n'),
    );
    const memory = data.forecasts.find(
      (f) => f.scope === 'cluster' && f.resource === 'memory' && f.basis === 'requests',
    )!;
    assert.equal(memory.verdict, 'growing');
    assert.ok(memory.interval, 'three or more weeks give an interval');
    assert.ok(memory.interval.soonest <= memory.daysToExhaustion!);
    assert.ok(
      memory.interval.latest === null || memory.interval.latest >= memory.daysToExhaustion!,
    );
    assert.match(runsOut(memory), /^\d+ days \(\d+–(\d+|365\+|never)\)$/);
  });

  it('states the coverage of each namespace row: a namespace collected for a day says so', async () => {
    const from = W47.from - 86_400_000;
    const shop = web('web-1', from);
    // Another namespace whose usage only reached the store on the week's last day.
    const batch: PodSpec = { ...web('etl-1', from), namespace: 'batch' };
    const lastDay = W47.to - 24 * HOUR;
    const data = await report([
      node(C, 'n1', 'general', [16, 64 * GIB], [16, 64 * GIB], from),
      pod(shop),
      pod(batch),
      ...usage(shop, [[W47.from, W47.to]]),
      ...usage(batch, [[lastDay, W47.to]]),
    ]);
    const row = (name: string) => data.allocation.namespaces.find((r) => r.name === name)!;
    assert.deepEqual(row('shop').coverage, { hoursWithData: 168, hours: 168, longestGapHours: 0 });
    assert.deepEqual(row('batch').coverage, {
      hoursWithData: 24,
      hours: 168,
      longestGapHours: 144,
    });
    const content = await renderReport(data);
    assert.match(content.html, /<th[^>]*>Usage data<\/th>/);
    assert.match(content.md, /\| batch \|[^\n]*\| 1 \/ 7 d \|/);
    assert.match(content.csv, /,namespaces,cluster,batch,usage_hours_with_data,hours,24\n/);
  });
});
