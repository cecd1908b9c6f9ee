// A scenario for a real control plane (scripts/services.sh up kube): node pools as clouds make
// them (capacity, and allocatable after the system reservation and the eviction threshold) and
// workloads of every kind with requests and limits, created through the API server. The real
// scheduler places the pods by their requests and the real controllers name ReplicaSets, Jobs and
// pods; kwok plays the kubelets, and its Stages (scripts/services/kube/stages) play the failures
// the scenario asks for. What it asked for is the ground truth the findings are judged against.
import {
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  type KubeConfig,
  type V1Container,
  type V1PodTemplateSpec,
} from '@kubernetes/client-node';

const GiB = 1024 ** 3;
/** The kubelet's default hard eviction threshold, memory.available < 100Mi. */
const EVICTION_THRESHOLD_BYTES = 100 * 1024 ** 2;

export interface PoolSpec {
  readonly pool: string;
  readonly count: number;
  readonly instanceType: string;
  readonly cpu: number;
  readonly memoryGiB: number;
  /** kube-reserved + system-reserved, as node pools configure the kubelet. */
  readonly reservedCpu: number;
  readonly reservedMemoryGiB: number;
  /** Flap under memory pressure this often (a duration, e.g. `4s`); absent: healthy. */
  readonly flapEvery?: string;
}

export interface ContainerSpec {
  readonly name: string;
  readonly cpu: string;
  readonly memory: string;
  /** Memory limit; absent: none. */
  readonly limit?: string;
  /** OOM-killed this long after each start (a duration, e.g. `3s`); absent: never. */
  readonly oomEvery?: string;
}

export interface WorkloadSpec {
  readonly kind: 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'CronJob';
  readonly name: string;
  /** Deployment and StatefulSet; a DaemonSet runs one per node of the scenario. */
  readonly replicas?: number;
  /** CronJob. */
  readonly schedule?: string;
  readonly containers: readonly ContainerSpec[];
}

export interface Scenario {
  readonly pools: readonly PoolSpec[];
  readonly workloads: readonly WorkloadSpec[];
}

/** What the scenario made the cluster do: what a correct analysis finds, and nothing else. */
export interface GroundTruth {
  readonly namespace: string;
  readonly nodes: readonly string[];
  /** `<kind>/<name>/<container>` of every container OOM-killed in a loop. */
  readonly oomLoops: readonly string[];
  /** Every node that flaps under memory pressure. */
  readonly flappingNodes: readonly string[];
}

export interface AppliedScenario extends GroundTruth {
  /** Deletes everything the scenario created. */
  remove(): Promise<void>;
}

/** Allocatable as the kubelet computes it: capacity less reservations and the eviction threshold. */
export function allocatable(pool: PoolSpec): { cpu: string; memory: string } {
  const memory = (pool.memoryGiB - pool.reservedMemoryGiB) * GiB - EVICTION_THRESHOLD_BYTES;
  return {
    cpu: `${Math.round((pool.cpu - pool.reservedCpu) * 1000)}m`,
    memory: String(Math.round(memory)),
  };
}

function container(spec: ContainerSpec): V1Container {
  return {
    name: spec.name,
    image: `registry.local/${spec.name}:1`,
    resources: {
      requests: { cpu: spec.cpu, memory: spec.memory },
      ...(spec.limit === undefined ? {} : { limits: { memory: spec.limit } }),
    },
  };
}

function podTemplate(
  workload: WorkloadSpec,
  nodeSelector: Record<string, string>,
): V1PodTemplateSpec {
  const looping = workload.containers.filter((c) => c.oomEvery !== undefined);
  if (looping.length > 1) {
    throw new Error(`${workload.name}: kwok's OOM Stage loops one container per pod`);
  }
  const loop = looping[0];
  return {
    metadata: {
      labels: { app: workload.name },
      ...(loop
        ? {
            annotations: {
              'plimsoll.dev/oom-every': loop.oomEvery!,
              'plimsoll.dev/oom-container': loop.name,
            },
          }
        : {}),
    },
    spec: {
      nodeSelector,
      containers: workload.containers.map(container),
      ...(workload.kind === 'CronJob' ? { restartPolicy: 'Never' } : {}),
    },
  };
}

/**
 * Creates the scenario's nodes (kwok-managed, labelled with `id` so its pods land only there) and
 * a namespace holding its workloads.
 */
export async function applyScenario(
  kc: KubeConfig,
  scenario: Scenario,
  id: string,
): Promise<AppliedScenario> {
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const batch = kc.makeApiClient(BatchV1Api);
  const namespace = `scenario-${id}`;
  const selector = { 'plimsoll.dev/scenario': id };
  const nodes: string[] = [];
  const flappingNodes: string[] = [];
  for (const pool of scenario.pools) {
    for (let i = 0; i < pool.count; i++) {
      const name = `${pool.pool}-${id}-${i}`;
      await core.createNode({
        body: {
          metadata: {
            name,
            labels: {
              ...selector,
              'node.kubernetes.io/instance-type': pool.instanceType,
              'cloud.google.com/gke-nodepool': pool.pool,
            },
            annotations: {
              'kwok.x-k8s.io/node': 'fake',
              ...(pool.flapEvery ? { 'plimsoll.dev/flap-every': pool.flapEvery } : {}),
            },
          },
          status: {
            capacity: { cpu: String(pool.cpu), memory: `${pool.memoryGiB}Gi`, pods: '110' },
            allocatable: { ...allocatable(pool), pods: '110' },
          },
        },
      });
      nodes.push(name);
      if (pool.flapEvery) flappingNodes.push(name);
    }
  }
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  const oomLoops: string[] = [];
  for (const workload of scenario.workloads) {
    const template = podTemplate(workload, selector);
    const labels = { app: workload.name };
    const metadata = { name: workload.name, namespace };
    switch (workload.kind) {
      case 'Deployment':
        await apps.createNamespacedDeployment({
          namespace,
          body: {
            metadata,
            spec: { replicas: workload.replicas ?? 1, selector: { matchLabels: labels }, template },
          },
        });
        break;
      case 'StatefulSet':
        await apps.createNamespacedStatefulSet({
          namespace,
          body: {
            metadata,
            spec: {
              replicas: workload.replicas ?? 1,
              serviceName: workload.name,
              selector: { matchLabels: labels },
              template,
            },
          },
        });
        break;
      case 'DaemonSet':
        await apps.createNamespacedDaemonSet({
          namespace,
          body: { metadata, spec: { selector: { matchLabels: labels }, template } },
        });
        break;
      case 'CronJob':
        await batch.createNamespacedCronJob({
          namespace,
          body: {
            metadata,
            spec: {
              schedule: workload.schedule ?? '* * * * *',
              jobTemplate: { spec: { backoffLimit: 0, template } },
            },
          },
        });
        break;
    }
    for (const c of workload.containers) {
      if (c.oomEvery) oomLoops.push(`${workload.kind}/${workload.name}/${c.name}`);
    }
  }
  return {
    namespace,
    nodes,
    oomLoops,
    flappingNodes,
    remove: async () => {
      await core.deleteNamespace({ name: namespace }).catch(() => undefined);
      for (const name of nodes) await core.deleteNode({ name }).catch(() => undefined);
    },
  };
}
