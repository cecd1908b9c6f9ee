// The ordinary, correctly sized services and daemons every scenario starts from. Their requests
// sit just above their own peak usage, so an analyzer should find nothing to say about them.
import type { ClusterBuilder, WorkloadSpec } from '../model/builder.js';
import { HOUR, DAY, MI, type ContainerModel, type LogStyle } from '../model/types.js';

const TEAMS: Record<string, string> = {
  payments: 'payments',
  checkout: 'shop',
  catalog: 'shop',
  search: 'discovery',
  auth: 'identity',
  data: 'data',
  ml: 'ml',
  web: 'frontend',
};

const NAMES = [
  'api',
  'gateway',
  'worker',
  'web',
  'indexer',
  'scheduler',
  'notifier',
  'consumer',
  'cache',
  'renderer',
  'ledger',
  'session',
  'pricing',
  'inventory',
  'thumbnailer',
  'feed',
];

export const roundCpu = (cores: number) => Math.max(0.01, Math.round(cores * 100) / 100);
export const roundMem = (bytes: number) =>
  Math.max(16 * MI, Math.round(bytes / (16 * MI)) * 16 * MI);

/** A container whose requests fit its usage (the "nothing to find" baseline). */
export function wellSized(
  b: ClusterBuilder,
  name: string,
  image: string,
  cpuCores: number,
  memoryBytes: number,
  logStyle: LogStyle,
): ContainerModel {
  const cpuAmplitude = 0.2 + b.rng.next() * 0.3;
  const memoryAmplitude = 0.05 + b.rng.next() * 0.1;
  const cpuPeak = cpuCores * (1 + cpuAmplitude);
  const memPeak = memoryBytes * (1 + memoryAmplitude);
  const memRequest = roundMem(memPeak * (1.1 + b.rng.next() * 0.2));
  const hasCpuLimit = b.rng.next() < 0.4;
  return {
    name,
    image,
    requests: {
      cpuCores: roundCpu(cpuPeak * (1.05 + b.rng.next() * 0.25)),
      memoryBytes: memRequest,
    },
    limits: {
      memoryBytes: roundMem(memRequest * (1.25 + b.rng.next() * 0.5)),
      ...(hasCpuLimit ? { cpuCores: roundCpu(cpuPeak * 2.5) } : {}),
    },
    port: 8080,
    usage: { cpuCores, cpuAmplitude, memoryBytes, memoryAmplitude },
    behaviour: { kind: 'steady' },
    logStyle,
  };
}

/** kube-proxy, log shipper and node exporter on every node. */
export function addDaemonSets(b: ClusterBuilder): void {
  const daemons: [string, string, string, number, number, LogStyle][] = [
    ['kube-system', 'kube-proxy', 'registry.k8s.io/kube-proxy:v1.29.6', 0.02, 28 * MI, 'agent'],
    ['logging', 'fluent-bit', 'cr.fluentbit.io/fluent/fluent-bit:3.0.7', 0.03, 60 * MI, 'agent'],
    [
      'monitoring',
      'node-exporter',
      'quay.io/prometheus/node-exporter:v1.8.1',
      0.01,
      22 * MI,
      'agent',
    ],
  ];
  for (const [namespace, name, image, cpu, mem, style] of daemons) {
    b.addWorkload({
      kind: 'DaemonSet',
      namespace,
      name,
      replicas: 0,
      labels: { 'app.kubernetes.io/name': name },
      containers: [wellSized(b, name, image, cpu, mem, style)],
      rolloutEveryMs: null,
      rolloutPhaseMs: 0,
      priorityClassName: 'system-node-critical',
    });
  }
}

/**
 * How full ordinary services may make a pool (requests over allocatable, cpu and memory): what a
 * cluster autoscaler keeps a busy cluster at, leaving the scheduler room to place rollouts.
 */
export const SERVICES_MAX_REQUESTED = 0.9;

/**
 * Fills the cluster with ordinary services until about `pods` replicas exist, or until one more
 * service would take the requests on the pool past `maxRequested` of its allocatable.
 */
export function addServices(
  b: ClusterBuilder,
  pods: number,
  pool?: string,
  maxRequested = SERVICES_MAX_REQUESTED,
): void {
  let made = 0;
  let n = 0;
  const namespaces = Object.keys(TEAMS);
  const { requested, allocatable } = b.requestsOn(pool);
  while (made < pods) {
    const namespace = namespaces[n % namespaces.length] ?? 'default';
    const base = NAMES[Math.floor(n / namespaces.length) % NAMES.length] ?? 'svc';
    const round = Math.floor(n / (namespaces.length * NAMES.length));
    const name = round === 0 ? base : `${base}-${round + 1}`;
    const stateful = b.rng.next() < 0.08;
    const replicas = Math.min(pods - made, stateful ? 3 : b.rng.int(2, 12));
    const jvm = b.rng.next() < 0.2;
    const cpu = 0.02 + b.rng.next() ** 2 * 0.4;
    const mem = (96 + b.rng.next() ** 2 * 900) * MI * (jvm ? 1.6 : 1);
    const image = jvm
      ? `registry.example.com/${namespace}/${name}:2.${b.rng.int(1, 40)}.${b.rng.int(0, 9)}`
      : `registry.example.com/${namespace}/${name}:v1.${b.rng.int(0, 30)}.${b.rng.int(0, 9)}`;
    const main = wellSized(b, name, image, cpu, mem, stateful ? 'worker' : 'web');
    if (jvm && main.limits.memoryBytes !== undefined) {
      const heapMi = Math.floor((main.limits.memoryBytes * 0.6) / MI);
      main.env = [{ name: 'JAVA_TOOL_OPTIONS', value: `-Xmx${heapMi}m -XX:+UseG1GC` }];
    }
    const cpuAfter = requested.cpu + replicas * (main.requests.cpuCores ?? 0);
    const memoryAfter = requested.memory + replicas * (main.requests.memoryBytes ?? 0);
    if (
      cpuAfter > maxRequested * allocatable.cpu ||
      memoryAfter > maxRequested * allocatable.memory
    )
      break;
    requested.cpu = cpuAfter;
    requested.memory = memoryAfter;
    const spec: WorkloadSpec = {
      kind: stateful ? 'StatefulSet' : 'Deployment',
      namespace,
      name,
      replicas,
      labels: { app: name, team: TEAMS[namespace] ?? 'platform' },
      containers: [main],
      // Most services ship every few days; some are left alone for weeks.
      rolloutEveryMs: b.rng.next() < 0.7 ? Math.round((1 + b.rng.next() * 6) * DAY) : null,
      rolloutPhaseMs: Math.round(b.rng.next() * 7 * DAY + 9 * HOUR),
      ...(pool ? { pool } : {}),
    };
    b.addWorkload(spec);
    made += replicas;
    n++;
  }
}
