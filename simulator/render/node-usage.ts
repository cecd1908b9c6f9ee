// Per-node usage at an instant, shared by the kubelet endpoints and cAdvisor: which containers run
// there and how much they use. Node totals add the system overhead to the pods.
import type { Simulation } from '../model/simulation.js';
import { REBOOT_DOWN_MS, rebootAtOf } from '../model/node-timeline.js';
import type { NodeModel } from '../model/types.js';

export interface ContainerUsage {
  name: string;
  image: string;
  containerId: string;
  startedAt: number;
  workingSet: number;
  cpuCores: number;
  cpuSeconds: number;
  periods: number;
  throttledPeriods: number;
  throttledSeconds: number;
  limit?: number;
  cpuLimit?: number;
  cpuRequest?: number;
  restarts: number;
  oomKills: number;
}

export interface PodUsage {
  name: string;
  namespace: string;
  uid: string;
  qosClass: string;
  createdAt: number;
  containers: ContainerUsage[];
}

export interface NodeUsage {
  pods: PodUsage[];
  bootTime: number;
  kubeletStart: number;
  podWorkingSet: number;
  podCores: number;
  podSeconds: number;
  workingSet: number;
  cores: number;
  cpuSeconds: number;
}

export function nodeUsage(sim: Simulation, node: NodeModel, t: number): NodeUsage {
  const pods: PodUsage[] = [];
  for (const view of sim.podsOnNodeAt(node, t)) {
    if (view.evicted) continue;
    const containers: ContainerUsage[] = [];
    for (const cv of view.containers) {
      const u = sim.containerUsage(view, cv, t);
      if (!u || !cv.run || !cv.containerId) continue;
      const runs = sim.pods.runs(view.pod, cv.index, t);
      const oomKills = runs.filter(
        (r) => r.end <= t && r.termination?.reason === 'OOMKilled',
      ).length;
      containers.push({
        name: cv.model.name,
        image: cv.model.image,
        containerId: cv.containerId,
        startedAt: cv.run.start,
        workingSet: u.memory,
        cpuCores: u.cpu.cores,
        cpuSeconds: u.cpu.seconds,
        periods: u.cpu.periods,
        throttledPeriods: u.cpu.throttledPeriods,
        throttledSeconds: u.cpu.throttledSeconds,
        ...(cv.model.limits.memoryBytes === undefined
          ? {}
          : { limit: cv.model.limits.memoryBytes }),
        ...(cv.model.limits.cpuCores === undefined ? {} : { cpuLimit: cv.model.limits.cpuCores }),
        ...(cv.model.requests.cpuCores === undefined
          ? {}
          : { cpuRequest: cv.model.requests.cpuCores }),
        restarts: cv.restartCount,
        oomKills,
      });
    }
    pods.push({
      name: view.pod.name,
      namespace: view.slot.workload.namespace,
      uid: view.pod.uid,
      qosClass: view.qosClass,
      createdAt: view.pod.createdAt,
      containers,
    });
  }
  const rebootAt = rebootAtOf(node);
  const rebooted = rebootAt !== undefined && t >= rebootAt + REBOOT_DOWN_MS;
  const bootTime = rebooted && rebootAt !== undefined ? rebootAt + 60_000 : node.createdAt;
  const cycle = sim.nodes.cycleAt(node, t);
  const kubeletStart =
    cycle?.kubeletRestart && t >= cycle.kubeletRestart.upAt
      ? cycle.kubeletRestart.upAt
      : bootTime + 20_000;
  let podWorkingSet = 0;
  let podCores = 0;
  let podSeconds = 0;
  for (const p of pods) {
    for (const c of p.containers) {
      podWorkingSet += c.workingSet;
      podCores += c.cpuCores;
      podSeconds += c.cpuSeconds;
    }
  }
  const systemCores = 0.08 + 0.015 * node.cpuCores;
  // Node CPU seconds since boot: a steady estimate, monotonic regardless of container restarts.
  const cpuSeconds = ((t - bootTime) / 1000) * (systemCores + node.allocatableCpuCores * 0.25);
  return {
    pods,
    bootTime,
    kubeletStart,
    podWorkingSet,
    podCores,
    podSeconds,
    workingSet: node.systemMemoryBytes + podWorkingSet,
    cores: systemCores + podCores,
    cpuSeconds,
  };
}
