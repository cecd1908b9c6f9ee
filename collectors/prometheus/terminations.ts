// Container terminations read back from kube-state-metrics history, with the identity the
// kubernetes collector gives the same termination (pod uid, container, run number, finishedAt), so
// a kill that arrives by both paths is one record downstream.
//
// kube-state-metrics exports what the pod status says: `restarts_total` is `restartCount`,
// `last_terminated_timestamp` / `_reason` / `_exitcode` are `lastState.terminated`. One scrape
// pairs the two, and the kubernetes collector numbers that termination `restartCount - 1`; so does
// this module. Every query reads the last sample of each step-long window (`last_over_time`), which
// catches a container's final scrape before its pod is deleted even between two steps.
//
// Where `last_terminated_timestamp` is absent (kube-state-metrics before v2.12), each increase of
// the restart counter is one ended run, timed at the step where it became visible: the ids then
// differ from the kubernetes collector's, which is the documented cost of older exporters.
import type { ContainerTermination, ResourceAmounts } from '../../core/domain.js';
import type { PromSeries } from './client.js';
import { containerIdentity, METRIC_NAMES, nameSelector } from './compat.js';
import type { ChunkInput, PodMeta } from './history.js';
import {
  needsFirstSamples,
  readFirstSamples,
  readRunStarts,
  runKey,
  withRunStarts,
} from './run-starts.js';

/** What earlier chunks saw of one container; replaced, never mutated (chunks retry on a copy). */
export interface RestartMark {
  /** Restart count at the last step the container was seen. */
  readonly value: number;
  /** That step (epoch ms). */
  readonly seenAt: number;
  /** Newest `last_terminated_timestamp` seen (epoch ms), where exported. */
  readonly finishedAt?: number;
}

/** Steps whose several terminations are recovered from raw samples, per call at most. */
const MAX_RECOVERY_QUERIES = 200;

const GROUPING = 'namespace, pod, uid, container';

interface Step {
  restarts?: number;
  finishedAt?: number;
  exitCode?: number;
  /** Reason series visible at the step, with the step their current presence began. */
  reasons: [string, number][];
}

interface ContainerSteps {
  readonly key: string;
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
  readonly uid: string | undefined;
  readonly steps: Map<number, Step>;
  /** First step of the chunk at which the restart counter is visible. */
  firstRestartStep: number;
}

interface Details {
  readonly finishedAt: number;
  readonly reason: string | undefined;
  readonly exitCode: number | undefined;
}

/** One scrape of one container, from the raw samples. */
interface Scrape {
  restarts?: number;
  finishedAt?: number;
  exitCode?: number;
  reason?: string | undefined;
}

/** Runs whose finish time no step showed: several ended within one step. */
interface Pending {
  readonly entry: ContainerSteps;
  readonly at: number;
  readonly runs: number[];
  /** The step's own details, the best guess for runs the raw samples do not show either. */
  readonly guess: Details;
}

/** The series key: the pod uid when the exporter labels it (v2), else namespace/pod. */
function keyOf(labels: Readonly<Record<string, string>>): string | undefined {
  const id = containerIdentity(labels);
  if (!id) return undefined;
  return labels.uid ? `${labels.uid}/${id.container}` : `${id.namespace}/${id.pod}/${id.container}`;
}

function escapeRegex(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\\\$&');
}

function alternatives(values: Iterable<string>): string {
  return [...new Set(values)].map(escapeRegex).join('|');
}

function num(text: string): number {
  return Number(text);
}

/**
 * Terminations of the chunk for a namespace batch. Each new `last_terminated_timestamp` value is
 * one termination with its real finish time and the run number its scrape pairs it with; runs the
 * counter shows but no step timed (several kills within one step) are read from the raw samples
 * of that step, and only where no scrape timed them either get the step's start as finish time.
 */
export async function terminations(
  input: ChunkInput,
  namespaces: readonly string[],
  pods: ReadonlyMap<string, PodMeta>,
): Promise<ContainerTermination[]> {
  const ns = `namespace=~"${alternatives(namespaces)}"`;
  const window = `${Math.max(1, Math.round(input.stepMs / 1000))}s`;
  const end = input.to - input.stepMs;
  const lastPerStep = (name: string, by: string, filter = '') =>
    input.client.queryRange(
      `max by (${by}) (last_over_time({${nameSelector([name])}, ${ns}}[${window}])${filter})`,
      input.from,
      end,
      input.stepMs,
    );
  // last_over_time drops __name__, so the v1 counter name is queried on its own, not by regex.
  const [restartsByName, finished, exitCodes, reasons] = await Promise.all([
    Promise.all(METRIC_NAMES.restarts.map((name) => lastPerStep(name, GROUPING))),
    lastPerStep(METRIC_NAMES.lastTerminatedTimestamp[0], GROUPING),
    lastPerStep(METRIC_NAMES.lastTerminatedExitCode[0], GROUPING),
    lastPerStep(METRIC_NAMES.lastTerminatedReason[0], `${GROUPING}, reason`, ' == 1'),
  ]);

  const containers = new Map<string, ContainerSteps>();
  const stepOf = (
    labels: Record<string, string>,
    t: number,
  ): [ContainerSteps, Step] | undefined => {
    const key = keyOf(labels);
    const id = containerIdentity(labels);
    if (!key || !id) return undefined;
    let entry = containers.get(key);
    if (!entry) {
      entry = {
        key,
        ...id,
        uid: labels.uid || undefined,
        steps: new Map(),
        firstRestartStep: Infinity,
      };
      containers.set(key, entry);
    }
    let step = entry.steps.get(t);
    if (!step) {
      step = { reasons: [] };
      entry.steps.set(t, step);
    }
    return [entry, step];
  };
  const each = (
    series: PromSeries[],
    apply: (entry: ContainerSteps, step: Step, v: number, t: number) => void,
  ) => {
    for (const s of series) {
      for (const [seconds, text] of s.values) {
        const t = Math.round(seconds * 1000);
        const found = stepOf(s.metric, t);
        if (found) apply(found[0], found[1], num(text), t);
      }
    }
  };
  // The current name first: where both exist for a container, its value stands.
  for (const series of restartsByName) {
    each(series, (entry, step, v, t) => {
      if (step.restarts === undefined && v >= 0) step.restarts = v;
      entry.firstRestartStep = Math.min(entry.firstRestartStep, t);
    });
  }
  each(finished, (_, step, v) => {
    if (v > 0) step.finishedAt = v * 1000;
  });
  each(exitCodes, (_, step, v) => {
    if (Number.isInteger(v)) step.exitCode = v;
  });
  for (const s of reasons) {
    const reason = s.metric.reason;
    if (!reason) continue;
    // Without staleness markers (backfilled blocks) the previous reason stays visible next to
    // the new one for a step; the series whose current presence began last is the current one.
    let since = 0;
    let last = -Infinity;
    for (const [seconds] of s.values) {
      const t = Math.round(seconds * 1000);
      if (t - last > input.stepMs) since = t;
      last = t;
      stepOf(s.metric, t)?.[1].reasons.push([reason, since]);
    }
  }

  const out: ContainerTermination[] = [];
  const pending: Pending[] = [];
  /** Terminations timed where their restart became visible: the step before, when it was not. */
  const finishedAfter = new Map<ContainerTermination, number>();
  const emit = (entry: ContainerSteps, run: number, details: Details, notBefore?: number) => {
    const meta = pods.get(`${entry.namespace}/${entry.pod}`);
    const reason = details.reason ?? 'Unknown';
    const termination: ContainerTermination = {
      cluster: input.cluster,
      namespace: entry.namespace,
      pod: entry.pod,
      podUid: entry.uid ?? meta?.uid ?? `${entry.namespace}/${entry.pod}`,
      ...(meta?.node !== undefined && { node: meta.node }),
      workload: meta?.workload ?? { namespace: entry.namespace, kind: 'Pod', name: entry.pod },
      container: entry.container,
      termination: {
        reason,
        exitCode: details.exitCode ?? (reason === 'OOMKilled' ? 137 : 1),
        finishedAt: details.finishedAt,
      },
      restartCount: run,
      requests: amounts(meta?.requests.get(entry.container)),
      limits: amounts(meta?.limits.get(entry.container)),
    };
    out.push(termination);
    if (notBefore !== undefined) finishedAfter.set(termination, notBefore);
  };

  const priorFinish = new Map<string, number>();
  for (const [key, entry] of containers) {
    let mark = input.state.restarts.get(key);
    if (mark?.finishedAt !== undefined)
      priorFinish.set(runKey(entry.namespace, entry.pod, entry.container), mark.finishedAt);
    // A counter that first shows inside the chunk belongs to a new pod, which started at zero;
    // one already there when the chunk opens has an unknown past and only counts from here.
    let previous = mark?.value ?? (entry.firstRestartStep > input.from ? 0 : undefined);
    for (const t of [...entry.steps.keys()].sort((a, b) => a - b)) {
      const step = entry.steps.get(t)!;
      const count = step.restarts;
      if (count === undefined) continue;
      const reason = step.reasons.reduce<[string, number] | undefined>(
        (best, r) => (best === undefined || r[1] > best[1] ? r : best),
        undefined,
      )?.[0];
      const details = (finishedAt: number): Details => ({
        finishedAt,
        reason,
        exitCode: step.exitCode,
      });
      const f = step.finishedAt;
      // A finish time is new if it is later than the last one seen; without one, if it is later
      // than anything the step before could have shown.
      const isNew =
        f !== undefined &&
        f >= (input.historyFrom ?? -Infinity) &&
        (mark?.finishedAt !== undefined
          ? f > mark.finishedAt
          : f > (mark?.seenAt ?? input.from) - input.stepMs);
      const unseen: number[] = [];
      if (f !== undefined) {
        // The scrape pairs the finish time with the run before the current count.
        const run = Math.max(0, count - 1);
        if (isNew) emit(entry, run, details(f));
        if (previous !== undefined) for (let r = previous; r < run; r++) unseen.push(r);
      } else if (previous !== undefined && count > previous) {
        for (let r = previous; r < count; r++) unseen.push(r);
      }
      if (unseen.length > 0) {
        if (f !== undefined) {
          const guess = Math.max(t - input.stepMs, input.historyFrom ?? -Infinity);
          pending.push({ entry, at: t, runs: unseen, guess: details(guess) });
        } else {
          // No finish times exported: the restart-count fallback, timed where it became visible;
          // the kill came after the step that still showed the old count.
          const notBefore = mark?.seenAt ?? t - input.stepMs;
          for (const run of unseen) emit(entry, run, details(t), notBefore);
        }
      }
      previous = count;
      const finishedAt =
        f !== undefined && (mark?.finishedAt ?? -Infinity) < f ? f : mark?.finishedAt;
      mark = { value: count, seenAt: t, ...(finishedAt !== undefined && { finishedAt }) };
      input.state.restarts.set(key, mark);
    }
  }

  const recovered = await recover(input, pending);
  for (const [i, p] of pending.entries()) {
    const found = recovered.get(i);
    for (const run of p.runs) {
      const details = found?.get(run) ?? p.guess;
      if (details.finishedAt >= (input.historyFrom ?? -Infinity)) emit(p.entry, run, details);
    }
  }
  if (out.length === 0) return out;
  const starts = await readRunStarts(input, namespaces);
  const found = withRunStarts(out, starts, priorFinish, finishedAfter);
  if (!needsFirstSamples(found, finishedAfter)) return found;
  const firstSamples = await readFirstSamples(input, namespaces);
  return withRunStarts(out, { ...starts, firstSamples }, priorFinish, finishedAfter);
}

/**
 * The raw samples of the steps where several runs ended: each scrape pairs a restart count with
 * the finish time of the run before it, so a kill that lived in the data for a scrape or two
 * between two steps keeps its real time. One instant query per step, for all its containers.
 */
async function recover(
  input: ChunkInput,
  pending: readonly Pending[],
): Promise<Map<number, Map<number, Details>>> {
  const out = new Map<number, Map<number, Details>>();
  const byStep = new Map<number, number[]>();
  for (const [i, p] of pending.entries()) {
    const list = byStep.get(p.at) ?? [];
    list.push(i);
    byStep.set(p.at, list);
  }
  const window = `${Math.max(1, Math.round(input.stepMs / 1000))}s`;
  const names = [
    ...METRIC_NAMES.restarts,
    ...METRIC_NAMES.lastTerminatedTimestamp,
    ...METRIC_NAMES.lastTerminatedExitCode,
    ...METRIC_NAMES.lastTerminatedReason,
  ];
  let queries = 0;
  for (const [at, indexes] of byStep) {
    if (queries++ >= MAX_RECOVERY_QUERIES) break;
    const entries = indexes.map((i) => pending[i]!.entry);
    const selector =
      `${nameSelector(names)}, namespace=~"${alternatives(entries.map((e) => e.namespace))}", ` +
      `pod=~"${alternatives(entries.map((e) => e.pod))}"`;
    const series = await input.client.query(`{${selector}}[${window}]`, at);
    // key → scrape time → what that scrape said
    const scrapes = new Map<string, Map<number, Scrape>>();
    for (const s of series) {
      const key = keyOf(s.metric);
      const name = s.metric.__name__ ?? '';
      if (!key) continue;
      const byTime = scrapes.get(key) ?? new Map<number, Scrape>();
      scrapes.set(key, byTime);
      for (const [seconds, text] of s.values) {
        const t = Math.round(seconds * 1000);
        const v = num(text);
        const scrape = byTime.get(t) ?? {};
        byTime.set(t, scrape);
        if ((METRIC_NAMES.restarts as readonly string[]).includes(name)) scrape.restarts ??= v;
        else if (name === METRIC_NAMES.lastTerminatedTimestamp[0]) scrape.finishedAt = v * 1000;
        else if (name === METRIC_NAMES.lastTerminatedExitCode[0]) scrape.exitCode = v;
        else if (name === METRIC_NAMES.lastTerminatedReason[0] && v === 1)
          scrape.reason = s.metric.reason;
      }
    }
    for (const i of indexes) {
      const p = pending[i]!;
      const wanted = new Set(p.runs);
      const runs = new Map<number, Details>();
      for (const scrape of scrapes.get(p.entry.key)?.values() ?? []) {
        if (scrape.restarts === undefined || scrape.finishedAt === undefined) continue;
        const run = scrape.restarts - 1;
        if (!wanted.has(run) || runs.has(run)) continue;
        runs.set(run, {
          finishedAt: scrape.finishedAt,
          reason: scrape.reason,
          exitCode:
            scrape.exitCode !== undefined && Number.isInteger(scrape.exitCode)
              ? scrape.exitCode
              : undefined,
        });
      }
      out.set(i, runs);
    }
  }
  return out;
}

function amounts(value: { cpuCores?: number; memoryBytes?: number } | undefined): ResourceAmounts {
  return value ? { ...value } : {};
}
