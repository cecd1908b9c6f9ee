// Names and labels that changed across releases, in one table. cAdvisor (kubelet < 1.16) labelled
// containers `container_name`/`pod_name`; kube-state-metrics v1 put the resource in the metric
// name (`..._requests_memory_bytes`, `..._cpu_cores`) where v2 uses `resource`/`unit` labels, and
// called the restart counter `kube_pod_container_status_restarts`. Queries select both
// generations (by `__name__` regex or by running both label dialects) and rows are normalised
// here, so nothing downstream knows which generation the data came from.

/** A metric name in both generations; `__name__=~` selects whichever exists. */
export const METRIC_NAMES = {
  restarts: ['kube_pod_container_status_restarts_total', 'kube_pod_container_status_restarts'],
  lastTerminatedReason: ['kube_pod_container_status_last_terminated_reason'],
  lastTerminatedExitCode: ['kube_pod_container_status_last_terminated_exitcode'],
  lastTerminatedTimestamp: ['kube_pod_container_status_last_terminated_timestamp'],
  requests: [
    'kube_pod_container_resource_requests',
    'kube_pod_container_resource_requests_memory_bytes',
    'kube_pod_container_resource_requests_cpu_cores',
  ],
  limits: [
    'kube_pod_container_resource_limits',
    'kube_pod_container_resource_limits_memory_bytes',
    'kube_pod_container_resource_limits_cpu_cores',
  ],
  podInfo: ['kube_pod_info'],
  podOwner: ['kube_pod_owner'],
  nodeCondition: ['kube_node_status_condition'],
} as const;

export function nameSelector(names: readonly string[]): string {
  return names.length === 1 ? `__name__="${names[0]}"` : `__name__=~"${names.join('|')}"`;
}

/** A namespace matcher for a batch of namespaces. */
export function nsSelector(namespaces: readonly string[]): string {
  const escaped = namespaces.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\\\$&'));
  return `namespace=~"${escaped.join('|')}"`;
}

/** cAdvisor label dialects: current, and the pre-1.16 one. */
export const CADVISOR_DIALECTS = [
  { container: 'container', pod: 'pod' },
  { container: 'container_name', pod: 'pod_name' },
] as const;
export type CadvisorDialect = (typeof CADVISOR_DIALECTS)[number];

export interface ContainerIdentity {
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
}

/** namespace/pod/container from either label dialect; undefined for pod-level or system series. */
export function containerIdentity(
  labels: Readonly<Record<string, string>>,
): ContainerIdentity | undefined {
  const namespace = labels.namespace;
  const pod = labels.pod ?? labels.pod_name;
  const container = labels.container ?? labels.container_name;
  if (!namespace || !pod || !container || container === 'POD') return undefined;
  return { namespace, pod, container };
}

/** Which resource a requests/limits series is about, from a v2 label or a v1 name. */
export function resourceOf(labels: Readonly<Record<string, string>>): 'cpu' | 'memory' | undefined {
  const name = labels.__name__ ?? '';
  if (labels.resource === 'cpu' || name.endsWith('_cpu_cores')) return 'cpu';
  if (labels.resource === 'memory' || name.endsWith('_memory_bytes')) return 'memory';
  return undefined;
}

/** Condition status label: lower case in kube-state-metrics. */
export function conditionStatus(
  value: string | undefined,
): 'True' | 'False' | 'Unknown' | undefined {
  switch (value?.toLowerCase()) {
    case 'true':
      return 'True';
    case 'false':
      return 'False';
    case 'unknown':
      return 'Unknown';
    default:
      return undefined;
  }
}
