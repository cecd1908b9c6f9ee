// The kubelet's /metrics/cadvisor: container_* series labelled the way the kubelet's embedded
// cAdvisor labels them (container, id, image, name, namespace, pod), with sample timestamps.
import type { Simulation } from '../model/simulation.js';
import type { NodeModel } from '../model/types.js';
import { Exposition } from './exposition.js';
import { nodeUsage } from './node-usage.js';

function podCgroup(qos: string, uid: string): string {
  const u = uid.replaceAll('-', '_');
  if (qos === 'Guaranteed') return `/kubepods.slice/kubepods-pod${u}.slice`;
  const q = qos.toLowerCase();
  return `/kubepods.slice/kubepods-${q}.slice/kubepods-${q}-pod${u}.slice`;
}

export function renderCadvisor(sim: Simulation, node: NodeModel, t: number): string {
  const e = new Exposition();
  const usage = nodeUsage(sim, node, t);
  const ts = t - 2000;
  const version = e.family(
    'cadvisor_version_info',
    "A metric with a constant '1' value labeled by kernel version, OS version, docker version, cadvisor version & cadvisor revision.",
    'gauge',
  );
  version(
    {
      cadvisorRevision: '',
      cadvisorVersion: '',
      dockerVersion: '',
      kernelVersion: '6.1.94-99.176.amzn2023.x86_64',
      osVersion: 'Amazon Linux 2023.5.20240701',
    },
    1,
  );
  const cpu = e.family(
    'container_cpu_usage_seconds_total',
    'Cumulative cpu time consumed in seconds.',
    'counter',
  );
  const periods = e.family(
    'container_cpu_cfs_periods_total',
    'Number of elapsed enforcement period intervals.',
    'counter',
  );
  const throttledPeriods = e.family(
    'container_cpu_cfs_throttled_periods_total',
    'Number of throttled period intervals.',
    'counter',
  );
  const throttledSeconds = e.family(
    'container_cpu_cfs_throttled_seconds_total',
    'Total time duration the container has been throttled.',
    'counter',
  );
  const lastSeen = e.family(
    'container_last_seen',
    'Last time a container was seen by the exporter',
    'gauge',
  );
  const cache = e.family(
    'container_memory_cache',
    'Number of bytes of page cache memory.',
    'gauge',
  );
  const failcnt = e.family(
    'container_memory_failcnt',
    'Number of memory usage hits limits',
    'counter',
  );
  const rss = e.family('container_memory_rss', 'Size of RSS in bytes.', 'gauge');
  const usageBytes = e.family(
    'container_memory_usage_bytes',
    'Current memory usage in bytes, including all memory regardless of when it was accessed',
    'gauge',
  );
  const ws = e.family(
    'container_memory_working_set_bytes',
    'Current working set in bytes.',
    'gauge',
  );
  const oom = e.family(
    'container_oom_events_total',
    'Count of out of memory events observed for the container',
    'counter',
  );
  const cpuPeriod = e.family('container_spec_cpu_period', 'CPU period of the container.', 'gauge');
  const cpuQuota = e.family('container_spec_cpu_quota', 'CPU quota of the container.', 'gauge');
  const cpuShares = e.family('container_spec_cpu_shares', 'CPU share of the container.', 'gauge');
  const memLimit = e.family(
    'container_spec_memory_limit_bytes',
    'Memory limit for the container.',
    'gauge',
  );
  const start = e.family(
    'container_start_time_seconds',
    'Start time of the container since unix epoch in seconds.',
    'gauge',
  );
  const rootLabels = { container: '', id: '/', image: '', name: '', namespace: '', pod: '' };
  cpu({ ...rootLabels, cpu: 'total' }, round(usage.cpuSeconds), ts);
  ws(rootLabels, usage.workingSet, ts);
  usageBytes(rootLabels, Math.round(usage.workingSet * 1.3), ts);
  rss(rootLabels, Math.round(usage.workingSet * 0.8), ts);
  for (const p of usage.pods) {
    const podId = podCgroup(p.qosClass, p.uid);
    const podLabels = {
      container: '',
      id: podId,
      image: '',
      name: '',
      namespace: p.namespace,
      pod: p.name,
    };
    const podWs = p.containers.reduce((s, c) => s + c.workingSet, 0) + 1_200_000;
    cpu(
      { ...podLabels, cpu: 'total' },
      round(p.containers.reduce((s, c) => s + c.cpuSeconds, 0)),
      ts,
    );
    ws(podLabels, podWs, ts);
    usageBytes(podLabels, Math.round(podWs * 1.15), ts);
    for (const c of p.containers) {
      const cid = c.containerId.replace('containerd://', '');
      const labels = {
        container: c.name,
        id: `${podId}/cri-containerd-${cid}.scope`,
        image: c.image,
        name: cid,
        namespace: p.namespace,
        pod: p.name,
      };
      cpu({ ...labels, cpu: 'total' }, round(c.cpuSeconds), ts);
      if (c.cpuLimit !== undefined) {
        periods(labels, c.periods, ts);
        throttledPeriods(labels, c.throttledPeriods, ts);
        throttledSeconds(labels, round(c.throttledSeconds), ts);
      }
      lastSeen(labels, Math.floor(t / 1000), ts);
      cache(labels, Math.round(c.workingSet * 0.12), ts);
      failcnt(labels, 0, ts);
      rss(labels, Math.round(c.workingSet * 0.9), ts);
      usageBytes(labels, Math.round(c.workingSet * 1.12), ts);
      ws(labels, c.workingSet, ts);
      oom(labels, c.oomKills, ts);
      cpuPeriod(labels, 100000, ts);
      if (c.cpuLimit !== undefined) cpuQuota(labels, Math.round(c.cpuLimit * 100000), ts);
      cpuShares(labels, Math.max(2, Math.round((c.cpuRequest ?? 0.002) * 1024)), ts);
      memLimit(labels, c.limit ?? 0, ts);
      start(labels, c.startedAt / 1000, ts);
    }
  }
  const machineCores = e.family('machine_cpu_cores', 'Number of logical CPU cores.', 'gauge');
  const machineMemory = e.family(
    'machine_memory_bytes',
    'Amount of memory installed on the machine.',
    'gauge',
  );
  const machineLabels = { boot_id: '', machine_id: '', system_uuid: '' };
  machineCores(machineLabels, node.cpuCores);
  machineMemory(machineLabels, node.memoryBytes);
  return e.text();
}

function round(v: number): number {
  return Math.round(v * 1e6) / 1e6;
}
