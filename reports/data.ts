// gatherReportData: everything the weekly report says, as plain typed data (ReportData). The API
// returns these same figures, so the report and the API cannot disagree. Store calls, per field
// (docs/reports.md has the full table):
// - current, trend[]: nodes({cluster, at}) and pods({cluster, at}) at snapshots through each
//   week, usageStats({cluster, metric, window: week, percentiles: [percentile]}) for
//   cpu_usage_cores and memory_working_set_bytes (reports/inventory.ts);
// - forecasts, changes: arithmetic over trend[] (reports/trend.ts);
// - savings, risks, flapping, findingCounts: findings({cluster, kinds, window: week})
//   (reports/findings.ts);
// - overhead, stranded: the current week's last snapshot (reports/breakdown.ts).
import {
  DEFAULT_PRICES,
  priceBook,
  sameRates,
  type Prices,
} from '../analyzers/recommendations/prices.js';
import type { EpochMs } from '../core/domain.js';
import type { TeamRules } from '../core/teams.js';
import type { Store } from '../store/store.js';
import { overheadRows, strandedRows } from './breakdown.js';
import { gatherWeekFindings } from './findings.js';
import { headline } from './headline.js';
import { AllocationAccumulator } from './allocation.js';
import { gatherWeekInventory, weekCoverage, type WeekInventory } from './inventory.js';
import type { ReportData } from './model.js';
import { forecasts, weekOverWeek } from './trend.js';
import { assertTimeZone, checkReportableWeek, shiftWeek, weekWindow } from './week.js';

export type { ReportData } from './model.js';

export interface ReportOptions {
  readonly cluster: string;
  /** ISO week, e.g. 2026-W47. */
  readonly week: string;
  /** IANA time zone the week's Monday 00:00 is read in (default UTC). */
  readonly timezone?: string | undefined;
  /** Generation time: a week not yet over is reported to date (default Date.now()). */
  readonly now?: EpochMs | undefined;
  /** Prices of stranded capacity; savings keep the prices their findings were computed at. */
  readonly prices?: Prices | undefined;
  /** Usage percentile of the "peak" figures (default 95). */
  readonly percentile?: number | undefined;
  /** Weeks in the trend, the report week included (default 4). */
  readonly trendWeeks?: number | undefined;
  /** Inventory snapshots a day, for average replicas and pool placement (default 4). */
  readonly snapshotsPerDay?: number | undefined;
  /** Rows in the savings and risks tables (default 10). */
  readonly top?: number | undefined;
  /** Days the store keeps usage data: older weeks are refused (WeekError). */
  readonly retentionDays?: number | undefined;
  /** How pods map to teams (alerting.namespaceTeams, team labels), for cost by team. */
  readonly teams?: TeamRules | undefined;
}

export const REPORT_DEFAULTS = {
  timezone: 'UTC',
  percentile: 95,
  trendWeeks: 4,
  snapshotsPerDay: 4,
  top: 10,
} as const;

export async function gatherReportData(store: Store, options: ReportOptions): Promise<ReportData> {
  const timezone = options.timezone ?? REPORT_DEFAULTS.timezone;
  assertTimeZone(timezone);
  const now = options.now ?? Date.now();
  checkReportableWeek(options.week, { now, timezone, retentionDays: options.retentionDays });
  const prices = options.prices ?? DEFAULT_PRICES;
  const percentile = options.percentile ?? REPORT_DEFAULTS.percentile;
  const trendWeeks = Math.max(1, options.trendWeeks ?? REPORT_DEFAULTS.trendWeeks);
  const snapshotsPerDay = Math.max(1, options.snapshotsPerDay ?? REPORT_DEFAULTS.snapshotsPerDay);
  const top = options.top ?? REPORT_DEFAULTS.top;
  const { cluster, week } = options;

  const weeks = Array.from({ length: trendWeeks }, (_, i) => shiftWeek(week, i - trendWeeks + 1));
  // One week at a time: each holds a week of inventory snapshots, and the store is shared.
  const inventories: WeekInventory[] = [];
  const allocation = new AllocationAccumulator(prices, options.teams);
  for (const [i, w] of weeks.entries()) {
    inventories.push(
      await gatherWeekInventory(store, {
        cluster,
        week: w,
        timezone,
        now,
        percentile,
        snapshotsPerDay,
        // Cost by namespace and team is the report week's only.
        ...(i === weeks.length - 1 ? { allocation } : {}),
      }),
    );
  }
  const currentInventory = inventories[inventories.length - 1]!;
  const current = currentInventory.figures;
  const trend = inventories.map((i) => i.figures);
  const previous = trend.length > 1 ? trend[trend.length - 2] : undefined;

  const window = weekWindow(week, timezone);
  const end = Math.min(window.to, now);
  const previousWindow = weekWindow(shiftWeek(week, -1), timezone);
  const [found, foundBefore] = await Promise.all([
    gatherWeekFindings(store, cluster, window, end, prices),
    gatherWeekFindings(store, cluster, previousWindow, Math.min(previousWindow.to, now), prices),
  ]);
  const findingCounts = { current: found.counts, previous: foundBefore.counts };

  const configured = priceBook(prices);
  const differentPrices = found.findingPrices.filter(
    (p) => !configured.some((c) => sameRates(c, p)),
  );
  const data: Omit<ReportData, 'headline'> = {
    schema: 1,
    cluster,
    currency: configured[0]!.currency!,
    week,
    timezone,
    window,
    generatedAt: now,
    partial: current.partial,
    hasData: current.hasData,
    current,
    trend,
    forecasts: forecasts(trend, current),
    savings: {
      rows: found.savings.slice(0, top),
      count: found.savings.length,
      totalMonthly: found.savingsTotal,
    },
    increases: {
      rows: found.increases.slice(0, top),
      count: found.increases.length,
      totalMonthly: found.increasesTotal,
    },
    netMonthly: found.counts.netMonthly,
    risks: {
      rows: found.risks.slice(0, top),
      count: found.risks.length,
      byKind: found.risksByKind,
    },
    flapping: found.flapping,
    overhead: overheadRows(currentInventory.loads),
    allocation: await withNamespaceCoverage(
      store,
      cluster,
      window.from,
      end,
      allocation.result(top),
    ),
    stranded: strandedRows(currentInventory.loads, prices),
    changes: weekOverWeek(current, previous, findingCounts),
    findingCounts,
    method: {
      timezone,
      window,
      percentile,
      snapshotsPerDay,
      trendWeeks: weeks,
      usageMetrics: ['cpu_usage_cores', 'memory_working_set_bytes'],
      prices: configured.map((c) => ({ ...c, currency: c.currency! })),
      findingPrices: differentPrices,
      notes: methodNotes(current, percentile, snapshotsPerDay),
    },
  };
  return { ...data, headline: headline(data) };
}

/** Each namespace row states the hours of the week its containers have usage for. */
async function withNamespaceCoverage(
  store: Store,
  cluster: string,
  from: number,
  end: number,
  allocation: ReportData['allocation'],
): Promise<ReportData['allocation']> {
  const namespaces = await Promise.all(
    allocation.namespaces.map(async (row) => ({
      ...row,
      coverage: (await weekCoverage(store, cluster, from, end, { namespace: row.name })).coverage,
    })),
  );
  return { ...allocation, namespaces };
}

function methodNotes(
  current: ReportData['current'],
  percentile: number,
  snapshotsPerDay: number,
): string[] {
  const notes = [
    'Capacity, allocatable, requests and limits are read from the inventory at the end of the week (or now, for the week to date). A container without a request counts its limit, as the API server defaults it; finished pods (Succeeded, Failed) count nothing.',
    `Usage is per workload container: the mean and p${percentile} of its replicas' samples over the week, times its average number of running replicas over the week (${snapshotsPerDay} inventory snapshots a day), split across pools by where those replicas ran: a time average, so a workload that started mid-week counts for the part of the week it ran. Summing p${percentile} over containers assumes their peaks coincide, so "peak" is an upper bound of the cluster's simultaneous p${percentile}.`,
    'Days to exhaustion: the slope of the least-squares line through the weekly values (requests at each week’s end, peak usage of each week), extrapolated from this week’s value to this week’s allocatable. Fewer than two weeks with data give no forecast.',
    'Savings are the open recommendation findings (standing at the end of the week), priced as the recommendation analyzer priced them. Risks are OOM loops, under-requested containers, tight memory limits, saturated pools and drawn-on overcommit whose evidence overlaps the week.',
    'Stranded capacity: allocatable nobody requested on schedulable nodes where the other resource is (almost) fully requested — memory below max(10%, 1 GiB) free, or CPU below max(10%, 0.25 cores) free — counted where at least a quarter of the other resource is left (and at least 0.5 cores or 1 GiB): the same rule as the stranded_capacity finding and the plimsoll_cluster_stranded gauge. Node overhead is capacity minus allocatable.',
  ];
  if (current.unattributedContainers > 0) {
    notes.push(
      `${current.unattributedContainers} container(s) had usage samples but no running pod in any snapshot (short-lived jobs); their usage is not in the totals.`,
    );
  }
  if (current.unscheduledPods > 0) {
    notes.push(
      `${current.unscheduledPods} pod(s) were not bound to a known node at the end of the week; their requests are not in any pool.`,
    );
  }
  return notes;
}
