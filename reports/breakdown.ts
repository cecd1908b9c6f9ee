// Where a pool's capacity goes besides pods: node overhead (capacity − allocatable, i.e.
// kube/system reserved and eviction thresholds) and stranded capacity (allocatable left
// unrequested on nodes where the other resource ran out, so no pod can use it). Both read the
// week-end snapshot of nodes({at}) and pods({at}). The stranding thresholds are the
// node-capacity analyzer's: memory is "out" below max(10 % of allocatable, 1 GiB) unrequested,
// CPU below max(10 %, 0.25 cores); cordoned nodes strand nothing.
import { monthlyCost, type Prices } from '../analyzers/recommendations/prices.js';
import { allocatableOf, type NodeLoad } from './inventory.js';
import type { OverheadRow, StrandedRow } from './model.js';

const GIB = 2 ** 30;

export function overheadRows(loads: readonly NodeLoad[]): OverheadRow[] {
  const rows = new Map<string, OverheadRow>();
  for (const { node, pool } of loads) {
    const row = rows.get(pool) ?? {
      pool,
      nodes: 0,
      capacity: { cpuCores: 0, memoryBytes: 0 },
      allocatable: { cpuCores: 0, memoryBytes: 0 },
      overhead: { cpuCores: 0, memoryBytes: 0 },
      nodesWithoutMemoryReserve: 0,
    };
    const capCpu = node.capacity.cpuCores ?? 0;
    const capMem = node.capacity.memoryBytes ?? 0;
    const { cpuCores: allocCpu, memoryBytes: allocMem } = allocatableOf(node);
    rows.set(pool, {
      pool,
      nodes: row.nodes + 1,
      capacity: {
        cpuCores: row.capacity.cpuCores + capCpu,
        memoryBytes: row.capacity.memoryBytes + capMem,
      },
      allocatable: {
        cpuCores: row.allocatable.cpuCores + allocCpu,
        memoryBytes: row.allocatable.memoryBytes + allocMem,
      },
      overhead: {
        cpuCores: row.overhead.cpuCores + Math.max(0, capCpu - allocCpu),
        memoryBytes: row.overhead.memoryBytes + Math.max(0, capMem - allocMem),
      },
      nodesWithoutMemoryReserve:
        row.nodesWithoutMemoryReserve + (capMem > 0 && allocMem >= capMem ? 1 : 0),
    });
  }
  return [...rows.values()].sort((a, b) => a.pool.localeCompare(b.pool));
}

export function strandedRows(loads: readonly NodeLoad[], prices: Prices): StrandedRow[] {
  const rows = new Map<
    string,
    {
      cpu: number;
      mem: number;
      cpuNodes: string[];
      memNodes: string[];
      freeCpu: number;
      freeMem: number;
    }
  >();
  for (const { node, pool, requests } of loads) {
    const row = rows.get(pool) ?? {
      cpu: 0,
      mem: 0,
      cpuNodes: [],
      memNodes: [],
      freeCpu: 0,
      freeMem: 0,
    };
    rows.set(pool, row);
    const { cpuCores: aCpu, memoryBytes: aMem } = allocatableOf(node);
    const freeCpu = Math.max(0, aCpu - requests.cpuCores);
    const freeMem = Math.max(0, aMem - requests.memoryBytes);
    row.freeCpu += freeCpu;
    row.freeMem += freeMem;
    if (node.unschedulable) continue;
    const memoryOut = freeMem < Math.max(0.1 * aMem, GIB);
    const cpuOut = freeCpu < Math.max(0.1 * aCpu, 0.25);
    if (memoryOut && !cpuOut && freeCpu > 0) {
      row.cpu += freeCpu;
      row.cpuNodes.push(node.name);
    } else if (cpuOut && !memoryOut && freeMem > 0) {
      row.mem += freeMem;
      row.memNodes.push(node.name);
    }
  }
  return [...rows]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([pool, row]) => ({
      pool,
      cpuCores: row.cpu,
      memoryBytes: row.mem,
      cpuStrandingNodes: row.cpuNodes.sort(),
      memoryStrandingNodes: row.memNodes.sort(),
      monthlyCost: monthlyCost(prices, row.cpu, row.mem),
      free: { cpuCores: row.freeCpu, memoryBytes: row.freeMem },
    }));
}
