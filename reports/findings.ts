// Savings, risks and incidents of a week, from the analyzers' findings:
// findings({cluster, kinds, window: week}) paged, i.e. findings whose [firstSeen, lastSeen]
// overlaps the week, read as they stood at the week's end: status then, last seen within the week,
// OOM kills counted from the week's own terminations, flaps of the week only; a finding analyzed
// again more than a day after the week keeps its kind and subject but not its later figures.
// Evidence is read through its schema (core/evidence.ts) — a field that does not fit is treated
// as absent — and only these fields are read (docs/reports.md lists them):
// - recommendation: current/recommended {requests, limits}, replicas, cpuCoresDelta,
//   memoryBytesDelta, monthlyCostDelta, confidence.level, risksRemoved, prices
// - oom_loop: limitBytes (kills: terminations({reasons: ['OOMKilled'], workload, container}))
// - requests_misfit: memoryP95, cpuP95, requests, limitBytes, peakShareOfLimit
// - node_capacity_misfit: pool, requests, allocatable, limits, peakShareOfAllocatable
// - node_memory_flapping: flaps[].at, memoryPressureFlaps, notReadyFlaps, evictions, systemOoms,
//   minAvailableBytes, pool
import { DEFAULT_CURRENCY } from '../core/money.js';
import type {
  Finding,
  FindingKind,
  ResourceAmounts,
  ResourceSpec,
  TimeWindow,
} from '../core/domain.js';
import { evidenceOf } from '../core/evidence.js';
import { monthlyCost, type Prices, type Rates } from '../analyzers/recommendations/prices.js';
import type { Store } from '../store/store.js';
import { bytes, cores, percent } from './format.js';
import type { FindingCounts, FlappingIncident, PriceNote, RiskRow, SavingRow } from './model.js';

/** Categories of the misfit kinds that are risks (the rest are waste or hygiene). */
const RISK_CATEGORIES: Readonly<Partial<Record<FindingKind, ReadonlySet<string> | 'all'>>> = {
  oom_loop: 'all',
  requests_misfit: new Set(['under_requested', 'tight_memory_limit']),
  node_capacity_misfit: new Set(['requests_saturated', 'limits_overcommit']),
};
const SEVERITY_RANK = { critical: 0, warning: 1, info: 2 } as const;
const KIND_RANK: Readonly<Partial<Record<FindingKind, number>>> = {
  oom_loop: 0,
  node_capacity_misfit: 1,
  requests_misfit: 2,
};

export async function allFindings(
  store: Store,
  cluster: string,
  kinds: readonly FindingKind[],
  window: TimeWindow,
): Promise<Finding[]> {
  const found: Finding[] = [];
  let after: string | undefined;
  do {
    const page = await store.findings({ cluster, kinds, window, limit: 500, after });
    found.push(...page.items);
    after = page.next;
  } while (after);
  return found;
}

/** Requests and limits as an evidence field states them, unset amounts absent. */
export const spec = (value: Partial<ResourceSpec> | undefined): ResourceSpec => ({
  requests: value?.requests ?? {},
  limits: value?.limits ?? {},
});

/** A recommendation was still standing at `end`: open, or resolved only afterwards. */
const standingAt = (finding: Finding, end: number) =>
  finding.status === 'open' || (finding.resolvedAt !== undefined && finding.resolvedAt >= end);

export function savingRow(finding: Finding, prices: Prices): SavingRow | undefined {
  if (finding.subject.type !== 'workload_container') return undefined;
  const e = evidenceOf(finding, 'recommendation') ?? {};
  const current = spec(e.current);
  const recommended = spec(e.recommended);
  const replicas = e.replicas ?? 1;
  const diff = (field: keyof ResourceAmounts) =>
    ((current.requests[field] ?? 0) - (recommended.requests[field] ?? 0)) * replicas;
  const cpuReleased = e.cpuCoresDelta === undefined ? diff('cpuCores') : -e.cpuCoresDelta;
  const memReleased = e.memoryBytesDelta === undefined ? diff('memoryBytes') : -e.memoryBytesDelta;
  const costDelta = e.monthlyCostDelta;
  const evidencePrices = priceNote(e.prices) ?? prices;
  const saving =
    costDelta === undefined ? monthlyCost(evidencePrices, cpuReleased, memReleased) : -costDelta;
  const w = finding.subject.workload;
  const risks = [...(e.risksRemoved ?? [])];
  const level = e.confidence?.level;
  return {
    findingId: finding.id,
    namespace: w.namespace,
    workloadKind: w.kind,
    workload: w.name,
    container: finding.subject.container,
    replicas,
    current,
    recommended,
    cpuCoresReleased: cpuReleased,
    memoryBytesReleased: memReleased,
    monthlySaving: saving,
    confidence: level,
    risksRemoved: risks,
  };
}

export function priceNote(rates: Rates | undefined): PriceNote | undefined {
  return rates === undefined
    ? undefined
    : {
        cpuCoreHour: rates.cpuCoreHour,
        memoryGibHour: rates.memoryGibHour,
        currency: rates.currency ?? DEFAULT_CURRENCY,
      };
}

export interface WeekFindings {
  readonly savings: SavingRow[];
  readonly savingsTotal: number;
  /** Recommendations that add cost, and that cost (≥ 0). */
  readonly increases: SavingRow[];
  readonly increasesTotal: number;
  readonly risks: RiskRow[];
  readonly risksByKind: Record<string, number>;
  readonly flapping: FlappingIncident[];
  readonly findingPrices: PriceNote[];
  readonly counts: FindingCounts;
}

export async function gatherWeekFindings(
  store: Store,
  cluster: string,
  window: TimeWindow,
  end: number,
  prices: Prices,
): Promise<WeekFindings> {
  if (end <= window.from) {
    return {
      savings: [],
      savingsTotal: 0,
      increases: [],
      increasesTotal: 0,
      risks: [],
      risksByKind: {},
      flapping: [],
      findingPrices: [],
      counts: { flappingIncidents: 0, oomLoops: 0, risks: 0, savingsMonthly: 0, netMonthly: 0 },
    };
  }
  const [recommendations, riskFindings, flappingFindings] = await Promise.all([
    allFindings(store, cluster, ['recommendation'], window),
    allFindings(store, cluster, ['oom_loop', 'requests_misfit', 'node_capacity_misfit'], window),
    allFindings(store, cluster, ['node_memory_flapping'], window),
  ]);

  const standing = recommendations
    .filter((f) => standingAt(f, end))
    .map((f) => savingRow(f, prices))
    .filter((row): row is SavingRow => row !== undefined);
  const savings = standing
    .filter((row) => row.monthlySaving > 0)
    .sort((a, b) => b.monthlySaving - a.monthlySaving || a.findingId.localeCompare(b.findingId));
  const increases = standing
    .filter((row) => row.monthlySaving < 0)
    .sort((a, b) => a.monthlySaving - b.monthlySaving || a.findingId.localeCompare(b.findingId));
  const findingPrices = new Map<string, PriceNote>();
  for (const f of recommendations) {
    const note = priceNote(evidenceOf(f, 'recommendation')?.prices);
    if (note) findingPrices.set(`${note.cpuCoreHour}/${note.memoryGibHour}/${note.currency}`, note);
  }

  const byRank = (a: RiskRow, b: RiskRow) =>
    SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
    (KIND_RANK[a.kind as FindingKind] ?? 9) - (KIND_RANK[b.kind as FindingKind] ?? 9) ||
    b.lastSeen - a.lastSeen ||
    a.findingId.localeCompare(b.findingId);
  // One row per problem: an OOM loop seen by daily runs as several episodes is one risk.
  const grouped = new Map<string, { finding: Finding; row: RiskRow }>();
  for (const entry of riskFindings
    .filter((f) => {
      const categories = RISK_CATEGORIES[f.kind];
      return categories === 'all' || (categories?.has(f.category ?? '') ?? false);
    })
    .map((f) => ({ finding: f, row: riskRow(f, end) }))
    .sort((a, b) => byRank(a.row, b.row))) {
    const { row } = entry;
    const key = `${row.kind}\u0000${row.kind === 'oom_loop' ? '' : (row.category ?? '')}\u0000${row.subject}`;
    const seen = grouped.get(key);
    grouped.set(
      key,
      seen ? { ...seen, row: { ...seen.row, occurrences: seen.row.occurrences + 1 } } : entry,
    );
  }
  const risks: RiskRow[] = [];
  for (const { finding, row } of grouped.values()) {
    const killing =
      finding.kind === 'oom_loop' ||
      (finding.kind === 'requests_misfit' && finding.category === 'tight_memory_limit');
    const kills = killing
      ? await killsInWeek(store, cluster, finding, window.from, end)
      : undefined;
    const killText = kills ? `${kills} OOM kill${kills === 1 ? '' : 's'} in the week` : '';
    risks.push({ ...row, detail: [killText, row.detail].filter(Boolean).join('; ') });
  }
  risks.sort(byRank);
  const risksByKind: Record<string, number> = {};
  for (const r of risks) {
    const label = r.category ? `${r.kind}:${r.category}` : r.kind;
    risksByKind[label] = (risksByKind[label] ?? 0) + 1;
  }

  const flapping = flappingFindings
    .map((f) => flappingIncident(f, window.from, end))
    .filter((i): i is FlappingIncident => i !== undefined)
    .sort((a, b) => a.window.from - b.window.from || a.node.localeCompare(b.node));
  const savingsTotal = savings.reduce((sum, row) => sum + row.monthlySaving, 0);
  const increasesTotal = -increases.reduce((sum, row) => sum + row.monthlySaving, 0);
  return {
    savings,
    savingsTotal,
    increases,
    increasesTotal,
    risks,
    risksByKind,
    flapping,
    findingPrices: [...findingPrices.values()],
    counts: {
      flappingIncidents: flapping.length,
      oomLoops: risks.filter((r) => r.kind === 'oom_loop').length,
      risks: risks.length,
      savingsMonthly: savingsTotal,
      netMonthly: savingsTotal - increasesTotal,
    },
  };
}

export function subjectText(finding: Finding): string {
  const s = finding.subject;
  switch (s.type) {
    case 'workload_container':
      return `${s.workload.namespace}/${s.workload.kind}/${s.workload.name} · ${s.container}`;
    case 'workload':
      return `${s.workload.namespace}/${s.workload.kind}/${s.workload.name}`;
    case 'node':
      return `node ${s.node}`;
    case 'cluster': {
      const pool = evidenceOf(finding, 'node_capacity_misfit')?.pool;
      return pool === undefined ? `cluster ${s.cluster}` : `pool ${pool}`;
    }
  }
}

/** Analyzed again this long after the week ended: its title and evidence speak of later data. */
const LATER_ANALYSIS_MS = 86_400_000;

const statusAt = (finding: Finding, end: number) =>
  finding.status === 'resolved' && finding.resolvedAt !== undefined && finding.resolvedAt < end
    ? 'resolved'
    : 'open';

function riskRow(finding: Finding, end: number): RiskRow {
  const s = finding.subject;
  const later = finding.lastSeen >= end + LATER_ANALYSIS_MS;
  const what = finding.category
    ? `${finding.kind.replace(/_/g, ' ')} (${finding.category.replace(/_/g, ' ')})`
    : finding.kind.replace(/_/g, ' ');
  return {
    findingId: finding.id,
    kind: finding.kind,
    category: finding.category,
    severity: finding.severity,
    subject: subjectText(finding),
    namespace:
      s.type === 'workload' || s.type === 'workload_container' ? s.workload.namespace : undefined,
    title: later ? `${what}: ${subjectText(finding)}, open at the week's end` : finding.title,
    detail: later ? '' : riskDetail(finding),
    lastSeen: Math.min(finding.lastSeen, end - 1),
    status: statusAt(finding, end),
    occurrences: 1,
  };
}

/** OOM kills of the row's container in [from, end), from the terminations themselves. */
async function killsInWeek(
  store: Store,
  cluster: string,
  finding: Finding,
  from: number,
  end: number,
): Promise<number | undefined> {
  if (finding.subject.type !== 'workload_container') return undefined;
  const kills = await store.terminations({
    cluster,
    window: { from, to: end },
    reasons: ['OOMKilled'],
    workload: finding.subject.workload,
    container: finding.subject.container,
  });
  return kills.length;
}

/** The key numbers of a finding, in words (e.g. "limit 512 MiB; slow leak"). */
export function riskDetail(finding: Finding): string {
  const parts: string[] = [];
  const push = (condition: unknown, text: () => string) => {
    if (condition !== undefined && condition !== false) parts.push(text());
  };
  switch (finding.kind) {
    case 'oom_loop': {
      const limit = evidenceOf(finding, 'oom_loop')?.limitBytes;
      push(limit, () => `limit ${bytes(limit!)}`);
      push(finding.category, () => (finding.category ?? '').replace(/_/g, ' '));
      break;
    }
    case 'requests_misfit': {
      const e = evidenceOf(finding, 'requests_misfit') ?? {};
      const requests = e.requests ?? {};
      const memP95 = e.memoryP95;
      const cpuP95 = e.cpuP95;
      const limit = e.limitBytes;
      const peakShare = e.peakShareOfLimit;
      if (finding.category === 'under_requested') {
        push(
          memP95 !== undefined && requests.memoryBytes !== undefined,
          () => `memory p95 ${bytes(memP95!)} vs ${bytes(requests.memoryBytes!)} requested`,
        );
        push(
          cpuP95 !== undefined && requests.cpuCores !== undefined,
          () => `CPU p95 ${cores(cpuP95!)} vs ${cores(requests.cpuCores!)} requested`,
        );
      } else {
        push(
          peakShare !== undefined && limit !== undefined,
          () => `peak ${percent(peakShare!)} of ${bytes(limit!)} limit`,
        );
      }
      break;
    }
    case 'node_capacity_misfit': {
      const e = evidenceOf(finding, 'node_capacity_misfit') ?? {};
      const requests: ResourceAmounts = e.requests ?? {};
      const allocatable: ResourceAmounts = e.allocatable ?? {};
      const limits: ResourceAmounts = e.limits ?? {};
      const peakShare = e.peakShareOfAllocatable;
      if (finding.category === 'requests_saturated') {
        push(
          allocatable.cpuCores,
          () => `CPU requests ${percent((requests.cpuCores ?? 0) / allocatable.cpuCores!)}`,
        );
        push(
          allocatable.memoryBytes,
          () =>
            `memory requests ${percent((requests.memoryBytes ?? 0) / allocatable.memoryBytes!)} of allocatable`,
        );
      } else {
        push(
          allocatable.memoryBytes && limits.memoryBytes !== undefined,
          () =>
            `memory limits ${percent(limits.memoryBytes! / allocatable.memoryBytes!)} of allocatable`,
        );
        push(peakShare, () => `peak use ${percent(peakShare!)}`);
      }
      break;
    }
    default:
      break;
  }
  return parts.join('; ');
}

/**
 * The part of an episode inside [from, end): its flaps there, and the episode's totals only when
 * all of it lies inside (they cannot be split by time).
 */
function flappingIncident(
  finding: Finding,
  from: number,
  end: number,
): FlappingIncident | undefined {
  if (finding.subject.type !== 'node') return undefined;
  const e = evidenceOf(finding, 'node_memory_flapping') ?? {};
  const all = e.flaps ?? [];
  const inWeek = all.filter((f) => f.at >= from && f.at < end);
  const whole = finding.window.from >= from && finding.window.to <= end;
  const counted = (flag: 'memoryPressure' | 'notReady') =>
    all.length > 0 ? inWeek.filter((f) => f[flag]).length : whole ? e[`${flag}Flaps`] : undefined;
  // An episode whose flaps all fall outside the week is not one of its incidents.
  if (all.length > 0 && inWeek.length === 0) return undefined;
  return {
    findingId: finding.id,
    node: finding.subject.node,
    pool: e.pool,
    severity: finding.severity,
    category: finding.category,
    window: { from: Math.max(finding.window.from, from), to: Math.min(finding.window.to, end) },
    flaps: inWeek.map((f) => f.at),
    memoryPressureFlaps: counted('memoryPressure'),
    notReadyFlaps: counted('notReady'),
    evictions: whole ? e.evictions : undefined,
    systemOoms: whole ? e.systemOoms : undefined,
    minAvailableBytes: whole ? e.minAvailableBytes : undefined,
    title: finding.title,
    recommendation: finding.recommendation,
    status: statusAt(finding, end),
  };
}
