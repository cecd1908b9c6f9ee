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
  | { kind: 'reboot'; at: number };

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
}

export interface Slot {
  index: number;
  workload: WorkloadModel;
  replica: number;
  node: NodeModel;
}

export interface ClusterModel {
  scenario: string;
  seed: number;
  cluster: string;
  /** Virtual instant where history begins (epoch ms). */
  start: number;
  nodes: NodeModel[];
  workloads: WorkloadModel[];
  slots: Slot[];
  slotsByNode: number[][];
  namespaces: string[];
}
