// core/v1 Node objects.
import { cordonedAt } from '../model/node-timeline.js';
import type { Simulation } from '../model/simulation.js';
import { uuid } from '../model/rng.js';
import type { NodeModel } from '../model/types.js';
import { apiTime, cpuQuantity, kiQuantity } from './quantity.js';

export function renderNode(
  sim: Simulation,
  node: NodeModel,
  t: number,
  resourceVersion: string,
): Record<string, unknown> {
  const conditions = sim.nodes.conditionsAt(node, t);
  // Heartbeats: the kubelet reports status at least every 5 minutes (nodeStatusReportFrequency).
  const heartbeat = Math.floor(t / 300_000) * 300_000;
  const down = !sim.nodes.kubeletUp(node, t);
  const cordoned = cordonedAt(node, t);
  const arch = 'amd64';
  return {
    kind: 'Node',
    apiVersion: 'v1',
    metadata: {
      name: node.name,
      uid: node.uid,
      resourceVersion,
      creationTimestamp: apiTime(node.createdAt),
      labels: {
        'beta.kubernetes.io/arch': arch,
        'beta.kubernetes.io/os': 'linux',
        'kubernetes.io/arch': arch,
        'kubernetes.io/hostname': node.name,
        'kubernetes.io/os': 'linux',
        'node.kubernetes.io/instance-type': node.instanceType,
        'topology.kubernetes.io/region': node.region,
        'topology.kubernetes.io/zone': node.zone,
        [node.poolLabel]: node.pool,
      },
      annotations: {
        'node.alpha.kubernetes.io/ttl': '0',
        'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
      },
    },
    spec: {
      podCIDR: `10.${100 + (node.index >> 8)}.${node.index & 0xff}.0/24`,
      providerID: node.poolLabel.startsWith('cloud.google')
        ? `gce://sim-project/${node.zone}/${node.name}`
        : `aws:///${node.zone}/i-0${uuid(node.index, 7).replaceAll('-', '').slice(0, 16)}`,
      ...(cordoned ? { unschedulable: true } : {}),
      ...(down || cordoned
        ? {
            taints: [
              ...(cordoned && node.behaviour.kind === 'drain'
                ? [
                    {
                      key: 'node.kubernetes.io/unschedulable',
                      effect: 'NoSchedule',
                      timeAdded: apiTime(node.behaviour.at),
                    },
                  ]
                : []),
              ...(down
                ? [
                    {
                      key: 'node.kubernetes.io/unreachable',
                      effect: 'NoSchedule',
                      timeAdded: apiTime(t),
                    },
                  ]
                : []),
            ],
          }
        : {}),
    },
    status: {
      capacity: {
        cpu: cpuQuantity(node.cpuCores),
        'ephemeral-storage': '101430960Ki',
        'hugepages-1Gi': '0',
        'hugepages-2Mi': '0',
        memory: kiQuantity(node.memoryBytes),
        pods: String(node.podsCapacity),
      },
      allocatable: {
        cpu: cpuQuantity(node.allocatableCpuCores),
        'ephemeral-storage': '93478772582',
        'hugepages-1Gi': '0',
        'hugepages-2Mi': '0',
        memory: kiQuantity(node.allocatableMemoryBytes),
        pods: String(node.podsCapacity),
      },
      conditions: conditions.map((c) => ({
        type: c.type,
        status: c.status,
        lastHeartbeatTime: apiTime(
          c.status === 'Unknown'
            ? c.lastTransitionTime - 40_000
            : Math.max(heartbeat, c.lastTransitionTime),
        ),
        lastTransitionTime: apiTime(c.lastTransitionTime),
        reason: c.reason,
        message: c.message,
      })),
      addresses: [
        { type: 'InternalIP', address: node.internalIp },
        { type: 'Hostname', address: node.name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: uuid(node.index, 8).replaceAll('-', ''),
        systemUUID: uuid(node.index, 9),
        bootID: uuid(sim.nodes.bootId(node, t)),
        kernelVersion: '6.1.94-99.176.amzn2023.x86_64',
        osImage: 'Amazon Linux 2023.5.20240701',
        containerRuntimeVersion: 'containerd://1.7.11',
        kubeletVersion: node.kubeletVersion,
        kubeProxyVersion: node.kubeletVersion,
        operatingSystem: 'linux',
        architecture: arch,
      },
    },
  };
}
