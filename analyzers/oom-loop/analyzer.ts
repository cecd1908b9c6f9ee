// OOM loops: the same container of the same workload OOMKilled again and again, across pod
// replacements. Reads kills, memory series, pod specs, logs and kernel events for the window;
// decides with the pure rules and classifier; writes the finding's words with explain.ts.
// Kills the kernel made for the whole node (SystemOOM, or containers without a limit, which
// cannot hit a cgroup limit of their own) are the node's problem and belong to the flapping
// analyzer, not here.
import type { OomLoopEvidence } from '../../core/evidence.js';
import type {
  ContainerTermination,
  Finding,
  FindingSubject,
  KubeEvent,
  LogLine,
  Pod,
} from '../../core/domain.js';
import type { AnalysisInput, AnalysisReader, Analyzer } from '../analyzer.js';
import { findingId } from '../ids.js';
import { oomLoopSettings, type OomLoopSettings } from '../settings.js';
import {
  classifyKill,
  linearFit,
  loopCategory,
  median,
  type KillVerdict,
  type SeriesSample,
} from './classify.js';
import { explainLoop, type LoopSummary } from './explain.js';
import { heapFlags } from './jvm.js';
import { describeRule, episodeStart, loopRuleMet } from './rules.js';
import type { Advice, MemoryAdvice } from '../verdicts.js';

export const OOM_LOOP_ANALYZER = 'oom-loop';

const HOUR = 3_600_000;
const EVIDENCE_KILLS = 10;
const EVIDENCE_SERIES = 3;
const SERIES_POINTS = 40;

export function createOomLoopAnalyzer(overrides?: Partial<OomLoopSettings>): Analyzer {
  const settings = oomLoopSettings(overrides);
  return {
    name: OOM_LOOP_ANALYZER,
    kinds: ['oom_loop'],
    windowMs: settings.windowMs,
    analyze: (input) => analyzeOomLoops(input, settings),
  };
}

interface KillContext {
  readonly kill: ContainerTermination;
  verdict?: KillVerdict;
  series?: SeriesSample[];
}

export async function analyzeOomLoops(
  input: AnalysisInput,
  settings: OomLoopSettings,
): Promise<Finding[]> {
  const { cluster, window, store } = input;
  const lookback = { from: window.from - settings.episodeLookbackMs, to: window.to };
  const kills = await store.terminations({ cluster, window: lookback, reasons: ['OOMKilled'] });
  if (kills.length < 2) return [];
  const kernel = await store.events({
    cluster,
    window: { from: lookback.from, to: window.to + settings.systemOomMatchMs },
    reasons: ['OOMKilling', 'SystemOOM'],
  });
  const systemOoms = kernel.filter((e) => e.reason === 'SystemOOM');
  const own = kills.filter((k) => !isNodeKill(k, systemOoms, settings));
  const findings: Finding[] = [];
  for (const group of groupByContainer(own).values()) {
    const finding = await judgeGroup(input, settings, group, kernel);
    if (finding) findings.push(finding);
  }
  return findings;
}

function nodeOfEvent(e: KubeEvent): string | undefined {
  return e.involvedObject.kind === 'Node' ? e.involvedObject.name : e.sourceHost;
}

/** Chosen by the kernel for the node's sake rather than killed at the container's own limit. */
function isNodeKill(
  kill: ContainerTermination,
  systemOoms: readonly KubeEvent[],
  settings: OomLoopSettings,
): boolean {
  if (kill.limits.memoryBytes === undefined) return true;
  const at = kill.termination.finishedAt;
  return systemOoms.some(
    (e) =>
      nodeOfEvent(e) === kill.node && Math.abs(e.lastTimestamp - at) <= settings.systemOomMatchMs,
  );
}

function groupByContainer(kills: readonly ContainerTermination[]) {
  const groups = new Map<string, ContainerTermination[]>();
  for (const kill of kills) {
    const w = kill.workload;
    const key = [w.namespace, w.kind, w.name, kill.container].join('\u0000');
    const list = groups.get(key) ?? [];
    list.push(kill);
    groups.set(key, list);
  }
  for (const list of groups.values()) {
    list.sort((a, b) => a.termination.finishedAt - b.termination.finishedAt);
  }
  return groups;
}

async function judgeGroup(
  input: AnalysisInput,
  settings: OomLoopSettings,
  group: readonly ContainerTermination[],
  kernel: readonly KubeEvent[],
): Promise<Finding | undefined> {
  const { cluster, window, store } = input;
  const recent = group.filter((k) => k.termination.finishedAt >= window.from);
  if (recent.length < 2) return undefined;
  const met = loopRuleMet(
    recent.map((k) => k.termination.finishedAt),
    settings.rules,
  );
  if (!met && recent.length < settings.leakMinKills) return undefined;
  const contexts: KillContext[] = recent.slice(-settings.classifiedKills).map((kill) => ({ kill }));
  for (const context of contexts) await classify(store, cluster, settings, context);
  const ruleText = met ? describeRule(met) : leakRuleText(contexts, settings);
  if (ruleText === undefined) return undefined;
  const verdicts = contexts.flatMap((c) => (c.verdict ? [c.verdict] : []));
  const loop: Loop = {
    group,
    recent,
    contexts,
    verdicts,
    ruleText,
    category: loopCategory(verdicts),
    growthBytesPerHour: growthOf(verdicts),
  };
  return loopFinding(input, settings, loop, await readAroundLoop(input, settings, loop, kernel));
}

/** A container's kills judged a loop: which ones, by what rule, of what kind. */
interface Loop {
  /** Every kill of the container in the look-back. */
  readonly group: readonly ContainerTermination[];
  /** The kills in the analysis window. */
  readonly recent: readonly ContainerTermination[];
  readonly contexts: readonly KillContext[];
  readonly verdicts: readonly KillVerdict[];
  readonly ruleText: string;
  readonly category: ReturnType<typeof loopCategory>;
  /** The median growth of the kills that grew. */
  readonly growthBytesPerHour: number | undefined;
}

/**
 * Without a kill-count rule met, a loop of slow leaks: growth seen on a kill and contradicted by
 * none (a run cut short by the start of the data is 'unknown', not a contradiction) predicts the
 * next kill. Undefined when the kills do not say so.
 */
function leakRuleText(
  contexts: readonly KillContext[],
  settings: OomLoopSettings,
): string | undefined {
  const categories = contexts.map((c) => c.verdict?.category ?? 'unknown');
  const leaks = categories.filter((c) => c === 'slow_leak').length;
  if (leaks === 0 || categories.some((c) => c !== 'slow_leak' && c !== 'unknown')) {
    return undefined;
  }
  return `${settings.leakMinKills} kills, each after the same steady growth`;
}

/** What the store says around a loop beyond its kills: the pods, their logs, the kernel. */
interface LoopReadings {
  readonly hints: readonly string[];
  readonly nextOom: { pod: string; currentBytes: number; inMs: number } | undefined;
  readonly p99Bytes: number | undefined;
  readonly lastLines: readonly LogLine[];
  readonly javaOomLines: readonly LogLine[];
  readonly kernelEvents: readonly KubeEvent[];
}

async function readAroundLoop(
  input: AnalysisInput,
  settings: OomLoopSettings,
  loop: Loop,
  kernel: readonly KubeEvent[],
): Promise<LoopReadings> {
  const { cluster, now, store } = input;
  const { group, recent } = loop;
  const last = recent[recent.length - 1]!;
  const limitBytes = last.limits.memoryBytes;
  const pods = await workloadPods(store, cluster, last, now);
  const hints = pods.flatMap(
    (p) => p.containers.find((c) => c.name === last.container)?.runtimeHints ?? [],
  );
  const nextOom =
    loop.category === 'slow_leak' && limitBytes !== undefined
      ? await nextOomEstimate(
          store,
          cluster,
          pods,
          last.container,
          group,
          limitBytes,
          now,
          loop.growthBytesPerHour,
        )
      : undefined;
  const p99Bytes = await p99WorkingSet(input, last);
  const { lastLines, javaOomLines } = await logEvidence(store, cluster, settings, recent);
  const kernelEvents = kernel.filter(
    (e) =>
      e.reason === 'OOMKilling' &&
      recent.some(
        (k) =>
          nodeOfEvent(e) === k.node &&
          Math.abs(e.lastTimestamp - k.termination.finishedAt) <= settings.systemOomMatchMs,
      ),
  );
  return { hints, nextOom, p99Bytes, lastLines, javaOomLines, kernelEvents };
}

/** The median growth of the kills that grew. */
function growthOf(verdicts: readonly KillVerdict[]): number | undefined {
  return median(verdicts.flatMap((v) => (v.growthBytesPerHour ? [v.growthBytesPerHour] : [])));
}

/** The finding a loop is, from its kills and what was read around them. */
function loopFinding(
  input: AnalysisInput,
  settings: OomLoopSettings,
  loop: Loop,
  readings: LoopReadings,
): Finding {
  const { cluster, now } = input;
  const { group, recent, contexts, verdicts, ruleText, category, growthBytesPerHour } = loop;
  const { hints, nextOom, p99Bytes, lastLines, javaOomLines, kernelEvents } = readings;
  const last = recent[recent.length - 1]!;
  const subject: FindingSubject = {
    type: 'workload_container',
    cluster,
    workload: last.workload,
    container: last.container,
  };
  const start =
    episodeStart(
      group.map((k) => k.termination.finishedAt),
      settings.windowMs,
    ) ?? recent[0]!.termination.finishedAt;
  const limitBytes = last.limits.memoryBytes;
  const heap = heapFlags([...new Set(hints)]);
  const exitCodes: Record<string, number> = {};
  for (const k of recent) {
    const code = String(k.termination.exitCode);
    exitCodes[code] = (exitCodes[code] ?? 0) + 1;
  }
  const runs = recent.flatMap((k) =>
    k.termination.startedAt === undefined
      ? []
      : [k.termination.finishedAt - k.termination.startedAt],
  );
  const baselines = verdicts.flatMap((v) =>
    v.baselineBytes === undefined ? [] : [v.baselineBytes],
  );
  const summary: LoopSummary = {
    workload: last.workload,
    container: last.container,
    category,
    killCount: recent.length,
    pods: new Set(recent.map((k) => k.podUid)).size,
    windowMs: settings.windowMs,
    lastKillAgoMs: Math.max(0, now - last.termination.finishedAt),
    exitCodes,
    rule: ruleText,
    limitBytes,
    requestBytes: last.requests.memoryBytes,
    margin: settings.limitMargin,
    medianRunMs: median(runs),
    growthBytesPerHour,
    nextOom,
    baselineBytes: median(baselines),
    p99Bytes,
    heap: heap.isJvm ? heap : undefined,
    javaOomLines: javaOomLines.length,
    kernelOomEvents: kernelEvents.length,
  };
  const text = explainLoop(summary);
  return {
    id: findingId('oom_loop', subject, start),
    kind: 'oom_loop',
    category,
    severity:
      now - last.termination.finishedAt <= settings.criticalWithinMs ? 'critical' : 'warning',
    subject,
    window: { from: start, to: last.termination.finishedAt },
    title: text.title,
    evidence: {
      rule: ruleText,
      killCount: recent.length,
      episodeStart: start,
      kills: contexts.slice(-EVIDENCE_KILLS).map(({ kill, verdict }) => ({
        at: kill.termination.finishedAt,
        pod: kill.pod,
        node: kill.node,
        exitCode: kill.termination.exitCode,
        startedAt: kill.termination.startedAt,
        startedAtSource:
          kill.termination.startedAt === undefined
            ? undefined
            : (kill.termination.startedAtSource ?? 'container_status'),
        restartCount: kill.restartCount,
        category: verdict?.category,
        reason: verdict?.reason,
        growthMiBPerHour:
          verdict?.growthBytesPerHour === undefined
            ? undefined
            : Math.round(verdict.growthBytesPerHour / 1024 / 1024),
      })),
      exitCodes,
      limitBytes,
      requestBytes: last.requests.memoryBytes,
      memoryBeforeKills: contexts
        .filter((c) => c.series && c.series.length > 0)
        .slice(-EVIDENCE_SERIES)
        .map((c) => ({
          at: c.kill.termination.finishedAt,
          pod: c.kill.pod,
          points: thin(c.series!, SERIES_POINTS).map((p) => [p.t, p.bytes]),
        })),
      growthMiBPerHour:
        growthBytesPerHour === undefined ? undefined : Math.round(growthBytesPerHour / 1024 / 1024),
      nextOom,
      p99WorkingSetBytes: p99Bytes,
      medianRunMs: summary.medianRunMs,
      runtimeHints: [...new Set(hints)],
      heap: heap.isJvm ? heap : undefined,
      memoryAdvice: text.memoryAdvice,
      advice: loopAdvice(text.memoryAdvice),
      javaOutOfMemoryLines: javaOomLines.map(logEvidenceLine),
      lastLogLines: lastLines.map(logEvidenceLine),
      kernelOomEvents: kernelEvents.slice(-EVIDENCE_KILLS).map((e) => ({
        at: e.lastTimestamp,
        node: nodeOfEvent(e),
        message: e.message,
      })),
    } satisfies OomLoopEvidence,
    explanation: text.explanation,
    recommendation: text.recommendation,
    status: 'open',
    firstSeen: start,
    lastSeen: last.termination.finishedAt,
  };
}

async function classify(
  store: AnalysisReader,
  cluster: string,
  settings: OomLoopSettings,
  context: KillContext,
): Promise<void> {
  const { kill } = context;
  const at = kill.termination.finishedAt;
  const startedAt = kill.termination.startedAt;
  const quick = classifyKill(
    { at, startedAt, limitBytes: kill.limits.memoryBytes, series: [] },
    settings,
  );
  if (quick.category === 'startup') {
    context.verdict = quick;
    return;
  }
  const from = startedAt ?? at - 6 * HOUR;
  const span = at + 1 - from;
  const points = await store.usageSeries({
    cluster,
    metric: 'memory_working_set_bytes',
    subject: { type: 'pod_container', podUid: kill.podUid, container: kill.container },
    window: { from, to: at + 1 },
    stepMs: Math.max(60_000, Math.ceil(span / 200 / 60_000) * 60_000),
  });
  context.series = points.map((p) => ({ t: p.t, bytes: p.max }));
  context.verdict = classifyKill(
    { at, startedAt, limitBytes: kill.limits.memoryBytes, series: context.series },
    settings,
  );
}

async function workloadPods(
  store: AnalysisReader,
  cluster: string,
  kill: ContainerTermination,
  now: number,
): Promise<Pod[]> {
  const matches = (pods: Pod[]) =>
    pods.filter(
      (p) =>
        p.workload.kind === kill.workload.kind &&
        p.workload.name === kill.workload.name &&
        p.containers.some((c) => c.name === kill.container),
    );
  const current = matches(await store.pods({ cluster, at: now, namespace: kill.namespace }));
  if (current.length > 0) return current;
  return matches(
    await store.pods({ cluster, at: kill.termination.finishedAt - 1, namespace: kill.namespace }),
  );
}

/** The soonest next kill among the running pods, from their current run's growth. */
async function nextOomEstimate(
  store: AnalysisReader,
  cluster: string,
  pods: readonly Pod[],
  container: string,
  kills: readonly ContainerTermination[],
  limitBytes: number,
  now: number,
  fallbackGrowth: number | undefined,
): Promise<{ pod: string; currentBytes: number; inMs: number } | undefined> {
  let best: { pod: string; currentBytes: number; inMs: number } | undefined;
  for (const pod of pods) {
    const lastKill = kills.filter((k) => k.podUid === pod.uid).at(-1);
    const runStart = Math.max(pod.createdAt, lastKill?.termination.finishedAt ?? 0);
    if (runStart >= now) continue;
    const points = await store.usageSeries({
      cluster,
      metric: 'memory_working_set_bytes',
      subject: { type: 'pod_container', podUid: pod.uid, container },
      window: { from: runStart, to: now + 1 },
      stepMs: 5 * 60_000,
    });
    const series = points.map((p) => ({ t: p.t, bytes: p.max }));
    const current = series.at(-1);
    if (!current) continue;
    const fit = linearFit(series);
    const growth =
      fit && fit.slopePerMs > 0 && fit.r2 >= 0.5 ? fit.slopePerMs * HOUR : fallbackGrowth;
    if (!growth || growth <= 0) continue;
    const inMs = Math.max(0, ((limitBytes - current.bytes) / growth) * HOUR - (now - current.t));
    if (!best || inMs < best.inMs) best = { pod: pod.name, currentBytes: current.bytes, inMs };
  }
  return best;
}

async function p99WorkingSet(
  input: AnalysisInput,
  kill: ContainerTermination,
): Promise<number | undefined> {
  let after: string | undefined;
  for (let page = 0; page < 20; page++) {
    const stats = await input.store.usageStats({
      cluster: input.cluster,
      metric: 'memory_working_set_bytes',
      window: input.window,
      percentiles: [99],
      namespace: kill.namespace,
      after,
    });
    const mine = stats.items.find(
      (s) =>
        s.key.container === kill.container &&
        s.key.workload.kind === kill.workload.kind &&
        s.key.workload.name === kill.workload.name,
    );
    if (mine) return mine.percentiles['99'];
    if (!stats.next) return undefined;
    after = stats.next;
  }
  return undefined;
}

async function logEvidence(
  store: AnalysisReader,
  cluster: string,
  settings: OomLoopSettings,
  kills: readonly ContainerTermination[],
): Promise<{ lastLines: LogLine[]; javaOomLines: LogLine[] }> {
  const last = kills[kills.length - 1]!;
  const at = last.termination.finishedAt;
  const lastLines =
    settings.logLines === 0
      ? []
      : await store.logLines({
          cluster,
          namespace: last.namespace,
          pod: last.pod,
          container: last.container,
          window: { from: last.termination.startedAt ?? at - HOUR, to: at + 1 },
          limit: settings.logLines,
        });
  const javaOomLines: LogLine[] = [];
  const seen = new Set<string>();
  for (const kill of [...kills].reverse()) {
    if (seen.has(kill.podUid) || seen.size >= 3) continue;
    seen.add(kill.podUid);
    javaOomLines.push(
      ...(await store.logLines({
        cluster,
        namespace: kill.namespace,
        pod: kill.pod,
        container: kill.container,
        window: { from: kills[0]!.termination.finishedAt - HOUR, to: at + 1 },
        tags: ['oom_java'],
        limit: 5,
      })),
    );
  }
  return { lastLines, javaOomLines };
}

function logEvidenceLine(line: LogLine) {
  return {
    at: line.timestamp,
    pod: line.pod,
    stream: line.stream,
    message: line.message.slice(0, 500),
    tags: line.tags,
  };
}

function thin<T>(items: readonly T[], max: number): T[] {
  if (items.length <= max) return [...items];
  const step = items.length / max;
  const out: T[] = [];
  for (let i = 0; i < max; i++) out.push(items[Math.floor(i * step)]!);
  out.push(items[items.length - 1]!);
  return out;
}

/** The loop's memory advice in the terms every finding's advice is compared in. */
function loopAdvice(advice: MemoryAdvice): Advice[] {
  switch (advice.action) {
    case 'fix_leak':
    case 'fit_heap':
      return [{ resource: 'memory_limit', direction: 'keep' }];
    case 'raise_limit':
      return [{ resource: 'memory_limit', direction: 'raise' }];
    case 'investigate':
      return [];
  }
}
