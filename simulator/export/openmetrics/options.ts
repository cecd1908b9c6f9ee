// What an export contains: the window and scrape step, and the "dialect" knobs that let a
// scenario look like an older cluster (kube-state-metrics v1 names, pre-1.16 cAdvisor labels) or a
// cluster that lacks some exporters, so a consumer's fallbacks can be exercised one by one.

export type KsmVersion = 1 | 2;
export type CadvisorLabels = 'current' | 'legacy';

export interface ExportOptions {
  /** Virtual epoch ms of the first sample. */
  from: number;
  /** Virtual epoch ms (exclusive). */
  to: number;
  /** Sample spacing (default 60 s, a common scrape interval). */
  stepMs?: number;
  /** kube-state-metrics generation whose names and labels are written (default 2). */
  ksmVersion?: KsmVersion;
  /** cAdvisor labels: `container`/`pod` (current, default) or `container_name`/`pod_name`. */
  cadvisorLabels?: CadvisorLabels;
  /** Families (or the group `node-exporter`) left out, as if nothing in the cluster exposed them. */
  omit?: readonly string[];
}

export interface ResolvedOptions {
  from: number;
  to: number;
  step: number;
  ksmVersion: KsmVersion;
  cadvisorLabels: CadvisorLabels;
  /** Is this family written? (omitted ones are not; neither are families this dialect lacks) */
  writes: (family: string) => boolean;
}

/** The node-exporter families, omitted together by `--omit node-exporter`. */
export const NODE_EXPORTER_FAMILIES = [
  'node_memory_MemTotal_bytes',
  'node_memory_MemAvailable_bytes',
  'node_uname_info',
] as const;

/**
 * Families a consumer must cope without: either optional in real clusters (newer
 * kube-state-metrics only, node-exporter not installed) or allow-listed away by operators.
 */
export const OMITTABLE_FAMILIES = [
  'kube_pod_container_status_last_terminated_timestamp',
  'kube_pod_container_status_last_terminated_exitcode',
  'kube_pod_container_state_started',
  'kube_pod_status_qos_class',
  'kube_pod_status_reason',
  'kube_pod_deletion_timestamp',
  'kube_replicaset_owner',
  'kube_node_labels',
  'container_start_time_seconds',
  ...NODE_EXPORTER_FAMILIES,
] as const;

const GROUPS: Record<string, readonly string[]> = { 'node-exporter': NODE_EXPORTER_FAMILIES };

export function resolveOptions(options: ExportOptions): ResolvedOptions {
  const step = options.stepMs ?? 60_000;
  const { from, to } = options;
  if (!(to > from) || !(step >= 1000))
    throw new Error('export needs from < to and a step of at least 1 s');
  const omitted = new Set<string>();
  for (const name of options.omit ?? []) {
    const group = GROUPS[name];
    if (group) for (const f of group) omitted.add(f);
    else if ((OMITTABLE_FAMILIES as readonly string[]).includes(name)) omitted.add(name);
    else
      throw new Error(
        `cannot omit "${name}"; omittable: ${[...Object.keys(GROUPS), ...OMITTABLE_FAMILIES].join(', ')}`,
      );
  }
  return {
    from,
    to,
    step,
    ksmVersion: options.ksmVersion ?? 2,
    cadvisorLabels: options.cadvisorLabels ?? 'current',
    writes: (family) => !omitted.has(family),
  };
}
