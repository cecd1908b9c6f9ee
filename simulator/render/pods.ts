// core/v1 Pod objects: spec with resources as quantity strings, status with container states,
// lastState.terminated (OOMKilled, exit codes) and restart counts. A pod the scheduler has not
// bound shows what `kubectl describe` shows for one: no nodeName, phase Pending and
// PodScheduled=False (Unschedulable) with the scheduler's message, and no container statuses.
import { TERMINATION_GRACE_MS, type Incarnation } from '../model/pod-timeline.js';
import { hexId, uuid } from '../model/rng.js';
import type { ContainerView, PodView, Simulation } from '../model/simulation.js';
import {
  replicaSetNameOf,
  type AnySlot,
  type ContainerModel,
  type Resources,
  type WorkloadModel,
} from '../model/types.js';
import { apiTime, cpuQuantity, memoryQuantity } from './quantity.js';

export function resourceList(r: Resources): Record<string, string> {
  const out: Record<string, string> = {};
  if (r.cpuCores !== undefined) out.cpu = cpuQuantity(r.cpuCores);
  if (r.memoryBytes !== undefined) out.memory = memoryQuantity(r.memoryBytes);
  return out;
}

export function containerSpec(c: ContainerModel): Record<string, unknown> {
  const resources: Record<string, unknown> = {};
  if (Object.keys(resourceList(c.requests)).length > 0)
    resources.requests = resourceList(c.requests);
  if (Object.keys(resourceList(c.limits)).length > 0) resources.limits = resourceList(c.limits);
  return {
    name: c.name,
    image: c.image,
    ...(c.logStyle === 'jvm' && c.args
      ? { command: ['java'], args: c.args }
      : c.args
        ? { args: c.args }
        : {}),
    ...(c.env ? { env: c.env } : {}),
    ...(c.port ? { ports: [{ name: 'http', containerPort: c.port, protocol: 'TCP' }] } : {}),
    resources,
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
    imagePullPolicy: 'IfNotPresent',
  };
}

/** The owner a pod points at: the ReplicaSet of its Deployment, or the StatefulSet/DaemonSet. */
export function podOwner(
  sim: Simulation,
  w: WorkloadModel,
  templateHash: string,
  generation: number,
): Record<string, unknown> {
  if (w.kind === 'Deployment') {
    return {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      name: replicaSetNameOf(w, templateHash),
      uid: replicaSetUid(sim, w, generation),
      controller: true,
      blockOwnerDeletion: true,
    };
  }
  return {
    apiVersion: 'apps/v1',
    kind: w.kind,
    name: w.name,
    uid: w.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

export function replicaSetUid(sim: Simulation, w: WorkloadModel, generation: number): string {
  return uuid(sim.model.seed, 4, w.index, generation);
}

/** The pod's IP, from its node's pod CIDR; empty while it is not bound. */
export function podIp(view: PodView): string {
  if (!view.node) return '';
  const n = view.node.index;
  return `10.${100 + (n >> 8)}.${n & 0xff}.${2 + ((view.slot.index * 7 + view.pod.generation * 3 + view.pod.evictions) % 250)}`;
}

/** When the kubelet took the pod (status.startTime): just after the scheduler bound it. */
export function podStartTime(pod: Incarnation<AnySlot>): number {
  return scheduledAt(pod) + 200;
}

function scheduledAt(pod: Incarnation<AnySlot>): number {
  return Math.max(pod.createdAt, pod.boundAt) + 100;
}

function containerState(cv: ContainerView): Record<string, unknown> {
  const s = cv.state;
  if (s.kind === 'running') return { running: { startedAt: apiTime(s.startedAt) } };
  if (s.kind === 'waiting')
    return { waiting: { reason: s.reason, ...(s.message ? { message: s.message } : {}) } };
  return {
    terminated: {
      exitCode: s.exitCode,
      reason: s.reason,
      ...(s.message ? { message: s.message } : {}),
      startedAt: apiTime(s.startedAt),
      finishedAt: apiTime(s.finishedAt),
    },
  };
}

function containerStatus(sim: Simulation, cv: ContainerView): Record<string, unknown> {
  const c = cv.model;
  const last = cv.lastTermination;
  return {
    name: c.name,
    state: containerState(cv),
    lastState: last
      ? {
          terminated: {
            exitCode: last.exitCode,
            reason: last.reason,
            startedAt: apiTime(last.startedAt),
            finishedAt: apiTime(last.finishedAt),
            containerID: last.containerId,
          },
        }
      : {},
    ready: cv.ready,
    restartCount: cv.restartCount,
    image: c.image,
    imageID: `${c.image.split(':')[0] ?? c.image}@sha256:${hexId(64, sim.model.seed, c.image.length, c.name.length)}`,
    ...(cv.containerId ? { containerID: cv.containerId } : {}),
    started: cv.state.kind === 'running',
  };
}

/** A pod's labels: its workload's template labels and the ones its controller adds. */
export function podMetadataLabels(view: Pick<PodView, 'pod' | 'slot'>): Record<string, string> {
  const { pod } = view;
  const w = view.slot.workload;
  const labels: Record<string, string> = { ...w.labels };
  if (w.kind === 'Deployment') labels['pod-template-hash'] = pod.templateHash;
  if (w.kind === 'StatefulSet') {
    labels['controller-revision-hash'] = `${w.name}-${pod.templateHash}`;
    labels['statefulset.kubernetes.io/pod-name'] = pod.name;
  }
  if (w.kind === 'DaemonSet') {
    labels['controller-revision-hash'] = pod.templateHash.slice(0, 9);
    labels['pod-template-generation'] = String(pod.generation + 1);
  }
  return labels;
}

export function renderPod(
  sim: Simulation,
  view: PodView,
  t: number,
  resourceVersion: string,
): Record<string, unknown> {
  const { pod, slot, node } = view;
  const w = slot.workload;
  const labels = podMetadataLabels(view);
  const created = pod.createdAt;
  const firstContainer = w.containers[0];
  const readyAt = view.containers.map((c) => (c.run ? c.run.start + 5000 : undefined));
  const readySince = Math.max(...readyAt.map((x) => x ?? created));
  const phase = view.phase;
  const conditionTimes = {
    scheduled: scheduledAt(pod),
    initialized: podStartTime(pod),
    ready: view.ready
      ? readySince
      : Math.max(...view.containers.map((c) => c.lastTermination?.finishedAt ?? created)),
  };
  return {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: {
      name: pod.name,
      ...(w.kind === 'StatefulSet' ? {} : { generateName: pod.name.slice(0, pod.name.length - 5) }),
      namespace: w.namespace,
      uid: pod.uid,
      resourceVersion,
      creationTimestamp: apiTime(created),
      ...(view.terminating
        ? {
            deletionTimestamp: apiTime(pod.endsAt + TERMINATION_GRACE_MS),
            deletionGracePeriodSeconds: 30,
          }
        : {}),
      labels,
      ...(firstContainer && w.containers.length > 1
        ? { annotations: { 'kubectl.kubernetes.io/default-container': firstContainer.name } }
        : {}),
      ownerReferences: [podOwner(sim, w, pod.templateHash, pod.generation)],
    },
    spec: {
      containers: w.containers.map(containerSpec),
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'ClusterFirst',
      serviceAccountName: 'default',
      serviceAccount: 'default',
      ...(node ? { nodeName: node.name } : {}),
      securityContext: {},
      schedulerName: 'default-scheduler',
      ...(w.priorityClassName
        ? { priorityClassName: w.priorityClassName, priority: 2000001000 }
        : { priority: 0 }),
      tolerations: [
        {
          key: 'node.kubernetes.io/not-ready',
          operator: 'Exists',
          effect: 'NoExecute',
          tolerationSeconds: 300,
        },
        {
          key: 'node.kubernetes.io/unreachable',
          operator: 'Exists',
          effect: 'NoExecute',
          tolerationSeconds: 300,
        },
      ],
      enableServiceLinks: true,
      preemptionPolicy: 'PreemptLowerPriority',
      ...(w.kind === 'StatefulSet' ? { hostname: pod.name, subdomain: w.name } : {}),
    },
    status: node
      ? boundStatus(sim, view, node.internalIp, conditionTimes)
      : {
          phase,
          conditions: [
            {
              type: 'PodScheduled',
              status: 'False',
              lastProbeTime: null,
              lastTransitionTime: apiTime(created + 100),
              reason: 'Unschedulable',
              message: pod.unschedulable ?? '',
            },
          ],
          qosClass: view.qosClass,
        },
  };
}

function boundStatus(
  sim: Simulation,
  view: PodView,
  hostIp: string,
  conditionTimes: { scheduled: number; initialized: number; ready: number },
): Record<string, unknown> {
  const { pod, phase } = view;
  const ip = podIp(view);
  return {
    phase,
    ...(view.evicted
      ? {
          reason: 'Evicted',
          message:
            'The node was low on resource: memory. Threshold quantity: 100Mi, available: 81920Ki. ',
        }
      : {}),
    conditions: view.evicted
      ? [
          {
            type: 'DisruptionTarget',
            status: 'True',
            lastProbeTime: null,
            lastTransitionTime: apiTime(pod.endsAt),
            reason: 'TerminationByKubelet',
            message: 'The node was low on resource: memory.',
          },
          {
            type: 'PodScheduled',
            status: 'True',
            lastProbeTime: null,
            lastTransitionTime: apiTime(conditionTimes.scheduled),
          },
        ]
      : [
          {
            type: 'PodReadyToStartContainers',
            status: phase === 'Pending' ? 'False' : 'True',
            lastProbeTime: null,
            lastTransitionTime: apiTime(conditionTimes.initialized + 900),
          },
          {
            type: 'Initialized',
            status: 'True',
            lastProbeTime: null,
            lastTransitionTime: apiTime(conditionTimes.initialized),
          },
          // Ready and ContainersReady say the same thing about the containers.
          ...(['Ready', 'ContainersReady'] as const).map((type) => ({
            type,
            status: view.ready ? 'True' : 'False',
            lastProbeTime: null,
            lastTransitionTime: apiTime(conditionTimes.ready),
            ...(view.ready
              ? {}
              : {
                  reason: 'ContainersNotReady',
                  message: `containers with unready status: [${view.containers
                    .filter((c) => !c.ready)
                    .map((c) => c.model.name)
                    .join(' ')}]`,
                }),
          })),
          {
            type: 'PodScheduled',
            status: 'True',
            lastProbeTime: null,
            lastTransitionTime: apiTime(conditionTimes.scheduled),
          },
        ],
    hostIP: hostIp,
    hostIPs: [{ ip: hostIp }],
    ...(view.evicted ? {} : { podIP: ip, podIPs: [{ ip }] }),
    startTime: apiTime(conditionTimes.initialized),
    containerStatuses: view.containers.map((cv) => containerStatus(sim, cv)),
    qosClass: view.qosClass,
  };
}

/** A short fingerprint of everything a watcher would see change, to detect MODIFIED cheaply. */
export function podFingerprint(view: PodView): string {
  let s = `${view.node?.index ?? '-'}|${view.phase}|${view.terminating ? 1 : 0}|${view.ready ? 1 : 0}`;
  for (const c of view.containers) {
    s += `|${c.state.kind}:${c.state.kind === 'waiting' ? c.state.reason : ''}:${c.restartCount}:${c.ready ? 1 : 0}`;
  }
  return s;
}
