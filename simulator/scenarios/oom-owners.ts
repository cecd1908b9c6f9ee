// OOM loops whose owners vary as real clusters vary them: a StatefulSet (pods keep their names
// across restarts and rollouts), a DaemonSet (one looping pod per node), a wrapper process that
// reports exit code 2 for some kills instead of 137, a Deployment whose ReplicaSet is off the
// `<deployment>-<hash>` naming convention (only kube_replicaset_owner tells its owner), and a
// ReplicaSet owned by an Argo Rollout. Ground truth names the StatefulSet, DaemonSet, Deployment
// and Rollout, never a ReplicaSet.
import type { ClusterBuilder } from '../model/builder.js';
import { DAY, HOUR, MI, type ContainerModel } from '../model/types.js';
import { addDaemonSets, addServices } from './catalog.js';
import { addSingleOom } from './oom.js';

function leaking(
  name: string,
  image: string,
  limitMi: number,
  usageMi: number,
  hours: [number, number],
): ContainerModel {
  return {
    name,
    image,
    requests: { cpuCores: 0.1, memoryBytes: Math.round(usageMi * 1.2) * MI },
    limits: { memoryBytes: limitMi * MI },
    usage: { cpuCores: 0.06, cpuAmplitude: 0.3, memoryBytes: usageMi * MI, memoryAmplitude: 0.05 },
    behaviour: { kind: 'leak', minHours: hours[0], maxHours: hours[1] },
    logStyle: 'worker',
  };
}

function pool(b: ClusterBuilder, nodes: number): void {
  b.addPool({
    name: 'general',
    count: nodes,
    instanceType: 'm5.2xlarge',
    cpuCores: 8,
    memoryGi: 32,
    style: 'eks',
  });
  addDaemonSets(b);
}

/** `oom-workload-kinds`: StatefulSet and DaemonSet loops, and kills that exit with code 2. */
export function oomWorkloadKinds(b: ClusterBuilder, nodes = 4): void {
  pool(b, nodes);
  b.addWorkload({
    kind: 'StatefulSet',
    namespace: 'payments',
    name: 'ledger-db',
    replicas: 2,
    labels: { app: 'ledger-db', team: 'payments' },
    containers: [
      leaking('ledger', 'registry.example.com/payments/ledger-db:14.2.0', 1024, 380, [3, 6]),
    ],
    // A StatefulSet rollout replaces ledger-db-0 by a new ledger-db-0 (same name, new uid).
    rolloutEveryMs: Math.round(1.5 * DAY),
    rolloutPhaseMs: Math.round(13 * HOUR),
  });
  b.addWorkload({
    kind: 'DaemonSet',
    namespace: 'monitoring',
    name: 'metrics-agent',
    replicas: 0,
    labels: { 'app.kubernetes.io/name': 'metrics-agent' },
    containers: [
      leaking('agent', 'registry.example.com/monitoring/metrics-agent:0.9.4', 256, 90, [4, 8]),
    ],
    rolloutEveryMs: null,
    rolloutPhaseMs: 0,
    priorityClassName: 'system-node-critical',
  });
  const wrapped = leaking(
    'renderer',
    'registry.example.com/web/pdf-renderer:2.7.1',
    768,
    260,
    [2, 4],
  );
  // Started through `sh -c`: the shell reports 2 when its child is killed, for half the kills.
  wrapped.args = ['sh', '-c', 'exec-wrapper /app/pdf-renderer --port 8080'];
  wrapped.oomExitCodes = [137, 2];
  b.addWorkload({
    kind: 'Deployment',
    namespace: 'web',
    name: 'pdf-renderer',
    replicas: 2,
    labels: { app: 'pdf-renderer', team: 'frontend' },
    containers: [wrapped],
    rolloutEveryMs: null,
    rolloutPhaseMs: 0,
  });
  addSingleOom(b);
  addServices(b, nodes * 12);
}

/** `oom-owners`: a ReplicaSet off the naming convention and one owned by an Argo Rollout. */
export function oomOwners(b: ClusterBuilder, nodes = 4): void {
  pool(b, nodes);
  b.addWorkload({
    kind: 'Deployment',
    namespace: 'checkout',
    name: 'checkout-legacy',
    // Created by hand before the Deployment adopted it: the name says nothing of its owner.
    replicaSetName: 'legacy-rs-blue',
    replicas: 2,
    labels: { app: 'checkout-legacy', team: 'shop' },
    containers: [
      leaking('checkout', 'registry.example.com/checkout/checkout:1.0.9', 512, 200, [3, 6]),
    ],
    rolloutEveryMs: null,
    rolloutPhaseMs: 0,
  });
  b.addWorkload({
    kind: 'Deployment',
    ownerKind: 'Rollout',
    namespace: 'search',
    name: 'recommendations',
    replicas: 1,
    labels: { app: 'recommendations', team: 'discovery' },
    containers: [
      {
        name: 'recommender',
        image: 'registry.example.com/search/recommendations:4.1.0',
        requests: { cpuCores: 0.4, memoryBytes: 768 * MI },
        limits: { memoryBytes: 1024 * MI },
        args: ['-Xms1536m', '-Xmx1536m', '-jar', '/app/recommendations.jar'],
        usage: { cpuCores: 0.6, cpuAmplitude: 0.1, memoryBytes: 900 * MI, memoryAmplitude: 0 },
        behaviour: { kind: 'startup-oom', minRunSeconds: 20, maxRunSeconds: 50 },
        logStyle: 'jvm',
      },
    ],
    // Each Argo rollout makes a new ReplicaSet `recommendations-<hash>` owned by the Rollout.
    rolloutEveryMs: DAY,
    rolloutPhaseMs: Math.round(15 * HOUR),
  });
  addSingleOom(b);
  addServices(b, nodes * 12);
}
