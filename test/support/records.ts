// Small, valid domain records for tests, each overridable field by field.
import { envelope, type Envelope } from '../../core/envelope.js';
import type { ContainerTermination, Node, NodeTransition, UsageSample } from '../../core/domain.js';

export const T0 = Date.UTC(2026, 10, 16, 12, 0, 0);

export function nodeRecord(overrides: Partial<Node> = {}, observedAt = T0): Envelope<'node'> {
  const node: Node = {
    cluster: 'test',
    name: 'node-a',
    uid: 'uid-node-a',
    labels: { 'kubernetes.io/hostname': 'node-a' },
    capacity: { cpuCores: 8, memoryBytes: 32 * 2 ** 30 },
    allocatable: { cpuCores: 7.9, memoryBytes: 30 * 2 ** 30 },
    conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: T0 - 3_600_000 }],
    unschedulable: false,
    createdAt: T0 - 86_400_000,
    ...overrides,
  };
  return envelope('node', node, 'test', observedAt);
}

export function sampleRecord(
  index: number,
  overrides: Partial<UsageSample> = {},
): Envelope<'usage_sample'> {
  const sample: UsageSample = {
    cluster: 'test',
    metric: 'memory_working_set_bytes',
    timestamp: T0 + index * 15_000,
    value: 100 * 2 ** 20 + index,
    node: 'node-a',
    namespace: 'shop',
    pod: 'cart-7d9f-abcde',
    podUid: 'uid-pod-cart',
    container: 'cart',
    workload: { namespace: 'shop', kind: 'Deployment', name: 'cart' },
    ...overrides,
  };
  return envelope('usage_sample', sample, 'test', sample.timestamp);
}

export function transitionRecord(
  overrides: Partial<NodeTransition> = {},
): Envelope<'node_transition'> {
  return envelope(
    'node_transition',
    {
      cluster: 'test',
      node: 'node-a',
      condition: 'Ready',
      from: 'True',
      to: 'False',
      at: T0,
      reason: 'KubeletNotReady',
      ...overrides,
    },
    'test',
  );
}

export function terminationRecord(
  overrides: Partial<ContainerTermination> = {},
): Envelope<'container_termination'> {
  return envelope(
    'container_termination',
    {
      cluster: 'test',
      namespace: 'shop',
      pod: 'cart-7d9f-abcde',
      podUid: 'uid-pod-cart',
      node: 'node-a',
      workload: { namespace: 'shop', kind: 'Deployment', name: 'cart' },
      container: 'cart',
      termination: {
        reason: 'OOMKilled',
        exitCode: 137,
        startedAt: T0 - 4 * 3_600_000,
        finishedAt: T0,
      },
      restartCount: 3,
      requests: { memoryBytes: 256 * 2 ** 20, cpuCores: 0.1 },
      limits: { memoryBytes: 512 * 2 ** 20 },
      ...overrides,
    },
    'test',
  );
}
