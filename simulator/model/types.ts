// The static shape of a simulated cluster. Everything time-dependent (pod incarnations, container
// runs, usage, conditions, events) is derived from these records and a virtual instant, so a model
// stays small enough for 1,000 nodes / 30,000 pods.

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
export const MI = 1024 * 1024;
export const GI = 1024 * MI;

export type NodeBehaviour =
  | { kind: 'normal' }
  /** Memory-pressure flapping: allocatable == capacity and BestEffort pods that grow. */
  | { kind: 'flapping' }
  /** One reboot at `at` (not flapping). */
  | { kind: 'reboot'; at: number }
  /**
   * Network partitions: at each instant in `at` the node controller loses the node for `downMs`
   * (Ready and the other conditions go Unknown, then Ready again). No memory evidence: pods keep
   * running, no MemoryPressure, no evictions. Not memory flapping.
   */
  | { kind: 'network-flaps'; at: number[]; downMs: number }
  /**
   * A planned drain: cordoned (spec.unschedulable) at `at`, its non-DaemonSet pods evicted through
   * the API (deleted with their grace period, not kubelet memory evictions) from `evictAt`, then
   * optionally rebooted at `rebootAt` and uncordoned at `uncordonAt` (null: stays cordoned, e.g.
   * before the autoscaler deletes it). Not memory flapping.
   */
  | {
      kind: 'drain';
      at: number;
      evictAt: number;
      rebootAt: number | null;
      uncordonAt: number | null;
    };

export interface NodeModel {
  index: number;
  name: string;
  uid: string;
  pool: string;
  /** The label key carrying the pool: GKE, EKS or Karpenter style. */
  poolLabel: string;
  instanceType: string;
  zone: string;
  region: string;
  cpuCores: number;
  memoryBytes: number;
  allocatableCpuCores: number;
  allocatableMemoryBytes: number;
  podsCapacity: number;
  /** Memory the OS, kubelet and runtime use outside pods. */
  systemMemoryBytes: number;
  createdAt: number;
  kubeletVersion: string;
  internalIp: string;
  behaviour: NodeBehaviour;
  /** Deleted (autoscaled away) at this instant: its series end and its pods are gone. */
  deletedAt?: number;
}

export type Behaviour =
  | { kind: 'steady' }
  /** Working set grows linearly from start and is OOMKilled at the limit every few hours. */
  | { kind: 'leak'; minHours: number; maxHours: number }
  /** JVM heap that does not fit: OOMKilled within a minute of each start; CrashLoopBackOff. */
  | { kind: 'startup-oom'; minRunSeconds: number; maxRunSeconds: number }
  /** Load spikes that sometimes cross the limit (`killsPerDay` on average). */
  | { kind: 'spike'; killsPerDay: number }
  /** One OOM kill at `at`, then steady: an event, not a loop. */
  | { kind: 'single-oom'; at: number }
  /** BestEffort pod whose memory follows the node's pressure cycles. */
  | { kind: 'pressure-grower'; share: number };

export type LogStyle = 'web' | 'worker' | 'jvm' | 'cache' | 'agent';

export interface UsageProfile {
  /** Mean CPU demand in cores. */
  cpuCores: number;
  /** Diurnal amplitude as a fraction of the mean (0.3 = ±30 %). */
  cpuAmplitude: number;
  memoryBytes: number;
  memoryAmplitude: number;
}

export interface Resources {
  cpuCores?: number;
  memoryBytes?: number;
}

export interface ContainerModel {
  name: string;
  image: string;
  requests: Resources;
  limits: Resources;
  args?: string[];
  env?: { name: string; value: string }[];
  port?: number;
  usage: UsageProfile;
  behaviour: Behaviour;
  logStyle: LogStyle;
  /**
   * Exit codes an OOM kill reports, picked per kill (a wrapper process such as a shell or tini
   * reports its own code, e.g. 2, instead of 137). Unset: the usual mix (oomExitCode).
   */
  oomExitCodes?: number[];
}

export type WorkloadKind = 'Deployment' | 'StatefulSet' | 'DaemonSet';

/** How a scenario deliberately sized a workload (ground truth for the misfit analyzer). */
export type MisfitKind =
  | 'over_requested'
  | 'under_requested'
  | 'no_requests'
  | 'limit_far_above_request'
  | 'cpu_throttled'
  | 'right_sized';

export interface WorkloadModel {
  index: number;
  kind: WorkloadKind;
  namespace: string;
  name: string;
  uid: string;
  /** Replicas for Deployments/StatefulSets; DaemonSets get one pod per matching node. */
  replicas: number;
  labels: Record<string, string>;
  containers: ContainerModel[];
  createdAt: number;
  /** Rollouts replace every pod (new ReplicaSet); null = never rolled out in the window. */
  rolloutEveryMs: number | null;
  rolloutPhaseMs: number;
  /** Restrict placement to one pool, or pin to one node (scenario subjects). */
  pool?: string;
  pinnedNode?: number;
  priorityClassName?: string;
  misfit?: MisfitKind;
  /**
   * Deployments only: the ReplicaSet's name when it is off the `<deployment>-<hash>` convention
   * (e.g. `legacy-rs-blue`, every generation); its pods are named `<replicaSetName>-<suffix>` and
   * the owner is only known through the ReplicaSet's ownerReferences / kube_replicaset_owner.
   */
  replicaSetName?: string;
  /**
   * Deployments only: what owns the ReplicaSet when it is not a Deployment, e.g. `Rollout`
   * (Argo Rollouts, argoproj.io/v1alpha1). The workload is then that object, not a Deployment.
   */
  ownerKind?: 'Rollout';
}

/** The name of a Deployment-like workload's ReplicaSet for a pod template hash. */
export function replicaSetNameOf(w: WorkloadModel, templateHash: string): string {
  return w.replicaSetName ?? `${w.name}-${templateHash}`;
}

/** The kind of the object that owns a Deployment-like workload's ReplicaSets. */
export function replicaSetOwnerKind(w: WorkloadModel): string {
  return w.ownerKind ?? 'Deployment';
}

/** The API version of that owner. */
export function replicaSetOwnerApiVersion(w: WorkloadModel): string {
  return w.ownerKind === 'Rollout' ? 'argoproj.io/v1alpha1' : 'apps/v1';
}

interface SlotBase {
  /** Unique over placed and pending slots: placed ones come first (0..slots.length-1). */
  index: number;
  workload: WorkloadModel;
  replica: number;
}

/** A workload replica the scheduler bound to a node; its pods run there for the whole history. */
export interface Slot extends SlotBase {
  node: NodeModel;
}

/**
 * A replica no node could take when it was created (NodeResourcesFit failed everywhere it may go):
 * its pods stay Pending, with no nodeName, for the whole history.
 */
export interface PendingSlot extends SlotBase {
  node?: undefined;
  /** The scheduler's FailedScheduling message, e.g. `0/8 nodes are available: 8 Insufficient cpu. ...`. */
  unschedulable: string;
}

export type AnySlot = Slot | PendingSlot;

export interface ClusterModel {
  scenario: string;
  seed: number;
  cluster: string;
  /** Virtual instant where history begins (epoch ms). */
  start: number;
  nodes: NodeModel[];
  workloads: WorkloadModel[];
  /** Replicas bound to a node. */
  slots: Slot[];
  /** Replicas that fit on no node (indexes continue after `slots`). */
  pendingSlots: PendingSlot[];
  slotsByNode: number[][];
  namespaces: string[];
}
