// Cost by namespace and by team, allocated the way OpenCost does it: what a namespace requests is
// what it costs (requests × price, averaged over the week's inventory snapshots), and what no one
// requested is idle (allocatable − requests). Usage is shown beside the cost, so a namespace that
// pays for much more than it uses stands out. Teams come from the same rules as alert routing.
import { monthlyCost, type Prices } from '../analyzers/recommendations/prices.js';
import {
  addResources,
  allocatableOf,
  holdsResources,
  podResources,
  type Resources,
} from '../core/capacity.js';
import type { Node, Pod, WorkloadRef } from '../core/domain.js';
import { teamOfPod, type TeamRules } from '../core/teams.js';
import type { AllocationRow, ReportData } from './model.js';

const ZERO: Resources = { cpuCores: 0, memoryBytes: 0 };
/** Pods without a team label or mapping. */
export const NO_TEAM = '(no team)';

interface Sums {
  podSnapshots: number;
  requests: Resources;
  usageMean: Resources;
}

const workloadKey = (w: WorkloadRef) => `${w.namespace}\u0000${w.kind}\u0000${w.name}`;

/** Collects requests per namespace and team over snapshots, then usage per workload. */
export class AllocationAccumulator {
  private snapshots = 0;
  private allocatable = ZERO;
  private readonly namespaces = new Map<string, Sums>();
  private readonly teams = new Map<string, Sums>();
  private readonly teamOfWorkload = new Map<string, string>();

  constructor(private readonly rules: TeamRules = {}) {}

  addSnapshot(nodes: readonly Node[], pods: readonly Pod[]): void {
    this.snapshots += 1;
    for (const node of nodes) {
      if (!node.unschedulable)
        this.allocatable = addResources(this.allocatable, allocatableOf(node));
    }
    for (const pod of pods) {
      if (!pod.nodeName || !holdsResources(pod)) continue;
      const team = teamOfPod(pod, this.rules) ?? NO_TEAM;
      this.teamOfWorkload.set(workloadKey(pod.workload), team);
      const { requests } = podResources(pod);
      for (const [map, name] of [
        [this.namespaces, pod.namespace],
        [this.teams, team],
      ] as const) {
        const sums = this.sums(map, name);
        sums.podSnapshots += 1;
        sums.requests = addResources(sums.requests, requests);
      }
    }
  }

  /** Mean usage of a workload container, already multiplied by its average replicas. */
  addUsage(workload: WorkloadRef, field: keyof Resources, value: number): void {
    const usage = { ...ZERO, [field]: value };
    const team = this.teamOfWorkload.get(workloadKey(workload)) ?? NO_TEAM;
    for (const [map, name] of [
      [this.namespaces, workload.namespace],
      [this.teams, team],
    ] as const) {
      const sums = this.sums(map, name);
      sums.usageMean = addResources(sums.usageMean, usage);
    }
  }

  /** Averages over the snapshots, priced; rows by cost, the largest first. */
  result(prices: Prices, top: number): ReportData['allocation'] {
    const n = Math.max(1, this.snapshots);
    const rows = (map: Map<string, Sums>): AllocationRow[] =>
      [...map]
        .map(([name, sums]) => {
          const requests = {
            cpuCores: sums.requests.cpuCores / n,
            memoryBytes: sums.requests.memoryBytes / n,
          };
          return {
            name,
            pods: sums.podSnapshots / n,
            requests,
            usageMean: sums.usageMean,
            monthlyCost: monthlyCost(prices, requests.cpuCores, requests.memoryBytes),
          };
        })
        .sort((a, b) => b.monthlyCost - a.monthlyCost || a.name.localeCompare(b.name));
    const namespaces = rows(this.namespaces);
    const teams = rows(this.teams);
    const requested = namespaces.reduce((sum, row) => sum + row.monthlyCost, 0);
    const allocatable = {
      cpuCores: this.allocatable.cpuCores / n,
      memoryBytes: this.allocatable.memoryBytes / n,
    };
    const requestedAll = namespaces.reduce((sum, row) => addResources(sum, row.requests), ZERO);
    const idle = {
      cpuCores: Math.max(0, allocatable.cpuCores - requestedAll.cpuCores),
      memoryBytes: Math.max(0, allocatable.memoryBytes - requestedAll.memoryBytes),
    };
    return {
      namespaces: namespaces.slice(0, top),
      namespaceCount: namespaces.length,
      teams: teams.slice(0, top),
      teamCount: teams.length,
      requestedMonthly: requested,
      idle,
      idleMonthly: monthlyCost(prices, idle.cpuCores, idle.memoryBytes),
    };
  }

  private sums(map: Map<string, Sums>, name: string): Sums {
    let sums = map.get(name);
    if (!sums) map.set(name, (sums = { podSnapshots: 0, requests: ZERO, usageMean: ZERO }));
    return sums;
  }
}
