// When each terminated run began, for terminations read back from Prometheus: the container status
// the kubernetes collector reads carries `startedAt`, kube-state-metrics' last-terminated families
// do not. Without it an OOM loop cannot tell a start-up kill from a leak. Sources, best first:
//   1. kube_pod_container_state_started — the current run's start, so the start of a run that
//      ended is the newest value seen before its finish;
//   2. cAdvisor's container_start_time_seconds — one series per container instance;
//   3. the first working-set sample of each cAdvisor container instance — its start within a
//      scrape interval (only instances that appeared inside the range read, never one already
//      there when it opened);
//   4. the previous run's finish — the run cannot have started earlier, so the duration is an
//      upper bound (it includes the restart back-off).
// A start older than the previous run's finish belongs to an earlier run (the run that ended was
// never scraped while running) and is not used.
import type { ContainerTermination, Termination } from '../../core/domain.js';
import { CADVISOR_DIALECTS, containerIdentity, nsSelector } from './compat.js';
import type { ChunkInput } from './history.js';
import { INVENTORY_OVERLAP_MS, inventoryRange } from './inventory.js';

type StartSource = NonNullable<Termination['startedAtSource']>;

export interface RunStarts {
  /** Per namespace/pod/container: run starts from kube-state-metrics, epoch ms, ascending. */
  readonly kubeStateMetrics: ReadonlyMap<string, readonly number[]>;
  /** The same from cAdvisor. */
  readonly cadvisor: ReadonlyMap<string, readonly number[]>;
  /** The first working-set sample of each cAdvisor container instance that appeared in the range. */
  readonly firstSamples?: ReadonlyMap<string, readonly number[]>;
}

export const runKey = (namespace: string, pod: string, container: string) =>
  `${namespace}/${pod}/${container}`;

function collect(
  into: Map<string, Set<number>>,
  labels: Record<string, string>,
  values: readonly (readonly [number, string])[],
): void {
  const id = containerIdentity(labels);
  if (!id) return;
  const key = runKey(id.namespace, id.pod, id.container);
  const set = into.get(key) ?? new Set<number>();
  for (const [, text] of values) {
    const seconds = Number(text);
    if (seconds > 0 && Number.isFinite(seconds)) set.add(Math.round(seconds * 1000));
  }
  into.set(key, set);
}

function sorted(map: Map<string, Set<number>>): Map<string, number[]> {
  return new Map([...map].map(([k, v]) => [k, [...v].sort((a, b) => a - b)]));
}

export async function readRunStarts(
  input: ChunkInput,
  namespaces: readonly string[],
): Promise<RunStarts> {
  const ns = nsSelector(namespaces);
  const window = `${Math.max(1, Math.round(input.stepMs / 1000))}s`;
  const ksm = new Map<string, Set<number>>();
  const cadvisor = new Map<string, Set<number>>();
  const [started, ...instances] = await Promise.all([
    // The value changes at every restart: read per step.
    input.client.queryRange(
      `max by (namespace, pod, container) (last_over_time(kube_pod_container_state_started{${ns}}[${window}]))`,
      input.from,
      input.to - input.stepMs,
      input.stepMs,
    ),
    // One series per container instance: its last value over the chunk is its start.
    ...CADVISOR_DIALECTS.map((d) =>
      input.client.query(
        `max by (namespace, ${d.pod}, ${d.container}, id) (last_over_time(` +
          `container_start_time_seconds{${ns}, ${d.container}!="", ${d.container}!="POD"}` +
          `[${inventoryRange(input)}]))`,
        input.to - 1,
      ),
    ),
  ]);
  for (const s of started) collect(ksm, s.metric, s.values);
  for (const s of instances.flat()) collect(cadvisor, s.metric, s.values);
  return { kubeStateMetrics: sorted(ksm), cadvisor: sorted(cadvisor) };
}

/**
 * Each cAdvisor container instance's first working-set sample inside the range read: its start,
 * where no exporter says it. A subquery over the whole range, so read only when needed.
 */
export async function readFirstSamples(
  input: ChunkInput,
  namespaces: readonly string[],
): Promise<ReadonlyMap<string, readonly number[]>> {
  const ns = nsSelector(namespaces);
  const step = `${Math.max(1, Math.round(input.stepMs / 1000))}s`;
  // An instance whose first sample in the range is at its opening may have begun long before.
  const opened = (input.from - INVENTORY_OVERLAP_MS + 2 * input.stepMs) / 1000;
  const firstSamples = new Map<string, Set<number>>();
  const appeared = await Promise.all(
    CADVISOR_DIALECTS.map((d) =>
      input.client.query(
        `min by (namespace, ${d.pod}, ${d.container}, id) (min_over_time(timestamp(` +
          `container_memory_working_set_bytes{${ns}, ${d.container}!="", ${d.container}!="POD"}` +
          `)[${inventoryRange(input)}:${step}])) > ${opened}`,
        input.to - 1,
      ),
    ),
  );
  for (const s of appeared.flat()) collect(firstSamples, s.metric, s.values);
  return sorted(firstSamples);
}

/**
 * Whether first samples could change what withRunStarts made of these terminations: a kill
 * without a start from kube-state-metrics or cAdvisor, or one whose finish is only bounded.
 */
export function needsFirstSamples(
  withStarts: readonly ContainerTermination[],
  finishedAfter: ReadonlyMap<ContainerTermination, number>,
): boolean {
  return (
    finishedAfter.size > 0 ||
    withStarts.some(
      (t) =>
        t.termination.startedAtSource !== 'kube_state_metrics' &&
        t.termination.startedAtSource !== 'cadvisor',
    )
  );
}

/** Newest start in `starts` that lies in [after, before). */
function newestBetween(
  starts: readonly number[] | undefined,
  after: number,
  before: number,
): number | undefined {
  let found: number | undefined;
  for (const t of starts ?? []) {
    if (t >= before) break;
    if (t >= after) found = t;
  }
  return found;
}

export function startOfRun(
  finishedAt: number,
  previousFinish: number | undefined,
  ksm: readonly number[] | undefined,
  cadvisor: readonly number[] | undefined,
  firstSamples?: readonly number[],
): { startedAt: number; source: StartSource } | undefined {
  const after = previousFinish ?? -Infinity;
  const fromKsm = newestBetween(ksm, after, finishedAt);
  if (fromKsm !== undefined) return { startedAt: fromKsm, source: 'kube_state_metrics' };
  const fromCadvisor = newestBetween(cadvisor, after, finishedAt);
  if (fromCadvisor !== undefined) return { startedAt: fromCadvisor, source: 'cadvisor' };
  const fromSample = newestBetween(firstSamples, after, finishedAt);
  if (fromSample !== undefined) return { startedAt: fromSample, source: 'first_sample' };
  if (previousFinish !== undefined && previousFinish < finishedAt)
    return { startedAt: previousFinish, source: 'previous_termination' };
  return undefined;
}

/** Oldest start in `starts` that lies in (after, until]. */
function oldestWithin(
  starts: readonly number[] | undefined,
  after: number,
  until: number,
): number | undefined {
  return starts?.find((t) => t > after && t <= until);
}

/**
 * The terminations with their run start where one is known. `priorFinish` is the finish of the
 * newest termination before these, per namespace/pod/container. `finishedAfter` holds, for a
 * termination timed only where its restart became visible (no last-terminated timestamp), the
 * last step at which the run was still counted: the kill lies between that step and the recorded
 * finish, and a start in that span is the next run's, which also bounds the kill from above.
 */
export function withRunStarts(
  terminations: readonly ContainerTermination[],
  starts: RunStarts,
  priorFinish: ReadonlyMap<string, number>,
  finishedAfter: ReadonlyMap<ContainerTermination, number> = new Map(),
): ContainerTermination[] {
  const order = terminations
    .map((t, index) => ({ t, index }))
    .sort((a, b) => a.t.termination.finishedAt - b.t.termination.finishedAt);
  const previous = new Map(priorFinish);
  const out: ContainerTermination[] = [...terminations];
  for (const { t, index } of order) {
    const key = runKey(t.namespace, t.pod, t.container);
    const ksm = starts.kubeStateMetrics.get(key);
    const cadvisor = starts.cadvisor.get(key);
    const firstSamples = starts.firstSamples?.get(key);
    let finishedAt = t.termination.finishedAt;
    let searchBefore = finishedAt;
    const lowerBound = finishedAfter.get(t);
    if (lowerBound !== undefined) {
      const next = [ksm, cadvisor, firstSamples]
        .map((list) => oldestWithin(list, lowerBound, finishedAt))
        .filter((x): x is number => x !== undefined);
      if (next.length > 0) finishedAt = Math.min(...next);
      searchBefore = Math.min(finishedAt, lowerBound + 1);
    }
    const start = startOfRun(searchBefore, previous.get(key), ksm, cadvisor, firstSamples);
    previous.set(key, finishedAt);
    if (start === undefined && finishedAt === t.termination.finishedAt) continue;
    out[index] = {
      ...t,
      termination: {
        ...t.termination,
        finishedAt,
        ...(start && { startedAt: start.startedAt, startedAtSource: start.source }),
      },
    };
  }
  return out;
}
