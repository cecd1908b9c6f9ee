// `healthy`: a few dozen nodes, hundreds of pods, diurnal load and rollouts; nothing to find.
import type { ClusterBuilder } from '../model/builder.js';
import { addDaemonSets, addServices } from './catalog.js';

export const HEALTHY_DEFAULT_NODES = 32;
/** Requests over allocatable the services may reach, whatever the seed or size. */
export const HEALTHY_MAX_REQUESTED = 0.85;

export function healthy(b: ClusterBuilder, nodes = HEALTHY_DEFAULT_NODES): void {
  const highmem = Math.max(1, Math.round(nodes / 4));
  b.addPool({
    name: 'default-pool',
    count: nodes - highmem,
    instanceType: 'n2-standard-8',
    cpuCores: 8,
    memoryGi: 32,
    style: 'gke',
  });
  b.addPool({
    name: 'highmem',
    count: highmem,
    instanceType: 'n2-highmem-4',
    cpuCores: 4,
    memoryGi: 32,
    style: 'gke',
  });
  addDaemonSets(b);
  // Kept clear of the 90 % at which requests count as saturated: this cluster has nothing to find.
  addServices(b, nodes * 24, undefined, HEALTHY_MAX_REQUESTED);
}
