// kube-state-metrics v2 exposition for the objects the simulated API shows. Label sets follow
// kube-state-metrics v2.x (internal/store/pod.go, node.go); only the current waiting/terminated
// reason is emitted, as v2 does. A pod the scheduler has not bound has node="" and no container
// status series (it has no container statuses yet), as kube-state-metrics shows it.
import type { PodView, Simulation } from '../model/simulation.js';
import { cordonedAt, type NodeConditionState } from '../model/node-timeline.js';
import {
  replicaSetNameOf,
  replicaSetOwnerKind,
  type NodeModel,
  type Resources,
} from '../model/types.js';
import { Exposition, type Labels } from './exposition.js';
import { podIp, podMetadataLabels, podStartTime } from './pods.js';

/** A Kubernetes label key as kube-state-metrics names its Prometheus label (after `label_`). */
export const ksmLabelName = (key: string) => key.replace(/[^a-zA-Z0-9_]/g, '_');

const PHASES = ['Pending', 'Succeeded', 'Failed', 'Unknown', 'Running'] as const;
const QOS = ['BestEffort', 'Burstable', 'Guaranteed'] as const;

/** Owner as kube_pod_owner reports it (ReplicaSet for Deployments). */
export function ownerOf(view: Pick<PodView, 'slot' | 'pod'>): { kind: string; name: string } {
  const w = view.slot.workload;
  return w.kind === 'Deployment'
    ? { kind: 'ReplicaSet', name: replicaSetNameOf(w, view.pod.templateHash) }
    : { kind: w.kind, name: w.name };
}

export function resourceSeries(r: Resources): { resource: string; unit: string; value: number }[] {
  const out: { resource: string; unit: string; value: number }[] = [];
  if (r.cpuCores !== undefined) out.push({ resource: 'cpu', unit: 'core', value: r.cpuCores });
  if (r.memoryBytes !== undefined)
    out.push({ resource: 'memory', unit: 'byte', value: r.memoryBytes });
  return out;
}

export function conditionStatusLabel(s: string): string {
  return s.toLowerCase();
}

export function renderKsm(
  sim: Simulation,
  t: number,
  pods: PodView[],
  nodeConditions: (node: NodeModel) => NodeConditionState[],
): Exposition {
  const e = new Exposition();
  const nodeInfo = e.family('kube_node_info', 'Information about a cluster node.', 'gauge');
  const nodeCreated = e.family('kube_node_created', 'Unix creation timestamp', 'gauge');
  const nodeLabels = e.family(
    'kube_node_labels',
    'Kubernetes labels converted to Prometheus labels.',
    'gauge',
  );
  const nodeUnsched = e.family(
    'kube_node_spec_unschedulable',
    'Whether a node can schedule new pods.',
    'gauge',
  );
  const nodeCondition = e.family(
    'kube_node_status_condition',
    'The condition of a cluster node.',
    'gauge',
  );
  const nodeCapacity = e.family(
    'kube_node_status_capacity',
    'The capacity for different resources of a node.',
    'gauge',
  );
  const nodeAllocatable = e.family(
    'kube_node_status_allocatable',
    'The allocatable for different resources of a node that are available for scheduling.',
    'gauge',
  );
  for (const node of sim.model.nodes) {
    if (node.deletedAt !== undefined && t >= node.deletedAt) continue;
    const n = { node: node.name };
    nodeInfo(
      {
        ...n,
        kernel_version: '6.1.94-99.176.amzn2023.x86_64',
        os_image: 'Amazon Linux 2023.5.20240701',
        container_runtime_version: 'containerd://1.7.11',
        kubelet_version: node.kubeletVersion,
        kubeproxy_version: 'deprecated',
        provider_id: `aws:///${node.zone}/${node.name}`,
        pod_cidr: `10.${100 + (node.index >> 8)}.${node.index & 0xff}.0/24`,
        system_uuid: node.uid,
        internal_ip: node.internalIp,
      },
      1,
    );
    nodeCreated(n, Math.floor(node.createdAt / 1000));
    nodeLabels(
      {
        ...n,
        label_node_kubernetes_io_instance_type: node.instanceType,
        label_topology_kubernetes_io_zone: node.zone,
        [`label_${ksmLabelName(node.poolLabel)}`]: node.pool,
      },
      1,
    );
    nodeUnsched(n, cordonedAt(node, t) ? 1 : 0);
    for (const c of nodeConditions(node)) {
      for (const status of ['true', 'false', 'unknown']) {
        nodeCondition(
          { ...n, condition: c.type, status },
          conditionStatusLabel(c.status) === status ? 1 : 0,
        );
      }
    }
    const res = (f: typeof nodeCapacity, cpu: number, mem: number) => {
      f({ ...n, resource: 'cpu', unit: 'core' }, cpu);
      f({ ...n, resource: 'ephemeral_storage', unit: 'byte' }, 103865303040);
      f({ ...n, resource: 'memory', unit: 'byte' }, mem);
      f({ ...n, resource: 'pods', unit: 'integer' }, node.podsCapacity);
    };
    res(nodeCapacity, node.cpuCores, node.memoryBytes);
    res(nodeAllocatable, node.allocatableCpuCores, node.allocatableMemoryBytes);
  }

  const info = e.family('kube_pod_info', 'Information about pod.', 'gauge');
  const owner = e.family('kube_pod_owner', "Information about the Pod's owner.", 'gauge');
  const created = e.family('kube_pod_created', 'Unix creation timestamp', 'gauge');
  const startTime = e.family(
    'kube_pod_start_time',
    'Start time in unix timestamp for a pod.',
    'gauge',
  );
  const deletion = e.family('kube_pod_deletion_timestamp', 'Unix deletion timestamp', 'gauge');
  const phase = e.family('kube_pod_status_phase', 'The pods current phase.', 'gauge');
  const qos = e.family('kube_pod_status_qos_class', 'The current qos class of a pod.', 'gauge');
  const ready = e.family(
    'kube_pod_status_ready',
    'Describes whether the pod is ready to serve requests.',
    'gauge',
  );
  const reason = e.family('kube_pod_status_reason', 'The pod status reasons', 'gauge');
  const unschedulable = e.family(
    'kube_pod_status_unschedulable',
    'Describes the unschedulable status for the pod.',
    'gauge',
  );
  const cInfo = e.family(
    'kube_pod_container_info',
    'Information about a container in a pod.',
    'gauge',
  );
  const requests = e.family(
    'kube_pod_container_resource_requests',
    'The number of requested request resource by a container. It is recommended to use the kube_pod_resource_requests metric exposed by kube-scheduler instead, as it is more precise.',
    'gauge',
  );
  const limits = e.family(
    'kube_pod_container_resource_limits',
    'The number of requested limit resource by a container. It is recommended to use the kube_pod_resource_limits metric exposed by kube-scheduler instead, as it is more precise.',
    'gauge',
  );
  const restarts = e.family(
    'kube_pod_container_status_restarts_total',
    'The number of container restarts per container.',
    'counter',
  );
  const cReady = e.family(
    'kube_pod_container_status_ready',
    'Describes whether the containers readiness check succeeded.',
    'gauge',
  );
  const running = e.family(
    'kube_pod_container_status_running',
    'Describes whether the container is currently in running state.',
    'gauge',
  );
  const waiting = e.family(
    'kube_pod_container_status_waiting',
    'Describes whether the container is currently in waiting state.',
    'gauge',
  );
  const waitingReason = e.family(
    'kube_pod_container_status_waiting_reason',
    'Describes the reason the container is currently in waiting state.',
    'gauge',
  );
  const terminated = e.family(
    'kube_pod_container_status_terminated',
    'Describes whether the container is currently in terminated state.',
    'gauge',
  );
  const terminatedReason = e.family(
    'kube_pod_container_status_terminated_reason',
    'Describes the reason the container is currently in terminated state.',
    'gauge',
  );
  const lastReason = e.family(
    'kube_pod_container_status_last_terminated_reason',
    'Describes the last reason the container was in terminated state.',
    'gauge',
  );
  const lastExit = e.family(
    'kube_pod_container_status_last_terminated_exitcode',
    'Describes the exit code for the last container in terminated state.',
    'gauge',
  );
  const lastTs = e.family(
    'kube_pod_container_status_last_terminated_timestamp',
    'Last terminated time for a pod container in unix timestamp.',
    'gauge',
  );
  // As kube-state-metrics v2 run with --metric-labels-allowlist=pods=[*]: every label, sanitised.
  const podLabelsFamily = e.family(
    'kube_pod_labels',
    'Kubernetes labels converted to Prometheus labels.',
    'gauge',
  );
  for (const view of pods) {
    const w = view.slot.workload;
    const p: Labels = { namespace: w.namespace, pod: view.pod.name, uid: view.pod.uid };
    const o = ownerOf(view);
    podLabelsFamily(
      {
        ...p,
        ...Object.fromEntries(
          Object.entries(podMetadataLabels(view)).map(([k, v]) => [`label_${ksmLabelName(k)}`, v]),
        ),
      },
      1,
    );
    const node = view.node?.name ?? '';
    info(
      {
        ...p,
        host_ip: view.node?.internalIp ?? '',
        pod_ip: view.evicted ? '' : podIp(view),
        node,
        created_by_kind: o.kind,
        created_by_name: o.name,
        priority_class: w.priorityClassName ?? '',
        host_network: 'false',
      },
      1,
    );
    owner({ ...p, owner_kind: o.kind, owner_name: o.name, owner_is_controller: 'true' }, 1);
    created(p, Math.floor(view.pod.createdAt / 1000));
    if (view.node) startTime(p, Math.floor(podStartTime(view.pod) / 1000));
    else unschedulable(p, 1);
    if (view.terminating) deletion(p, Math.floor(view.pod.endsAt / 1000) + 30);
    for (const ph of PHASES) phase({ ...p, phase: ph }, ph === view.phase ? 1 : 0);
    for (const q of QOS) qos({ ...p, qos_class: q }, q === view.qosClass ? 1 : 0);
    for (const s of ['true', 'false', 'unknown'])
      ready({ ...p, condition: s }, (view.ready ? 'true' : 'false') === s ? 1 : 0);
    for (const r of ['Evicted', 'NodeAffinity', 'NodeLost', 'Shutdown', 'UnexpectedAdmissionError'])
      reason({ ...p, reason: r }, view.evicted && r === 'Evicted' ? 1 : 0);
    for (const model of w.containers) {
      const c = { ...p, container: model.name };
      for (const r of resourceSeries(model.requests))
        requests({ ...c, node, resource: r.resource, unit: r.unit }, r.value);
      for (const r of resourceSeries(model.limits))
        limits({ ...c, node, resource: r.resource, unit: r.unit }, r.value);
    }
    for (const cv of view.containers) {
      const c = { ...p, container: cv.model.name };
      cInfo(
        {
          ...c,
          image_spec: cv.model.image,
          image: cv.model.image,
          image_id: `${cv.model.image.split(':')[0] ?? ''}@sha256:placeholder`,
          container_id: cv.containerId ?? '',
        },
        1,
      );
      restarts(c, cv.restartCount);
      cReady(c, cv.ready ? 1 : 0);
      running(c, cv.state.kind === 'running' ? 1 : 0);
      waiting(c, cv.state.kind === 'waiting' ? 1 : 0);
      if (cv.state.kind === 'waiting') waitingReason({ ...c, reason: cv.state.reason }, 1);
      terminated(c, cv.state.kind === 'terminated' ? 1 : 0);
      if (cv.state.kind === 'terminated') terminatedReason({ ...c, reason: cv.state.reason }, 1);
      if (cv.lastTermination) {
        lastReason({ ...c, reason: cv.lastTermination.reason }, 1);
        lastExit(c, cv.lastTermination.exitCode);
        lastTs(c, Math.floor(cv.lastTermination.finishedAt / 1000));
      }
    }
  }
  const depReplicas = e.family(
    'kube_deployment_spec_replicas',
    'Number of desired pods for a deployment.',
    'gauge',
  );
  const stsReplicas = e.family(
    'kube_statefulset_replicas',
    'Number of desired pods for a StatefulSet.',
    'gauge',
  );
  const dsDesired = e.family(
    'kube_daemonset_status_desired_number_scheduled',
    'The number of nodes that should be running the daemon pod.',
    'gauge',
  );
  const rsOwner = e.family(
    'kube_replicaset_owner',
    "Information about the ReplicaSet's owner.",
    'gauge',
  );
  const seenRs = new Set<string>();
  const dsCount = new Map<string, number>();
  for (const view of pods) {
    const w = view.slot.workload;
    if (w.kind === 'Deployment' && !view.evicted) {
      const rsName = replicaSetNameOf(w, view.pod.templateHash);
      const rs = `${w.namespace}/${rsName}`;
      if (!seenRs.has(rs)) {
        seenRs.add(rs);
        rsOwner(
          {
            namespace: w.namespace,
            replicaset: rsName,
            owner_kind: replicaSetOwnerKind(w),
            owner_name: w.name,
            owner_is_controller: 'true',
          },
          1,
        );
      }
    }
    if (w.kind === 'DaemonSet' && !view.terminating && !view.evicted)
      dsCount.set(w.uid, (dsCount.get(w.uid) ?? 0) + 1);
  }
  for (const w of sim.model.workloads) {
    if (w.kind === 'Deployment' && w.ownerKind === undefined)
      depReplicas({ namespace: w.namespace, deployment: w.name }, w.replicas);
    if (w.kind === 'StatefulSet')
      stsReplicas({ namespace: w.namespace, statefulset: w.name }, w.replicas);
    if (w.kind === 'DaemonSet')
      dsDesired({ namespace: w.namespace, daemonset: w.name }, dsCount.get(w.uid) ?? 0);
  }
  return e;
}
