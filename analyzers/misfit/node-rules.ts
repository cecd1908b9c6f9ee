// Node- and pool-level capacity rules, pure over inventory and store aggregates:
// - no_system_reserved (node): allocatable memory equal to capacity → warning. Nothing is set
//   aside for the kubelet, runtime and OS, so pods can be scheduled onto memory the node itself
//   needs; the kubelet only reacts at the eviction threshold.
// - limits_overcommit (node): memory limits of its pods ≥ 150 % of allocatable and the node's peak
//   working set ≥ 80 % of allocatable → warning (critical from 95 %). Overcommit alone is normal;
//   overcommit that is actually being drawn on is what ends in SystemOOMs and evictions.
// - requests_saturated (pool): CPU or memory requests ≥ 90 % of the pool's allocatable → warning.
//   New or rescheduled pods will wait for capacity.
// - stranded_capacity (pool): capacity that cannot be used because the other resource ran out on
//   the same node (`strandedOnNode` in core/capacity.ts, which the report and the gauges use too).
//   Reported from 1 core or 2 GiB; warning from $100/month, else info.
import type { NodeCapacityEvidence } from '../../core/evidence.js';
import {
  allocatableOf,
  NO_REQUESTS,
  requestsByNode,
  strandedOnNode,
  type Resources,
} from '../../core/capacity.js';
import type { Node, Pod, Severity } from '../../core/domain.js';
import { reservationFor } from '../node-reservation.js';
import { quantity } from '../oom-loop/wording.js';
import { formatMoney } from '../../core/money.js';
import { monthlyCost, ratesFor, type Prices } from '../recommendations/prices.js';
import { formatBytes, formatCores, formatPercent } from '../recommendations/quantities.js';

const GIB = 2 ** 30;

/** A pool's requests at this share of its allocatable: new pods start to wait (a warning). */
export const REQUESTS_SATURATED_SHARE = 0.9;
/** Stranded capacity is reported from this much of a resource (cores, bytes). */
export const STRANDED_REPORTED_FROM = { cpu: 1, memory: 2 * GIB } as const;

export interface NodeUsage {
  /** Peak and mean of node_memory_working_set_bytes over the window. */
  readonly memoryPeak?: number | undefined;
  readonly memoryMean?: number | undefined;
  readonly cpuPeak?: number | undefined;
  readonly cpuMean?: number | undefined;
}

export interface NodeLoad {
  readonly node: Node;
  readonly pool: string;
  readonly pods: number;
  readonly requests: Resources;
  readonly limits: Resources;
  /** Pods on the node without a memory limit (their use is bounded by nothing). */
  readonly podsWithoutMemoryLimit: number;
  readonly usage: NodeUsage;
}

export interface CapacityIssue {
  readonly scope: { type: 'node'; node: string } | { type: 'pool'; pool: string };
  readonly category:
    'no_system_reserved' | 'limits_overcommit' | 'requests_saturated' | 'stranded_capacity';
  readonly severity: Severity;
  readonly title: string;
  readonly explanation: string;
  readonly recommendation: string;
  readonly evidence: NodeCapacityEvidence;
}

/** Requests and limits of the pods on each node, summed (one rule: `core/capacity.ts`). */
export function nodeLoads(
  nodes: readonly Node[],
  pods: readonly Pod[],
  usage: ReadonlyMap<string, NodeUsage>,
): NodeLoad[] {
  const byNode = requestsByNode(pods);
  return nodes.map((node) => {
    const sum = byNode.get(node.name) ?? NO_REQUESTS;
    return {
      node,
      pool: node.pool ?? 'default',
      pods: sum.pods,
      requests: sum.requests,
      limits: sum.limits,
      podsWithoutMemoryLimit: sum.podsWithoutMemoryLimit,
      usage: usage.get(node.name) ?? {},
    };
  });
}

export function nodeIssues(load: NodeLoad): CapacityIssue[] {
  const issues: CapacityIssue[] = [];
  const { node } = load;
  const allocMem = node.allocatable.memoryBytes;
  const capMem = node.capacity.memoryBytes;
  const allocCpu = node.allocatable.cpuCores;
  const numbers = nodeNumbers(load);
  if (allocMem !== undefined && capMem !== undefined && allocMem >= capMem) {
    // The flapping finding on the same node sizes the reservation with the same function.
    const reservation = reservationFor(capMem);
    issues.push({
      scope: { type: 'node', node: node.name },
      category: 'no_system_reserved',
      severity: 'warning',
      title: `${node.name}: allocatable memory equals capacity (${formatBytes(capMem)}), nothing reserved for the system`,
      explanation:
        `Node ${node.name} offers all ${formatBytes(capMem)} of its memory to pods (allocatable = capacity${allocCpu !== undefined && node.capacity.cpuCores !== undefined ? `; CPU ${formatCores(allocCpu)} of ${formatCores(node.capacity.cpuCores)}` : ''}). ${numbers}` +
        ` The kubelet, container runtime and OS still need memory, so once pods use what they were promised the node runs out before the scheduler or the eviction threshold notice — the classic start of memory-pressure flapping.`,
      recommendation: `Reserve about ${quantity(reservation.reserveBytes)} for the system on ${load.pool} nodes (kubelet ${reservation.reservedFlags}, or the pool's node config) and set eviction thresholds (${reservation.evictionFlags}), then replace the nodes.`,
      evidence: { ...nodeEvidence(load) },
    });
  }
  if (
    allocMem &&
    load.limits.memoryBytes >= 1.5 * allocMem &&
    load.usage.memoryPeak !== undefined
  ) {
    const peakShare = load.usage.memoryPeak / allocMem;
    if (peakShare >= 0.8) {
      issues.push({
        scope: { type: 'node', node: node.name },
        category: 'limits_overcommit',
        severity: peakShare >= 0.95 ? 'critical' : 'warning',
        title: `${node.name}: memory limits at ${formatPercent(load.limits.memoryBytes / allocMem)} of allocatable, peak use ${formatPercent(peakShare)}`,
        explanation:
          `The ${load.pods} pods on ${node.name} may use up to ${formatBytes(load.limits.memoryBytes)} by their limits (${load.podsWithoutMemoryLimit} more have no memory limit at all) on ${formatBytes(allocMem)} allocatable, and the node's working set peaked at ${formatBytes(load.usage.memoryPeak)} (${formatPercent(peakShare)}). ${numbers}` +
          ` The overcommit is being drawn on: the next simultaneous peak ends in evictions or a SystemOOM.`,
        recommendation: `Raise the memory requests of the largest pods on ${node.name} to their real use (see the requests_misfit findings), set memory limits where missing, or move the heaviest workload to a larger node pool.`,
        evidence: { ...nodeEvidence(load), peakShareOfAllocatable: peakShare },
      });
    }
  }
  return issues;
}

export function poolIssues(
  pool: string,
  loads: readonly NodeLoad[],
  prices: Prices,
): CapacityIssue[] {
  const issues: CapacityIssue[] = [];
  const alloc = { cpu: 0, mem: 0 };
  const req = { cpu: 0, mem: 0 };
  const usage = { cpuPeak: 0, memPeak: 0 };
  let strandedCpu = 0;
  let strandedMem = 0;
  let strandedMoney = 0;
  const cpuStrandingNodes: string[] = [];
  const memStrandingNodes: string[] = [];
  for (const load of loads) {
    const allocatable = allocatableOf(load.node);
    alloc.cpu += allocatable.cpuCores;
    alloc.mem += allocatable.memoryBytes;
    req.cpu += load.requests.cpuCores;
    req.mem += load.requests.memoryBytes;
    usage.cpuPeak += load.usage.cpuPeak ?? 0;
    usage.memPeak += load.usage.memoryPeak ?? 0;
    const stranded = strandedOnNode(load.node, load.requests);
    strandedMoney += monthlyCost(
      ratesFor(prices, { node: load.node }),
      stranded.cpuCores,
      stranded.memoryBytes,
    );
    if (stranded.cpuCores > 0) {
      strandedCpu += stranded.cpuCores;
      cpuStrandingNodes.push(load.node.name);
    } else if (stranded.memoryBytes > 0) {
      strandedMem += stranded.memoryBytes;
      memStrandingNodes.push(load.node.name);
    }
  }
  const summary =
    `Pool ${pool} has ${loads.length} node${loads.length === 1 ? '' : 's'} with ${formatCores(alloc.cpu)} and ${formatBytes(alloc.mem)} allocatable; ` +
    `pods request ${formatCores(req.cpu)} (${formatPercent(alloc.cpu ? req.cpu / alloc.cpu : 0)}) and ${formatBytes(req.mem)} (${formatPercent(alloc.mem ? req.mem / alloc.mem : 0)}), ` +
    `and the nodes' summed peak use was ${formatCores(usage.cpuPeak)} and ${formatBytes(usage.memPeak)}.`;
  const evidence = {
    pool,
    nodes: loads.length,
    allocatable: { cpuCores: alloc.cpu, memoryBytes: alloc.mem },
    requests: { cpuCores: req.cpu, memoryBytes: req.mem },
    usagePeak: { cpuCores: usage.cpuPeak, memoryBytes: usage.memPeak },
  };
  const cpuShare = alloc.cpu ? req.cpu / alloc.cpu : 0;
  const memShare = alloc.mem ? req.mem / alloc.mem : 0;
  if (cpuShare >= REQUESTS_SATURATED_SHARE || memShare >= REQUESTS_SATURATED_SHARE) {
    const which = cpuShare >= memShare ? 'CPU' : 'memory';
    issues.push({
      scope: { type: 'pool', pool },
      category: 'requests_saturated',
      severity: 'warning',
      title: `Pool ${pool}: ${which} requests at ${formatPercent(Math.max(cpuShare, memShare))} of allocatable`,
      explanation: `${summary} With less than ${formatPercent(1 - REQUESTS_SATURATED_SHARE)} of ${which} unrequested, new replicas and pods displaced by a drain or a failed node have nowhere to go and stay Pending.`,
      recommendation: `Add nodes to ${pool} (or let the autoscaler), or release over-requested ${which} first — the requests_misfit over_requested findings list where it is.`,
      evidence,
    });
  }
  const strandsCpu = strandedCpu >= STRANDED_REPORTED_FROM.cpu;
  const strandsMemory = strandedMem >= STRANDED_REPORTED_FROM.memory;
  if (strandsCpu || strandsMemory) {
    const parts: string[] = [];
    if (strandsCpu) {
      parts.push(
        `${formatCores(strandedCpu)} of CPU sit unrequested on ${cpuStrandingNodes.length} node${cpuStrandingNodes.length === 1 ? '' : 's'} whose memory is (almost) fully requested`,
      );
    }
    if (strandsMemory) {
      parts.push(
        `${formatBytes(strandedMem)} of memory sit unrequested on ${memStrandingNodes.length} node${memStrandingNodes.length === 1 ? '' : 's'} whose CPU is (almost) fully requested`,
      );
    }
    issues.push({
      scope: { type: 'pool', pool },
      category: 'stranded_capacity',
      severity: strandedMoney >= 100 ? 'warning' : 'info',
      title: `Pool ${pool}: ${[strandsCpu ? formatCores(strandedCpu) : '', strandsMemory ? formatBytes(strandedMem) : ''].filter(Boolean).join(' and ')} stranded (${formatMoney(strandedMoney, prices.currency)}/month)`,
      explanation: `${summary} ${parts.join('; ')}. No pod can use it because the other resource ran out on the same node — about ${formatMoney(strandedMoney, prices.currency)} a month of capacity paid for and unusable.`,
      recommendation: `Right-size the requests that exhaust the scarce resource (see the requests_misfit findings), or move to an instance type whose CPU:memory ratio matches the pool's requests (${formatCores(req.cpu)} : ${formatBytes(req.mem)}).`,
      evidence: {
        ...evidence,
        strandedCpuCores: strandedCpu,
        strandedMemoryBytes: strandedMem,
        cpuStrandingNodes,
        memoryStrandingNodes: memStrandingNodes,
        monthlyCost: strandedMoney,
      },
    });
  }
  return issues;
}

function nodeNumbers(load: NodeLoad): string {
  const aCpu = load.node.allocatable.cpuCores;
  const aMem = load.node.allocatable.memoryBytes;
  const share = (x: number, of: number | undefined) => (of ? ` (${formatPercent(x / of)})` : '');
  return (
    `Its ${load.pods} pods request ${formatCores(load.requests.cpuCores)}${share(load.requests.cpuCores, aCpu)} and ${formatBytes(load.requests.memoryBytes)}${share(load.requests.memoryBytes, aMem)} of allocatable, with memory limits summing to ${formatBytes(load.limits.memoryBytes)}${share(load.limits.memoryBytes, aMem)}` +
    (load.usage.memoryPeak !== undefined
      ? `; the working set peaked at ${formatBytes(load.usage.memoryPeak)}${share(load.usage.memoryPeak, aMem)}.`
      : '.')
  );
}

function nodeEvidence(load: NodeLoad): NodeCapacityEvidence {
  return {
    pool: load.pool,
    capacity: load.node.capacity,
    allocatable: load.node.allocatable,
    pods: load.pods,
    requests: load.requests,
    limits: load.limits,
    podsWithoutMemoryLimit: load.podsWithoutMemoryLimit,
    usage: load.usage,
  };
}
