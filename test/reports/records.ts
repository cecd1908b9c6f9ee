// Hand-written records for report tests: nodes, pods and hourly usage whose sums are known to
// the byte, and findings shaped as the analyzers write them.
import type { Finding, Node, Pod, ResourceAmounts, UsageMetric } from '../../core/domain.js';
import { envelope, type AnyEnvelope } from '../../core/envelope.js';

export const GIB = 2 ** 30;
export const MIB = 2 ** 20;
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

export function node(
  cluster: string,
  name: string,
  pool: string,
  capacity: [number, number],
  allocatable: [number, number],
  createdAt: number,
): AnyEnvelope {
  const payload: Node = {
    cluster,
    name,
    uid: `uid-${name}`,
    labels: {},
    pool,
    capacity: { cpuCores: capacity[0], memoryBytes: capacity[1] },
    allocatable: { cpuCores: allocatable[0], memoryBytes: allocatable[1] },
    conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: createdAt }],
    unschedulable: false,
    createdAt,
  };
  return envelope('node', payload, 'test', createdAt);
}

export interface PodSpec {
  readonly cluster: string;
  readonly namespace: string;
  readonly kind: string;
  readonly workload: string;
  readonly name: string;
  readonly nodeName?: string;
  readonly phase?: string;
  readonly container: string;
  readonly requests: ResourceAmounts;
  readonly limits: ResourceAmounts;
  readonly createdAt: number;
  readonly deletedAt?: number;
}

export function pod(spec: PodSpec): AnyEnvelope {
  const payload: Pod = {
    cluster: spec.cluster,
    namespace: spec.namespace,
    name: spec.name,
    uid: `uid-${spec.name}`,
    ...(spec.nodeName ? { nodeName: spec.nodeName } : {}),
    workload: { namespace: spec.namespace, kind: spec.kind, name: spec.workload },
    qosClass: 'Burstable',
    phase: spec.phase ?? 'Running',
    labels: {},
    containers: [
      {
        name: spec.container,
        image: 'registry.example.com/app:1',
        resources: { requests: spec.requests, limits: spec.limits },
        state: { kind: 'running' },
        restartCount: 0,
        init: false,
      },
    ],
    createdAt: spec.createdAt,
    ...(spec.deletedAt === undefined ? {} : { deletedAt: spec.deletedAt }),
  };
  return envelope('pod', payload, 'test', spec.createdAt);
}

/** Samples of one pod's container every `stepMs` in [from, to); `value(i)` gives the i-th. */
export function samples(
  spec: PodSpec,
  metric: UsageMetric,
  from: number,
  to: number,
  stepMs: number,
  value: (i: number) => number,
): AnyEnvelope[] {
  const out: AnyEnvelope[] = [];
  for (let t = from, i = 0; t < to; t += stepMs, i++) {
    out.push(
      envelope(
        'usage_sample',
        {
          cluster: spec.cluster,
          metric,
          timestamp: t,
          value: value(i),
          node: spec.nodeName,
          namespace: spec.namespace,
          pod: spec.name,
          podUid: `uid-${spec.name}`,
          container: spec.container,
          workload: { namespace: spec.namespace, kind: spec.kind, name: spec.workload },
        },
        'test',
        t,
      ),
    );
  }
  return out;
}

export function finding(overrides: Partial<Finding> & Pick<Finding, 'id' | 'kind'>): Finding {
  return {
    severity: 'warning',
    subject: { type: 'cluster', cluster: 'test' },
    window: { from: 0, to: 1 },
    title: overrides.id,
    evidence: {},
    explanation: 'explanation',
    recommendation: 'recommendation',
    status: 'open',
    firstSeen: 0,
    lastSeen: 1,
    ...overrides,
  };
}
