// Findings against the simulator's ground truth: which findings are right (true positives),
// which are false alarms, which planted problems were missed, and how soon each was caught.
// Flapping is matched by node; OOM loops by workload, container and kind (a loop found with the
// wrong kind counts as a false alarm and a miss, since its advice would be wrong).
import type { Finding, WorkloadRef } from '../core/domain.js';
import type { GroundTruth } from '../simulator/index.js';

export interface Detection {
  readonly finding: Finding;
  /** The first analysis time at which the finding was open. */
  readonly firstOpenAt: number;
}

export interface AnalyzerScore {
  readonly kind: 'node_memory_flapping' | 'oom_loop';
  readonly truths: number;
  readonly findings: number;
  readonly tp: number;
  readonly fp: number;
  readonly fn: number;
  readonly precision: number | null;
  readonly recall: number | null;
  /** Median time from the reference instant (episode start, 2nd kill) to detection. */
  readonly medianTtdMs: number | null;
  readonly falseAlarms: readonly string[];
  readonly missed: readonly string[];
  /** Per truth item: what was detected when. */
  readonly items: readonly TruthOutcome[];
}

export interface TruthOutcome {
  readonly subject: string;
  readonly kind?: string;
  readonly detectedAt: number | null;
  readonly ttdMs: number | null;
  /** OOM loops: how many kills had happened when it was first detected. */
  readonly detectedAfterKill?: number | null;
  readonly categoriesFound?: readonly string[];
}

const sameWorkload = (a: WorkloadRef, b: WorkloadRef) =>
  a.namespace === b.namespace && a.kind === b.kind && a.name === b.name;

const ratio = (a: number, b: number) => (b === 0 ? null : a / b);

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function scoreFlapping(truth: GroundTruth, detections: readonly Detection[]): AnalyzerScore {
  // Memory flapping is what is scored: a node flipping NotReady without memory evidence is
  // reported as `not_ready` (a network or runtime problem), which is neither a hit nor an alarm.
  const mine = detections.filter(
    (d) => d.finding.kind === 'node_memory_flapping' && d.finding.category === 'memory_pressure',
  );
  const nodeOf = (d: Detection) =>
    d.finding.subject.type === 'node' ? d.finding.subject.node : '';
  const truthNodes = new Set(truth.flappingNodes.map((n) => n.node));
  const falseAlarms = mine.filter((d) => !truthNodes.has(nodeOf(d)));
  const items: TruthOutcome[] = [];
  const ttds: number[] = [];
  for (const node of truth.flappingNodes) {
    const found = mine.filter((d) => nodeOf(d) === node.node);
    // Each episode is its own finding; time-to-detect is per episode, from its first cycle.
    for (const episode of node.episodes) {
      const hit = found
        .filter((d) => d.finding.window.to >= episode.from && d.finding.window.from <= episode.to)
        .sort((a, b) => a.firstOpenAt - b.firstOpenAt)[0];
      if (hit) ttds.push(Math.max(0, hit.firstOpenAt - episode.from));
    }
    const first = [...found].sort((a, b) => a.firstOpenAt - b.firstOpenAt)[0];
    items.push({
      subject: node.node,
      detectedAt: first?.firstOpenAt ?? null,
      ttdMs:
        first && node.episodes[0] ? Math.max(0, first.firstOpenAt - node.episodes[0].from) : null,
    });
  }
  const tp = mine.length - falseAlarms.length;
  const detected = items.filter((i) => i.detectedAt !== null).length;
  return {
    kind: 'node_memory_flapping',
    truths: truth.flappingNodes.length,
    findings: mine.length,
    tp,
    fp: falseAlarms.length,
    fn: truth.flappingNodes.length - detected,
    precision: ratio(tp, mine.length),
    recall: ratio(detected, truth.flappingNodes.length),
    medianTtdMs: median(ttds),
    falseAlarms: falseAlarms.map((d) => `${nodeOf(d)}: ${d.finding.title}`),
    missed: items.filter((i) => i.detectedAt === null).map((i) => i.subject),
    items,
  };
}

export function scoreOomLoops(truth: GroundTruth, detections: readonly Detection[]): AnalyzerScore {
  const mine = detections.filter((d) => d.finding.kind === 'oom_loop');
  const subjectOf = (d: Detection) =>
    d.finding.subject.type === 'workload_container' ? d.finding.subject : undefined;
  const matches = (d: Detection, loop: GroundTruth['oomLoops'][number]) => {
    const s = subjectOf(d);
    return (
      s !== undefined &&
      sameWorkload(s.workload, loop.workload) &&
      s.container === loop.container &&
      d.finding.category === loop.kind
    );
  };
  const falseAlarms = mine.filter((d) => !truth.oomLoops.some((loop) => matches(d, loop)));
  const items: TruthOutcome[] = [];
  const ttds: number[] = [];
  for (const loop of truth.oomLoops) {
    const kills = loop.kills.map((k) => k.at).sort((a, b) => a - b);
    const found = mine
      .filter((d) => matches(d, loop))
      .sort((a, b) => a.firstOpenAt - b.firstOpenAt);
    const sameSubject = mine.filter((d) => {
      const s = subjectOf(d);
      return (
        s !== undefined && sameWorkload(s.workload, loop.workload) && s.container === loop.container
      );
    });
    const first = found[0];
    const second = kills[1];
    const ttd = first && second !== undefined ? Math.max(0, first.firstOpenAt - second) : null;
    if (ttd !== null) ttds.push(ttd);
    items.push({
      subject: `${loop.workload.namespace}/${loop.workload.name}/${loop.container}`,
      kind: loop.kind,
      detectedAt: first?.firstOpenAt ?? null,
      ttdMs: ttd,
      detectedAfterKill: first ? kills.filter((at) => at <= first.firstOpenAt).length : null,
      categoriesFound: [...new Set(sameSubject.map((d) => d.finding.category ?? 'none'))],
    });
  }
  const tp = mine.length - falseAlarms.length;
  const detected = items.filter((i) => i.detectedAt !== null).length;
  return {
    kind: 'oom_loop',
    truths: truth.oomLoops.length,
    findings: mine.length,
    tp,
    fp: falseAlarms.length,
    fn: truth.oomLoops.length - detected,
    precision: ratio(tp, mine.length),
    recall: ratio(detected, truth.oomLoops.length),
    medianTtdMs: median(ttds),
    falseAlarms: falseAlarms.map((d) => `${d.finding.category ?? ''}: ${d.finding.title}`),
    missed: items.filter((i) => i.detectedAt === null).map((i) => `${i.subject} (${i.kind ?? ''})`),
    items,
  };
}

/** The kinds of OOM loop a scenario can plant; `limit_too_low` is scored though none plants it yet. */
export const TRUE_CLASSES = ['slow_leak', 'startup', 'load_spike', 'limit_too_low'] as const;
export type TrueClass = (typeof TRUE_CLASSES)[number];
/** What a finding can say, plus `none` for a planted loop no finding was raised on. */
export const FOUND_CLASSES = [...TRUE_CLASSES, 'unknown', 'none'] as const;
export type FoundClass = (typeof FOUND_CLASSES)[number];

export interface ClassConfusion {
  /** True class → category of the first finding raised on the loop's container → loops. */
  readonly table: Readonly<Record<TrueClass, Readonly<Record<FoundClass, number>>>>;
  /** Findings on containers where no loop was planted, by category. */
  readonly noLoop: Readonly<Record<FoundClass, number>>;
  /** Planted loops with a finding on their container, whatever its category. */
  readonly found: number;
  /** Of those, the ones whose category is the planted class. */
  readonly correct: number;
  /** correct / found; null when nothing was found. */
  readonly accuracy: number | null;
}

function emptyRow(): Record<FoundClass, number> {
  return Object.fromEntries(FOUND_CLASSES.map((c) => [c, 0])) as Record<FoundClass, number>;
}

function foundClass(category: string | null | undefined): FoundClass {
  return (FOUND_CLASSES as readonly string[]).includes(category ?? '')
    ? (category as FoundClass)
    : 'unknown';
}

/**
 * Class accuracy of the OOM-loop findings: each planted loop against the category of the first
 * finding opened on its workload and container (matched regardless of category, unlike the TP
 * count, where a wrong category is a false alarm and a miss).
 */
export function classifyOomLoops(
  truth: GroundTruth,
  detections: readonly Detection[],
): ClassConfusion {
  const table = Object.fromEntries(TRUE_CLASSES.map((c) => [c, emptyRow()])) as Record<
    TrueClass,
    Record<FoundClass, number>
  >;
  const noLoop = emptyRow();
  const mine = detections
    .filter((d) => d.finding.kind === 'oom_loop')
    .sort((a, b) => a.firstOpenAt - b.firstOpenAt);
  const onLoop = (d: Detection, loop: GroundTruth['oomLoops'][number]) =>
    d.finding.subject.type === 'workload_container' &&
    sameWorkload(d.finding.subject.workload, loop.workload) &&
    d.finding.subject.container === loop.container;
  let found = 0;
  let correct = 0;
  for (const loop of truth.oomLoops) {
    const first = mine.find((d) => onLoop(d, loop));
    const got = first ? foundClass(first.finding.category) : 'none';
    table[loop.kind][got]++;
    if (first) found++;
    if (got === loop.kind) correct++;
  }
  for (const d of mine) {
    if (!truth.oomLoops.some((loop) => onLoop(d, loop))) noLoop[foundClass(d.finding.category)]++;
  }
  return { table, noLoop, found, correct, accuracy: found === 0 ? null : correct / found };
}
