// Which team owns a finding, for routing: an explicit namespace → team map first (the operator's
// word wins), then a team label on the workload's pods (the namespace's own labels are not in the
// inventory; teams that label namespaces usually label their pods the same way), then a default.
// Node findings belong to whoever runs the nodes.
import type { Finding } from '../core/domain.js';
import { DEFAULT_TEAM_LABELS, teamLabelOf, teamOfNamespace } from '../core/teams.js';
import type { InventoryReader } from '../store/store.js';

export interface TeamOptions {
  /** Namespace → team; a key ending in `*` matches a prefix (`payments-*`). */
  readonly namespaceTeams?: Readonly<Record<string, string>>;
  /** Pod label keys read for a team, in order. */
  readonly teamLabels?: readonly string[];
  readonly defaultTeam?: string;
  /** Team of node and cluster findings. */
  readonly nodeTeam?: string;
  readonly inventory?: InventoryReader;
}

export { DEFAULT_TEAM_LABELS };

export class TeamResolver {
  private readonly cache = new Map<string, string | undefined>();

  constructor(private readonly options: TeamOptions = {}) {}

  /** Forgets labels read from the inventory; call once per push cycle. */
  clear(): void {
    this.cache.clear();
  }

  async teamOf(finding: Finding): Promise<string> {
    const fallback = this.options.defaultTeam ?? 'platform';
    const s = finding.subject;
    if (s.type === 'node' || s.type === 'cluster') return this.options.nodeTeam ?? fallback;
    const namespace = s.workload.namespace;
    return (
      teamOfNamespace(this.options.namespaceTeams, namespace) ??
      (await this.fromPods(s.cluster, namespace, s.workload.name)) ??
      fallback
    );
  }

  private async fromPods(
    cluster: string,
    namespace: string,
    workload: string,
  ): Promise<string | undefined> {
    const inventory = this.options.inventory;
    if (!inventory) return undefined;
    const key = `${cluster}/${namespace}/${workload}`;
    if (this.cache.has(key)) return this.cache.get(key);
    const labels = this.options.teamLabels ?? DEFAULT_TEAM_LABELS;
    let team: string | undefined;
    try {
      const pods = await inventory.pods({ cluster, namespace });
      const own = pods.filter((p) => p.workload.name === workload);
      for (const pod of [...own, ...pods]) {
        team = teamLabelOf(pod, labels);
        if (team) break;
      }
    } catch {
      // Routing must not fail because the inventory is unavailable: the default team gets it.
      team = undefined;
    }
    this.cache.set(key, team);
    return team;
  }
}
