// Cost by namespace and by team, allocated the way OpenCost does it: what a namespace requests is
// what it costs (requests × the price of the node it runs on, averaged over the week's inventory
// snapshots), and what no one requested is idle (each schedulable node's allocatable − requests). Usage is shown beside the cost, so a namespace that
// pays for much more than it uses stands out. Teams come from the same rules as alert routing.
import { monthlyCost, ratesFor, type Prices } from '../analyzers/recommendations/prices.js';
import {
  addResources,
  NO_RESOURCES,
  freeOf,
  holdsResources,
  podResources,
  requestsByNode,
  type Resources,
} from '../core/capacity.js';
import type { Node, Pod, WorkloadRef } from '../core/domain.js';
import { teamOfPod, type TeamRules } from '../core/teams.js';
import { workloadKey } from './inventory.js';
import type { AllocationRow, ReportData } from './model.js';

/** Pods without a team label or mapping. */
export const NO_TEAM = '(no team)';

interface Sums {
  podSnapshots: number;
  requests: Resources;
  /** Monthly cost of the requests at their node's rates, summed over snapshots. */
  money: number;
  usageMean: Resources;
}

/** Collects requests per namespace and team over snapshots, then usage per workload. */
export class AllocationAccumulator {
  private snapshots = 0;
  private idle = NO_RESOURCES;
  private idleMoney = 0;
  private readonly namespaces = new Map<string, Sums>();
  private readonly teams = new Map<string, Sums>();
  private readonly teamOfWorkload = new Map<string, string>();

  constructor(
    private readonly prices: Prices,
    private readonly rules: TeamRules = {},
  ) {}

  addSnapshot(nodes: readonly Node[], pods: readonly Pod[]): void {
    this.snapshots += 1;
    const nodeByName = new Map(nodes.map((n) => [n.name, n]));
    const onNode = requestsByNode(pods);
    for (const node of nodes) {
      if (node.unschedulable) continue;
      const free = freeOf(node, onNode.get(node.name)?.requests ?? NO_RESOURCES);
      this.idle = addResources(this.idle, free);
      this.idleMoney += monthlyCost(
        ratesFor(this.prices, { node }),
        free.cpuCores,
        free.memoryBytes,
      );
    }
    for (const pod of pods) {
      const node = pod.nodeName ? nodeByName.get(pod.nodeName) : undefined;
      if (!node || !holdsResources(pod)) continue;
      const team = teamOfPod(pod, this.rules) ?? NO_TEAM;
      this.teamOfWorkload.set(workloadKey(pod.workload), team);
      const { requests } = podResources(pod);
      const money = monthlyCost(
        ratesFor(this.prices, { node }),
        requests.cpuCores,
        requests.memoryBytes,
      );
      for (const [map, name] of [
        [this.namespaces, pod.namespace],
        [this.teams, team],
      ] as const) {
        const sums = this.sums(map, name);
        sums.podSnapshots += 1;
        sums.requests = addResources(sums.requests, requests);
        sums.money += money;
      }
    }
  }

  /** Mean usage of a workload container, already multiplied by its average replicas. */
  addUsage(workload: WorkloadRef, field: keyof Resources, value: number): void {
    const usage = { ...NO_RESOURCES, [field]: value };
    const team = this.teamOfWorkload.get(workloadKey(workload)) ?? NO_TEAM;
    for (const [map, name] of [
      [this.namespaces, workload.namespace],
      [this.teams, team],
    ] as const) {
      const sums = this.sums(map, name);
      sums.usageMean = addResources(sums.usageMean, usage);
    }
  }

  /** Averages over the snapshots; rows by cost, the largest first. */
  result(top: number): ReportData['allocation'] {
    const n = Math.max(1, this.snapshots);
    const average = (r: Resources) => ({
      cpuCores: r.cpuCores / n,
      memoryBytes: r.memoryBytes / n,
    });
    const rows = (map: Map<string, Sums>): AllocationRow[] =>
      [...map]
        .map(([name, sums]) => ({
          name,
          pods: sums.podSnapshots / n,
          requests: average(sums.requests),
          usageMean: sums.usageMean,
          monthlyCost: sums.money / n,
        }))
        .sort((a, b) => b.monthlyCost - a.monthlyCost || a.name.localeCompare(b.name));
    const namespaces = rows(this.namespaces);
    const teams = rows(this.teams);
    return {
      namespaces: namespaces.slice(0, top),
      namespaceCount: namespaces.length,
      teams: teams.slice(0, top),
      teamCount: teams.length,
      requestedMonthly: namespaces.reduce((sum, row) => sum + row.monthlyCost, 0),
      idle: average(this.idle),
      idleMonthly: this.idleMoney / n,
    };
  }

  private sums(map: Map<string, Sums>, name: string): Sums {
    let sums = map.get(name);
    if (!sums) {
      map.set(
        name,
        (sums = { podSnapshots: 0, requests: NO_RESOURCES, money: 0, usageMean: NO_RESOURCES }),
      );
    }
    return sums;
  }
}
