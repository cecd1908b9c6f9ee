// The kubelet's /metrics/resource (what metrics-server scrapes).
import type { Simulation } from '../model/simulation.js';
import type { NodeModel } from '../model/types.js';
import { Exposition } from './exposition.js';
import { nodeUsage } from './node-usage.js';

export function renderMetricsResource(sim: Simulation, node: NodeModel, t: number): string {
  const e = new Exposition();
  const usage = nodeUsage(sim, node, t);
  const ts = t - 1500;
  const cCpu = e.family(
    'container_cpu_usage_seconds_total',
    '[STABLE] Cumulative cpu time consumed by the container in core-seconds',
    'counter',
  );
  const cMem = e.family(
    'container_memory_working_set_bytes',
    '[STABLE] Current working set of the container in bytes',
    'gauge',
  );
  const cStart = e.family(
    'container_start_time_seconds',
    '[STABLE] Start time of the container since unix epoch in seconds',
    'gauge',
  );
  const nCpu = e.family(
    'node_cpu_usage_seconds_total',
    '[STABLE] Cumulative cpu time consumed by the node in core-seconds',
    'counter',
  );
  const nMem = e.family(
    'node_memory_working_set_bytes',
    '[STABLE] Current working set of the node in bytes',
    'gauge',
  );
  const pCpu = e.family(
    'pod_cpu_usage_seconds_total',
    '[STABLE] Cumulative cpu time consumed by the pod in core-seconds',
    'counter',
  );
  const pMem = e.family(
    'pod_memory_working_set_bytes',
    '[STABLE] Current working set of the pod in bytes',
    'gauge',
  );
  const scrapeError = e.family(
    'resource_scrape_error',
    '[STABLE] 1 if there was an error while getting container metrics, 0 otherwise',
    'gauge',
  );
  for (const p of usage.pods) {
    for (const c of p.containers) {
      const labels = { container: c.name, namespace: p.namespace, pod: p.name };
      cCpu(labels, Math.round(c.cpuSeconds * 1e6) / 1e6, ts);
      cMem(labels, c.workingSet, ts);
      cStart(labels, Math.floor(c.startedAt / 1000), ts);
    }
    const labels = { namespace: p.namespace, pod: p.name };
    pCpu(labels, Math.round(p.containers.reduce((s, c) => s + c.cpuSeconds, 0) * 1e6) / 1e6, ts);
    pMem(labels, p.containers.reduce((s, c) => s + c.workingSet, 0) + 1_200_000, ts);
  }
  nCpu({}, Math.round(usage.cpuSeconds * 1e6) / 1e6, ts);
  nMem({}, usage.workingSet, ts);
  scrapeError({}, 0);
  return e.text();
}
