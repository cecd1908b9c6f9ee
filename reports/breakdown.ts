// Where a pool's capacity goes besides pods: node overhead (capacity − allocatable, i.e.
// kube/system reserved and eviction thresholds) and stranded capacity (allocatable left
// unrequested on nodes where the other resource ran out, so no pod can use it). Both read the
// week-end snapshot of nodes({at}) and pods({at}), through the functions of core/capacity.ts that
// the node-capacity analyzer and the exported gauges use, so the three agree.
import { monthlyCost, ratesFor, type Prices } from '../analyzers/recommendations/prices.js';
import {
  addResources,
  NO_RESOURCES,
  allocatableOf,
  capacityOf,
  freeOf,
  overheadOf,
  strandedOnNode,
  type Resources,
} from '../core/capacity.js';
import type { NodeLoad } from './inventory.js';
import type { OverheadRow, StrandedRow } from './model.js';

export function overheadRows(loads: readonly NodeLoad[]): OverheadRow[] {
  const rows = new Map<string, OverheadRow>();
  for (const { node, pool } of loads) {
    const row = rows.get(pool) ?? {
      pool,
      nodes: 0,
      capacity: NO_RESOURCES,
      allocatable: NO_RESOURCES,
      overhead: NO_RESOURCES,
      nodesWithoutMemoryReserve: 0,
    };
    const capacity = capacityOf(node);
    const allocatable = allocatableOf(node);
    rows.set(pool, {
      pool,
      nodes: row.nodes + 1,
      capacity: addResources(row.capacity, capacity),
      allocatable: addResources(row.allocatable, allocatable),
      overhead: addResources(row.overhead, overheadOf(node)),
      nodesWithoutMemoryReserve:
        row.nodesWithoutMemoryReserve +
        (capacity.memoryBytes > 0 && allocatable.memoryBytes >= capacity.memoryBytes ? 1 : 0),
    });
  }
  return [...rows.values()].sort((a, b) => a.pool.localeCompare(b.pool));
}

interface StrandedSum {
  stranded: Resources;
  money: number;
  free: Resources;
  cpuNodes: string[];
  memNodes: string[];
}

export function strandedRows(loads: readonly NodeLoad[], prices: Prices): StrandedRow[] {
  const rows = new Map<string, StrandedSum>();
  for (const { node, pool, requests } of loads) {
    const row = rows.get(pool) ?? {
      stranded: NO_RESOURCES,
      money: 0,
      free: NO_RESOURCES,
      cpuNodes: [],
      memNodes: [],
    };
    rows.set(pool, row);
    row.free = addResources(row.free, freeOf(node, requests));
    const stranded = strandedOnNode(node, requests);
    row.stranded = addResources(row.stranded, stranded);
    row.money += monthlyCost(ratesFor(prices, { node }), stranded.cpuCores, stranded.memoryBytes);
    if (stranded.cpuCores > 0) row.cpuNodes.push(node.name);
    if (stranded.memoryBytes > 0) row.memNodes.push(node.name);
  }
  return [...rows]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([pool, row]) => ({
      pool,
      cpuCores: row.stranded.cpuCores,
      memoryBytes: row.stranded.memoryBytes,
      cpuStrandingNodes: row.cpuNodes.sort(),
      memoryStrandingNodes: row.memNodes.sort(),
      monthlyCost: row.money,
      free: row.free,
    }));
}
