// The few sentences at the top of the report: what a capacity planner should take away from the
// week. Each one restates figures from the data, so it is true exactly when the tables are.
import { bytes, coresText, coverageText, dateTime, money, runsOut, share } from './format.js';
import type { Forecast, ReportData } from './model.js';
import { allocationText, netText } from './tables.js';
import { countsForTrend, MIN_TREND_DAYS } from './trend.js';

type HeadlineInput = Omit<ReportData, 'headline'>;

const RESOURCE_WORDS = { cpu: 'CPU', memory: 'memory' } as const;
const BASIS_WORDS = { requests: 'requests', usagePeak: 'peak usage' } as const;

function scopeText(scope: string): string {
  return scope === 'cluster' ? 'The cluster' : `Pool ${scope}`;
}

function growthText(f: Forecast): string {
  const perWeek = f.growthPerDay * 7;
  return f.resource === 'cpu' ? `${coresText(perWeek)}/week` : `${bytes(perWeek)}/week`;
}

export function headline(data: HeadlineInput): string[] {
  const { current } = data;
  if (!data.hasData) {
    return [
      `No data for cluster ${data.cluster} in ${data.week} (${dateTime(data.window.from, data.timezone)} to ${dateTime(data.window.to, data.timezone)} ${data.timezone}): ` +
        'the store holds no nodes, pods or usage samples for this week, so there is nothing to report. ' +
        'Check that the collectors ran and that the week is within the store’s retention.',
    ];
  }
  const lines: string[] = [];
  if (data.partial) {
    lines.push(
      `Week to date: the figures cover ${dateTime(data.window.from, data.timezone)} to ${dateTime(current.snapshotAt + 1, data.timezone)} ${data.timezone}; the week has not ended.`,
    );
  }
  const c = current.cluster;
  const coverage = c.coverage;
  if (coverage.hoursWithData < coverage.hours || coverage.longestGapHours > 0) {
    lines.push(
      `Usage data: ${coverageText(coverage)} (longest gap ${coverage.longestGapHours} h); usage figures are averages over the hours with data.`,
    );
  }
  if (c.nodes > 0) {
    lines.push(
      `${c.nodes} node${c.nodes === 1 ? '' : 's'} offer ${coresText(c.allocatable.cpuCores)} and ${bytes(c.allocatable.memoryBytes)} allocatable. ` +
        `Pods request ${share(c.requests.cpuCores, c.allocatable.cpuCores)} of the CPU and ${share(c.requests.memoryBytes, c.allocatable.memoryBytes)} of the memory, ` +
        `and use ${share(c.usageMean.cpuCores, c.allocatable.cpuCores)} and ${share(c.usageMean.memoryBytes, c.allocatable.memoryBytes)} on average ` +
        `(p${data.method.percentile}: ${share(c.usagePeak.cpuCores, c.allocatable.cpuCores)} and ${share(c.usagePeak.memoryBytes, c.allocatable.memoryBytes)}).`,
    );
  } else {
    lines.push(
      `No nodes were known at the end of the week; usage was recorded for ${current.usageContainers} containers.`,
    );
  }
  const leftOut = data.trend.filter((w) => w !== current && !countsForTrend(w));
  if (leftOut.length > 0) {
    lines.push(
      `Left out of the trend for having under ${MIN_TREND_DAYS} days of data: ${leftOut.map((w) => `${w.week} (${w.hasData ? coverageText(w.cluster.coverage) : 'no data'})`).join(', ')}.`,
    );
  }
  const exhausted = data.forecasts.filter((f) => f.verdict === 'exhausted');
  if (exhausted.length > 0) {
    const items = exhausted.map(
      (f) =>
        `${RESOURCE_WORDS[f.resource]} ${BASIS_WORDS[f.basis]} in ${f.scope === 'cluster' ? 'the cluster' : `pool ${f.scope}`} (${share(f.current, f.allocatable)})`,
    );
    lines.push(`Already at or over allocatable: ${items.join(', ')}.`);
  }
  const growing = data.forecasts
    .filter((f) => f.verdict === 'growing' && (f.daysToExhaustion ?? Infinity) <= 180)
    .sort((a, b) => (a.daysToExhaustion ?? Infinity) - (b.daysToExhaustion ?? Infinity));
  const first = growing[0];
  if (first) {
    lines.push(
      `${scopeText(first.scope)}: ${RESOURCE_WORDS[first.resource]} ${BASIS_WORDS[first.basis]} ${first.basis === 'requests' ? 'reach' : 'reaches'} allocatable ${(first.daysToExhaustion ?? Infinity) < 1 ? 'within a day' : `in about ${runsOut(first)}`} at the ${first.points}-week growth rate (${growthText(first)}).` +
        (growing.length > 1
          ? ` ${growing.length - 1} more forecast${growing.length > 2 ? 's' : ''} run out within 180 days.`
          : ''),
    );
  } else if (data.forecasts.some((f) => f.verdict !== 'insufficient_history')) {
    lines.push(
      `Nothing${exhausted.length ? ' else' : ''} is on course to reach allocatable within 180 days on the ${data.trend.length}-week trend.`,
    );
  } else {
    const why = data.forecasts.find((f) => f.verdict === 'insufficient_history')?.reason;
    lines.push(`No days-to-exhaustion forecast yet${why ? `: it ${why}` : ''}.`);
  }
  const top = data.savings.rows[0];
  if (data.savings.count + data.increases.count > 0) {
    lines.push(
      netText(data) +
        (top
          ? ` The largest saving is ${top.namespace}/${top.workload} (${top.container}) at ${money(top.monthlySaving, data.currency)}/month.`
          : ''),
    );
  } else {
    lines.push('No right-sizing recommendation was open this week.');
  }
  const biggest = data.allocation.namespaces.slice(0, 3);
  if (biggest.length > 0) {
    lines.push(
      `${allocationText(data)} The largest: ${biggest.map((n) => `${n.name} ${money(n.monthlyCost, data.currency)}`).join(', ')}.`,
    );
  }
  const oom = data.risks.rows.filter((r) => r.kind === 'oom_loop').length;
  if (data.risks.count > 0) {
    lines.push(
      `${data.risks.count} risk${data.risks.count === 1 ? ' was' : 's were'} active` +
        (oom > 0
          ? `, including ${data.findingCounts.current.oomLoops} OOM loop${data.findingCounts.current.oomLoops === 1 ? '' : 's'}`
          : '') +
        `; the most severe: ${data.risks.rows[0]!.title}.`,
    );
  }
  const flapping = data.flapping;
  if (flapping.length > 0) {
    const nodes = [...new Set(flapping.map((i) => i.node))];
    lines.push(
      `${flapping.length} node memory-flapping incident${flapping.length === 1 ? '' : 's'} on ${nodes.length} node${nodes.length === 1 ? '' : 's'} (${nodes.slice(0, 3).join(', ')}${nodes.length > 3 ? ', …' : ''}).`,
    );
  } else {
    lines.push('No node flapped under memory pressure this week.');
  }
  const stranded = data.stranded.filter((s) => s.cpuCores >= 1 || s.memoryBytes >= 2 * 2 ** 30);
  for (const s of stranded.slice(0, 2)) {
    lines.push(
      `Pool ${s.pool} strands ${[s.cpuCores >= 1 ? coresText(s.cpuCores) : '', s.memoryBytes >= 2 * 2 ** 30 ? bytes(s.memoryBytes) : ''].filter(Boolean).join(' and ')} ` +
        `(${money(s.monthlyCost, data.currency)}/month): unrequested, but on nodes where the other resource ran out.`,
    );
  }
  return lines;
}
