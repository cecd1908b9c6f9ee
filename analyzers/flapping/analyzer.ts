// Memory-pressure node flapping: a node that keeps going NotReady or under MemoryPressure, with
// the memory evidence that says why (memory.available near the eviction threshold, evictions,
// SystemOOM kills, kubelet restarts) and the numbers that explain it. A single reboot, a drain or
// a node being deleted is not flapping: the first flips once, the others carry no memory evidence
// and are skipped.
import type { NodeFlappingEvidence } from '../../core/evidence.js';
import type {
  Finding,
  FindingSubject,
  KubeEvent,
  Node,
  NodeTransition,
  Pod,
} from '../../core/domain.js';
import type { AnalysisInput, AnalysisReader, Analyzer } from '../analyzer.js';
import { findingId } from '../ids.js';
import { flappingSettings, type FlappingSettings } from '../settings.js';
import {
  explainFlapping,
  hasMemoryEvidence,
  type Consumer,
  type MemoryEvidence,
  type NodeCause,
} from './explain.js';
import { flappingEpisodes, flapsOf, type FlapEpisode } from './flaps.js';

export const FLAPPING_ANALYZER = 'node-flapping';

const MINUTE = 60_000;
const NODE_EVENT_REASONS = ['Evicted', 'SystemOOM', 'Starting', 'Rebooted', 'EvictionThresholdMet'];

export function createFlappingAnalyzer(overrides?: Partial<FlappingSettings>): Analyzer {
  const settings = flappingSettings(overrides);
  return {
    name: FLAPPING_ANALYZER,
    kinds: ['node_memory_flapping'],
    windowMs: settings.windowMs,
    analyze: (input) => analyzeFlapping(input, settings),
  };
}

export async function analyzeFlapping(
  input: AnalysisInput,
  settings: FlappingSettings,
): Promise<Finding[]> {
  const { cluster, window } = input;
  const transitions = await input.store.nodeTransitions({ cluster, window });
  const byNode = new Map<string, NodeTransition[]>();
  for (const t of transitions) {
    const list = byNode.get(t.node) ?? [];
    list.push(t);
    byNode.set(t.node, list);
  }
  const findings: Finding[] = [];
  for (const [node, list] of byNode) {
    const episodes = flappingEpisodes(
      flapsOf(list, settings.mergeMs),
      settings.minFlaps,
      settings.flapWindowMs,
    );
    const current = episodes[episodes.length - 1];
    // An episode quiet for clearAfterMs has cleared; the runner resolves its finding.
    if (!current || input.now - current.end > settings.clearAfterMs) continue;
    const finding = await judgeEpisode(input, settings, node, current);
    if (finding) findings.push(finding);
  }
  return findings;
}

async function judgeEpisode(
  input: AnalysisInput,
  settings: FlappingSettings,
  node: string,
  episode: FlapEpisode,
): Promise<Finding | undefined> {
  const { cluster, now, store } = input;
  const nodeObject =
    (await store.nodes({ cluster, node, at: now }))[0] ??
    (await store.nodes({ cluster, node, at: episode.end }))[0];
  // A node on its way out flips as it goes; that is the deletion, not flapping.
  if (!nodeObject || nodeObject.deletedAt !== undefined) return undefined;
  const around = { from: episode.start - 15 * MINUTE, to: Math.max(now, episode.end + 1) };
  const events = await store.events({ cluster, window: around, node, reasons: NODE_EVENT_REASONS });
  const evidence = await memoryEvidence(store, cluster, node, around, episode, events, settings);
  const memory = hasMemoryEvidence(evidence);
  // Cordoned and flipping without memory evidence: someone is working on the node.
  if (!memory && nodeObject.unschedulable) return undefined;
  const cause = await nodeCause(store, cluster, node, nodeObject, episode, settings);
  const subject: FindingSubject = { type: 'node', cluster, node };
  const text = explainFlapping({
    node,
    flaps: episode.flaps.length,
    spanMs: Math.max(episode.end - episode.start, MINUTE),
    lastFlapAgoMs: Math.max(0, now - episode.end),
    evidence,
    hasMemoryEvidence: memory,
    cause,
  });
  return {
    id: findingId('node_memory_flapping', subject, episode.start),
    kind: 'node_memory_flapping',
    category: memory ? 'memory_pressure' : 'not_ready',
    severity: memory ? 'critical' : 'warning',
    subject,
    window: { from: episode.start, to: episode.end },
    title: text.title,
    evidence: {
      flaps: episode.flaps.map((f) => ({
        at: f.at,
        memoryPressure: f.memoryPressure,
        notReady: f.notReady,
      })),
      ...evidence,
      capacityBytes: cause.capacityBytes,
      allocatableBytes: cause.allocatableBytes,
      requestsBytes: cause.requestsBytes,
      limitsBytes: cause.limitsBytes,
      containersWithoutLimit: cause.containersWithoutLimit,
      bestEffortPods: cause.bestEffort,
      topConsumers: cause.flaps,
      pool: nodeObject.pool,
    } satisfies NodeFlappingEvidence,
    explanation: text.explanation,
    recommendation: text.recommendation,
    status: 'open',
    firstSeen: episode.start,
    lastSeen: episode.end,
  };
}

async function memoryEvidence(
  store: AnalysisReader,
  cluster: string,
  node: string,
  around: { from: number; to: number },
  episode: FlapEpisode,
  events: readonly KubeEvent[],
  settings: FlappingSettings,
): Promise<MemoryEvidence> {
  const count = (reason: string, where: (e: KubeEvent) => boolean = () => true) =>
    events.filter((e) => e.reason === reason && where(e)).reduce((n, e) => n + e.count, 0);
  const reboots = events.filter((e) => e.reason === 'Rebooted').map((e) => e.lastTimestamp);
  // A kubelet starting because the machine rebooted is the reboot, not a memory symptom.
  const kubeletRestarts = count(
    'Starting',
    (e) =>
      e.message.toLowerCase().includes('kubelet') &&
      !reboots.some((r) => Math.abs(r - e.lastTimestamp) < 5 * MINUTE),
  );
  const available = await store.usageSeries({
    cluster,
    metric: 'node_memory_available_bytes',
    subject: { type: 'node', node },
    window: around,
    stepMs: MINUTE,
  });
  const minAvailableBytes =
    available.length > 0 ? Math.min(...available.map((p) => p.min)) : undefined;
  // A pod is evicted once: counting pods, not events, keeps an eviction seen by two sources (the
  // kubelet's event and kube-state-metrics' pod reason) one eviction.
  const evictedPods = new Set(
    events
      .filter((e) => e.reason === 'Evicted')
      .map((e) => e.involvedObject.uid ?? `${e.involvedObject.namespace}/${e.involvedObject.name}`),
  );
  return {
    memoryPressureFlaps: episode.flaps.filter((f) => f.memoryPressure).length,
    notReadyFlaps: episode.flaps.filter((f) => f.notReady).length,
    evictions: evictedPods.size,
    systemOoms: count('SystemOOM'),
    kubeletRestarts,
    minAvailableBytes,
    evictionThresholdBytes: settings.evictionThresholdBytes,
    nearThreshold:
      minAvailableBytes !== undefined &&
      minAvailableBytes <= settings.evictionThresholdBytes + settings.nearThresholdBytes,
  };
}

const running = (p: Pod) => p.phase !== 'Failed' && p.phase !== 'Succeeded';

async function nodeCause(
  store: AnalysisReader,
  cluster: string,
  node: string,
  nodeObject: Node,
  episode: FlapEpisode,
  settings: FlappingSettings,
): Promise<NodeCause> {
  const lastFlap = episode.flaps[episode.flaps.length - 1]!;
  const pods = (await store.pods({ cluster, node, at: lastFlap.at })).filter(running);
  let requestsBytes = 0;
  let limitsBytes = 0;
  let containersWithoutLimit = 0;
  for (const pod of pods) {
    for (const c of pod.containers) {
      if (c.init) continue;
      requestsBytes += c.resources.requests.memoryBytes ?? 0;
      if (c.resources.limits.memoryBytes === undefined) containersWithoutLimit++;
      else limitsBytes += c.resources.limits.memoryBytes;
    }
  }
  const explained = (
    episode.flaps.some((f) => f.memoryPressure)
      ? episode.flaps.filter((f) => f.memoryPressure)
      : episode.flaps
  ).slice(-settings.flapsDetailed);
  const flaps = await topConsumers(
    store,
    cluster,
    node,
    explained.map((f) => f.at),
    settings,
  );
  return {
    capacityBytes: nodeObject.capacity.memoryBytes,
    allocatableBytes: nodeObject.allocatable.memoryBytes,
    requestsBytes,
    limitsBytes,
    containersWithoutLimit,
    pods: pods.length,
    bestEffort: pods
      .filter((p) => p.qosClass === 'BestEffort')
      .map((p) => ({ pod: p.name, workload: p.workload })),
    flaps,
  };
}

/** The containers using the most memory in the minutes before each flap. */
async function topConsumers(
  store: AnalysisReader,
  cluster: string,
  node: string,
  flapTimes: readonly number[],
  settings: FlappingSettings,
): Promise<{ at: number; top: Consumer[] }[]> {
  if (flapTimes.length === 0) return [];
  const lookback = 10 * MINUTE;
  const seen = new Map<string, Pod>();
  for (const at of flapTimes) {
    for (const pod of await store.pods({ cluster, node, at })) seen.set(pod.uid, pod);
  }
  const window = { from: flapTimes[0]! - lookback, to: flapTimes[flapTimes.length - 1]! + 1 };
  const perFlap = flapTimes.map(() => [] as Consumer[]);
  for (const pod of seen.values()) {
    for (const c of pod.containers) {
      if (c.init) continue;
      const points = await store.usageSeries({
        cluster,
        metric: 'memory_working_set_bytes',
        subject: { type: 'pod_container', podUid: pod.uid, container: c.name },
        window,
        stepMs: MINUTE,
      });
      flapTimes.forEach((at, i) => {
        const near = points.filter((p) => p.t >= at - lookback && p.t <= at);
        if (near.length === 0) return;
        perFlap[i]!.push({
          pod: pod.name,
          namespace: pod.namespace,
          container: c.name,
          workload: pod.workload,
          bytes: Math.max(...near.map((p) => p.max)),
          bestEffort: pod.qosClass === 'BestEffort',
        });
      });
    }
  }
  return flapTimes.map((at, i) => ({
    at,
    top: perFlap[i]!.sort((a, b) => b.bytes - a.bytes).slice(0, settings.topConsumers),
  }));
}
