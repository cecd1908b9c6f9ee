// The words of an OOM-loop finding: what happened with the numbers behind it, and one concrete
// next step per kind of loop. Pure: the analyzer gathers the numbers, this writes them down.
import type { WorkloadRef } from '../../core/domain.js';
import type { OomCategory } from './classify.js';
import type { HeapFlags } from './jvm.js';
import type { MemoryAdvice } from '../verdicts.js';
import { duration, mib, plural, quantity, roundUpLimit } from './wording.js';

export interface LoopSummary {
  readonly workload: WorkloadRef;
  readonly container: string;
  readonly category: OomCategory;
  readonly killCount: number;
  readonly pods: number;
  readonly windowMs: number;
  readonly lastKillAgoMs: number;
  readonly exitCodes: Readonly<Record<string, number>>;
  readonly rule: string;
  readonly limitBytes?: number | undefined;
  readonly requestBytes?: number | undefined;
  readonly margin: number;
  readonly medianRunMs?: number | undefined;
  readonly growthBytesPerHour?: number | undefined;
  readonly nextOom?: { pod: string; currentBytes: number; inMs: number } | undefined;
  readonly baselineBytes?: number | undefined;
  readonly p99Bytes?: number | undefined;
  readonly heap?: HeapFlags | undefined;
  readonly javaOomLines: number;
  readonly kernelOomEvents: number;
}

export interface FindingText {
  readonly title: string;
  readonly explanation: string;
  readonly recommendation: string;
  /** The same next step as data: what every other finding about this container follows. */
  readonly memoryAdvice: MemoryAdvice;
}

interface CategoryText {
  readonly explanation: string;
  readonly recommendation: string;
  readonly memoryAdvice: MemoryAdvice;
}

const LABEL: Record<OomCategory, string> = {
  slow_leak: 'slow memory leak',
  startup: 'start-up OOM',
  load_spike: 'load spikes',
  limit_too_low: 'limit too low',
  unknown: 'OOM loop',
};

export function workloadName(w: WorkloadRef): string {
  return `${w.namespace}/${w.kind.toLowerCase()}/${w.name}`;
}

function exitCodeText(codes: Readonly<Record<string, number>>): string {
  const parts = Object.entries(codes)
    .sort(([, a], [, b]) => b - a)
    .map(([code, n]) => `${code} ×${n}`);
  const unusual = Object.keys(codes).some((code) => code !== '137');
  return `exit codes ${parts.join(', ')}${unusual ? ' (the runtime reported OOMKilled; a wrapper process can exit with its own code)' : ''}`;
}

export function explainLoop(s: LoopSummary): FindingText {
  const who = `${workloadName(s.workload)} container ${s.container}`;
  const limit =
    s.limitBytes === undefined ? 'no memory limit' : `a ${quantity(s.limitBytes)} limit`;
  const title = `OOM loop (${LABEL[s.category]}): ${who} killed ${plural(s.killCount, 'time')} in ${duration(s.windowMs)}`;
  const head =
    `${who} was OOMKilled ${plural(s.killCount, 'time')} in the last ${duration(s.windowMs)} ` +
    `across ${plural(s.pods, 'pod')} (${s.rule}; last kill ${duration(s.lastKillAgoMs)} ago; ` +
    `${exitCodeText(s.exitCodes)}), with ${limit}` +
    (s.kernelOomEvents > 0
      ? `; the kernel logged ${plural(s.kernelOomEvents, 'cgroup OOM kill')}`
      : '') +
    '. ';
  const body = categoryText(s);
  return {
    title,
    explanation: head + body.explanation,
    recommendation: body.recommendation,
    memoryAdvice: body.memoryAdvice,
  };
}

const raiseTo = (limitBytes: number | undefined): MemoryAdvice =>
  limitBytes === undefined ? { action: 'investigate' } : { action: 'raise_limit', limitBytes };

function categoryText(s: LoopSummary): CategoryText {
  const limit = s.limitBytes;
  const margin = Math.round(s.margin * 100);
  switch (s.category) {
    case 'slow_leak': {
      const growth = s.growthBytesPerHour ?? 0;
      const run =
        s.medianRunMs === undefined
          ? ''
          : ` and is killed about ${duration(s.medianRunMs)} after each start`;
      const next = s.nextOom
        ? ` ${s.nextOom.pod} is at ${quantity(s.nextOom.currentBytes)} now and will be killed again in about ${duration(s.nextOom.inMs)}.`
        : '';
      const bigger = limit === undefined ? undefined : roundUpLimit(limit * (1 + s.margin));
      const bought =
        bigger !== undefined && limit !== undefined && growth > 0
          ? (bigger - limit) / growth
          : undefined;
      return {
        explanation:
          `This is a slow leak: the working set grows steadily by about ${mib(growth)} MiB/h from each start until it reaches the limit${run}.${next} ` +
          'Kills hours apart never show as CrashLoopBackOff, so restart-count alerts miss it.',
        recommendation:
          `Fix the leak: the container grows ${mib(growth)} MiB/h regardless of load (look at caches, buffers or listeners that are never released; compare a heap or memory profile early and late in a run).` +
          (bigger !== undefined && bought !== undefined
            ? ` Keep the ${quantity(limit!)} limit: raising it to ${quantity(bigger)} would only buy about ${duration(bought * 3_600_000)} per run; a planned restart before the limit avoids the kill.`
            : ''),
        memoryAdvice: { action: 'fix_leak' },
      };
    }
    case 'startup':
      return startupText(s);
    case 'load_spike': {
      const base = s.baselineBytes === undefined ? '' : ` from about ${quantity(s.baselineBytes)}`;
      const target = limit === undefined ? undefined : roundUpLimit(limit * (1 + s.margin));
      return {
        explanation:
          `These are load spikes: between spikes the working set stays well below the limit, then climbs${base} to ${limit === undefined ? 'the node limit' : quantity(limit)} within minutes and the container is killed.` +
          (s.p99Bytes === undefined
            ? ''
            : ` Its p99 working set over the window is ${quantity(s.p99Bytes)}.`),
        recommendation:
          target === undefined
            ? 'Set a memory limit and request sized to the spikes, and find what drives them (traffic bursts, large requests, batch jobs).'
            : `Raise the memory limit from ${quantity(limit!)} to ${quantity(target)} (the spikes reach the current limit; +${margin}% margin) and keep the request at the baseline, then find what drives the spikes (request size, batch traffic) and cap it in the application.`,
        memoryAdvice: raiseTo(target),
      };
    }
    case 'limit_too_low': {
      const observed = s.p99Bytes ?? s.baselineBytes;
      const target =
        observed === undefined
          ? undefined
          : roundUpLimit(Math.max(observed, limit ?? 0) * (1 + s.margin));
      return {
        explanation: `The working set sits close to the limit for long stretches before each kill${observed === undefined ? '' : ` (p99 ${quantity(observed)})`}: the limit is too low for the normal load.`,
        recommendation:
          target === undefined || limit === undefined
            ? 'Raise the memory limit above the observed working set with a margin.'
            : `Raise the memory limit from ${quantity(limit)} to ${quantity(target)} (p99 working set ${quantity(observed!)} + ${margin}% margin) and the request to match.`,
        memoryAdvice: raiseTo(limit === undefined ? undefined : target),
      };
    }
    case 'unknown':
      return {
        explanation:
          'There are too few memory samples around the kills to tell a leak, a start-up OOM or a spike apart.',
        recommendation:
          limit === undefined
            ? 'Set a memory limit so kills stay confined to this container, and check its memory graph around the kill times.'
            : `Check the memory graph around the kill times; if the working set is close to ${quantity(limit)} most of the time, raise the limit with a ${margin}% margin.`,
        memoryAdvice: { action: 'investigate' },
      };
  }
}

function startupText(s: LoopSummary): CategoryText {
  const limit = s.limitBytes;
  const run = s.medianRunMs === undefined ? 'within minutes' : `about ${duration(s.medianRunMs)}`;
  const logs =
    s.javaOomLines > 0
      ? ` Its logs show java.lang.OutOfMemoryError (${plural(s.javaOomLines, 'line')}).`
      : '';
  const explanationHead = `This is a start-up OOM: the container is killed ${run} after each start, before it serves anything, so it sits in CrashLoopBackOff.${logs}`;
  const heap = s.heap;
  if (heap?.maxHeapBytes !== undefined && limit !== undefined) {
    const flag = heap.maxHeapFlag ?? '-Xmx';
    const needed = roundUpLimit(heap.maxHeapBytes * (1 + s.margin));
    if (heap.maxHeapBytes >= limit * 0.8) {
      const over = heap.maxHeapBytes >= limit;
      return {
        explanation: `${explanationHead} The JVM is started with ${flag} (${quantity(heap.maxHeapBytes)} of heap), which ${over ? `is larger than the ${quantity(limit)} limit even before` : `leaves too little room under the ${quantity(limit)} limit for`} metaspace, threads and GC structures.`,
        recommendation: `${flag} ${over ? 'exceeds' : 'nearly fills'} the ${quantity(limit)} limit: remove -Xmx/-Xms and set -XX:MaxRAMPercentage=75 (heap ≈ ${quantity(limit * 0.75)} inside the limit), or keep the heap and raise the limit to at least ${quantity(needed)} (heap + ${Math.round(s.margin * 100)}% for non-heap memory).`,
        memoryAdvice: { action: 'fit_heap' },
      };
    }
  }
  if (heap?.isJvm && limit !== undefined) {
    const percentage = heap.maxRamPercentage;
    return {
      explanation: `${explanationHead} The JVM's heap settings (${percentage === undefined ? 'no explicit maximum' : `MaxRAMPercentage=${percentage}`}) do not leave room for non-heap memory under the ${quantity(limit)} limit.`,
      recommendation: `Set -XX:MaxRAMPercentage=75 (heap ≈ ${quantity(limit * 0.75)}) so the heap follows the limit, or raise the limit to ${quantity(roundUpLimit(limit * 1.5))} and measure the start-up peak.`,
      memoryAdvice: { action: 'fit_heap' },
    };
  }
  return {
    explanation: `${explanationHead} It needs more memory to start than its ${limit === undefined ? 'node allows' : `${quantity(limit)} limit`}.`,
    recommendation:
      limit === undefined
        ? 'Give the container a memory request that covers its start-up peak.'
        : `Raise the memory limit from ${quantity(limit)} to ${quantity(roundUpLimit(limit * 1.5))} and measure the start-up peak, or reduce what it loads at start (caches warmed lazily, smaller batches).`,
    memoryAdvice: raiseTo(limit === undefined ? undefined : roundUpLimit(limit * 1.5)),
  };
}
