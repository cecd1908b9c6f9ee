// The scheduler's invariant as the tests check it, summed from the container specs independently of
// the simulator's own bookkeeping: every pod bound to a node and not finished (terminating ones
// included, evicted ones not) counts against the node's allocatable and pod capacity.
import type { PodView } from '../../../simulator/model/simulation.js';
import type { NodeModel, WorkloadModel } from '../../../simulator/model/types.js';

/** What the API server defaults a container's requests to: its requests, else its limits. */
export function requests(w: WorkloadModel): { cpu: number; memory: number } {
  let cpu = 0;
  let memory = 0;
  for (const c of w.containers) {
    cpu += c.requests.cpuCores ?? c.limits.cpuCores ?? 0;
    memory += c.requests.memoryBytes ?? c.limits.memoryBytes ?? 0;
  }
  return { cpu, memory };
}

/** Every way the pods bound at t break NodeResourcesFit, as readable strings (none: all fine). */
export function overcommitted(views: readonly PodView[], t: number): string[] {
  const totals = new Map<NodeModel, { cpu: number; memory: number; pods: number }>();
  const problems: string[] = [];
  for (const v of views) {
    if (!v.node) {
      if (v.phase !== 'Pending' || v.containers.length > 0)
        problems.push(`${v.pod.name} has no node but is ${v.phase}`);
      continue;
    }
    // Evicted pods are Failed: the scheduler no longer counts them.
    if (v.phase === 'Failed') continue;
    const sum = totals.get(v.node) ?? { cpu: 0, memory: 0, pods: 0 };
    const r = requests(v.slot.workload);
    sum.cpu += r.cpu;
    sum.memory += r.memory;
    sum.pods += 1;
    totals.set(v.node, sum);
  }
  const at = new Date(t).toISOString();
  for (const [node, sum] of totals) {
    if (sum.cpu > node.allocatableCpuCores + 1e-9)
      problems.push(`${at} ${node.name}: cpu ${sum.cpu} > ${node.allocatableCpuCores}`);
    if (sum.memory > node.allocatableMemoryBytes)
      problems.push(`${at} ${node.name}: memory ${sum.memory} > ${node.allocatableMemoryBytes}`);
    if (sum.pods > node.podsCapacity)
      problems.push(`${at} ${node.name}: ${sum.pods} pods > ${node.podsCapacity}`);
  }
  return problems;
}
