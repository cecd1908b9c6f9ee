// Store contents for analyzer tests: pods with a spec and usage samples written as real envelopes
// into a real MemoryStore, so the analyzers read what the store aggregates, not hand-made stats.
import { envelope, type AnyEnvelope } from '../../../core/envelope.js';
import type { ContainerKey, UsageStats } from '../../../store/store.js';
import type { Node, Pod, ResourceSpec, UsageMetric, WorkloadRef } from '../../../core/domain.js';
import { MemoryStore } from '../../../store/memory.js';

export const MIB = 2 ** 20;
export const GIB = 2 ** 30;
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
export const START = Date.UTC(2026, 9, 1);
export const CLUSTER = 'test';

export interface WorkloadFixture {
  readonly namespace: string;
  readonly name: string;
  readonly container: string;
  readonly replicas: number;
  readonly spec: ResourceSpec;
  readonly runtimeHints?: string[];
  readonly node?: string;
  /** Usage of replica r at sample index i (i = 0 at START). */
  readonly cpu: (i: number, r: number) => number;
  readonly memory: (i: number, r: number) => number;
  readonly throttled?: (i: number, r: number) => number;
}

export function workloadRef(f: Pick<WorkloadFixture, 'namespace' | 'name'>): WorkloadRef {
  return { namespace: f.namespace, kind: 'Deployment', name: f.name };
}

export function keyOf(f: WorkloadFixture): ContainerKey {
  return { cluster: CLUSTER, workload: workloadRef(f), container: f.container };
}

export function podOf(f: WorkloadFixture, r: number): Pod {
  return {
    cluster: CLUSTER,
    namespace: f.namespace,
    name: `${f.name}-abc-${r}`,
    uid: `uid-${f.namespace}-${f.name}-${r}`,
    nodeName: f.node ?? 'node-a',
    workload: workloadRef(f),
    qosClass: 'Burstable',
    phase: 'Running',
    labels: { app: f.name },
    containers: [
      {
        name: f.container,
        image: `registry.example.com/${f.name}:1`,
        resources: f.spec,
        ...(f.runtimeHints ? { runtimeHints: f.runtimeHints } : {}),
        state: { kind: 'running', startedAt: START },
        restartCount: 0,
        init: false,
      },
    ],
    createdAt: START - DAY,
  };
}

/** Pods plus one sample per metric every `stepMs` for `hours`. */
export function workloadRecords(
  f: WorkloadFixture,
  hours = 7 * 24,
  stepMs = 15 * 60_000,
): AnyEnvelope[] {
  const out: AnyEnvelope[] = [];
  const steps = Math.floor((hours * HOUR) / stepMs);
  for (let r = 0; r < f.replicas; r++) {
    const pod = podOf(f, r);
    out.push(envelope('pod', pod, 'test', START));
    const series: [UsageMetric, (i: number, r: number) => number][] = [
      ['cpu_usage_cores', f.cpu],
      ['memory_working_set_bytes', f.memory],
    ];
    if (f.throttled) series.push(['cpu_throttled_ratio', f.throttled]);
    for (let i = 0; i < steps; i++) {
      for (const [metric, value] of series) {
        const timestamp = START + i * stepMs;
        out.push(
          envelope(
            'usage_sample',
            {
              cluster: CLUSTER,
              metric,
              timestamp,
              value: value(i, r),
              node: pod.nodeName,
              namespace: f.namespace,
              pod: pod.name,
              podUid: pod.uid,
              container: f.container,
              workload: workloadRef(f),
            },
            'test',
            timestamp,
          ),
        );
      }
    }
  }
  return out;
}

export function nodeOf(name: string, overrides: Partial<Node> = {}): Node {
  return {
    cluster: CLUSTER,
    name,
    uid: `uid-${name}`,
    labels: {},
    pool: 'general',
    capacity: { cpuCores: 8, memoryBytes: 32 * GIB },
    allocatable: { cpuCores: 7.9, memoryBytes: 30 * GIB },
    conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: START - DAY }],
    unschedulable: false,
    createdAt: START - 30 * DAY,
    ...overrides,
  };
}

export async function storeWith(records: readonly AnyEnvelope[]): Promise<MemoryStore> {
  const store = new MemoryStore({ retentionDays: 3650 });
  await store.write(records);
  return store;
}

/** Hand-made stats for strategy math tests. */
export function stats(
  metric: UsageMetric,
  values: { max: number; percentiles: Record<string, number>; samples?: number; hours?: number },
): UsageStats {
  const hours = values.hours ?? 7 * 24;
  return {
    key: {
      cluster: CLUSTER,
      workload: { namespace: 'ns', kind: 'Deployment', name: 'w' },
      container: 'c',
    },
    metric,
    samples: values.samples ?? 2000,
    first: START,
    last: START + hours * HOUR,
    min: 0,
    max: values.max,
    mean: values.max / 2,
    percentiles: values.percentiles,
  };
}

/** A smooth daily wave in [-1, 1], peaking mid-afternoon like real load. */
export function wave(i: number, stepMs = 15 * 60_000): number {
  return Math.sin((2 * Math.PI * i * stepMs) / DAY);
}
