// A kube-state-metrics scrape (parsed with prometheus-text) folded into per-pod and per-node facts:
// enough to build a Pod/Node-like inventory, see requests and limits, and notice terminations and
// condition changes when the Kubernetes API is not watched directly (e.g. reading an existing
// Prometheus). Both metric generations are read: v2 (`kube_pod_container_resource_requests` with
// resource/unit labels, `..._restarts_total`) and v1 (`..._requests_memory_bytes`, `..._cpu_cores`,
// `kube_pod_container_status_restarts`). Pods are keyed by namespace/name because v1 series carry
// no uid; the uid is kept when v2 labels provide it.
import type { ConditionStatus, ResourceAmounts, WorkloadRef } from '../../core/domain.js';
import { NODE_POOL_LABELS } from './node-pool.js';
import type { Sample } from './prometheus-text.js';
import type { Issue } from './result.js';
import { resolveWorkload, type OwnerRef, type WorkloadLookups } from './workload-ref.js';

export type KsmContainerState = 'running' | 'waiting' | 'terminated';

export interface KsmContainer {
  readonly name: string;
  readonly init: boolean;
  readonly requests: { cpuCores?: number; memoryBytes?: number };
  readonly limits: { cpuCores?: number; memoryBytes?: number };
  image?: string;
  containerId?: string;
  restarts?: number;
  state?: KsmContainerState;
  waitingReason?: string;
  /** Reason of the current termination, while the container is down. */
  terminatedReason?: string;
  /** Reason, exit code and time of the previous run's termination. */
  lastTerminatedReason?: string;
  lastTerminatedExitCode?: number;
  lastTerminatedAtMs?: number;
  /** Start of the current run (`kube_pod_container_state_started`), where exported. */
  startedAtMs?: number;
}

export interface KsmPod {
  readonly namespace: string;
  readonly name: string;
  uid?: string;
  node?: string;
  phase?: string;
  qosClass?: string;
  owner?: OwnerRef;
  /** Resolved from the owner (and pod-template-hash) once the whole scrape is read. */
  workload: WorkloadRef;
  createdAtMs?: number;
  /** Graceful deletion began (`kube_pod_deletion_timestamp`). */
  deletingSinceMs?: number;
  /** `kube_pod_status_reason` that is set, e.g. Evicted. */
  reason?: string;
  /** From kube_pod_labels, with KSM's sanitised names (`label_app_kubernetes_io_name` → `app_kubernetes_io_name`). */
  readonly labels: Record<string, string>;
  readonly containers: Map<string, KsmContainer>;
}

export interface KsmNode {
  readonly name: string;
  readonly capacity: { cpuCores?: number; memoryBytes?: number };
  readonly allocatable: { cpuCores?: number; memoryBytes?: number };
  readonly conditions: Map<string, ConditionStatus>;
  unschedulable?: boolean;
  kubeletVersion?: string;
  createdAtMs?: number;
  pool?: string;
  /** From kube_node_labels, sanitised names as for pods. */
  readonly labels: Record<string, string>;
}

export interface KsmSnapshot {
  /** Keyed by ksmPodKey(namespace, name). */
  readonly pods: Map<string, KsmPod>;
  readonly nodes: Map<string, KsmNode>;
  /** ReplicaSet and Job owners as kube-state-metrics reports them, keyed by ksmPodKey(namespace, name). */
  readonly replicaSetOwners: Map<string, OwnerRef | undefined>;
  readonly jobOwners: Map<string, OwnerRef | undefined>;
  /** Series of a used family without the labels that identify their pod, container or node. */
  readonly skipped: number;
  readonly issues: Issue[];
}

export interface KsmSnapshotOptions {
  readonly lookups?: WorkloadLookups;
}

export function ksmPodKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

const PHASES = new Set(['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown']);
const CONDITION_STATUS: Readonly<Record<string, ConditionStatus>> = {
  true: 'True',
  false: 'False',
  unknown: 'Unknown',
};
const NONE = '<none>';

// KSM turns label names into Prometheus label names: every invalid character becomes `_`.
function sanitise(label: string): string {
  return label.replace(/[^a-zA-Z0-9_]/g, '_');
}
const SANITISED_POOL_LABELS = NODE_POOL_LABELS.map(sanitise);

type Side = 'requests' | 'limits';
type Resource = keyof ResourceAmounts;

// v1 names: one family per resource.
const V1_RESOURCES: Readonly<Record<string, [Side, Resource]>> = {
  kube_pod_container_resource_requests_cpu_cores: ['requests', 'cpuCores'],
  kube_pod_container_resource_requests_memory_bytes: ['requests', 'memoryBytes'],
  kube_pod_container_resource_limits_cpu_cores: ['limits', 'cpuCores'],
  kube_pod_container_resource_limits_memory_bytes: ['limits', 'memoryBytes'],
};

function resourceOf(labels: Readonly<Record<string, string>>): Resource | undefined {
  if (labels.resource === 'cpu') return 'cpuCores';
  if (labels.resource === 'memory') return 'memoryBytes';
  return undefined;
}

/** Folds samples into a snapshot one at a time: a scrape streamed through it is never held whole. */
export class KsmSnapshotBuilder {
  readonly pods = new Map<string, KsmPod>();
  readonly nodes = new Map<string, KsmNode>();
  readonly issues: Issue[] = [];
  skipped = 0;
  private readonly createdBy = new Map<string, OwnerRef>();
  readonly replicaSetOwners = new Map<string, OwnerRef | undefined>();
  readonly jobOwners = new Map<string, OwnerRef | undefined>();

  pod(labels: Readonly<Record<string, string>>): KsmPod | undefined {
    const { namespace, pod: name } = labels;
    if (!namespace || !name) {
      this.skipped++;
      return undefined;
    }
    const key = ksmPodKey(namespace, name);
    let pod = this.pods.get(key);
    if (pod === undefined) {
      pod = {
        namespace,
        name,
        workload: { namespace, kind: 'Pod', name },
        labels: {},
        containers: new Map(),
      };
      this.pods.set(key, pod);
    }
    if (labels.uid && pod.uid === undefined) pod.uid = labels.uid;
    return pod;
  }

  container(labels: Readonly<Record<string, string>>, init: boolean): KsmContainer | undefined {
    const pod = this.pod(labels);
    const name = labels.container;
    if (pod === undefined) return undefined;
    if (!name) {
      this.skipped++;
      return undefined;
    }
    let container = pod.containers.get(name);
    if (container === undefined) {
      container = { name, init, requests: {}, limits: {} };
      pod.containers.set(name, container);
    }
    return container;
  }

  node(labels: Readonly<Record<string, string>>): KsmNode | undefined {
    const name = labels.node;
    if (!name) {
      this.skipped++;
      return undefined;
    }
    let node = this.nodes.get(name);
    if (node === undefined) {
      node = { name, capacity: {}, allocatable: {}, conditions: new Map(), labels: {} };
      this.nodes.set(name, node);
    }
    return node;
  }

  add(sample: Sample): void {
    const { labels, value } = sample;
    let name = sample.name;
    const init = name.startsWith('kube_pod_init_container_');
    if (init) name = `kube_pod_container_${name.slice('kube_pod_init_container_'.length)}`;

    if (name.startsWith('kube_pod_container_')) {
      this.containerSample(name, labels, value, init);
    } else if (name.startsWith('kube_pod_')) {
      this.podSample(name, labels, value);
    } else if (name.startsWith('kube_node_')) {
      this.nodeSample(name, labels, value);
    } else if (name === 'kube_replicaset_owner' || name === 'kube_job_owner') {
      this.controllerOwner(name, labels);
    }
  }

  /** Who owns a ReplicaSet or a Job: `<none>` means nobody, so the object is its own workload. */
  private controllerOwner(name: string, labels: Readonly<Record<string, string>>): void {
    const object = name === 'kube_replicaset_owner' ? labels.replicaset : labels.job_name;
    const { namespace, owner_kind: kind, owner_name: owner } = labels;
    if (!namespace || !object) {
      this.skipped++;
      return;
    }
    const owners = name === 'kube_replicaset_owner' ? this.replicaSetOwners : this.jobOwners;
    const key = ksmPodKey(namespace, object);
    if (!kind || !owner || kind === NONE || owner === NONE) {
      if (!owners.has(key)) owners.set(key, undefined);
      return;
    }
    const controller = labels.owner_is_controller !== 'false';
    const known = owners.get(key);
    if (known === undefined || (controller && known.controller !== true))
      owners.set(key, { kind, name: owner, controller });
  }

  private containerSample(
    name: string,
    labels: Readonly<Record<string, string>>,
    value: number,
    init: boolean,
  ): void {
    const v1 = V1_RESOURCES[name];
    if (v1 !== undefined) {
      const container = this.container(labels, init);
      if (container !== undefined && value >= 0) container[v1[0]][v1[1]] = value;
      return;
    }
    switch (name) {
      case 'kube_pod_container_resource_requests':
      case 'kube_pod_container_resource_limits': {
        const resource = resourceOf(labels);
        if (resource === undefined) return;
        const container = this.container(labels, init);
        const side: Side = name.endsWith('requests') ? 'requests' : 'limits';
        if (container !== undefined && value >= 0) container[side][resource] = value;
        return;
      }
      case 'kube_pod_container_info': {
        const container = this.container(labels, init);
        if (container === undefined) return;
        if (labels.image) container.image = labels.image;
        if (labels.container_id) container.containerId = labels.container_id;
        return;
      }
      case 'kube_pod_container_status_restarts':
      case 'kube_pod_container_status_restarts_total': {
        const container = this.container(labels, init);
        if (container !== undefined && value >= 0) container.restarts = value;
        return;
      }
      case 'kube_pod_container_status_running':
      case 'kube_pod_container_status_waiting':
      case 'kube_pod_container_status_terminated': {
        if (value !== 1) return;
        const container = this.container(labels, init);
        if (container !== undefined)
          container.state = name.slice(name.lastIndexOf('_') + 1) as KsmContainerState;
        return;
      }
      case 'kube_pod_container_status_waiting_reason':
      case 'kube_pod_container_status_terminated_reason':
      case 'kube_pod_container_status_last_terminated_reason': {
        if (value !== 1 || !labels.reason) return;
        const container = this.container(labels, init);
        if (container === undefined) return;
        if (name.endsWith('waiting_reason')) container.waitingReason ??= labels.reason;
        else if (name.endsWith('last_terminated_reason'))
          container.lastTerminatedReason = labels.reason;
        else container.terminatedReason = labels.reason;
        return;
      }
      case 'kube_pod_container_status_last_terminated_exitcode': {
        const container = this.container(labels, init);
        if (container !== undefined && Number.isInteger(value))
          container.lastTerminatedExitCode = value;
        return;
      }
      case 'kube_pod_container_status_last_terminated_timestamp': {
        const container = this.container(labels, init);
        if (container !== undefined && value > 0)
          container.lastTerminatedAtMs = Math.round(value * 1000);
        return;
      }
      case 'kube_pod_container_state_started': {
        const container = this.container(labels, init);
        if (container !== undefined && value > 0) container.startedAtMs = Math.round(value * 1000);
        return;
      }
    }
  }

  private podSample(name: string, labels: Readonly<Record<string, string>>, value: number): void {
    switch (name) {
      case 'kube_pod_info': {
        const pod = this.pod(labels);
        if (pod === undefined) return;
        if (labels.node) pod.node = labels.node;
        const kind = labels.created_by_kind;
        const by = labels.created_by_name;
        if (kind && by && kind !== NONE && by !== NONE) {
          this.createdBy.set(ksmPodKey(pod.namespace, pod.name), {
            kind,
            name: by,
            controller: true,
          });
        }
        return;
      }
      case 'kube_pod_owner': {
        const pod = this.pod(labels);
        const kind = labels.owner_kind;
        const owner = labels.owner_name;
        if (pod === undefined || !kind || !owner || kind === NONE || owner === NONE) return;
        const controller = labels.owner_is_controller === 'true';
        // Prefer the controller owner when a pod has several.
        if (pod.owner === undefined || (controller && pod.owner.controller !== true)) {
          pod.owner = { kind, name: owner, controller };
        }
        return;
      }
      case 'kube_pod_status_phase': {
        if (value !== 1) return;
        const pod = this.pod(labels);
        if (pod === undefined || !labels.phase) return;
        if (PHASES.has(labels.phase)) {
          pod.phase = labels.phase;
        } else {
          pod.phase = 'Unknown';
          this.issues.push({
            code: 'unknown_enum',
            path: name,
            message: `phase ${JSON.stringify(labels.phase)} mapped to Unknown`,
          });
        }
        return;
      }
      case 'kube_pod_status_qos_class': {
        if (value !== 1) return;
        const pod = this.pod(labels);
        if (pod !== undefined && labels.qos_class) pod.qosClass = labels.qos_class;
        return;
      }
      case 'kube_pod_created': {
        const pod = this.pod(labels);
        if (pod !== undefined && value > 0) pod.createdAtMs = Math.round(value * 1000);
        return;
      }
      case 'kube_pod_deletion_timestamp': {
        const pod = this.pod(labels);
        if (pod !== undefined && value > 0) pod.deletingSinceMs = Math.round(value * 1000);
        return;
      }
      case 'kube_pod_status_reason': {
        if (value !== 1 || !labels.reason) return;
        const pod = this.pod(labels);
        if (pod !== undefined) pod.reason = labels.reason;
        return;
      }
      case 'kube_pod_labels': {
        const pod = this.pod(labels);
        if (pod !== undefined) copyPrefixed(labels, pod.labels);
        return;
      }
    }
  }

  private nodeSample(name: string, labels: Readonly<Record<string, string>>, value: number): void {
    const allocatable = name.startsWith('kube_node_status_allocatable');
    const capacity = name.startsWith('kube_node_status_capacity');
    if (allocatable || capacity) {
      const suffix = name.slice(
        allocatable ? 'kube_node_status_allocatable'.length : 'kube_node_status_capacity'.length,
      );
      const resource: Resource | undefined =
        suffix === ''
          ? resourceOf(labels)
          : suffix === '_cpu_cores'
            ? 'cpuCores'
            : suffix === '_memory_bytes'
              ? 'memoryBytes'
              : undefined;
      if (resource === undefined) return;
      const node = this.node(labels);
      if (node !== undefined && value >= 0)
        (allocatable ? node.allocatable : node.capacity)[resource] = value;
      return;
    }
    switch (name) {
      case 'kube_node_status_condition': {
        if (value !== 1 || !labels.condition) return;
        const node = this.node(labels);
        if (node === undefined) return;
        const status = CONDITION_STATUS[(labels.status ?? '').toLowerCase()];
        if (status === undefined) {
          this.issues.push({
            code: 'unknown_enum',
            path: name,
            message: `condition status ${JSON.stringify(labels.status)} mapped to Unknown`,
          });
        }
        node.conditions.set(labels.condition, status ?? 'Unknown');
        return;
      }
      case 'kube_node_spec_unschedulable': {
        const node = this.node(labels);
        if (node !== undefined) node.unschedulable = value === 1;
        return;
      }
      case 'kube_node_info': {
        const node = this.node(labels);
        if (node !== undefined && labels.kubelet_version)
          node.kubeletVersion = labels.kubelet_version;
        return;
      }
      case 'kube_node_created': {
        const node = this.node(labels);
        if (node !== undefined && value > 0) node.createdAtMs = Math.round(value * 1000);
        return;
      }
      case 'kube_node_labels': {
        const node = this.node(labels);
        if (node === undefined) return;
        copyPrefixed(labels, node.labels);
        for (const key of SANITISED_POOL_LABELS) {
          const pool = node.labels[key];
          if (pool) {
            node.pool = pool;
            break;
          }
        }
        return;
      }
    }
  }

  finish(options: KsmSnapshotOptions): KsmSnapshot {
    const lookups: WorkloadLookups = {
      replicaSet: (namespace, name) =>
        options.lookups?.replicaSet?.(namespace, name) ??
        this.ownedWorkload(this.replicaSetOwners, namespace, name, 'ReplicaSet'),
      job: (namespace, name) =>
        options.lookups?.job?.(namespace, name) ??
        this.ownedWorkload(this.jobOwners, namespace, name, 'Job'),
    };
    for (const [key, pod] of this.pods) {
      const owner = pod.owner ?? this.createdBy.get(key);
      if (owner === undefined) continue;
      pod.owner = owner;
      const hash = pod.labels.pod_template_hash;
      pod.workload = resolveWorkload(
        {
          namespace: pod.namespace,
          podName: pod.name,
          owners: [owner],
          ...(hash !== undefined && { podTemplateHash: hash }),
        },
        lookups,
      );
    }
    return {
      pods: this.pods,
      nodes: this.nodes,
      replicaSetOwners: this.replicaSetOwners,
      jobOwners: this.jobOwners,
      skipped: this.skipped,
      issues: this.issues,
    };
  }

  /**
   * The workload behind a ReplicaSet or Job whose owner kube-state-metrics exported: its owner,
   * whatever its kind (an Argo Rollout stays a Rollout), or the object itself when it has none.
   * Undefined when the owner series is absent, so the naming conventions decide.
   */
  private ownedWorkload(
    owners: ReadonlyMap<string, OwnerRef | undefined>,
    namespace: string,
    name: string,
    kind: string,
  ): WorkloadRef | undefined {
    const key = ksmPodKey(namespace, name);
    if (!owners.has(key)) return undefined;
    const owner = owners.get(key);
    return owner === undefined
      ? { namespace, kind, name }
      : { namespace, kind: owner.kind, name: owner.name };
  }
}

function copyPrefixed(from: Readonly<Record<string, string>>, to: Record<string, string>): void {
  for (const [key, value] of Object.entries(from)) {
    if (key.startsWith('label_')) to[key.slice('label_'.length)] = value;
  }
}

/** Folds one scrape's samples into a snapshot; families it does not use are ignored. */
export function buildKsmSnapshot(
  samples: Iterable<Sample>,
  options: KsmSnapshotOptions = {},
): KsmSnapshot {
  const builder = new KsmSnapshotBuilder();
  for (const sample of samples) builder.add(sample);
  return builder.finish(options);
}
