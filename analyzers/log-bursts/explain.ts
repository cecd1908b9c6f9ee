// The words of an error-burst finding: the counts, each with the window it was counted in, where
// they came from, how it relates to the container's OOM loop, and one next step for the kind of
// line that dominates. Pure: the analyzer gathers the numbers, this writes them down.
import type { LogTag, WorkloadRef } from '../../core/domain.js';
import { workloadName } from '../oom-loop/explain.js';
import { duration, plural } from '../oom-loop/wording.js';
import type { MemoryVerdict } from '../verdicts.js';
import type { BurstWindow, Episode, EpisodeCounts } from './bursts.js';

export interface BurstSummary {
  readonly workload: WorkloadRef;
  readonly container: string;
  readonly episode: Episode;
  readonly counts: EpisodeCounts;
  readonly now: number;
  /** The tag most of the episode's lines carry. */
  readonly dominant: LogTag;
  /** OOM lines from two pods, or again a while after the first. */
  readonly oomRepeated: boolean;
  /** Panic lines from enough pods within the spread window. */
  readonly panicAcrossReplicas: boolean;
  readonly verdict?: MemoryVerdict | undefined;
}

export interface BurstText {
  readonly title: string;
  readonly explanation: string;
  readonly recommendation: string;
}

const LABEL: Readonly<Record<LogTag, string>> = {
  oom_java: 'OutOfMemoryError',
  oom_kernel: 'kernel OOM-kill',
  signal_kill: 'SIGKILL',
  panic: 'panic',
  fatal: 'fatal',
};

/** Most-logged first; equal counts in the order of LABEL (the gravest first). */
const TAG_ORDER = Object.keys(LABEL) as LogTag[];

export function byCount(tags: Readonly<Partial<Record<LogTag, number>>>): [LogTag, number][] {
  return (Object.entries(tags) as [LogTag, number][])
    .filter(([, n]) => n > 0)
    .sort(([a, m], [b, n]) => n - m || TAG_ORDER.indexOf(a) - TAG_ORDER.indexOf(b));
}

const isOom = (tag: LogTag) => tag === 'oom_java' || tag === 'oom_kernel';

function time(at: number): string {
  return new Date(at).toISOString().slice(11, 16);
}

function pods(n: number): string {
  return n === 1 ? 'from 1 pod' : `across ${n} pods`;
}

/** "40 panic, 2 fatal", saying so when some lines count under two tags. */
function tagList(tags: readonly [LogTag, number][], lines: number): string {
  const sum = tags.reduce((total, [, n]) => total + n, 0);
  const list = tags.map(([t, n]) => `${n} ${LABEL[t]}`).join(', ');
  return sum > lines ? `${list}; some lines carry two tags` : list;
}

/** "42 panic lines in 10 min across 3 pods", or with the tags when there are several. */
export function windowText(w: BurstWindow, short = false): string {
  const tags = byCount(w.tags);
  if (w.rule === 'spread') {
    return (
      `panic or fatal lines from ${w.crashPods} pods within ${duration(w.windowMs)}` +
      (short ? '' : ` (${tags.map(([t, n]) => `${n} ${LABEL[t]}`).join(', ')})`)
    );
  }
  const what =
    tags.length === 1
      ? `${w.lines} ${LABEL[tags[0]![0]]} lines`
      : `${w.lines} tagged lines${short ? '' : ` (${tagList(tags, w.lines)})`}`;
  return `${what} in ${duration(w.windowMs)} ${pods(w.pods)}`;
}

export function explainBurst(s: BurstSummary): BurstText {
  const { episode, counts } = s;
  const peak = episode.peak;
  const who = `${workloadName(s.workload)} container ${s.container}`;
  const title = `Error burst: ${who}: ${windowText(peak, true)}`;
  const span = Math.max(0, episode.end - episode.start);
  const tagParts = byCount(
    Object.fromEntries(Object.entries(counts.tags).map(([t, c]) => [t, c.count])),
  ).map(([t]) => {
    const c = counts.tags[t]!;
    return `${c.count} ${LABEL[t]} ${pods(c.pods)}`;
  });
  const parts: string[] = [
    `${capitalise(windowText(peak))}, ${time(peak.from)}–${time(peak.to)} UTC.`,
    `Over the whole burst, ${duration(span)} from ${time(episode.start)} to ${time(episode.end)} UTC ` +
      `(last line ${duration(Math.max(0, s.now - episode.end))} ago): ${plural(counts.lines, 'tagged line')}` +
      ` — ${tagParts.join(', ')}.`,
  ];
  const spread = episode.windows
    .filter((w) => w.rule === 'spread')
    .reduce<BurstWindow | undefined>(
      (best, w) => (!best || w.crashPods > best.crashPods ? w : best),
      undefined,
    );
  if (spread) {
    parts.push(
      `Panic or fatal lines came from ${spread.crashPods} pods within ${duration(spread.windowMs)}: ` +
        'a cause the replicas share (a release, configuration, a dependency) rather than one bad pod.',
    );
  }
  if (s.oomRepeated) {
    parts.push('The out-of-memory lines repeat, in more than one pod or minutes apart.');
  }
  const ooms = byCount(
    Object.fromEntries(Object.entries(counts.tags).map(([t, c]) => [t, c.count])),
  ).filter(([t]) => isOom(t));
  if (s.verdict) {
    const category = s.verdict.category.replace('_', ' ');
    parts.push(
      ooms.length > 0
        ? `These ${ooms.map(([t]) => LABEL[t]).join(' and ')} lines are the OOM loop's (${category}) — ` +
            `see finding ${s.verdict.findingId}; its verdict decides the memory advice, this finding changes no resource.`
        : `The container is also in an OOM loop (${category}, finding ${s.verdict.findingId}); read the two together.`,
    );
  }
  return {
    title,
    explanation: parts.join(' '),
    recommendation: recommend(s, spread, ooms.length > 0),
  };
}

function recommend(s: BurstSummary, spread: BurstWindow | undefined, hasOom: boolean): string {
  if (s.verdict && hasOom) {
    return (
      `Work from the OOM-loop finding ${s.verdict.findingId}: these lines stop when its cause is fixed. ` +
      'The newest lines in the evidence show where the memory ran out.'
    );
  }
  const shared = spread
    ? `Several replicas failing at once point at a shared cause: check what changed around ${time(s.episode.start)} UTC (a release, configuration, a dependency) and roll back if it matches. `
    : '';
  switch (s.dominant) {
    case 'oom_java':
      return (
        'The JVM ran out of memory: read the newest lines for the thread and allocation site, ' +
        "compare the heap (-Xmx or -XX:MaxRAMPercentage) with the container's memory limit, and " +
        'keep a heap dump (-XX:+HeapDumpOnOutOfMemoryError) if the heap keeps growing.'
      );
    case 'oom_kernel':
      return (
        "The kernel's OOM killer is killing processes of the container: compare its working set " +
        "with the memory limit, and see this container's misfit and recommendation findings."
      );
    case 'panic':
      return `${shared}Read the newest panic stack traces in the evidence and fix that code path; the container restarts on every panic.`;
    case 'fatal':
      return `${shared}Read the newest fatal lines in the evidence: they usually name the missing dependency, configuration or resource that stops the process.`;
    case 'signal_kill':
      return (
        'Processes of the container are killed with SIGKILL: find what sends it (a liveness ' +
        "probe timing out, a supervisor, the OOM killer) in the newest lines and the pod's events."
      );
  }
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
