// The kubelet's cAdvisor series: per container instance (one per run: cAdvisor's id and name
// change on restart, which also resets the counters) the working set, CPU and CFS counters and
// start time, plus each node's root cgroup. No samples while the kubelet is down: the scrape fails.
// The legacy dialect is cAdvisor before Kubernetes 1.16: `container_name`/`pod_name`, cgroupfs
// paths and docker-style names.
import { qosClass } from '../../model/simulation.js';
import type { Run } from '../../model/pod-timeline.js';
import { REBOOT_DOWN_MS, rebootAtOf } from '../../model/node-timeline.js';
import type { ContainerModel, NodeModel } from '../../model/types.js';
import type { Labels } from '../../render/exposition.js';
import { family, KUBELET_JOB, type ExportContext } from './context.js';
import { nodeLife } from './node-life.js';
import { rootWorkingSet } from './node-memory.js';
import { podsInWindow, type PodLife } from './pod-life.js';
import { constant, outside, sampled } from './window.js';
import type { Point } from './writer.js';

type CpuSample = ReturnType<ExportContext['sim']['usage']['cpu']>;

interface Instance {
  life: PodLife;
  node: NodeModel;
  ci: number;
  c: ContainerModel;
  run: Run;
  /** Running within the pod's life: [from, to). */
  from: number;
  to: number;
  labels: Labels;
}

/** The pod's cgroup as the systemd driver names it (render/cadvisor.ts). */
function systemdPodCgroup(qos: string, uid: string): string {
  const u = uid.replaceAll('-', '_');
  if (qos === 'Guaranteed') return `/kubepods.slice/kubepods-pod${u}.slice`;
  const q = qos.toLowerCase();
  return `/kubepods.slice/kubepods-${q}.slice/kubepods-${q}-pod${u}.slice`;
}

function instanceLabels(
  ctx: ExportContext,
  node: NodeModel,
  life: PodLife,
  ci: number,
  c: ContainerModel,
  run: Run,
): Labels {
  const { pod, slot } = life;
  const cid = ctx.sim.containerId(pod, ci, run.index).replace(/^[a-z]+:\/\//, '');
  const qos = qosClass(slot.workload.containers);
  const namespace = slot.workload.namespace;
  if (ctx.opts.cadvisorLabels === 'legacy') {
    const q = qos === 'Guaranteed' ? '' : `/${qos.toLowerCase()}`;
    return {
      ...KUBELET_JOB,
      node: node.name,
      container_name: c.name,
      id: `/kubepods${q}/pod${pod.uid}/${cid}`,
      image: c.image,
      name: `k8s_${c.name}_${pod.name}_${namespace}_${pod.uid}_${run.index}`,
      namespace,
      pod_name: pod.name,
    };
  }
  return {
    ...KUBELET_JOB,
    node: node.name,
    container: c.name,
    id: `${systemdPodCgroup(qos, pod.uid)}/cri-containerd-${cid}.scope`,
    image: c.image,
    name: cid,
    namespace,
    pod: pod.name,
  };
}

/** Every container instance running at some grid time of the window, pod by pod. */
function* instances(ctx: ExportContext): Generator<Instance> {
  const { sim, grid } = ctx;
  for (const life of podsInWindow(sim, grid.from, grid.to)) {
    // Only a pod bound to a node has containers.
    const node = life.slot.node;
    if (!node) continue;
    const podEnd = Math.min(life.runEnd, grid.to);
    const containers = life.slot.workload.containers;
    for (let ci = 0; ci < containers.length; ci++) {
      const c = containers[ci];
      if (!c) continue;
      for (const run of sim.pods.runs(life.pod, ci, podEnd)) {
        if (run.start >= podEnd) break;
        const to = Math.min(run.end, podEnd);
        if (to <= grid.from) continue;
        const from = Math.max(run.start, life.from);
        const labels = instanceLabels(ctx, node, life, ci, c, run);
        yield { life, node, ci, c, run, from, to, labels };
      }
    }
  }
}

/** One series per instance, skipping the kubelet's downtime. */
async function perInstance(
  ctx: ExportContext,
  value: (i: Instance) => ((t: number) => number) | undefined,
  extra: Labels = {},
): Promise<void> {
  for (const i of instances(ctx)) {
    const f = value(i);
    if (!f) continue;
    const down = ctx.down.kubelet(i.node);
    await ctx.w.series(
      { ...i.labels, ...extra },
      outside(sampled(ctx.grid, i.from, i.to, f), down),
    );
  }
}

/** Each node's root cgroup (id="/"), over its life, skipping the kubelet's downtime. */
async function perNodeRoot(
  ctx: ExportContext,
  points: (node: NodeModel, from: number, to: number) => Iterable<Point>,
  extra: Labels = {},
): Promise<void> {
  for (const node of ctx.sim.model.nodes) {
    const [from, to] = nodeLife(node);
    await ctx.w.series(
      { ...KUBELET_JOB, ...extra, id: '/', node: node.name },
      outside(points(node, from, to), ctx.down.kubelet(node)),
    );
  }
}

/** Node CPU seconds since boot, as render/node-usage.ts estimates it (resets with a reboot). */
function rootCpuSeconds(node: NodeModel, t: number): number {
  const rebootAt = rebootAtOf(node);
  const bootTime =
    rebootAt !== undefined && t >= rebootAt + REBOOT_DOWN_MS ? rebootAt + 60_000 : node.createdAt;
  const systemCores = 0.08 + 0.015 * node.cpuCores;
  return round(((t - bootTime) / 1000) * (systemCores + node.allocatableCpuCores * 0.25));
}

const round = (v: number) => Math.round(v * 1000) / 1000;

export async function writeCadvisorFamilies(ctx: ExportContext): Promise<void> {
  const { sim, grid } = ctx;
  const cpu = (i: Instance, pick: (s: CpuSample) => number) => (t: number) =>
    pick(sim.usage.cpu(i.life.pod, i.ci, i.run, t));
  await family(
    ctx,
    'container_memory_working_set_bytes',
    'gauge',
    'Current working set in bytes.',
    async () => {
      await perInstance(ctx, (i) => (t) => sim.usage.memory(i.life.pod, i.ci, i.run, t));
      await perNodeRoot(ctx, (node, from, to) => rootWorkingSet(ctx, node, from, to));
    },
  );
  await family(
    ctx,
    'container_cpu_usage_seconds',
    'counter',
    'Cumulative cpu time consumed in seconds.',
    async () => {
      const total = { cpu: 'total' };
      await perInstance(ctx, (i) => cpu(i, (s) => round(s.seconds)), total);
      await perNodeRoot(
        ctx,
        (node, from, to) => sampled(grid, from, to, (t) => rootCpuSeconds(node, t)),
        total,
      );
    },
  );
  await family(
    ctx,
    'container_cpu_cfs_periods',
    'counter',
    'Number of elapsed enforcement period intervals.',
    () =>
      perInstance(ctx, (i) =>
        i.c.limits.cpuCores === undefined ? undefined : cpu(i, (s) => s.periods),
      ),
  );
  await family(
    ctx,
    'container_cpu_cfs_throttled_periods',
    'counter',
    'Number of throttled period intervals.',
    () =>
      perInstance(ctx, (i) =>
        i.c.limits.cpuCores === undefined ? undefined : cpu(i, (s) => s.throttledPeriods),
      ),
  );
  await family(
    ctx,
    'container_start_time_seconds',
    'gauge',
    'Start time of the container since unix epoch in seconds.',
    async () => {
      for (const i of instances(ctx))
        await ctx.w.series(
          i.labels,
          outside(
            constant(grid, i.from, i.to, Math.floor(i.run.start / 1000)),
            ctx.down.kubelet(i.node),
          ),
        );
    },
  );
}
