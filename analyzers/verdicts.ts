// One verdict per workload container: the OOM loop's class decides the memory advice, and every
// other finding about the same container follows it for memory and says so. A leak is fixed, not
// fed: misfit and recommendations never propose a larger limit for a container whose OOM loop is a
// slow leak. CPU advice is independent and stays.
//
// Advice is also written down as data (`evidence.advice`) on every workload-container finding, so
// that agreement can be checked: no two open findings on one subject may move one resource in
// opposite directions.
import type { Finding, ResourceAmounts } from '../core/domain.js';
import { evidenceOf } from '../core/evidence.js';
import { subjectKey } from './ids.js';
import type { Recommendation } from './recommendations/types.js';

/** What the OOM loop says to do about memory. */
export type MemoryAction = 'fix_leak' | 'fit_heap' | 'raise_limit' | 'investigate';

export interface MemoryAdvice {
  readonly action: MemoryAction;
  /** The memory limit the advice sets; absent: keep the current one. */
  readonly limitBytes?: number | undefined;
}

/** The primary verdict about one workload container's memory. */
export interface MemoryVerdict {
  /** The OOM-loop finding that decides. */
  readonly findingId: string;
  readonly category: string;
  readonly advice: MemoryAdvice;
}

/** Verdicts by subject key (analyzers/ids.ts). */
export type VerdictBook = ReadonlyMap<string, MemoryVerdict>;

export type AdvisedResource = 'memory_limit' | 'memory_request' | 'cpu_limit' | 'cpu_request';
export type Direction = 'raise' | 'lower' | 'keep' | 'set' | 'remove';

/** One resource, one direction: the comparable part of a finding's next step. */
export interface Advice {
  readonly resource: AdvisedResource;
  readonly direction: Direction;
}

function memoryAdviceOf(finding: Finding): MemoryAdvice | undefined {
  const advice = evidenceOf(finding, 'oom_loop')?.memoryAdvice;
  if (!advice) return undefined;
  return {
    action: advice.action,
    ...(advice.limitBytes !== undefined && { limitBytes: advice.limitBytes }),
  };
}

/** The verdicts the open OOM-loop findings give. */
export function verdictsFrom(findings: readonly Finding[]): Map<string, MemoryVerdict> {
  const book = new Map<string, MemoryVerdict>();
  for (const finding of findings) {
    if (finding.kind !== 'oom_loop' || finding.status !== 'open') continue;
    const advice = memoryAdviceOf(finding);
    if (!advice) continue;
    book.set(subjectKey(finding.subject), {
      findingId: finding.id,
      category: finding.category ?? 'unknown',
      advice,
    });
  }
  return book;
}

/** Per node name, its open memory-flapping finding: the node's primary verdict. */
export function nodeVerdictsFrom(findings: readonly Finding[]): Map<string, string> {
  const book = new Map<string, string>();
  for (const f of findings) {
    if (f.kind === 'node_memory_flapping' && f.status === 'open' && f.subject.type === 'node')
      book.set(f.subject.node, f.id);
  }
  return book;
}

/**
 * A sizing made to agree with the verdict on memory: a leak keeps its limit and request (more
 * memory only delays the next kill), a heap that does not fit keeps its limit (the heap flags are
 * the fix), a limit that is too low gets at least the OOM loop's limit.
 */
export function followVerdict(
  sizing: Recommendation,
  verdict: MemoryVerdict | undefined,
  current: { requests: ResourceAmounts; limits: ResourceAmounts },
): Recommendation {
  if (!verdict) return sizing;
  const keep = (amounts: ResourceAmounts, now: number | undefined): ResourceAmounts => {
    const { memoryBytes: _dropped, ...rest } = amounts;
    return now === undefined ? rest : { ...rest, memoryBytes: now };
  };
  const because = `memory follows the OOM-loop verdict (${verdict.category.replace('_', ' ')}, finding ${verdict.findingId})`;
  switch (verdict.advice.action) {
    case 'fix_leak':
    case 'fit_heap':
      return {
        ...sizing,
        requests: keep(sizing.requests, current.requests.memoryBytes),
        limits: keep(sizing.limits, current.limits.memoryBytes),
        basis: [...sizing.basis, `${because}: current memory request and limit kept`],
      };
    case 'raise_limit': {
      const target = verdict.advice.limitBytes;
      if (target === undefined) return sizing;
      const limit = Math.max(target, sizing.limits.memoryBytes ?? 0);
      return {
        ...sizing,
        limits: { ...sizing.limits, memoryBytes: limit },
        basis: [...sizing.basis, `${because}: memory limit at least the loop's ${target} bytes`],
      };
    }
    case 'investigate':
      return sizing;
  }
}

/** Advice that changes `from` into `to` for one resource. */
export function directionOf(from: number | undefined, to: number | undefined): Direction {
  if (to === undefined) return from === undefined ? 'keep' : 'remove';
  if (from === undefined) return 'set';
  if (to > from * 1.001) return 'raise';
  if (to < from * 0.999) return 'lower';
  return 'keep';
}

/**
 * Advice of a change from current to recommended amounts, for the resources that change (and for
 * `only`, when given, just those).
 */
export function adviceOfChange(
  current: { requests: ResourceAmounts; limits: ResourceAmounts },
  recommended: { requests: ResourceAmounts; limits: ResourceAmounts },
  only?: readonly AdvisedResource[],
): Advice[] {
  const all: Advice[] = [
    {
      resource: 'memory_limit',
      direction: directionOf(current.limits.memoryBytes, recommended.limits.memoryBytes),
    },
    {
      resource: 'memory_request',
      direction: directionOf(current.requests.memoryBytes, recommended.requests.memoryBytes),
    },
    {
      resource: 'cpu_limit',
      direction: directionOf(current.limits.cpuCores, recommended.limits.cpuCores),
    },
    {
      resource: 'cpu_request',
      direction: directionOf(current.requests.cpuCores, recommended.requests.cpuCores),
    },
  ];
  return all.filter(
    (a) => a.direction !== 'keep' && (only === undefined || only.includes(a.resource)),
  );
}

/** Memory kept as it is, because the verdict says more memory is not the fix. */
export function keepsMemory(verdict: MemoryVerdict | undefined): boolean {
  return verdict?.advice.action === 'fix_leak' || verdict?.advice.action === 'fit_heap';
}

export const KEEP_MEMORY: readonly Advice[] = [
  { resource: 'memory_limit', direction: 'keep' },
  { resource: 'memory_request', direction: 'keep' },
];

/** One sentence for a finding whose memory advice defers to the verdict. */
export function verdictSentence(verdict: MemoryVerdict): string {
  switch (verdict.advice.action) {
    case 'fix_leak':
      return `Memory follows the OOM-loop verdict (slow leak, finding ${verdict.findingId}): fix the leak and keep the current memory limit and request; more memory only delays the next kill.`;
    case 'fit_heap':
      return `Memory follows the OOM-loop verdict (start-up OOM, finding ${verdict.findingId}): fit the JVM heap to the limit (-XX:MaxRAMPercentage) rather than changing the memory limit.`;
    case 'raise_limit':
      return `Memory follows the OOM-loop verdict (${verdict.category.replace('_', ' ')}, finding ${verdict.findingId}).`;
    case 'investigate':
      return `See the OOM-loop finding ${verdict.findingId} before changing memory.`;
  }
}

const OPPOSITE: Readonly<Record<Direction, readonly Direction[]>> = {
  raise: ['lower', 'keep', 'remove'],
  lower: ['raise', 'set'],
  keep: ['raise', 'remove'],
  set: ['lower', 'remove'],
  remove: ['raise', 'keep', 'set'],
};

/** Whether two pieces of advice about one resource contradict each other. */
export function contradicts(a: Advice, b: Advice): boolean {
  return a.resource === b.resource && OPPOSITE[a.direction].includes(b.direction);
}

/** The advice a finding carries as data (`evidence.advice`). */
export function adviceOf(finding: Finding): Advice[] {
  const evidence =
    evidenceOf(finding, 'oom_loop') ??
    evidenceOf(finding, 'requests_misfit') ??
    evidenceOf(finding, 'recommendation');
  return [...(evidence?.advice ?? [])];
}
