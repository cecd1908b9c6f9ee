// The scenario registry: a name, what it shows, and how to build it at a given size.
import { ClusterBuilder } from '../model/builder.js';
import type { ClusterModel } from '../model/types.js';
import { healthy, HEALTHY_DEFAULT_NODES } from './healthy.js';
import { misfit } from './misfit.js';
import { mixed, MIXED_DEFAULT_NODES } from './mixed.js';
import { nodeFlapping } from './node-flapping.js';
import { oom } from './oom.js';
import { oomOwners, oomWorkloadKinds } from './oom-owners.js';
import { nodeAutoscaled, nodeNotMemory } from './node-events.js';

export interface ScenarioDefinition {
  name: string;
  description: string;
  defaultNodes: number;
  build: (b: ClusterBuilder, nodes: number) => void;
}

export const SCENARIOS: readonly ScenarioDefinition[] = [
  {
    name: 'healthy',
    description: 'A few dozen nodes, hundreds of pods, diurnal load and rollouts; nothing to find.',
    defaultNodes: HEALTHY_DEFAULT_NODES,
    build: healthy,
  },
  {
    name: 'node-flapping',
    description:
      'A node with allocatable == capacity flapping on memory pressure; a node rebooted once.',
    defaultNodes: 8,
    build: nodeFlapping,
  },
  {
    name: 'oom-slow-leak',
    description: 'A leaking container OOMKilled every 3-6 h; one single OOM elsewhere.',
    defaultNodes: 8,
    build: oom('slow-leak'),
  },
  {
    name: 'oom-startup',
    description:
      'A JVM whose heap exceeds its limit, OOMKilled within a minute of start (CrashLoopBackOff); one single OOM.',
    defaultNodes: 8,
    build: oom('startup'),
  },
  {
    name: 'oom-spike',
    description: 'Load spikes that cross the memory limit; one single OOM.',
    defaultNodes: 8,
    build: oom('spike'),
  },
  {
    name: 'oom-loops',
    description: 'All three OOM loop kinds and a single OOM.',
    defaultNodes: 8,
    build: oom('all'),
  },
  {
    name: 'oom-workload-kinds',
    description:
      'OOM loops in a StatefulSet and a DaemonSet, and one whose kills exit with code 2 (wrapper); one single OOM.',
    defaultNodes: 4,
    build: oomWorkloadKinds,
  },
  {
    name: 'oom-owners',
    description:
      'OOM loops under a ReplicaSet named off convention (legacy-rs-blue) and one owned by an Argo Rollout.',
    defaultNodes: 4,
    build: oomOwners,
  },
  {
    name: 'node-not-memory',
    description:
      'Ready flaps from network partitions and a planned drain with reboot: neither is memory flapping.',
    defaultNodes: 4,
    build: nodeNotMemory,
  },
  {
    name: 'node-autoscaled',
    description:
      'A node drained and deleted by the autoscaler, and a spot node reclaimed with its pods, mid-window.',
    defaultNodes: 4,
    build: nodeAutoscaled,
  },
  {
    name: 'misfit',
    description:
      'Over/under-requested, no requests, loose limits, CPU-throttled and right-sized workloads.',
    defaultNodes: 8,
    build: misfit,
  },
  {
    name: 'mixed',
    description: 'All of the above in one cluster (200 nodes by default).',
    defaultNodes: MIXED_DEFAULT_NODES,
    build: mixed,
  },
];

export function scenarioNames(): string[] {
  return SCENARIOS.map((s) => s.name);
}

export interface BuildOptions {
  seed: number;
  /** History start (epoch ms, virtual). */
  start: number;
  /** Size of the general node pool; defaults per scenario. */
  nodes?: number;
}

export function buildScenario(name: string, options: BuildOptions): ClusterModel {
  const definition = SCENARIOS.find((s) => s.name === name);
  if (!definition) {
    throw new Error(`unknown scenario "${name}"; known: ${scenarioNames().join(', ')}`);
  }
  const nodes = options.nodes ?? definition.defaultNodes;
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > 5000) {
    throw new Error(`nodes must be an integer between 1 and 5000, got ${nodes}`);
  }
  const b = new ClusterBuilder(name, options.seed, options.start, `sim-${name}`);
  definition.build(b, nodes);
  return b.build();
}
