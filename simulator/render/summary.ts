// Kubelet Summary API (/stats/summary), the shape of k8s.io/kubelet/pkg/apis/stats/v1alpha1.
import type { Simulation } from '../model/simulation.js';
import { mix } from '../model/rng.js';
import type { NodeModel } from '../model/types.js';
import { apiTime } from './quantity.js';
import { nodeUsage } from './node-usage.js';

const FS_CAPACITY = 103865303040;

export function renderSummary(
  sim: Simulation,
  node: NodeModel,
  t: number,
): Record<string, unknown> {
  const time = apiTime(t - 3000);
  const usage = nodeUsage(sim, node, t);
  const fs = (used: number) => ({
    time,
    availableBytes: FS_CAPACITY - 30e9 - used,
    capacityBytes: FS_CAPACITY,
    usedBytes: used,
    inodesFree: 6300000,
    inodes: 6400000,
    inodesUsed: 100000,
  });
  const net = (rx: number, tx: number) => ({
    time,
    name: 'eth0',
    rxBytes: rx,
    rxErrors: 0,
    txBytes: tx,
    txErrors: 0,
    interfaces: [{ name: 'eth0', rxBytes: rx, rxErrors: 0, txBytes: tx, txErrors: 0 }],
  });
  const mem = (ws: number, available?: number) => ({
    time,
    ...(available === undefined ? {} : { availableBytes: Math.max(0, available) }),
    usageBytes: Math.round(ws * 1.18),
    workingSetBytes: ws,
    rssBytes: Math.round(ws * 0.86),
    pageFaults: Math.round(ws / 3000),
    majorPageFaults: Math.round(ws / 9e6),
  });
  const cpu = (cores: number, seconds: number) => ({
    time,
    usageNanoCores: Math.round(cores * 1e9),
    usageCoreNanoSeconds: Math.round(seconds * 1e9),
  });
  const pods = usage.pods.map((p) => {
    const containers = p.containers.map((c) => ({
      name: c.name,
      startTime: apiTime(c.startedAt),
      cpu: cpu(c.cpuCores, c.cpuSeconds),
      memory: mem(c.workingSet, c.limit === undefined ? undefined : c.limit - c.workingSet),
      rootfs: fs(40960 + (mix(c.name.length, p.uid.length) % 100000)),
      logs: fs(1_000_000 + Math.round(c.cpuSeconds * 50)),
    }));
    const ws = p.containers.reduce((s, c) => s + c.workingSet, 0) + 1_200_000;
    const cores = p.containers.reduce((s, c) => s + c.cpuCores, 0);
    const seconds = p.containers.reduce((s, c) => s + c.cpuSeconds, 0);
    const rx = Math.round(seconds * 2e6);
    return {
      podRef: { name: p.name, namespace: p.namespace, uid: p.uid },
      startTime: apiTime(p.createdAt),
      containers,
      cpu: cpu(cores, seconds),
      memory: mem(ws),
      network: net(rx, Math.round(rx * 0.6)),
      volume: [
        {
          time,
          availableBytes: 8e9,
          capacityBytes: 8e9,
          usedBytes: 12288,
          inodesFree: 1e6,
          inodes: 1e6,
          inodesUsed: 9,
          name: 'kube-api-access',
        },
      ],
      'ephemeral-storage': fs(49152 + containers.length * 4096),
      process_stats: { process_count: containers.length * 3 },
    };
  });
  return {
    node: {
      nodeName: node.name,
      systemContainers: [
        {
          name: 'kubelet',
          startTime: apiTime(usage.kubeletStart),
          cpu: cpu(0.04, ((t - usage.kubeletStart) / 1000) * 0.04),
          memory: mem(Math.round(node.memoryBytes * 0.004)),
        },
        {
          name: 'runtime',
          startTime: apiTime(usage.bootTime),
          cpu: cpu(0.02, ((t - usage.bootTime) / 1000) * 0.02),
          memory: mem(Math.round(node.memoryBytes * 0.006)),
        },
        {
          name: 'pods',
          startTime: apiTime(usage.bootTime),
          cpu: cpu(usage.podCores, usage.podSeconds),
          memory: mem(usage.podWorkingSet, node.allocatableMemoryBytes - usage.podWorkingSet),
        },
      ],
      startTime: apiTime(usage.bootTime),
      cpu: cpu(usage.cores, usage.cpuSeconds),
      memory: mem(usage.workingSet, node.memoryBytes - usage.workingSet),
      network: net(Math.round(usage.cpuSeconds * 3e6), Math.round(usage.cpuSeconds * 2e6)),
      fs: fs(18e9),
      runtime: { imageFs: fs(9e9), containerFs: fs(9e9) },
      rlimit: { time, maxpid: 4194304, curproc: 300 + usage.pods.length * 6 },
    },
    pods,
  };
}
