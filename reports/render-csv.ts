// The CSV report: every figure as one row of a long table (section, scope, subject, metric,
// unit, value), so a spreadsheet can pivot it and several weeks can be concatenated. Values are
// raw numbers in base units (cores, bytes, the configured currency, days), not display text.
import type { CapacityFigures, ReportData } from './model.js';

const HEADER = ['week', 'cluster', 'section', 'scope', 'subject', 'metric', 'unit', 'value'];

/** A text cell a spreadsheet would run as a formula is kept as text (OWASP's CSV injection rule). */
const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: string | number): string {
  const raw = typeof value === 'number' ? String(value) : value;
  const text = typeof value === 'string' && FORMULA_START.test(raw) ? `'${raw}` : raw;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function renderCsv(data: ReportData): string {
  const rows: (string | number)[][] = [];
  const row = (
    section: string,
    scope: string,
    subject: string,
    metric: string,
    unit: string,
    value: number | null,
  ) => {
    if (value === null || !Number.isFinite(value)) return;
    rows.push([data.week, data.cluster, section, scope, subject, metric, unit, value]);
  };
  const capacity = (section: string, week: string, scope: string, f: CapacityFigures) => {
    row(section, scope, week, 'nodes', 'count', f.nodes);
    row(section, scope, week, 'usage_hours_with_data', 'hours', f.coverage.hoursWithData);
    row(section, scope, week, 'hours', 'hours', f.coverage.hours);
    row(section, scope, week, 'longest_usage_gap', 'hours', f.coverage.longestGapHours);
    for (const [name, value] of [
      ['capacity', f.capacity],
      ['allocatable', f.allocatable],
      ['requests', f.requests],
      ['limits', f.limits],
      ['usage_mean', f.usageMean],
      [`usage_p${data.method.percentile}`, f.usagePeak],
    ] as const) {
      row(section, scope, week, `${name}_cpu`, 'cores', value.cpuCores);
      row(section, scope, week, `${name}_memory`, 'bytes', value.memoryBytes);
    }
  };
  row('summary', 'cluster', '', 'has_data', 'bool', data.hasData ? 1 : 0);
  row('summary', 'cluster', '', 'partial_week', 'bool', data.partial ? 1 : 0);
  capacity('capacity', data.week, 'cluster', data.current.cluster);
  for (const p of data.current.pools) capacity('capacity', data.week, `pool ${p.pool}`, p);
  row('capacity', 'cluster', data.week, 'unscheduled_pods', 'count', data.current.unscheduledPods);
  for (const w of data.trend) {
    if (!w.hasData) continue;
    capacity('trend', w.week, 'cluster', w.cluster);
    for (const p of w.pools) capacity('trend', w.week, `pool ${p.pool}`, p);
  }
  for (const f of data.forecasts) {
    const subject = `${f.resource} ${f.basis}`;
    row(
      'forecast',
      f.scope,
      subject,
      'current',
      f.resource === 'cpu' ? 'cores' : 'bytes',
      f.current,
    );
    row(
      'forecast',
      f.scope,
      subject,
      'allocatable',
      f.resource === 'cpu' ? 'cores' : 'bytes',
      f.allocatable,
    );
    row(
      'forecast',
      f.scope,
      subject,
      'growth_per_day',
      f.resource === 'cpu' ? 'cores' : 'bytes',
      f.growthPerDay,
    );
    row('forecast', f.scope, subject, 'weeks_fitted', 'count', f.points);
    row('forecast', f.scope, subject, 'days_to_exhaustion', 'days', f.daysToExhaustion);
    if (f.interval) {
      row('forecast', f.scope, subject, 'days_to_exhaustion_soonest', 'days', f.interval.soonest);
      row('forecast', f.scope, subject, 'days_to_exhaustion_latest', 'days', f.interval.latest);
    }
  }
  for (const s of data.savings.rows) {
    const subject = `${s.namespace}/${s.workloadKind}/${s.workload}/${s.container}`;
    row('savings', 'cluster', subject, 'replicas', 'count', s.replicas);
    row(
      'savings',
      'cluster',
      subject,
      'current_request_cpu',
      'cores',
      s.current.requests.cpuCores ?? null,
    );
    row(
      'savings',
      'cluster',
      subject,
      'current_request_memory',
      'bytes',
      s.current.requests.memoryBytes ?? null,
    );
    row(
      'savings',
      'cluster',
      subject,
      'recommended_request_cpu',
      'cores',
      s.recommended.requests.cpuCores ?? null,
    );
    row(
      'savings',
      'cluster',
      subject,
      'recommended_request_memory',
      'bytes',
      s.recommended.requests.memoryBytes ?? null,
    );
    row('savings', 'cluster', subject, 'released_cpu', 'cores', s.cpuCoresReleased);
    row('savings', 'cluster', subject, 'released_memory', 'bytes', s.memoryBytesReleased);
    row('savings', 'cluster', subject, 'monthly_saving', data.currency, s.monthlySaving);
  }
  for (const s of data.increases.rows) {
    const subject = `${s.namespace}/${s.workloadKind}/${s.workload}/${s.container}`;
    row('increases', 'cluster', subject, 'replicas', 'count', s.replicas);
    row('increases', 'cluster', subject, 'added_cpu', 'cores', -s.cpuCoresReleased);
    row('increases', 'cluster', subject, 'added_memory', 'bytes', -s.memoryBytesReleased);
    row('increases', 'cluster', subject, 'monthly_cost', data.currency, -s.monthlySaving);
  }
  for (const [section, rows] of [
    ['namespaces', data.allocation.namespaces],
    ['teams', data.allocation.teams],
  ] as const) {
    for (const a of rows) {
      row(section, 'cluster', a.name, 'pods', 'count', a.pods);
      row(section, 'cluster', a.name, 'requests_cpu', 'cores', a.requests.cpuCores);
      row(section, 'cluster', a.name, 'requests_memory', 'bytes', a.requests.memoryBytes);
      row(section, 'cluster', a.name, 'usage_mean_cpu', 'cores', a.usageMean.cpuCores);
      row(section, 'cluster', a.name, 'usage_mean_memory', 'bytes', a.usageMean.memoryBytes);
      row(section, 'cluster', a.name, 'monthly_cost', data.currency, a.monthlyCost);
      if (a.coverage) {
        row(section, 'cluster', a.name, 'usage_hours_with_data', 'hours', a.coverage.hoursWithData);
        row(section, 'cluster', a.name, 'hours', 'hours', a.coverage.hours);
      }
    }
  }
  row(
    'namespaces',
    'cluster',
    'all',
    'monthly_cost_total',
    data.currency,
    data.allocation.requestedMonthly,
  );
  row('idle', 'cluster', 'all', 'monthly_cost', data.currency, data.allocation.idleMonthly);
  row(
    'savings',
    'cluster',
    'all',
    'monthly_saving_total',
    data.currency,
    data.savings.totalMonthly,
  );
  row(
    'increases',
    'cluster',
    'all',
    'monthly_cost_total',
    data.currency,
    data.increases.totalMonthly,
  );
  row('recommendations', 'cluster', 'all', 'monthly_net_saving', data.currency, data.netMonthly);
  for (const r of data.risks.rows) {
    row(
      'risks',
      r.severity,
      `${r.subject} (${r.category ?? r.kind})`,
      'last_seen',
      'epoch_ms',
      r.lastSeen,
    );
  }
  for (const i of data.flapping) {
    const subject = `node ${i.node}`;
    row('incidents', i.pool ?? '', subject, 'flaps', 'count', i.flaps.length);
    row('incidents', i.pool ?? '', subject, 'from', 'epoch_ms', i.window.from);
    row('incidents', i.pool ?? '', subject, 'to', 'epoch_ms', i.window.to);
    row('incidents', i.pool ?? '', subject, 'evictions', 'count', i.evictions ?? null);
    row('incidents', i.pool ?? '', subject, 'system_ooms', 'count', i.systemOoms ?? null);
    row(
      'incidents',
      i.pool ?? '',
      subject,
      'min_available_memory',
      'bytes',
      i.minAvailableBytes ?? null,
    );
  }
  for (const o of data.overhead) {
    row('overhead', `pool ${o.pool}`, '', 'overhead_cpu', 'cores', o.overhead.cpuCores);
    row('overhead', `pool ${o.pool}`, '', 'overhead_memory', 'bytes', o.overhead.memoryBytes);
    row(
      'overhead',
      `pool ${o.pool}`,
      '',
      'nodes_without_memory_reserve',
      'count',
      o.nodesWithoutMemoryReserve,
    );
  }
  for (const s of data.stranded) {
    row('stranded', `pool ${s.pool}`, '', 'stranded_cpu', 'cores', s.cpuCores);
    row('stranded', `pool ${s.pool}`, '', 'stranded_memory', 'bytes', s.memoryBytes);
    row('stranded', `pool ${s.pool}`, '', 'monthly_cost', data.currency, s.monthlyCost);
    row('stranded', `pool ${s.pool}`, '', 'unrequested_cpu', 'cores', s.free.cpuCores);
    row('stranded', `pool ${s.pool}`, '', 'unrequested_memory', 'bytes', s.free.memoryBytes);
  }
  for (const d of data.changes) {
    const unit = d.unit === 'money' ? data.currency : d.unit;
    row('changes', d.scope, d.metric, 'previous', unit, d.previous);
    row('changes', d.scope, d.metric, 'current', unit, d.current);
    row('changes', d.scope, d.metric, 'change', unit, d.change);
  }
  return [HEADER, ...rows].map((r) => r.map(csvCell).join(',')).join('\n') + '\n';
}
