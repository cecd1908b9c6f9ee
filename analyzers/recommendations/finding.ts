// Turns a recommendation and its change into a Finding: stable id, severity, the numbers as
// evidence, and one paragraph an engineer can act on.
// Severity: `warning` when the change removes an OOM risk (kills, or a peak at the limit) or
// memory used above its request; `info` otherwise (savings and smaller risks).
import type { RecommendationEvidence } from '../../core/evidence.js';
import type {
  Finding,
  FindingSubject,
  ResourceAmounts,
  Severity,
  TimeWindow,
} from '../../core/domain.js';
import { stableId } from '../../core/envelope.js';
import { subjectKey } from '../ids.js';
import type { ResourceChange, Risk } from './change.js';
import { ratesText, type Rates } from './prices.js';
import { formatMoney } from '../../core/money.js';
import { cpuQuantity, formatBytes, formatCores, memoryQuantity } from './quantities.js';
import type { ContainerHistory, Recommendation } from './types.js';
import {
  adviceOfChange,
  KEEP_MEMORY,
  keepsMemory,
  verdictSentence,
  type MemoryVerdict,
} from '../verdicts.js';

const DAY = 86_400_000;

/** The evidence before the advice and the verdict it follows are added. */
type RecommendationFacts = Omit<RecommendationEvidence, 'advice' | 'verdict'>;

const RISK_WORDS: Record<Risk, string> = {
  oom_kills: 'OOM kills at the current memory limit',
  peak_at_limit: 'memory peaks close to the current limit',
  memory_above_request: 'memory used above its request (first to be evicted under node pressure)',
  cpu_above_request: 'CPU used well above its request (the scheduler is packing blind)',
  no_memory_limit: 'no memory limit (one leak can exhaust the node)',
  no_requests: 'no requests at all (BestEffort: evicted first, scheduled anywhere)',
  cpu_throttled: 'CFS throttling from a CPU limit below demand',
};

export function containerSubject(key: ContainerHistory['key']): FindingSubject {
  return {
    type: 'workload_container',
    cluster: key.cluster,
    workload: key.workload,
    container: key.container,
  };
}

export function recommendationFinding(
  history: ContainerHistory,
  recommendation: Recommendation,
  change: ResourceChange,
  context: {
    window: TimeWindow;
    now: number;
    prices: Rates;
    /** The OOM-loop verdict the recommendation already follows for memory. */
    verdict?: MemoryVerdict | undefined;
  },
): Finding {
  const { key } = history;
  const w = key.workload;
  const current = history.current ?? { requests: {}, limits: {} };
  const oomRisk =
    change.risksRemoved.includes('oom_kills') ||
    change.risksRemoved.includes('peak_at_limit') ||
    change.risksRemoved.includes('memory_above_request');
  const severity: Severity = oomRisk ? 'warning' : 'info';
  const saving = change.monthlyCostDelta < 0;
  const evidence: RecommendationFacts = {
    strategy: recommendation.strategy,
    current: { requests: current.requests, limits: current.limits },
    recommended: { requests: recommendation.requests, limits: recommendation.limits },
    replicas: history.replicas,
    confidence: recommendation.confidence,
    usage: {
      cpuP95: history.cpu?.percentiles['95'],
      cpuMax: history.cpu?.max,
      memoryP99: history.memory?.percentiles['99'],
      memoryMax: history.memory?.max,
    },
    oomKills: history.oomKills.length,
    cpuCoresDelta: change.cpuCoresDelta,
    memoryBytesDelta: change.memoryBytesDelta,
    monthlyCostDelta: change.monthlyCostDelta,
    risksRemoved: [...change.risksRemoved],
    basis: [...recommendation.basis],
    prices: context.prices,
  };
  const subject = containerSubject(key);
  const verdict = context.verdict;
  const kept = keepsMemory(verdict);
  const advice = [
    ...adviceOfChange(
      evidence.current,
      evidence.recommended,
      kept ? ['cpu_request', 'cpu_limit'] : undefined,
    ),
    ...(kept ? KEEP_MEMORY : []),
  ];
  const subjectText = `${w.namespace}/${w.kind}/${w.name} container ${key.container}`;
  const title =
    change.risksRemoved.length > 0
      ? `Resize ${subjectText}: removes ${change.risksRemoved.length === 1 ? 'a risk' : `${change.risksRemoved.length} risks`}${saving ? ` and saves ${formatMoney(-change.monthlyCostDelta, context.prices.currency)}/month` : ''}`
      : `Resize ${subjectText}: ${saving ? `save ${formatMoney(-change.monthlyCostDelta, context.prices.currency)}/month` : `costs ${formatMoney(change.monthlyCostDelta, context.prices.currency)}/month more`}`;
  const first = Math.min(history.cpu?.first ?? Infinity, history.memory?.first ?? Infinity);
  const last = Math.max(history.cpu?.last ?? 0, history.memory?.last ?? 0);
  return {
    // One standing recommendation per container: re-runs update it rather than add another.
    id: stableId('finding', 'recommendation', subjectKey(subject)),
    kind: 'recommendation',
    category: change.risksRemoved.length > 0 ? 'risk' : 'saving',
    severity,
    subject,
    window: context.window,
    title,
    evidence: {
      ...evidence,
      advice,
      ...(verdict && {
        verdict: {
          findingId: verdict.findingId,
          category: verdict.category,
          action: verdict.advice.action,
        },
      }),
    },
    explanation:
      explain(history, recommendation, change, context) +
      (verdict ? ` ${verdictSentence(verdict)}` : ''),
    recommendation: nextStep(history, recommendation, kept),
    ...(verdict && { relatedTo: verdict.findingId }),
    status: 'open',
    firstSeen: Number.isFinite(first) ? first : context.window.from,
    lastSeen: last || context.now,
  };
}

function explain(
  history: ContainerHistory,
  rec: Recommendation,
  change: ResourceChange,
  context: { window: TimeWindow; prices: Rates },
): string {
  const w = history.key.workload;
  const current = history.current ?? { requests: {}, limits: {} };
  const days = (context.window.to - context.window.from) / DAY;
  const parts: string[] = [];
  parts.push(
    `Over the last ${Math.round(days)} days (${(rec.confidence.historyHours / 24).toFixed(1)} days of history, ${rec.confidence.level} confidence), container ${history.key.container} of ${w.kind} ${w.namespace}/${w.name} used ${usageText(history)}` +
      `, against ${specText(current.requests, current.limits)} on each of ${history.replicas} replica${history.replicas === 1 ? '' : 's'}.`,
  );
  if (history.oomKills.length > 0) {
    parts.push(
      `It was OOM-killed ${history.oomKills.length} time${history.oomKills.length === 1 ? '' : 's'} in the last ${Math.round(days)} days.`,
    );
  }
  parts.push(
    `The ${rec.strategy} strategy sizes it at ${specText(rec.requests, rec.limits)} (${rec.basis.join('; ')}).`,
  );
  const cpu = change.cpuCoresDelta;
  const mem = change.memoryBytesDelta;
  const money = change.monthlyCostDelta;
  parts.push(
    `Across replicas that ${cpu <= 0 ? 'releases' : 'reserves'} ${formatCores(Math.abs(cpu))} and ${mem <= 0 ? 'releases' : 'reserves'} ${formatBytes(Math.abs(mem))}` +
      ` (${money <= 0 ? 'saving' : 'costing'} about ${formatMoney(Math.abs(money), context.prices.currency)}/month at ${ratesText(context.prices)})` +
      (change.risksRemoved.length
        ? `, and removes ${change.risksRemoved.map((r) => RISK_WORDS[r]).join('; ')}.`
        : '.'),
  );
  return parts.join(' ');
}

function usageText(history: ContainerHistory): string {
  const bits: string[] = [];
  const cpuP95 = history.cpu?.percentiles['95'];
  if (history.cpu) {
    bits.push(
      `${cpuP95 !== undefined ? `${formatCores(cpuP95)} at p95 and ` : ''}at most ${formatCores(history.cpu.max)}`,
    );
  }
  const memP99 = history.memory?.percentiles['99'];
  if (history.memory) {
    bits.push(
      `${memP99 !== undefined ? `${formatBytes(memP99)} of memory at p99 and ` : ''}at most ${formatBytes(history.memory.max)}`,
    );
  }
  return bits.join(', ') || 'no measurable resources';
}

export function specText(requests: ResourceAmounts, limits: ResourceAmounts): string {
  const req = [
    requests.cpuCores !== undefined ? `${formatCores(requests.cpuCores)}` : 'no CPU',
    requests.memoryBytes !== undefined ? formatBytes(requests.memoryBytes) : 'no memory',
  ].join(' / ');
  const lim = [
    limits.cpuCores !== undefined ? `${formatCores(limits.cpuCores)}` : 'no CPU limit',
    limits.memoryBytes !== undefined
      ? `${formatBytes(limits.memoryBytes)} memory`
      : 'no memory limit',
  ].join(' / ');
  return `requests ${req}, limits ${lim}`;
}

function nextStep(history: ContainerHistory, rec: Recommendation, keepMemory: boolean): string {
  const w = history.key.workload;
  const memory = (bytes: number | undefined) =>
    bytes !== undefined && !keepMemory ? `memory=${memoryQuantity(bytes)}` : undefined;
  const requests = [
    rec.requests.cpuCores !== undefined ? `cpu=${cpuQuantity(rec.requests.cpuCores)}` : undefined,
    memory(rec.requests.memoryBytes),
  ].filter(Boolean);
  const limits = [
    rec.limits.cpuCores !== undefined ? `cpu=${cpuQuantity(rec.limits.cpuCores)}` : undefined,
    memory(rec.limits.memoryBytes),
  ].filter(Boolean);
  const dropCpuLimit =
    history.current?.limits.cpuCores !== undefined && rec.limits.cpuCores === undefined;
  return (
    `Set requests ${requests.join(',')}${limits.length ? ` and limits ${limits.join(',')}` : ''}` +
    `${dropCpuLimit ? ' and remove the CPU limit' : ''} on container ${history.key.container}` +
    ` (kubectl -n ${w.namespace} set resources ${w.kind.toLowerCase()}/${w.name} -c ${history.key.container}` +
    ` --requests=${requests.join(',')}${limits.length ? ` --limits=${limits.join(',')}` : ''}),` +
    ` or apply the exported strategic-merge patch; roll out to one replica first and watch OOM kills and latency for a day.` +
    (keepMemory ? ' Memory stays as it is: it follows the OOM-loop verdict.' : '')
  );
}
