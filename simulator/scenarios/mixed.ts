// `mixed`: every scenario's subjects in one 200-node cluster, for the demo and benchmarks.
import type { ClusterBuilder } from '../model/builder.js';
import { addDaemonSets, addServices } from './catalog.js';
import { addMisfits } from './misfit.js';
import { addFlappingNode } from './node-flapping.js';
import { addSingleOom, addSlowLeak, addSpikeOom, addStartupOom } from './oom.js';

export const MIXED_DEFAULT_NODES = 200;

export function mixed(b: ClusterBuilder, nodes = MIXED_DEFAULT_NODES): void {
  const general = b.addPool({
    name: 'general',
    count: Math.max(2, nodes - 1),
    instanceType: 'm5.2xlarge',
    cpuCores: 8,
    memoryGi: 32,
    style: 'eks',
  });
  const candidate = general[Math.floor(general.length / 2)];
  if (!candidate) throw new Error('mixed needs general nodes');
  addFlappingNode(b, candidate);
  addDaemonSets(b);
  addSlowLeak(b);
  addStartupOom(b);
  addSpikeOom(b);
  addSingleOom(b);
  addMisfits(b);
  // About 27 services per node; on a small cluster the subjects above take a bigger share, and the
  // services stop at what the pool can hold (SERVICES_MAX_REQUESTED) rather than overflow it.
  addServices(b, Math.max(20, nodes * 27), 'general');
}
