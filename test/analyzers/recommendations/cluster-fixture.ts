// One small cluster with one workload per misfit kind, shared by the misfit, recommendation and
// patch tests: the records go through a real MemoryStore.
import { envelope, type AnyEnvelope } from '../../../core/envelope.js';
import {
  CLUSTER,
  DAY,
  GIB,
  MIB,
  START,
  wave,
  workloadRecords,
  workloadRef,
  type WorkloadFixture,
} from './fixtures.js';

export const WINDOW = { from: START, to: START + 7 * DAY };

export const WORKLOADS: Record<string, WorkloadFixture> = {
  over: {
    namespace: 'ml',
    name: 'feature-store',
    container: 'store',
    replicas: 2,
    spec: { requests: { cpuCores: 2, memoryBytes: 4 * GIB }, limits: { memoryBytes: 4 * GIB } },
    cpu: (i) => 0.15 + 0.05 * wave(i),
    memory: (i) => 600 * MIB * (1 + 0.05 * wave(i)),
  },
  under: {
    namespace: 'search',
    name: 'query-api',
    container: 'query',
    replicas: 2,
    spec: { requests: { cpuCores: 0.1, memoryBytes: 128 * MIB }, limits: { memoryBytes: 2 * GIB } },
    cpu: (i) => 0.7 + 0.2 * wave(i),
    memory: (i) => 900 * MIB * (1 + 0.05 * wave(i)),
  },
  none: {
    namespace: 'web',
    name: 'legacy-frontend',
    container: 'frontend',
    replicas: 1,
    spec: { requests: {}, limits: {} },
    cpu: (i) => 0.2 + 0.05 * wave(i),
    memory: (i) => 350 * MIB * (1 + 0.05 * wave(i)),
  },
  tight: {
    namespace: 'checkout',
    name: 'cart-api',
    container: 'cart',
    replicas: 1,
    spec: {
      requests: { cpuCores: 0.3, memoryBytes: 512 * MIB },
      limits: { memoryBytes: 768 * MIB },
    },
    cpu: (i) => 0.25 + 0.05 * wave(i),
    memory: (i) => 480 * MIB * (1 + 0.05 * wave(i)) + (i % 96 === 50 ? 260 * MIB : 0),
  },
  throttled: {
    namespace: 'auth',
    name: 'token-service',
    container: 'token',
    replicas: 1,
    spec: {
      requests: { cpuCores: 0.25, memoryBytes: 384 * MIB },
      limits: { cpuCores: 0.5, memoryBytes: 512 * MIB },
    },
    cpu: () => 0.48,
    memory: (i) => 300 * MIB * (1 + 0.02 * wave(i)),
    throttled: () => 0.6,
  },
  right: {
    namespace: 'payments',
    name: 'ledger-writer',
    container: 'ledger',
    replicas: 2,
    spec: {
      requests: { cpuCores: 0.5, memoryBytes: 1 * GIB },
      limits: { memoryBytes: 1.5 * GIB },
    },
    cpu: (i) => 0.35 + 0.1 * wave(i),
    memory: (i) => 800 * MIB * (1 + 0.05 * wave(i)),
  },
};

/** Three OOM kills of cart-api at its 768 MiB limit. */
export function cartKills(): AnyEnvelope[] {
  const f = WORKLOADS.tight!;
  return [1, 3, 5].map((day) =>
    envelope(
      'container_termination',
      {
        cluster: CLUSTER,
        namespace: f.namespace,
        pod: `${f.name}-abc-0`,
        podUid: `uid-${f.namespace}-${f.name}-0`,
        node: 'node-a',
        workload: workloadRef(f),
        container: f.container,
        termination: {
          reason: 'OOMKilled',
          exitCode: 137,
          startedAt: START + day * DAY - 3_600_000,
          finishedAt: START + day * DAY,
        },
        restartCount: day,
        requests: f.spec.requests,
        limits: f.spec.limits,
      },
      'test',
    ),
  );
}

export function clusterRecords(): AnyEnvelope[] {
  return [...Object.values(WORKLOADS).flatMap((f) => workloadRecords(f)), ...cartKills()];
}
