// The per-container misfit rules, pure over what the store summarised for a window. Each rule
// states its own threshold and severity here, next to the numbers it reads:
// - missing_requests: no memory request → warning (BestEffort/Burstable pods with unknown memory
//   are placed blind and evicted first); only the CPU request missing → info.
// - missing_limits: no memory limit → info (one leak can take the node's memory; CPU limits are
//   optional by design and never reported missing).
// - over_requested: CPU request > 2 × p95 or memory request > 1.5 × p99, with at least 0.1 core or
//   256 MiB reserved in excess across replicas → warning from $20/month of waste, else info.
// - under_requested: memory p95 above the request (by ≥ 10 % and 16 MiB) → warning, critical when even the median is
//   above twice the request; CPU p95 above 1.25 × the request → info, warning above 2 ×.
// - tight_memory_limit: OOM kills at the limit or a peak ≥ 90 % of it → critical from 3 kills,
//   warning for 1–2 kills or a peak ≥ 95 %, info otherwise.
// - overcommit_ratio: memory limit ≥ 4 × request → warning when p99 usage already exceeds the
//   request (the node is relied on for memory nobody reserved), info otherwise; CPU limit ≥ 10 ×
//   request → info.
// - cpu_throttled: median share of throttled CFS periods ≥ 25 % → warning, ≥ 10 % → info; without
//   a throttling series, p95 usage pinned at ≥ 90 % of the CPU limit → info (the quota caps what
//   we can see, so demand is unknown but higher).
import type { Severity } from '../../core/domain.js';
import type { RequestsMisfitEvidence } from '../../core/evidence.js';
import { formatMoney } from '../../core/money.js';
import { monthlyCost, ratesText, type Rates } from '../recommendations/prices.js';
import { formatBytes, formatCores, formatPercent } from '../recommendations/quantities.js';
import type { ContainerHistory, Recommendation } from '../recommendations/types.js';
import {
  adviceOfChange,
  keepsMemory,
  verdictSentence,
  type Advice,
  type AdvisedResource,
  type MemoryVerdict,
} from '../verdicts.js';

export type MisfitCategory =
  | 'missing_requests'
  | 'missing_limits'
  | 'over_requested'
  | 'under_requested'
  | 'tight_memory_limit'
  | 'overcommit_ratio'
  | 'cpu_throttled';

export interface MisfitIssue {
  readonly category: MisfitCategory;
  readonly severity: Severity;
  readonly title: string;
  readonly explanation: string;
  readonly recommendation: string;
  readonly evidence: Omit<RequestsMisfitEvidence, 'advice'>;
}

export interface MisfitContext {
  readonly windowDays: number;
  /** Rates of the node most of its pods run on. */
  readonly prices: Rates;
  /**
   * A right size to quote in next steps (Plimsoll's default strategy), when it had enough data,
   * already made to follow the verdict.
   */
  readonly rightSize?: Recommendation | undefined;
  /** The container's OOM-loop verdict, which memory advice follows. */
  readonly verdict?: MemoryVerdict | undefined;
}

const MEMORY: ReadonlySet<AdvisedResource> = new Set(['memory_limit', 'memory_request']);

const MIB = 2 ** 20;
/** Over-requested capacity worth this much a month (in the price book's currency) is a warning. */
export const OVER_REQUESTED_WARNING_MONTHLY = 20;

/** Percentiles the rules read. */
export const MISFIT_NEEDS = {
  cpuPercentiles: [50, 95, 99],
  memoryPercentiles: [50, 95, 99],
  throttlingPercentiles: [50, 95],
} as const;

export function containerMisfits(history: ContainerHistory, context: MisfitContext): MisfitIssue[] {
  const spec = history.current;
  if (!spec) return [];
  return misfitsOf(history, spec, context).map((issue) => ({
    ...issue,
    evidence: { ...issue.evidence, advice: issue.advice },
  }));
}

interface RuleResult extends MisfitIssue {
  /** What the next step changes, resource by resource. */
  readonly advice: readonly Advice[];
}

function misfitsOf(
  history: ContainerHistory,
  spec: NonNullable<ContainerHistory['current']>,
  context: MisfitContext,
): RuleResult[] {
  const verdict = context.verdict;
  const keep = keepsMemory(verdict);
  const followed = verdict ? ` ${verdictSentence(verdict)}` : '';
  /**
   * The advice of a rule about `resources`: the right size's direction where one is quoted,
   * else the rule's own; memory the verdict keeps is kept.
   */
  const advise = (resources: readonly AdvisedResource[], own: readonly Advice[]): Advice[] => {
    const base = context.rightSize ? adviceOfChange(spec, context.rightSize, resources) : own;
    const kept = keep ? base.filter((a) => !MEMORY.has(a.resource)) : base;
    const memoryKept = keep
      ? resources
          .filter((r) => MEMORY.has(r))
          .map((resource): Advice => ({ resource, direction: 'keep' }))
      : [];
    return [...kept, ...memoryKept];
  };
  const facts = readFacts(history);
  const name = subjectName(history);
  const replicas = Math.max(1, history.replicas);
  const replicaText = `${history.replicas} replica${history.replicas === 1 ? '' : 's'}`;
  const usage = usageSentence(facts, context.windowDays);
  const right = rightSizeText(context.rightSize);

  const memRequest = spec.requests.memoryBytes;
  const cpuRequest = spec.requests.cpuCores;
  const memLimit = spec.limits.memoryBytes;
  const cpuLimit = spec.limits.cpuCores;

  const input: RuleInput = {
    history,
    spec,
    context,
    facts,
    name,
    replicas,
    replicaText,
    usage,
    right,
    keep,
    followed,
    advise,
    memRequest,
    cpuRequest,
    memLimit,
    cpuLimit,
  };
  return CONTAINER_RULES.flatMap((rule) => rule(input) ?? []);
}

/** What every rule reads: the container's history and spec, and the sentences they share. */
interface RuleInput {
  readonly history: ContainerHistory;
  readonly spec: NonNullable<ContainerHistory['current']>;
  readonly context: MisfitContext;
  readonly facts: Facts;
  readonly name: string;
  readonly replicas: number;
  readonly replicaText: string;
  readonly usage: string;
  readonly right: string | undefined;
  readonly keep: boolean;
  readonly followed: string;
  readonly advise: (resources: readonly AdvisedResource[], own: readonly Advice[]) => Advice[];
  readonly memRequest: number | undefined;
  readonly cpuRequest: number | undefined;
  readonly memLimit: number | undefined;
  readonly cpuLimit: number | undefined;
}

/** No memory (or CPU) request: placed blind, evicted first. */
function missingRequests(rule: RuleInput): RuleResult | undefined {
  const { history, spec, facts, name, replicaText, usage, right, advise, memRequest, cpuRequest } =
    rule;
  if (memRequest === undefined || cpuRequest === undefined) {
    const missing = [
      memRequest === undefined ? 'memory' : '',
      cpuRequest === undefined ? 'CPU' : '',
    ]
      .filter(Boolean)
      .join(' and ');
    return {
      category: 'missing_requests',
      severity: memRequest === undefined ? 'warning' : 'info',
      title: `${name} has no ${missing} request`,
      explanation:
        `${usage} Its pods declare no ${missing} request, so the scheduler places ${replicaText} as if ${missing === 'CPU' ? 'it needed no CPU' : 'they needed nothing'}` +
        `${memRequest === undefined ? ', and under node memory pressure the kubelet evicts them before pods that stay within their requests' : ''}.`,
      recommendation: `Set requests on container ${history.key.container}: ${right ?? 'at about p95 CPU and p99 memory plus 10%'}.`,
      evidence: { ...facts, replicas: history.replicas, requests: spec.requests },
      advice: advise(
        [
          ...(memRequest === undefined ? (['memory_request'] as const) : []),
          ...(cpuRequest === undefined ? (['cpu_request'] as const) : []),
        ],
        [
          ...(memRequest === undefined
            ? [{ resource: 'memory_request', direction: 'set' } as const]
            : []),
          ...(cpuRequest === undefined
            ? [{ resource: 'cpu_request', direction: 'set' } as const]
            : []),
        ],
      ),
    };
  }
  return undefined;
}

/** No memory limit: one leak can take the node. */
function missingLimits(rule: RuleInput): RuleResult | undefined {
  const { history, spec, facts, name, replicaText, usage, right, advise, memLimit } = rule;
  if (memLimit === undefined) {
    return {
      category: 'missing_limits',
      severity: 'info',
      title: `${name} has no memory limit`,
      explanation: `${usage} Without a memory limit nothing stops one of its ${replicaText} from growing until the node runs out of memory; the kernel or the kubelet then kills or evicts whatever it picks, often a neighbour.`,
      recommendation: `Set a memory limit on container ${history.key.container}: ${right ?? `about ${formatBytes((facts.memoryMax ?? 0) * 1.3)} (peak + 30%)`}.`,
      evidence: { ...facts, replicas: history.replicas, limits: spec.limits },
      advice: advise(['memory_limit'], [{ resource: 'memory_limit', direction: 'set' }]),
    };
  }
  return undefined;
}

/** Requests well above use, across replicas. */
function overRequested(rule: RuleInput): RuleResult | undefined {
  const { history, spec, context, facts, name, replicas, replicaText, usage, right, advise } = rule;
  const over = overRequest(facts, spec.requests, context, replicas);
  if (over) {
    const money = monthlyCost(context.prices, over.cpuCores, over.memoryBytes);
    const wasted = [
      over.cpuCores > 0 ? formatCores(over.cpuCores) : '',
      over.memoryBytes > 0 ? formatBytes(over.memoryBytes) : '',
    ]
      .filter(Boolean)
      .join(' and ');
    return {
      category: 'over_requested',
      severity: money >= OVER_REQUESTED_WARNING_MONTHLY ? 'warning' : 'info',
      title: `${name} reserves ${wasted} it does not use (${formatMoney(money, context.prices.currency)}/month)`,
      explanation: `${usage} It requests ${requestText(spec.requests)} on each of ${replicaText}, so about ${wasted} stay reserved and idle across replicas — roughly ${formatMoney(money, context.prices.currency)} a month at ${ratesText(context.prices)} — capacity no other pod can be scheduled on.`,
      recommendation: `Lower the requests of container ${history.key.container}: ${right ?? 'to about p95 CPU and p99 memory plus 10%'}.`,
      evidence: {
        ...facts,
        replicas: history.replicas,
        requests: spec.requests,
        wastedCpuCores: over.cpuCores,
        wastedMemoryBytes: over.memoryBytes,
        monthlyWaste: money,
      },
      advice: advise(
        [
          ...(over.cpuCores > 0 ? (['cpu_request'] as const) : []),
          ...(over.memoryBytes > 0 ? (['memory_request'] as const) : []),
        ],
        [
          ...(over.cpuCores > 0 ? [{ resource: 'cpu_request', direction: 'lower' } as const] : []),
          ...(over.memoryBytes > 0
            ? [{ resource: 'memory_request', direction: 'lower' } as const]
            : []),
        ],
      ),
    };
  }
  return undefined;
}

/** Use above the request. */
function underRequested(rule: RuleInput): RuleResult | undefined {
  const { history, spec, facts, name, usage, right, keep, followed, advise } = rule;
  const under = underRequest(facts, spec.requests);
  if (under) {
    return {
      category: 'under_requested',
      severity: under.severity,
      title: `${name} uses more ${under.resources} than it requests`,
      explanation: `${usage} It requests ${requestText(spec.requests)} per replica: ${under.detail}. The scheduler packs nodes by requests, so the difference is capacity the node does not know it has promised; under pressure these pods are the first to be evicted or starved.`,
      recommendation:
        keep && under.memory
          ? under.cpu
            ? `Raise the CPU request of container ${history.key.container}: ${right ?? 'to about p95 CPU plus 10%'}.${followed}`
            : followed.trim()
          : `Raise the requests of container ${history.key.container}: ${right ?? 'to about p95 CPU and p99 memory plus 10%'}.${followed}`,
      evidence: { ...facts, replicas: history.replicas, requests: spec.requests },
      advice: advise(
        [
          ...(under.memory ? (['memory_request'] as const) : []),
          ...(under.cpu ? (['cpu_request'] as const) : []),
        ],
        [
          ...(under.memory ? [{ resource: 'memory_request', direction: 'raise' } as const] : []),
          ...(under.cpu ? [{ resource: 'cpu_request', direction: 'raise' } as const] : []),
        ],
      ),
    };
  }
  return undefined;
}

/** OOM kills at the limit, or a peak close to it. */
function tightMemoryLimit(rule: RuleInput): RuleResult | undefined {
  const { history, context, facts, name, usage, right, keep, followed, advise, memLimit } = rule;
  if (memLimit !== undefined) {
    const kills = history.oomKills.filter(
      (k) => k.limitBytes === undefined || k.limitBytes <= memLimit * 1.001,
    );
    const peakShare = (facts.memoryMax ?? 0) / memLimit;
    if (kills.length > 0 || peakShare >= 0.9) {
      const severity: Severity =
        kills.length >= 3 ? 'critical' : kills.length > 0 || peakShare >= 0.95 ? 'warning' : 'info';
      return {
        category: 'tight_memory_limit',
        severity,
        title: kills.length
          ? `${name} was OOM-killed ${kills.length} time${kills.length === 1 ? '' : 's'} in ${Math.round(context.windowDays)} days at its ${formatBytes(memLimit)} limit`
          : `${name} peaks at ${formatPercent(peakShare)} of its memory limit`,
        explanation:
          `${usage} Its memory limit is ${formatBytes(memLimit)}; the peak reached ${formatPercent(peakShare)} of it` +
          `${kills.length ? ` and the kernel OOM-killed the container ${kills.length} time${kills.length === 1 ? '' : 's'} in ${Math.round(context.windowDays)} days` : ''}.` +
          ` A limit this close to real use turns an ordinary peak into a kill and a restart.`,
        recommendation: keep
          ? followed.trim()
          : `Raise the memory limit of container ${history.key.container}: ${right ?? `to at least ${formatBytes((facts.memoryMax ?? memLimit) * 1.3)}`}.${context.verdict ? followed : ' If the working set climbs steadily between kills, look for a leak before adding memory.'}`,
        evidence: {
          ...facts,
          replicas: history.replicas,
          limitBytes: memLimit,
          peakShareOfLimit: peakShare,
          oomKills: kills.length,
          oomKillsWindowDays: Math.round(context.windowDays),
        },
        advice: advise(['memory_limit'], [{ resource: 'memory_limit', direction: 'raise' }]),
      };
    }
  }
  return undefined;
}

/** A limit many times the request. */
function overcommitted(rule: RuleInput): RuleResult | undefined {
  const { history, spec, facts, name, usage, right, keep, followed, advise } = rule;
  const overcommit = overcommitRatio(facts, spec.requests, spec.limits);
  if (overcommit) {
    return {
      category: 'overcommit_ratio',
      severity: overcommit.severity,
      title: `${name} has a ${overcommit.resource} limit ${overcommit.ratio.toFixed(0)}× its request`,
      explanation:
        `${usage} Its ${overcommit.resource} limit is ${overcommit.limitText} against a request of ${overcommit.requestText} (${overcommit.ratio.toFixed(1)}×). The scheduler reserves only the request, so each of its ${history.replicas} replicas may use ${overcommit.claimText} more than any node set aside for it` +
        `${overcommit.severity === 'warning' ? ', and p99 usage already runs above the request' : ''}.`,
      recommendation:
        keep && overcommit.resource === 'memory'
          ? followed.trim()
          : `Bring the request of container ${history.key.container} up to real use and the limit down to peak plus headroom: ${right ?? 'about p99 + 10% for the request and peak + 30% for the limit'}.${followed}`,
      evidence: {
        ...facts,
        replicas: history.replicas,
        requests: spec.requests,
        limits: spec.limits,
        ratio: overcommit.ratio,
      },
      advice:
        overcommit.resource === 'memory'
          ? advise(
              ['memory_request', 'memory_limit'],
              [
                { resource: 'memory_request', direction: 'raise' },
                { resource: 'memory_limit', direction: 'lower' },
              ],
            )
          : advise(
              ['cpu_request', 'cpu_limit'],
              [
                { resource: 'cpu_request', direction: 'raise' },
                { resource: 'cpu_limit', direction: 'lower' },
              ],
            ),
    };
  }
  return undefined;
}

/** No throttling series, but p95 pinned at the CPU limit. */
function pinnedAtCpuLimit(rule: RuleInput): RuleResult | undefined {
  const { history, facts, name, usage, advise, cpuLimit } = rule;
  const throttled = facts.throttledP50;
  const pinned =
    throttled === undefined &&
    cpuLimit !== undefined &&
    facts.cpuP95 !== undefined &&
    facts.cpuP95 >= 0.9 * cpuLimit;
  if (pinned) {
    return {
      category: 'cpu_throttled',
      severity: 'info',
      title: `${name} runs pinned at its ${formatCores(cpuLimit)} limit`,
      explanation: `${usage} Its CPU limit is ${formatCores(cpuLimit)} and p95 usage sits at ${formatPercent(facts.cpuP95! / cpuLimit)} of it: the CFS quota, not demand, sets the ceiling, so the container is very likely throttled and its real demand is higher than measured (no throttling counters were collected to say by how much).`,
      recommendation: `Remove the CPU limit of container ${history.key.container} (or raise it well above ${formatCores(cpuLimit)}), set the CPU request to at least ${formatCores(facts.cpuP95! * 1.1)}, and re-size after a few days of unthrottled data.`,
      evidence: {
        ...facts,
        replicas: history.replicas,
        cpuLimit,
        pinnedShareOfLimit: facts.cpuP95! / cpuLimit,
      },
      advice: advise(['cpu_limit'], [{ resource: 'cpu_limit', direction: 'remove' }]),
    };
  }
  return undefined;
}

/** Throttled in a share of CFS periods. */
function cpuThrottled(rule: RuleInput): RuleResult | undefined {
  const { history, facts, name, usage, right, advise, cpuLimit } = rule;
  const throttled = facts.throttledP50;
  if (throttled !== undefined && throttled >= 0.1 && cpuLimit !== undefined) {
    return {
      category: 'cpu_throttled',
      severity: throttled >= 0.25 ? 'warning' : 'info',
      title: `${name} is CPU-throttled in ${formatPercent(throttled)} of periods`,
      explanation: `${usage} Its CPU limit is ${formatCores(cpuLimit)}; in a typical (median) interval ${formatPercent(throttled)} of CFS periods were throttled${facts.throttledP95 !== undefined ? ` (p95 ${formatPercent(facts.throttledP95)})` : ''}, so requests wait for the next period even when the node has idle CPU. The CPU usage shown is capped by the limit and understates demand.`,
      recommendation: `Remove the CPU limit of container ${history.key.container} (or raise it well above demand) and set the CPU request to real demand: ${right ?? 'about p95 usage ÷ (1 − throttled share)'}.`,
      evidence: { ...facts, replicas: history.replicas, cpuLimit },
      advice: advise(['cpu_limit'], [{ resource: 'cpu_limit', direction: 'remove' }]),
    };
  }
  return undefined;
}

/** The rules, in the order their findings are listed. */
const CONTAINER_RULES: readonly ((rule: RuleInput) => RuleResult | undefined)[] = [
  missingRequests,
  missingLimits,
  overRequested,
  underRequested,
  tightMemoryLimit,
  overcommitted,
  pinnedAtCpuLimit,
  cpuThrottled,
];

interface Facts {
  cpuP50?: number | undefined;
  cpuP95?: number | undefined;
  cpuMax?: number | undefined;
  memoryP50?: number | undefined;
  memoryP95?: number | undefined;
  memoryP99?: number | undefined;
  memoryMax?: number | undefined;
  throttledP50?: number | undefined;
  throttledP95?: number | undefined;
  historyHours: number;
}

function readFacts(history: ContainerHistory): Facts {
  const { cpu, memory, throttling } = history;
  const first = Math.min(cpu?.first ?? Infinity, memory?.first ?? Infinity);
  const last = Math.max(cpu?.last ?? -Infinity, memory?.last ?? -Infinity);
  return {
    cpuP50: cpu?.percentiles['50'],
    cpuP95: cpu?.percentiles['95'],
    cpuMax: cpu?.max,
    memoryP50: memory?.percentiles['50'],
    memoryP95: memory?.percentiles['95'],
    memoryP99: memory?.percentiles['99'],
    memoryMax: memory?.max,
    throttledP50: throttling?.percentiles['50'],
    throttledP95: throttling?.percentiles['95'],
    historyHours: Number.isFinite(last - first) ? Math.max(0, (last - first) / 3_600_000) : 0,
  };
}

function overRequest(
  facts: Facts,
  requests: { cpuCores?: number | undefined; memoryBytes?: number | undefined },
  context: MisfitContext,
  replicas: number,
): { cpuCores: number; memoryBytes: number } | undefined {
  const sizedCpu = context.rightSize?.requests.cpuCores ?? (facts.cpuP95 ?? 0) * 1.1;
  const sizedMem = context.rightSize?.requests.memoryBytes ?? (facts.memoryP99 ?? 0) * 1.1;
  let cpuCores = 0;
  let memoryBytes = 0;
  if (
    requests.cpuCores !== undefined &&
    facts.cpuP95 !== undefined &&
    requests.cpuCores > 2 * facts.cpuP95
  ) {
    const waste = (requests.cpuCores - Math.max(sizedCpu, facts.cpuP95)) * replicas;
    if (waste >= 0.1) cpuCores = waste;
  }
  if (
    requests.memoryBytes !== undefined &&
    facts.memoryP99 !== undefined &&
    requests.memoryBytes > 1.5 * facts.memoryP99
  ) {
    const waste = (requests.memoryBytes - Math.max(sizedMem, facts.memoryP99)) * replicas;
    if (waste >= 256 * MIB) memoryBytes = waste;
  }
  return cpuCores > 0 || memoryBytes > 0 ? { cpuCores, memoryBytes } : undefined;
}

function underRequest(
  facts: Facts,
  requests: { cpuCores?: number | undefined; memoryBytes?: number | undefined },
):
  | { severity: Severity; resources: string; detail: string; memory: boolean; cpu: boolean }
  | undefined {
  const details: string[] = [];
  const resources: string[] = [];
  let severity: Severity | undefined;
  const raise = (s: Severity) => {
    const rank = { info: 0, warning: 1, critical: 2 };
    if (!severity || rank[s] > rank[severity]) severity = s;
  };
  const mem = requests.memoryBytes;
  // A few MiB over a tight request is noise, not a misfit: at least 10 % and 16 MiB over.
  if (
    mem !== undefined &&
    facts.memoryP95 !== undefined &&
    facts.memoryP95 > mem * 1.1 &&
    facts.memoryP95 - mem >= 16 * MIB
  ) {
    raise(facts.memoryP50 !== undefined && facts.memoryP50 > 2 * mem ? 'critical' : 'warning');
    resources.push('memory');
    details.push(
      `its working set is ${formatBytes(facts.memoryP95)} at p95 against ${formatBytes(mem)} requested (${(facts.memoryP95 / mem).toFixed(1)}×)`,
    );
  }
  const cpu = requests.cpuCores;
  if (cpu !== undefined && facts.cpuP95 !== undefined && facts.cpuP95 > 1.25 * cpu) {
    raise(facts.cpuP95 > 2 * cpu ? 'warning' : 'info');
    resources.push('CPU');
    details.push(
      `CPU is ${formatCores(facts.cpuP95)} at p95 against ${formatCores(cpu)} requested (${(facts.cpuP95 / cpu).toFixed(1)}×)`,
    );
  }
  return severity
    ? {
        severity,
        resources: resources.join(' and '),
        detail: details.join('; '),
        memory: resources.includes('memory'),
        cpu: resources.includes('CPU'),
      }
    : undefined;
}

function overcommitRatio(
  facts: Facts,
  requests: { cpuCores?: number | undefined; memoryBytes?: number | undefined },
  limits: { cpuCores?: number | undefined; memoryBytes?: number | undefined },
):
  | {
      resource: 'memory' | 'CPU';
      ratio: number;
      severity: Severity;
      limitText: string;
      requestText: string;
      claimText: string;
    }
  | undefined {
  if (
    requests.memoryBytes &&
    limits.memoryBytes &&
    limits.memoryBytes >= 4 * requests.memoryBytes
  ) {
    const ratio = limits.memoryBytes / requests.memoryBytes;
    return {
      resource: 'memory',
      ratio,
      severity:
        facts.memoryP99 !== undefined && facts.memoryP99 > requests.memoryBytes
          ? 'warning'
          : 'info',
      limitText: formatBytes(limits.memoryBytes),
      requestText: formatBytes(requests.memoryBytes),
      claimText: formatBytes(limits.memoryBytes - requests.memoryBytes),
    };
  }
  if (requests.cpuCores && limits.cpuCores && limits.cpuCores >= 10 * requests.cpuCores) {
    return {
      resource: 'CPU',
      ratio: limits.cpuCores / requests.cpuCores,
      severity: 'info',
      limitText: formatCores(limits.cpuCores),
      requestText: formatCores(requests.cpuCores),
      claimText: formatCores(limits.cpuCores - requests.cpuCores),
    };
  }
  return undefined;
}

function subjectName(history: ContainerHistory): string {
  const w = history.key.workload;
  return `${w.namespace}/${w.name} (${history.key.container})`;
}

function usageSentence(facts: Facts, windowDays: number): string {
  const cpu =
    facts.cpuP95 !== undefined
      ? `${formatCores(facts.cpuP95)} at p95 (peak ${formatCores(facts.cpuMax ?? facts.cpuP95)})`
      : 'no CPU data';
  const mem =
    facts.memoryP99 !== undefined
      ? `${formatBytes(facts.memoryP99)} of memory at p99 (peak ${formatBytes(facts.memoryMax ?? facts.memoryP99)})`
      : 'no memory data';
  return `Over ${Math.round(windowDays)} days (${(facts.historyHours / 24).toFixed(1)} days of data) each replica used ${cpu} and ${mem}.`;
}

function requestText(requests: {
  cpuCores?: number | undefined;
  memoryBytes?: number | undefined;
}): string {
  return [
    requests.cpuCores !== undefined ? formatCores(requests.cpuCores) : 'no CPU',
    requests.memoryBytes !== undefined ? formatBytes(requests.memoryBytes) : 'no memory',
  ].join(' and ');
}

function rightSizeText(rec: Recommendation | undefined): string | undefined {
  if (!rec) return undefined;
  const parts = [
    rec.requests.cpuCores !== undefined ? `CPU request ${formatCores(rec.requests.cpuCores)}` : '',
    rec.requests.memoryBytes !== undefined
      ? `memory request ${formatBytes(rec.requests.memoryBytes)}`
      : '',
    rec.limits.memoryBytes !== undefined
      ? `memory limit ${formatBytes(rec.limits.memoryBytes)}`
      : '',
    rec.limits.cpuCores !== undefined
      ? `CPU limit ${formatCores(rec.limits.cpuCores)}`
      : 'no CPU limit',
  ].filter(Boolean);
  return `${parts.join(', ')} (Plimsoll's sizing, ${rec.confidence.level} confidence)`;
}
