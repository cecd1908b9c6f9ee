// Error bursts: many tagged log lines (panic, fatal, OutOfMemoryError, kernel OOM kills, SIGKILL)
// from one container of one workload in a short time, or panics across its replicas. Reads the
// store's per-minute counts of tagged lines (never the lines themselves, but for the newest few
// as evidence), maps pods to workloads through the inventory, and decides with bursts.ts. A burst
// changes no resource: it links to the container's OOM-loop verdict when there is one, and the
// runner resolves it once it has been quiet for a while (it is no longer returned).
import type { ErrorBurstEvidence } from '../../core/evidence.js';
import type {
  Finding,
  FindingSubject,
  LogLine,
  LogTag,
  Pod,
  WorkloadRef,
} from '../../core/domain.js';
import type { LogTagCount } from '../../store/store.js';
import type { AnalysisInput, AnalysisReader, Analyzer } from '../analyzer.js';
import { findingId, subjectKey } from '../ids.js';
import { logBurstSettings, type LogBurstSettings } from '../settings.js';
import {
  countEpisode,
  findEpisodes,
  inEpisode,
  type Episode,
  type EpisodeCounts,
  type PodBucket,
} from './bursts.js';
import { byCount, explainBurst } from './explain.js';

export const LOG_BURST_ANALYZER = 'log-bursts';

/** Rows of counts read per run at most: a few hundred bursting pod containers over the window. */
const MAX_ROWS = 100_000;
/** Inventory look-ups for pods gone by now, per run at most. */
const MAX_POD_LOOKUPS = 50;
/** Pods whose newest lines are read for evidence, and pods listed in the evidence. */
const EVIDENCE_PODS = 3;
const LISTED_PODS = 20;
const MESSAGE_CHARS = 500;

export function createLogBurstAnalyzer(overrides?: Partial<LogBurstSettings>): Analyzer {
  const settings = logBurstSettings(overrides);
  return {
    name: LOG_BURST_ANALYZER,
    kinds: ['error_burst'],
    windowMs: settings.windowMs,
    analyze: (input) => analyzeLogBursts(input, settings),
  };
}

interface ContainerRows {
  readonly workload: WorkloadRef;
  readonly container: string;
  readonly rows: PodBucket[];
  /** Where each pod's lines came from, by pod key. */
  readonly pods: Map<string, { namespace: string; pod: string; node?: string | undefined }>;
}

export async function analyzeLogBursts(
  input: AnalysisInput,
  settings: LogBurstSettings,
): Promise<Finding[]> {
  const { cluster, window, store } = input;
  const counts = await store.logTagCounts({
    cluster,
    window,
    bucketMs: settings.bucketMs,
    limit: MAX_ROWS,
  });
  if (counts.length === 0) return [];
  const findings: Finding[] = [];
  for (const group of (await byWorkloadContainer(store, cluster, input.now, counts)).values()) {
    const finding = await judge(input, settings, group);
    if (finding) findings.push(finding);
  }
  return findings;
}

const podKeyOf = (row: { namespace: string; pod: string; podUid?: string | undefined }) =>
  row.podUid ?? `${row.namespace}/${row.pod}`;

/**
 * Counts grouped by workload container. Pods are found in the inventory as it is now, or, once
 * replaced, as it was at their first line in the window (not their last: a pod may still log
 * while it shuts down after its deletion); lines of pods the inventory never saw are left out.
 */
async function byWorkloadContainer(
  store: AnalysisReader,
  cluster: string,
  now: number,
  counts: readonly LogTagCount[],
): Promise<Map<string, ContainerRows>> {
  const byUid = new Map<string, Pod>();
  const byName = new Map<string, Pod>();
  const remember = (pods: readonly Pod[]) => {
    for (const pod of pods) {
      byUid.set(pod.uid, pod);
      byName.set(`${pod.namespace}/${pod.name}`, pod);
    }
  };
  const find = (row: LogTagCount) =>
    (row.podUid !== undefined ? byUid.get(row.podUid) : undefined) ??
    byName.get(`${row.namespace}/${row.pod}`);
  remember(await store.pods({ cluster, at: now }));
  const firstLine = new Map<string, LogTagCount>();
  for (const row of counts) {
    const seen = firstLine.get(podKeyOf(row));
    if (!seen || row.first < seen.first) firstLine.set(podKeyOf(row), row);
  }
  // The pods that logged last first: they are the ones a burst going on now is made of.
  const missing = [...firstLine.values()]
    .filter((row) => !find(row))
    .sort((a, b) => b.first - a.first);
  let lookups = 0;
  for (const row of missing) {
    if (find(row)) continue;
    if (lookups++ >= MAX_POD_LOOKUPS) break;
    remember(await store.pods({ cluster, namespace: row.namespace, at: row.first }));
  }
  const groups = new Map<string, ContainerRows>();
  for (const row of counts) {
    const pod = find(row);
    if (!pod || row.bucket === undefined) continue;
    const subject = containerSubject(cluster, pod.workload, row.container);
    const key = subjectKey(subject);
    let group = groups.get(key);
    if (!group) {
      group = { workload: pod.workload, container: row.container, rows: [], pods: new Map() };
      groups.set(key, group);
    }
    const podKey = podKeyOf(row);
    group.rows.push({
      podKey,
      pod: row.pod,
      bucket: row.bucket,
      lines: row.lines,
      tags: row.tags,
      first: row.first,
      last: row.last,
    });
    group.pods.set(podKey, { namespace: row.namespace, pod: row.pod, node: row.node });
  }
  return groups;
}

function containerSubject(cluster: string, workload: WorkloadRef, container: string) {
  return {
    type: 'workload_container',
    cluster,
    workload: { namespace: workload.namespace, kind: workload.kind, name: workload.name },
    container,
  } satisfies FindingSubject;
}

async function judge(
  input: AnalysisInput,
  settings: LogBurstSettings,
  group: ContainerRows,
): Promise<Finding | undefined> {
  const { cluster, now } = input;
  const episode = findEpisodes(group.rows, settings).at(-1);
  // Only the latest episode can still be going on; one quiet for long enough is over.
  if (!episode || now - episode.end >= settings.quietMs) return undefined;
  const subject = containerSubject(cluster, group.workload, group.container);
  const counts = countEpisode(group.rows, episode, settings.bucketMs);
  const dominant = byCount(
    Object.fromEntries(Object.entries(counts.tags).map(([t, c]) => [t, c.count])),
  )[0]![0];
  const oomRepeated = oomRepeats(group.rows, episode, settings);
  const panicAcrossReplicas = episode.windows.some(
    (w) => w.rule === 'spread' && w.panicPods >= settings.spreadMinPods,
  );
  const verdict = input.verdicts?.get(subjectKey(subject));
  const text = explainBurst({
    workload: subject.workload,
    container: group.container,
    episode,
    counts,
    now,
    dominant,
    oomRepeated,
    panicAcrossReplicas,
    verdict,
  });
  const newest = await newestLines(input.store, cluster, settings, group, episode, counts);
  return {
    id: findingId('error_burst', subject, episode.start, settings.quietMs),
    kind: 'error_burst',
    category: dominant,
    severity: oomRepeated || panicAcrossReplicas ? 'critical' : 'warning',
    subject,
    window: { from: episode.start, to: episode.end },
    title: text.title,
    evidence: {
      rule: ruleText(episode, settings),
      episodeStart: episode.start,
      lastLineAt: episode.end,
      lines: counts.lines,
      peak: {
        rule: episode.peak.rule,
        windowMs: episode.peak.windowMs,
        from: episode.peak.from,
        to: episode.peak.to,
        lines: episode.peak.lines,
        pods: episode.peak.pods,
        tags: episode.peak.tags,
      },
      tags: counts.tags,
      pods: counts.pods.slice(0, LISTED_PODS).map((p) => ({
        pod: p.pod,
        node: group.pods.get(p.podKey)?.node,
        lines: p.lines,
        tags: p.tags,
        first: p.first,
        last: p.last,
      })),
      podCount: counts.pods.length,
      oomRepeated,
      panicAcrossReplicas,
      newestLines: newest.map((line) => ({
        at: line.timestamp,
        pod: line.pod,
        stream: line.stream,
        tags: line.tags,
        message: line.message.slice(0, MESSAGE_CHARS),
      })),
      // It changes no resource: nothing here can contradict another finding's advice.
      advice: [],
    } satisfies ErrorBurstEvidence,
    explanation: text.explanation,
    recommendation: text.recommendation,
    ...(verdict && { relatedTo: verdict.findingId }),
    status: 'open',
    firstSeen: episode.start,
    lastSeen: episode.end,
  };
}

function ruleText(episode: Episode, settings: LogBurstSettings): string {
  const rules = new Set(episode.windows.map((w) => w.rule));
  const texts: string[] = [];
  if (rules.has('lines')) {
    texts.push(
      `at least ${settings.minLines} tagged lines within ${settings.burstWindowMs / 60_000} min`,
    );
  }
  if (rules.has('spread')) {
    texts.push(
      `panic or fatal lines from at least ${settings.spreadMinPods} pods within ${settings.spreadWindowMs / 60_000} min`,
    );
  }
  return texts.join('; ');
}

/** OOM lines in the episode from two pods, or in one pod again a while after the first. */
function oomRepeats(
  rows: readonly PodBucket[],
  episode: Episode,
  settings: LogBurstSettings,
): boolean {
  const spans = new Map<string, { first: number; last: number }>();
  for (const row of inEpisode(rows, episode, settings.bucketMs)) {
    for (const count of [row.tags.oom_java, row.tags.oom_kernel]) {
      if (!count) continue;
      const span = spans.get(row.podKey) ?? { first: count.first, last: count.last };
      span.first = Math.min(span.first, count.first);
      span.last = Math.max(span.last, count.last);
      spans.set(row.podKey, span);
    }
  }
  if (spans.size >= 2) return true;
  return [...spans.values()].some((s) => s.last - s.first >= settings.oomRepeatAfterMs);
}

/** The newest tagged lines of the pods that logged last, newest last. */
async function newestLines(
  store: AnalysisReader,
  cluster: string,
  settings: LogBurstSettings,
  group: ContainerRows,
  episode: Episode,
  counts: EpisodeCounts,
): Promise<LogLine[]> {
  if (settings.evidenceLines === 0) return [];
  const tags = Object.keys(counts.tags) as LogTag[];
  const latest = [...counts.pods].sort((a, b) => b.last - a.last).slice(0, EVIDENCE_PODS);
  const lines: LogLine[] = [];
  for (const pod of latest) {
    const where = group.pods.get(pod.podKey);
    if (!where) continue;
    lines.push(
      ...(await store.logLines({
        cluster,
        namespace: where.namespace,
        pod: where.pod,
        container: group.container,
        window: { from: episode.start, to: episode.end + 1 },
        tags,
        limit: settings.evidenceLines,
      })),
    );
  }
  lines.sort((a, b) => a.timestamp - b.timestamp || (a.nanos ?? 0) - (b.nanos ?? 0));
  return lines.slice(-settings.evidenceLines);
}
