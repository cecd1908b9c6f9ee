// `node-flapping`: a node with allocatable == capacity carrying BestEffort pods that grow until
// MemoryPressure, evictions, SystemOOM and kubelet restarts flip it several times an hour; plus a
// node rebooted once, which is not flapping.
import type { ClusterBuilder } from '../model/builder.js';
import { DAY, HOUR, MI, type NodeModel } from '../model/types.js';
import { addDaemonSets, addServices, wellSized } from './catalog.js';

export interface FlappingSubjects {
  flapping: NodeModel;
  rebooted: NodeModel;
}

/** Adds the flapping node (own pool) and its pods, and marks `rebootCandidate` for one reboot. */
export function addFlappingNode(b: ClusterBuilder, rebootCandidate: NodeModel): FlappingSubjects {
  const [flapping] = b.addPool({
    name: 'batch',
    count: 1,
    instanceType: 'm5.xlarge',
    cpuCores: 4,
    memoryGi: 16,
    style: 'eks',
    noReserved: true,
    behaviour: { kind: 'flapping' },
  });
  if (!flapping) throw new Error('flapping node not created');
  const rebootAt = b.start + Math.round(2 * DAY + 3 * HOUR + b.rng.next() * 6 * HOUR);
  rebootCandidate.behaviour = { kind: 'reboot', at: rebootAt };
  // Burstable tenants with generous limits: together they overcommit the node's memory (limits
  // over 150 % of allocatable) while their requests fit it, as the scheduler only looks at requests.
  const etl = wellSized(
    b,
    'etl',
    'registry.example.com/batch/etl-runner:4.2.0',
    0.4,
    1400 * MI,
    'worker',
  );
  etl.requests = { cpuCores: 0.5, memoryBytes: 512 * MI };
  etl.limits = { memoryBytes: 12 * 1024 * MI };
  b.addWorkload({
    kind: 'Deployment',
    namespace: 'batch',
    name: 'etl-runner',
    replicas: 2,
    labels: { app: 'etl-runner', team: 'data' },
    containers: [etl],
    rolloutEveryMs: null,
    rolloutPhaseMs: 0,
    pinnedNode: flapping.index,
  });
  const growers: [string, string, string, number, number][] = [
    ['batch', 'report-builder', 'registry.example.com/batch/report-builder:1.9.3', 2, 3],
    ['batch', 'image-resizer', 'registry.example.com/batch/image-resizer:0.14.1', 1, 2],
    ['analytics', 'adhoc-query', 'registry.example.com/analytics/adhoc-query:2.3.0', 2, 2],
  ];
  for (const [namespace, name, image, replicas, share] of growers) {
    b.addWorkload({
      kind: 'Deployment',
      namespace,
      name,
      replicas,
      labels: { app: name, team: namespace === 'batch' ? 'data' : 'analytics' },
      containers: [
        {
          name: name.split('-')[0] ?? name,
          image,
          requests: {},
          limits: {},
          usage: { cpuCores: 0.15, cpuAmplitude: 0.3, memoryBytes: 380 * MI, memoryAmplitude: 0.1 },
          behaviour: { kind: 'pressure-grower', share },
          logStyle: 'worker',
        },
      ],
      rolloutEveryMs: null,
      rolloutPhaseMs: 0,
      pinnedNode: flapping.index,
    });
  }
  return { flapping, rebooted: rebootCandidate };
}

export function nodeFlapping(b: ClusterBuilder, nodes = 8): void {
  const general = b.addPool({
    name: 'general',
    count: nodes,
    instanceType: 'm5.2xlarge',
    cpuCores: 8,
    memoryGi: 32,
    style: 'eks',
  });
  const candidate = general[general.length - 1];
  if (!candidate) throw new Error('node-flapping needs at least one general node');
  addFlappingNode(b, candidate);
  addDaemonSets(b);
  addServices(b, nodes * 14, 'general');
}
