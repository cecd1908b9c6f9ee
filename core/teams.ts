// Which team a namespace or pod belongs to: an explicit namespace → team map first (the
// operator's word wins), then a team label on the pod. One rule for alert routing and for the
// weekly report's cost by team.
import type { Pod } from './domain.js';

export const DEFAULT_TEAM_LABELS = ['team', 'app.kubernetes.io/team', 'owner'] as const;

export interface TeamRules {
  /** Namespace → team; a key ending in `*` matches a prefix (`payments-*`), the longest wins. */
  readonly namespaceTeams?: Readonly<Record<string, string>> | undefined;
  /** Pod label keys read for a team, in order. */
  readonly teamLabels?: readonly string[] | undefined;
}

export function teamOfNamespace(
  map: TeamRules['namespaceTeams'],
  namespace: string,
): string | undefined {
  if (!map) return undefined;
  const exact = map[namespace];
  if (exact) return exact;
  let best: { prefix: string; team: string } | undefined;
  for (const [pattern, team] of Object.entries(map)) {
    if (!pattern.endsWith('*')) continue;
    const prefix = pattern.slice(0, -1);
    if (namespace.startsWith(prefix) && (!best || prefix.length > best.prefix.length)) {
      best = { prefix, team };
    }
  }
  return best?.team;
}

/** The team label of a pod, by the first label key it carries. */
export function teamLabelOf(
  pod: Pod,
  labels: readonly string[] = DEFAULT_TEAM_LABELS,
): string | undefined {
  return labels.map((l) => pod.labels[l]).find((v) => v !== undefined && v !== '');
}

export function teamOfPod(pod: Pod, rules: TeamRules = {}): string | undefined {
  return teamOfNamespace(rules.namespaceTeams, pod.namespace) ?? teamLabelOf(pod, rules.teamLabels);
}
