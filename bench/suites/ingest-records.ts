// The ingest benchmark's data: what Plimsoll's collectors publish for a 1,000-node / 30,000-pod
// cluster scraped every 15 s. Node by node and scrape by scrape, as the kubelet collector emits
// them: per running container its working set, RSS, CPU and (with a CPU limit) CFS throttling,
// per node its three totals; beside them, at a small share, what the Kubernetes and log collectors
// send in the same time (pod and node snapshots, events, terminations, transitions, log lines).
// Every value is a pure function of the record's position and the base time, so the same count
// and base time always give the same records, byte for byte.
import type {
  ContainerTermination,
  KubeEvent,
  LogLine,
  Node,
  NodeTransition,
  Pod,
  UsageMetric,
  UsageSample,
  WorkloadRef,
} from '../../core/domain.js';
import { envelope, type AnyEnvelope } from '../../core/envelope.js';
import { hexId, mix, nameSuffix, unit, uuid } from '../../simulator/model/rng.js';

export const CLUSTER_SHAPE = {
  nodes: 1_000,
  podsPerNode: 30,
  workloads: 3_000,
  scrapeIntervalMs: 15_000,
} as const;

export interface IngestDataOptions {
  /** Records to generate. */
  readonly records: number;
  /** Time of the first scrape (epoch ms); records span the scrapes that follow it. */
  readonly baseTime: number;
  readonly cluster?: string;
}

export interface IngestData {
  readonly records: AnyEnvelope[];
  /** Usage samples of containers (not of nodes): what the throughput target counts. */
  readonly containerSamples: number;
  /** Records per kind, for the parameters of the report. */
  readonly kinds: Record<string, number>;
}

const SEED = 0x1a9e57;
const GIB = 2 ** 30;
const MIB = 2 ** 20;

const TEAMS = [
  'checkout',
  'payments',
  'search',
  'catalog',
  'identity',
  'ml',
  'data',
  'platform',
  'media',
  'ads',
  'billing',
  'growth',
  'logistics',
  'support',
  'risk',
  'messaging',
];
const STAGES = ['prod', 'canary', 'batch', 'edge', 'internal'];
const ROLES = [
  'api',
  'worker',
  'gateway',
  'indexer',
  'scheduler',
  'cache',
  'consumer',
  'frontend',
  'ingester',
  'renderer',
  'resolver',
  'exporter',
];
const SIDECAR = 'istio-proxy';

interface WorkloadShape {
  readonly ref: WorkloadRef;
  readonly app: string;
  readonly templateHash: string;
  readonly sidecar: boolean;
  readonly memoryRequest: number;
  readonly memoryLimit: number;
  readonly cpuRequest: number;
  /** Throttling is only reported for containers with a CPU limit. */
  readonly cpuLimit: number | undefined;
}

function workloadShape(w: number): WorkloadShape {
  const team = TEAMS[w % TEAMS.length]!;
  const stage = STAGES[Math.floor(w / TEAMS.length) % STAGES.length]!;
  const role = ROLES[mix(SEED, w, 1) % ROLES.length]!;
  const app = `${team}-${role}-${w.toString(36)}`;
  const kind = w % 20 === 0 ? 'StatefulSet' : w % 33 === 0 ? 'Job' : 'Deployment';
  const memoryRequest = Math.round((64 + unit(SEED, w, 2) * 1984) / 16) * 16 * MIB;
  const cpuRequest = Math.round((0.05 + unit(SEED, w, 3) * 1.95) * 20) / 20;
  return {
    ref: { namespace: `${team}-${stage}`, kind, name: app },
    app,
    templateHash: nameSuffix(10, SEED, w, 4),
    sidecar: unit(SEED, w, 5) < 0.25,
    memoryRequest,
    memoryLimit: memoryRequest * 2,
    cpuRequest,
    cpuLimit: unit(SEED, w, 6) < 0.6 ? cpuRequest * 2 : undefined,
  };
}

interface PodShape {
  readonly index: number;
  readonly workload: WorkloadShape;
  readonly name: string;
  readonly uid: string;
  readonly containers: readonly string[];
}

function podShape(index: number, workloads: readonly WorkloadShape[]): PodShape {
  const workload = workloads[index % workloads.length]!;
  const replica = Math.floor(index / workloads.length);
  const name =
    workload.ref.kind === 'StatefulSet'
      ? `${workload.app}-${replica}`
      : `${workload.app}-${workload.templateHash}-${nameSuffix(5, SEED, index, 7)}`;
  const containers = workload.sidecar ? [workload.app, SIDECAR] : [workload.app];
  return { index, workload, name, uid: uuid(SEED, index, 8), containers };
}

const nodeName = (n: number) =>
  `ip-10-${8 + Math.floor(n / 250)}-${Math.floor(n / 10) % 25}-${(n * 7) % 250}.eu-west-1.compute.internal`;

/** Generates the records in the order the collectors would publish them. */
export function generateIngestRecords(options: IngestDataOptions): IngestData {
  const cluster = options.cluster ?? 'bench-1000-nodes';
  const workloads = Array.from({ length: CLUSTER_SHAPE.workloads }, (_, w) => workloadShape(w));
  const records: AnyEnvelope[] = [];
  const kinds: Record<string, number> = {};
  let containerSamples = 0;
  const want = options.records;
  const push = (record: AnyEnvelope): boolean => {
    if (records.length >= want) return false;
    records.push(record);
    kinds[record.kind] = (kinds[record.kind] ?? 0) + 1;
    if (record.kind === 'usage_sample' && record.payload.container !== undefined) {
      containerSamples++;
    }
    return records.length < want;
  };

  for (let cycle = 0; records.length < want; cycle++) {
    const scrapeAt = options.baseTime + cycle * CLUSTER_SHAPE.scrapeIntervalMs;
    for (let n = 0; n < CLUSTER_SHAPE.nodes && records.length < want; n++) {
      const node = nodeName(n);
      const pods = Array.from({ length: CLUSTER_SHAPE.podsPerNode }, (_, slot) =>
        podShape(n * CLUSTER_SHAPE.podsPerNode + slot, workloads),
      );
      // The kubelet stamps each node's scrape with its own clock; the collector publishes it a
      // few hundred milliseconds later.
      const t = scrapeAt + (mix(SEED, n, cycle, 9) % 2_000);
      const published = t + 150 + (mix(SEED, n, cycle, 10) % 400);
      const usage = (sample: UsageSample) =>
        push(envelope('usage_sample', sample, 'collector/kubelet', published));
      let nodeMemory = 1.2 * GIB;
      let nodeCpu = 0.25;
      for (const pod of pods) {
        pod.containers.forEach((container, ci) => {
          const memory = containerMemory(pod, ci, cycle);
          const cpu = containerCpu(pod, ci, cycle);
          nodeMemory += memory;
          nodeCpu += cpu;
          const base = {
            cluster,
            timestamp: t,
            node,
            namespace: pod.workload.ref.namespace,
            pod: pod.name,
            podUid: pod.uid,
            container,
            workload: pod.workload.ref,
          };
          const metrics: [UsageMetric, number][] = [
            ['cpu_usage_cores', cpu],
            ['memory_working_set_bytes', memory],
            ['memory_rss_bytes', Math.round(memory * (0.7 + 0.2 * unit(SEED, pod.index, ci, 11)))],
          ];
          if (pod.workload.cpuLimit !== undefined && ci === 0) {
            const throttled = unit(SEED, pod.index, cycle, 12);
            metrics.push(['cpu_throttled_ratio', throttled < 0.7 ? 0 : (throttled - 0.7) * 1.3]);
          }
          for (const [metric, value] of metrics) usage({ ...base, metric, value });
        });
      }
      const capacity = 64 * GIB;
      usage({
        cluster,
        metric: 'node_memory_working_set_bytes',
        timestamp: t,
        node,
        value: nodeMemory,
      });
      usage({
        cluster,
        metric: 'node_memory_available_bytes',
        timestamp: t,
        node,
        value: Math.max(0, capacity - nodeMemory),
      });
      usage({ cluster, metric: 'node_cpu_usage_cores', timestamp: t, node, value: nodeCpu });
      for (const record of otherRecords(cluster, n, node, cycle, t, pods)) {
        if (!push(record)) break;
      }
    }
  }
  return { records, containerSamples, kinds };
}

function containerMemory(pod: PodShape, ci: number, cycle: number): number {
  const limit = ci === 0 ? pod.workload.memoryLimit : 256 * MIB;
  const level = 0.25 + 0.6 * unit(SEED, pod.index, ci, 13);
  const wobble = 1 + 0.04 * (unit(SEED, pod.index, ci, cycle, 14) - 0.5);
  return Math.round(limit * level * wobble);
}

function containerCpu(pod: PodShape, ci: number, cycle: number): number {
  // A rate of two counter readings: full double precision, as the collector computes it.
  const request = ci === 0 ? pod.workload.cpuRequest : 0.1;
  return request * (0.05 + 1.1 * unit(SEED, pod.index, ci, cycle, 15));
}

/**
 * What the Kubernetes and log collectors publish while the kubelet collector scrapes one node:
 * about 3 % of the records. Each has its own id (a pod or node snapshot per subject within the
 * run), so every record becomes one document.
 */
function otherRecords(
  cluster: string,
  n: number,
  node: string,
  cycle: number,
  t: number,
  pods: readonly PodShape[],
): AnyEnvelope[] {
  const out: AnyEnvelope[] = [];
  const k8s = 'collector/kubernetes';
  // Pod updates (status changes, resyncs): two pods of the node per scrape, a different pair each.
  for (const slot of [cycle % pods.length, (cycle + pods.length / 2) % pods.length]) {
    out.push(envelope('pod', podSnapshot(cluster, node, pods[slot]!, t), k8s, t + 40));
  }
  // Node resync: each node once every 240 scrapes (an hour).
  if (n % 240 === cycle % 240)
    out.push(envelope('node', nodeSnapshot(cluster, n, node, t), k8s, t));
  if (unit(SEED, n, cycle, 20) < 0.6) {
    out.push(envelope('kube_event', kubeEvent(cluster, n, node, cycle, t, pods), k8s, t + 60));
  }
  if (unit(SEED, n, cycle, 21) < 0.05) {
    const pod = pods[mix(SEED, n, cycle, 22) % pods.length]!;
    out.push(envelope('container_termination', termination(cluster, node, pod, t), k8s, t + 80));
  }
  if (unit(SEED, n, cycle, 23) < 0.005) {
    out.push(envelope('node_transition', transition(cluster, node, t), k8s, t + 90));
  }
  for (let i = 0; i < 2; i++) {
    const pod = pods[mix(SEED, n, cycle, i, 24) % pods.length]!;
    out.push(
      envelope('log_line', logLine(cluster, node, pod, cycle, i, t), 'collector/logs', t + 120),
    );
  }
  return out;
}

function podSnapshot(cluster: string, node: string, pod: PodShape, t: number): Pod {
  const w = pod.workload;
  const startedAt = t - 3_600_000 * (1 + (mix(SEED, pod.index, 30) % 72));
  return {
    cluster,
    namespace: w.ref.namespace,
    name: pod.name,
    uid: pod.uid,
    nodeName: node,
    workload: w.ref,
    qosClass: 'Burstable',
    phase: 'Running',
    labels: {
      app: w.app,
      'app.kubernetes.io/part-of': w.ref.namespace,
      'pod-template-hash': w.templateHash,
      'security.istio.io/tlsMode': w.sidecar ? 'istio' : 'disabled',
    },
    containers: pod.containers.map((name, ci) => ({
      name,
      image:
        ci === 0
          ? `registry.example.com/${w.ref.namespace}/${w.app}:1.${mix(SEED, pod.index, 31) % 40}.${mix(SEED, pod.index, 32) % 10}`
          : 'docker.io/istio/proxyv2:1.22.3',
      resources:
        ci === 0
          ? {
              requests: { cpuCores: w.cpuRequest, memoryBytes: w.memoryRequest },
              limits: {
                memoryBytes: w.memoryLimit,
                ...(w.cpuLimit !== undefined && { cpuCores: w.cpuLimit }),
              },
            }
          : {
              requests: { cpuCores: 0.1, memoryBytes: 128 * MIB },
              limits: { memoryBytes: 256 * MIB },
            },
      ...(ci === 0 && w.app.includes('-indexer-') && { runtimeHints: ['-XX:MaxRAMPercentage=75'] }),
      state: { kind: 'running', startedAt },
      restartCount: mix(SEED, pod.index, 33) % 8 === 0 ? 1 : 0,
      init: false,
    })),
    createdAt: startedAt - 20_000,
  };
}

function nodeSnapshot(cluster: string, n: number, node: string, t: number): Node {
  const createdAt = t - 86_400_000 * (3 + (mix(SEED, n, 40) % 60));
  return {
    cluster,
    name: node,
    uid: uuid(SEED, n, 41),
    labels: {
      'kubernetes.io/hostname': node,
      'node.kubernetes.io/instance-type': 'm6i.4xlarge',
      'topology.kubernetes.io/zone': `eu-west-1${'abc'[n % 3]}`,
      'eks.amazonaws.com/nodegroup': n % 10 === 0 ? 'memory' : 'general',
    },
    pool: n % 10 === 0 ? 'memory' : 'general',
    capacity: { cpuCores: 16, memoryBytes: 64 * GIB },
    allocatable: { cpuCores: 15.89, memoryBytes: 61.5 * GIB },
    conditions: ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'].map((type) => ({
      type,
      status: type === 'Ready' ? 'True' : 'False',
      reason:
        type === 'Ready' ? 'KubeletReady' : `KubeletHasSufficient${type.replace('Pressure', '')}`,
      lastTransitionTime: createdAt + 60_000,
    })),
    unschedulable: false,
    createdAt,
    kubeletVersion: 'v1.30.4-eks-a737599',
  };
}

const EVENT_KINDS = [
  { type: 'Normal', reason: 'Pulled', message: 'Container image already present on machine' },
  { type: 'Normal', reason: 'Scheduled', message: 'Successfully assigned pod to node' },
  {
    type: 'Warning',
    reason: 'Unhealthy',
    message: 'Readiness probe failed: HTTP probe failed with statuscode: 503',
  },
  { type: 'Warning', reason: 'BackOff', message: 'Back-off restarting failed container' },
  { type: 'Warning', reason: 'OOMKilling', message: 'Memory cgroup out of memory: Killed process' },
] as const;

function kubeEvent(
  cluster: string,
  n: number,
  node: string,
  cycle: number,
  t: number,
  pods: readonly PodShape[],
): KubeEvent {
  const kind = EVENT_KINDS[mix(SEED, n, cycle, 50) % EVENT_KINDS.length]!;
  const pod = pods[mix(SEED, n, cycle, 51) % pods.length]!;
  const onNode = kind.reason === 'OOMKilling';
  return {
    cluster,
    uid: uuid(SEED, n, cycle, 52),
    type: kind.type,
    reason: kind.reason,
    message: onNode
      ? `${kind.message} ${mix(SEED, n, cycle, 53) % 90_000} (java), total-vm:${mix(SEED, n, 54) % 9_000_000}kB`
      : `${kind.message} (${pod.name})`,
    involvedObject: onNode
      ? { kind: 'Node', name: node, uid: node }
      : { kind: 'Pod', namespace: pod.workload.ref.namespace, name: pod.name, uid: pod.uid },
    count: 1 + (mix(SEED, n, cycle, 55) % 3),
    firstTimestamp: t - 30_000,
    lastTimestamp: t,
    sourceComponent: onNode ? 'kernel-monitor' : 'kubelet',
    sourceHost: node,
  };
}

function termination(
  cluster: string,
  node: string,
  pod: PodShape,
  t: number,
): ContainerTermination {
  const oom = mix(SEED, pod.index, t, 60) % 3 === 0;
  const w = pod.workload;
  return {
    cluster,
    namespace: w.ref.namespace,
    pod: pod.name,
    podUid: pod.uid,
    node,
    workload: w.ref,
    container: pod.containers[0]!,
    termination: {
      reason: oom ? 'OOMKilled' : 'Error',
      exitCode: oom ? 137 : 1,
      startedAt: t - 3_600_000 * (1 + (mix(SEED, pod.index, 61) % 6)),
      finishedAt: t - 2_000,
    },
    restartCount: 1 + (mix(SEED, pod.index, t, 62) % 9),
    requests: { cpuCores: w.cpuRequest, memoryBytes: w.memoryRequest },
    limits: {
      memoryBytes: w.memoryLimit,
      ...(w.cpuLimit !== undefined && { cpuCores: w.cpuLimit }),
    },
  };
}

function transition(cluster: string, node: string, t: number): NodeTransition {
  return {
    cluster,
    node,
    condition: 'MemoryPressure',
    from: 'False',
    to: 'True',
    at: t - 5_000,
    reason: 'KubeletHasInsufficientMemory',
  };
}

const LOG_MESSAGES = [
  'INFO  [http-nio-8080-exec-12] c.e.api.OrderController - GET /api/v2/orders/{id} 200 in 18 ms',
  'WARN  [pool-3-thread-7] c.e.cache.RedisClient - slow response from redis-master:6379 (412 ms)',
  'java.lang.OutOfMemoryError: Java heap space',
  '\tat java.base/java.util.Arrays.copyOf(Arrays.java:3537)',
  'level=info ts=2026-11-16T12:00:00.000Z caller=main.go:214 msg="flushed batch" series=4096',
  'panic: runtime error: invalid memory address or nil pointer dereference',
] as const;

function logLine(
  cluster: string,
  node: string,
  pod: PodShape,
  cycle: number,
  i: number,
  t: number,
): LogLine {
  const m = mix(SEED, pod.index, cycle, i, 70) % LOG_MESSAGES.length;
  const message = LOG_MESSAGES[m]!;
  return {
    cluster,
    timestamp: t - 1_000 + i,
    nanos: mix(SEED, pod.index, cycle, i, 71) % 1_000_000,
    namespace: pod.workload.ref.namespace,
    pod: pod.name,
    podUid: pod.uid,
    container: pod.containers[0]!,
    node,
    stream: m === 2 || m === 5 ? 'stderr' : 'stdout',
    message: `${message} [req ${hexId(16, SEED, pod.index, cycle, i)}]`,
    tags: m === 2 ? ['oom_java'] : m === 5 ? ['panic'] : [],
  };
}
