// Bursts of tagged log lines in one workload container, from the store's per-bucket counts. Pure:
// the analyzer reads and maps, this decides. A window is a run of whole buckets no longer than
// the rule's window, so a count found is a count of lines that really were that close together:
// a burst straddling bucket edges may be seen a bucket late, never one that did not happen.
import type { LogTag } from '../../core/domain.js';
import type { TagCount } from '../../store/store.js';
import type { LogBurstSettings } from '../settings.js';

/** Tagged lines of one pod of the container in one bucket, in all and per tag. */
export interface PodBucket {
  /** The pod's uid, or its namespace/name when the lines carry no uid. */
  readonly podKey: string;
  readonly pod: string;
  readonly bucket: number;
  /** A line with two tags is one line here, and counts under each tag. */
  readonly lines: number;
  readonly tags: Readonly<Partial<Record<LogTag, TagCount>>>;
  readonly first: number;
  readonly last: number;
}

export type BurstRule = 'lines' | 'spread';

/** One sliding window that met a rule. */
export interface BurstWindow {
  readonly rule: BurstRule;
  /** The rule's window: every count of this window happened within it. */
  readonly windowMs: number;
  /** The first and last counted line in the window. */
  readonly from: number;
  readonly to: number;
  /** Tagged lines (of the spread rule: panic or fatal lines). */
  readonly lines: number;
  readonly tags: Readonly<Partial<Record<LogTag, number>>>;
  readonly pods: number;
  /** Pods with panic lines, and with panic or fatal lines. */
  readonly panicPods: number;
  readonly crashPods: number;
}

/** Windows that met a rule, no more than the quiet time apart. */
export interface Episode {
  readonly start: number;
  readonly end: number;
  readonly windows: readonly BurstWindow[];
  /** The densest window: most lines of the line rule, else most pods of the spread rule. */
  readonly peak: BurstWindow;
}

export type BurstRules = Pick<
  LogBurstSettings,
  'bucketMs' | 'minLines' | 'burstWindowMs' | 'spreadMinPods' | 'spreadWindowMs' | 'quietMs'
>;

const CRASH_TAGS: ReadonlySet<LogTag> = new Set(['panic', 'fatal']);

/** The summary of the rows in one window, of every tag or only of those in `only`. */
function summarise(
  rows: readonly PodBucket[],
  rule: BurstRule,
  windowMs: number,
  only?: ReadonlySet<LogTag>,
): BurstWindow | undefined {
  const tags: Partial<Record<LogTag, number>> = {};
  const pods = new Set<string>();
  const panicPods = new Set<string>();
  const crashPods = new Set<string>();
  let lines = 0;
  let from = Infinity;
  let to = -Infinity;
  for (const row of rows) {
    const counted = (Object.entries(row.tags) as [LogTag, TagCount][]).filter(
      ([tag]) => !only || only.has(tag),
    );
    if (counted.length === 0) continue;
    let ofCounted = 0;
    for (const [tag, count] of counted) {
      tags[tag] = (tags[tag] ?? 0) + count.count;
      ofCounted += count.count;
      from = Math.min(from, count.first);
      to = Math.max(to, count.last);
    }
    // Some tags only: their lines are at most the row's lines and at most their counts' sum.
    lines += only ? Math.min(row.lines, ofCounted) : row.lines;
    pods.add(row.podKey);
    if (row.tags.panic) panicPods.add(row.podKey);
    if (row.tags.panic || row.tags.fatal) crashPods.add(row.podKey);
  }
  if (pods.size === 0) return undefined;
  return {
    rule,
    windowMs,
    from,
    to,
    lines,
    tags,
    pods: pods.size,
    panicPods: panicPods.size,
    crashPods: crashPods.size,
  };
}

/** The rule windows met in the rows, merged into episodes, oldest first. */
export function findEpisodes(rows: readonly PodBucket[], rules: BurstRules): Episode[] {
  const byBucket = new Map<number, PodBucket[]>();
  for (const row of rows) {
    const list = byBucket.get(row.bucket) ?? [];
    list.push(row);
    byBucket.set(row.bucket, list);
  }
  const starts = [...byBucket.keys()].sort((a, b) => a - b);
  const span = (ms: number) => Math.max(1, Math.floor(ms / rules.bucketMs)) * rules.bucketMs;
  const lineSpan = span(rules.burstWindowMs);
  const spreadSpan = span(rules.spreadWindowMs);
  const within = (i: number, width: number) => {
    const out: PodBucket[] = [];
    for (let j = i; j < starts.length && starts[j]! < starts[i]! + width; j++) {
      out.push(...byBucket.get(starts[j]!)!);
    }
    return out;
  };
  const windows: BurstWindow[] = [];
  // A window starting at an empty bucket holds no more than the one starting at the next
  // non-empty bucket, so the windows starting at non-empty buckets are all there is to check.
  for (let i = 0; i < starts.length; i++) {
    const dense = summarise(within(i, lineSpan), 'lines', rules.burstWindowMs);
    if (dense && dense.lines >= rules.minLines) windows.push(dense);
    const spread = summarise(within(i, spreadSpan), 'spread', rules.spreadWindowMs, CRASH_TAGS);
    if (spread && spread.crashPods >= rules.spreadMinPods) windows.push(spread);
  }
  windows.sort((a, b) => a.from - b.from || a.to - b.to);
  const episodes: { start: number; end: number; windows: BurstWindow[] }[] = [];
  for (const window of windows) {
    const current = episodes.at(-1);
    if (current && window.from - current.end < rules.quietMs) {
      current.end = Math.max(current.end, window.to);
      current.windows.push(window);
    } else {
      episodes.push({ start: window.from, end: window.to, windows: [window] });
    }
  }
  return episodes.map((episode) => ({ ...episode, peak: peakOf(episode.windows) }));
}

function peakOf(windows: readonly BurstWindow[]): BurstWindow {
  const dense = windows.filter((w) => w.rule === 'lines');
  const pool = dense.length > 0 ? dense : windows;
  const score = (w: BurstWindow) => (w.rule === 'lines' ? w.lines : w.crashPods);
  // The latest of equals: the burst as it is now.
  return pool.reduce((best, w) => (score(w) >= score(best) ? w : best));
}

/** Per tag and per pod: the episode's lines, when they came, and from where. */
export interface EpisodeCounts {
  readonly tags: Readonly<Partial<Record<LogTag, EpisodeTagCount>>>;
  readonly pods: readonly PodCount[];
  readonly lines: number;
}

export interface EpisodeTagCount extends TagCount {
  readonly pods: number;
}

export interface PodCount {
  readonly podKey: string;
  readonly pod: string;
  readonly lines: number;
  readonly tags: Readonly<Partial<Record<LogTag, number>>>;
  readonly first: number;
  readonly last: number;
}

/** The rows in the episode's buckets. */
export function inEpisode(
  rows: readonly PodBucket[],
  episode: Pick<Episode, 'start' | 'end'>,
  bucketMs: number,
): PodBucket[] {
  const from = episode.start - (episode.start % bucketMs);
  return rows.filter((r) => r.bucket >= from && r.bucket <= episode.end);
}

/** Counts of the rows in the episode's buckets. */
export function countEpisode(
  rows: readonly PodBucket[],
  episode: Pick<Episode, 'start' | 'end'>,
  bucketMs: number,
): EpisodeCounts {
  const tags = new Map<LogTag, { count: number; pods: Set<string>; first: number; last: number }>();
  const pods = new Map<
    string,
    { -readonly [K in keyof PodCount]: PodCount[K] } & { tags: Partial<Record<LogTag, number>> }
  >();
  let lines = 0;
  for (const row of inEpisode(rows, episode, bucketMs)) {
    lines += row.lines;
    const pod = pods.get(row.podKey) ?? {
      podKey: row.podKey,
      pod: row.pod,
      lines: 0,
      tags: {},
      first: row.first,
      last: row.last,
    };
    pod.lines += row.lines;
    pod.first = Math.min(pod.first, row.first);
    pod.last = Math.max(pod.last, row.last);
    pods.set(row.podKey, pod);
    for (const [name, count] of Object.entries(row.tags) as [LogTag, TagCount][]) {
      pod.tags[name] = (pod.tags[name] ?? 0) + count.count;
      const tag = tags.get(name) ?? {
        count: 0,
        pods: new Set<string>(),
        first: count.first,
        last: count.last,
      };
      tag.count += count.count;
      tag.pods.add(row.podKey);
      tag.first = Math.min(tag.first, count.first);
      tag.last = Math.max(tag.last, count.last);
      tags.set(name, tag);
    }
  }
  const tagCounts: Partial<Record<LogTag, EpisodeTagCount>> = {};
  for (const [name, t] of tags) {
    tagCounts[name] = { count: t.count, pods: t.pods.size, first: t.first, last: t.last };
  }
  const podCounts = [...pods.values()].sort((a, b) => b.lines - a.lines || b.last - a.last);
  return { tags: tagCounts, pods: podCounts, lines };
}
