// Findings shaped the way the analyzers write them (evidence included), for the exporter, push
// and receiver tests. Each builder takes overrides field by field.
import type { Finding, Pod } from '../../core/domain.js';
import { envelope, type Envelope } from '../../core/envelope.js';

export const NOW = Date.UTC(2026, 10, 16, 12, 0, 0);
const HOUR = 3_600_000;
const MIB = 2 ** 20;

export function flappingFinding(overrides: Partial<Finding> = {}): Finding {
  return {
    id: 'finding-flap-node-a',
    kind: 'node_memory_flapping',
    category: 'memory_pressure',
    severity: 'critical',
    subject: { type: 'node', cluster: 'test', node: 'node-a' },
    window: { from: NOW - 2 * HOUR, to: NOW - 10 * 60_000 },
    title: 'Node node-a flaps under memory pressure',
    evidence: {
      flaps: [
        { at: NOW - 2 * HOUR, memoryPressure: true, notReady: true },
        { at: NOW - HOUR, memoryPressure: true, notReady: false },
        { at: NOW - 10 * 60_000, memoryPressure: true, notReady: true },
      ],
      memoryPressureFlaps: 3,
      notReadyFlaps: 2,
      evictions: 4,
      systemOoms: 1,
    },
    explanation: 'node-a went NotReady twice and reported MemoryPressure three times in 2 h.',
    recommendation: 'Reserve memory for the system (kubeReserved/systemReserved).',
    status: 'open',
    firstSeen: NOW - 2 * HOUR,
    lastSeen: NOW - 10 * 60_000,
    ...overrides,
  };
}

export function oomLoopFinding(overrides: Partial<Finding> = {}): Finding {
  return {
    id: 'finding-oom-cart',
    kind: 'oom_loop',
    category: 'slow_leak',
    severity: 'critical',
    subject: {
      type: 'workload_container',
      cluster: 'test',
      workload: { namespace: 'shop', kind: 'Deployment', name: 'cart' },
      container: 'cart',
    },
    window: { from: NOW - 12 * HOUR, to: NOW - HOUR },
    title: 'cart/cart is OOM-killed every 4 h by a slow leak',
    evidence: {
      rule: '3 OOM kills in 24 h',
      killCount: 3,
      episodeStart: NOW - 12 * HOUR,
      kills: [9, 5, 1].map((hours) => ({
        at: NOW - hours * HOUR,
        pod: 'cart-7d9f-abcde',
        exitCode: 137,
      })),
      exitCodes: { '137': 3 },
      limitBytes: 512 * MIB,
      memoryBeforeKills: [],
      growthMiBPerHour: 40,
      nextOom: { pod: 'cart-7d9f-abcde', currentBytes: 400 * MIB, inMs: 2 * HOUR },
      runtimeHints: [],
      memoryAdvice: { action: 'fix_leak' },
      advice: [{ resource: 'memory_limit', direction: 'keep' }],
      javaOutOfMemoryLines: [],
      lastLogLines: [{ message: 'java.lang.OutOfMemoryError: Java heap space' }],
      kernelOomEvents: [],
    },
    explanation: 'The working set grows about 40 MiB an hour until it reaches the 512 MiB limit.',
    recommendation: 'Find the leak; meanwhile raise the limit to 768Mi.',
    status: 'open',
    firstSeen: NOW - 12 * HOUR,
    lastSeen: NOW - HOUR,
    ...overrides,
  };
}

export function misfitFinding(overrides: Partial<Finding> = {}): Finding {
  return {
    id: 'finding-misfit-api',
    kind: 'requests_misfit',
    category: 'over_requested',
    severity: 'warning',
    subject: {
      type: 'workload_container',
      cluster: 'test',
      workload: { namespace: 'payments', kind: 'StatefulSet', name: 'ledger' },
      container: 'ledger',
    },
    window: { from: NOW - 14 * 24 * HOUR, to: NOW },
    title: 'ledger requests 4x what it uses',
    evidence: {
      cpuP95: 0.5,
      cpuMax: 0.9,
      memoryP99: 1024 * MIB,
      memoryMax: 1200 * MIB,
      requests: { cpuCores: 2, memoryBytes: 4096 * MIB },
      limits: { cpuCores: 4, memoryBytes: 4096 * MIB },
      wastedCpuCores: 1.4,
      wastedMemoryBytes: 2900 * MIB,
      monthlyWaste: 61.5,
    },
    explanation: 'Over 14 days ledger used at most 0.9 cores and 1.2 GiB.',
    recommendation: 'Request 600m CPU and 1.2Gi memory.',
    status: 'open',
    firstSeen: NOW - 14 * 24 * HOUR,
    lastSeen: NOW,
    ...overrides,
  };
}

export function recommendationFinding(overrides: Partial<Finding> = {}): Finding {
  return {
    ...misfitFinding(),
    id: 'finding-rec-ledger',
    kind: 'recommendation',
    category: 'saving',
    severity: 'info',
    evidence: {
      strategy: 'plimsoll',
      current: {
        requests: { cpuCores: 2, memoryBytes: 4096 * MIB },
        limits: { memoryBytes: 4096 * MIB },
      },
      recommended: {
        requests: { cpuCores: 0.6, memoryBytes: 1300 * MIB },
        limits: { memoryBytes: 1600 * MIB },
      },
      usage: { cpuP95: 0.5, cpuMax: 0.9, memoryP99: 1024 * MIB, memoryMax: 1200 * MIB },
      monthlyCostDelta: -58.2,
    },
    ...overrides,
  };
}

export function podRecord(overrides: Partial<Pod> = {}): Envelope<'pod'> {
  const pod: Pod = {
    cluster: 'test',
    namespace: 'shop',
    name: 'cart-7d9f-abcde',
    uid: 'uid-pod-cart',
    nodeName: 'node-a',
    workload: { namespace: 'shop', kind: 'Deployment', name: 'cart' },
    qosClass: 'Burstable',
    phase: 'Running',
    labels: { app: 'cart', team: 'checkout' },
    containers: [
      {
        name: 'cart',
        image: 'shop/cart:1.2.3',
        resources: {
          requests: { cpuCores: 0.5, memoryBytes: 256 * MIB },
          limits: { memoryBytes: 512 * MIB },
        },
        state: { kind: 'running', startedAt: NOW - HOUR },
        restartCount: 3,
        init: false,
      },
    ],
    createdAt: NOW - 24 * HOUR,
    ...overrides,
  };
  return envelope('pod', pod, 'test', NOW - 60_000);
}
