// History as an OpenMetrics file for `promtool tsdb create-blocks-from openmetrics`: every family
// contiguous, every series in time order, timestamps in seconds, `# EOF` at the end. Written series
// by series straight from the timeline, so weeks of history never sit in memory.
import type { Writable } from 'node:stream';
import type { Simulation } from '../model/simulation.js';
import type { Incarnation } from '../model/pod-timeline.js';
import type { Slot } from '../model/types.js';
import { labelText, type Labels } from '../render/exposition.js';
import { ownerOf, resourceSeries } from '../render/ksm.js';

export interface ExportOptions {
  /** Virtual epoch ms of the first sample. */
  from: number;
  /** Virtual epoch ms (exclusive). */
  to: number;
  /** Sample spacing (default 60 s, a common scrape interval). */
  stepMs?: number;
}

export interface ExportSummary {
  series: number;
  samples: number;
  bytes: number;
}

const CONDITIONS = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'] as const;
const NORMAL: Record<string, string> = {
  Ready: 'True',
  MemoryPressure: 'False',
  DiskPressure: 'False',
  PIDPressure: 'False',
};

class Writer {
  private buffer = '';
  summary: ExportSummary = { series: 0, samples: 0, bytes: 0 };

  constructor(private readonly out: Writable) {}

  family(name: string, type: 'gauge' | 'counter', help: string): void {
    this.buffer += `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n`;
  }

  /** One series: samples as [ms, value] pairs in increasing time. */
  series(name: string, labels: Labels, points: Iterable<[number, number]>): void {
    const prefix = `${name}${labelText(labels)} `;
    let any = false;
    for (const [t, v] of points) {
      this.buffer += `${prefix}${v} ${t / 1000}\n`;
      this.summary.samples++;
      any = true;
    }
    if (any) this.summary.series++;
  }

  async flush(force = false): Promise<void> {
    if (!force && this.buffer.length < 1 << 20) return;
    const chunk = this.buffer;
    this.buffer = '';
    this.summary.bytes += Buffer.byteLength(chunk);
    if (!this.out.write(chunk))
      await new Promise<void>((resolve) => this.out.once('drain', resolve));
  }
}

function* grid(from: number, to: number, step: number): Generator<number> {
  for (let t = Math.ceil(from / step) * step; t < to; t += step) yield t;
}

function* constant(
  from: number,
  to: number,
  step: number,
  value: number,
): Generator<[number, number]> {
  for (const t of grid(from, to, step)) yield [t, value];
}

export async function exportOpenMetrics(
  sim: Simulation,
  out: Writable,
  options: ExportOptions,
): Promise<ExportSummary> {
  const step = options.stepMs ?? 60_000;
  const { from, to } = options;
  if (!(to > from) || !(step >= 1000))
    throw new Error('export needs from < to and a step of at least 1 s');
  const w = new Writer(out);
  const model = sim.model;
  const ksm = { job: 'kube-state-metrics' };
  const kubelet = { job: 'kubelet', metrics_path: '/metrics/cadvisor' };

  // Pods alive in the window, per slot (incarnation lists are reused by every family).
  const podsBySlot: { slot: Slot; pods: Incarnation[] }[] = model.slots.map((slot) => ({
    slot,
    pods: sim.pods.incarnationsBetween(slot, from, to),
  }));
  const life = (pod: Incarnation): [number, number] => [
    Math.max(from, pod.createdAt),
    Math.min(to, pod.endKind === 'evicted' ? pod.endsAt : pod.endsAt + 30_000),
  ];

  w.family('kube_node_status_condition', 'gauge', 'The condition of a cluster node.');
  for (const node of model.nodes) {
    const changes = sim.nodes.changesBetween(node, from - 3 * 86_400_000, to);
    for (const condition of CONDITIONS) {
      const mine = changes.filter((c) => c.condition === condition);
      for (const status of ['true', 'false', 'unknown']) {
        const points = function* (): Generator<[number, number]> {
          let i = 0;
          let current = NORMAL[condition] ?? 'False';
          for (const t of grid(Math.max(from, node.createdAt), to, step)) {
            while (i < mine.length && (mine[i]?.at ?? Infinity) <= t)
              current = mine[i++]?.status ?? current;
            yield [t, current.toLowerCase() === status ? 1 : 0];
          }
        };
        w.series(
          'kube_node_status_condition',
          { ...ksm, node: node.name, condition, status },
          points(),
        );
      }
    }
    await w.flush();
  }
  for (const [family, help, pick] of [
    [
      'kube_node_status_capacity',
      'The capacity for different resources of a node.',
      (n: (typeof model.nodes)[number]) => [n.cpuCores, n.memoryBytes] as const,
    ],
    [
      'kube_node_status_allocatable',
      'The allocatable for different resources of a node that are available for scheduling.',
      (n: (typeof model.nodes)[number]) =>
        [n.allocatableCpuCores, n.allocatableMemoryBytes] as const,
    ],
  ] as const) {
    w.family(family, 'gauge', help);
    for (const node of model.nodes) {
      const [cpu, mem] = pick(node);
      w.series(
        family,
        { ...ksm, node: node.name, resource: 'cpu', unit: 'core' },
        constant(node.createdAt > from ? node.createdAt : from, to, step, cpu),
      );
      w.series(
        family,
        { ...ksm, node: node.name, resource: 'memory', unit: 'byte' },
        constant(node.createdAt > from ? node.createdAt : from, to, step, mem),
      );
      w.series(
        family,
        { ...ksm, node: node.name, resource: 'pods', unit: 'integer' },
        constant(node.createdAt > from ? node.createdAt : from, to, step, node.podsCapacity),
      );
    }
    await w.flush();
  }

  w.family('kube_pod_info', 'gauge', 'Information about pod.');
  for (const { slot, pods } of podsBySlot) {
    for (const pod of pods) {
      const view = { slot, pod };
      const o = ownerOf(view);
      const [a, b] = life(pod);
      w.series(
        'kube_pod_info',
        {
          ...ksm,
          namespace: slot.workload.namespace,
          pod: pod.name,
          uid: pod.uid,
          node: slot.node.name,
          host_ip: slot.node.internalIp,
          created_by_kind: o.kind,
          created_by_name: o.name,
        },
        constant(a, b, step, 1),
      );
    }
    await w.flush();
  }
  w.family('kube_pod_owner', 'gauge', "Information about the Pod's owner.");
  for (const { slot, pods } of podsBySlot) {
    for (const pod of pods) {
      const o = ownerOf({ slot, pod });
      const [a, b] = life(pod);
      w.series(
        'kube_pod_owner',
        {
          ...ksm,
          namespace: slot.workload.namespace,
          pod: pod.name,
          uid: pod.uid,
          owner_kind: o.kind,
          owner_name: o.name,
          owner_is_controller: 'true',
        },
        constant(a, b, step, 1),
      );
    }
    await w.flush();
  }
  for (const [family, help, side] of [
    [
      'kube_pod_container_resource_requests',
      'The number of requested request resource by a container.',
      'requests',
    ],
    [
      'kube_pod_container_resource_limits',
      'The number of requested limit resource by a container.',
      'limits',
    ],
  ] as const) {
    w.family(family, 'gauge', help);
    for (const { slot, pods } of podsBySlot) {
      for (const pod of pods) {
        const [a, b] = life(pod);
        for (const c of slot.workload.containers) {
          for (const r of resourceSeries(c[side])) {
            w.series(
              family,
              {
                ...ksm,
                namespace: slot.workload.namespace,
                pod: pod.name,
                uid: pod.uid,
                container: c.name,
                node: slot.node.name,
                resource: r.resource,
                unit: r.unit,
              },
              constant(a, b, step, r.value),
            );
          }
        }
      }
      await w.flush();
    }
  }

  // Restart counters and last-terminated state follow the runs of each container.
  w.family(
    'kube_pod_container_status_restarts',
    'counter',
    'The number of container restarts per container.',
  );
  for (const { slot, pods } of podsBySlot) {
    for (const pod of pods) {
      const [a, b] = life(pod);
      slot.workload.containers.forEach((c, ci) => {
        const runs = sim.pods.runs(pod, ci, b);
        const points = function* (): Generator<[number, number]> {
          let i = 0;
          let count = 0;
          for (const t of grid(a, b, step)) {
            while (i < runs.length && (runs[i]?.end ?? Infinity) <= t) {
              i++;
              count++;
            }
            yield [t, count];
          }
        };
        w.series(
          'kube_pod_container_status_restarts_total',
          {
            ...ksm,
            namespace: slot.workload.namespace,
            pod: pod.name,
            uid: pod.uid,
            container: c.name,
          },
          points(),
        );
      });
    }
    await w.flush();
  }
  w.family(
    'kube_pod_container_status_last_terminated_reason',
    'gauge',
    'Describes the last reason the container was in terminated state.',
  );
  // Exit code and finish time of the same last termination, written after the reasons.
  const exitcodes: { labels: Labels; points: [number, number][] }[] = [];
  const finishTimes: { labels: Labels; points: [number, number][] }[] = [];
  for (const { slot, pods } of podsBySlot) {
    for (const pod of pods) {
      const [a, b] = life(pod);
      slot.workload.containers.forEach((c, ci) => {
        const runs = sim.pods.runs(pod, ci, b).filter((r) => r.termination && r.end < b);
        if (runs.length === 0) return;
        const base = {
          ...ksm,
          namespace: slot.workload.namespace,
          pod: pod.name,
          uid: pod.uid,
          container: c.name,
        };
        const byReason = new Map<string, [number, number][]>();
        const codes: [number, number][] = [];
        const times: [number, number][] = [];
        let i = -1;
        for (const t of grid(a, b, step)) {
          while (i + 1 < runs.length && (runs[i + 1]?.end ?? Infinity) <= t) i++;
          const run = runs[i];
          if (!run?.termination) continue;
          const list = byReason.get(run.termination.reason) ?? [];
          list.push([t, 1]);
          byReason.set(run.termination.reason, list);
          codes.push([t, run.termination.exitCode]);
          times.push([t, Math.floor(run.end / 1000)]);
        }
        for (const [reason, points] of byReason)
          w.series('kube_pod_container_status_last_terminated_reason', { ...base, reason }, points);
        if (codes.length > 0) exitcodes.push({ labels: base, points: codes });
        if (times.length > 0) finishTimes.push({ labels: base, points: times });
      });
    }
    await w.flush();
  }
  w.family(
    'kube_pod_container_status_last_terminated_exitcode',
    'gauge',
    'Describes the exit code for the last container in terminated state.',
  );
  for (const e of exitcodes)
    w.series('kube_pod_container_status_last_terminated_exitcode', e.labels, e.points);
  await w.flush();
  w.family(
    'kube_pod_container_status_last_terminated_timestamp',
    'gauge',
    'Last terminated time for a pod container in unix timestamp.',
  );
  for (const e of finishTimes)
    w.series('kube_pod_container_status_last_terminated_timestamp', e.labels, e.points);
  await w.flush();
  w.family(
    'kube_pod_container_status_waiting_reason',
    'gauge',
    'Describes the reason the container is currently in waiting state.',
  );
  for (const { slot, pods } of podsBySlot) {
    if (
      slot.workload.containers.every((c) => c.behaviour.kind === 'steady') &&
      slot.node.behaviour.kind === 'normal'
    )
      continue;
    for (const pod of pods) {
      const [a, b] = life(pod);
      slot.workload.containers.forEach((c, ci) => {
        const runs = sim.pods.runs(pod, ci, b);
        const points: [number, number][] = [];
        let i = 0;
        for (const t of grid(a, b, step)) {
          while (
            i < runs.length &&
            (runs[i]?.end ?? Infinity) <= t &&
            (runs[i + 1]?.start ?? Infinity) <= t
          )
            i++;
          const run = runs[i];
          if (run && run.end <= t && (runs[i + 1]?.start ?? Infinity) > t) points.push([t, 1]);
        }
        w.series(
          'kube_pod_container_status_waiting_reason',
          {
            ...ksm,
            namespace: slot.workload.namespace,
            pod: pod.name,
            uid: pod.uid,
            container: c.name,
            reason: 'CrashLoopBackOff',
          },
          points,
        );
      });
    }
  }
  await w.flush();

  // cAdvisor: working set (plus each node's root cgroup), CPU and throttling counters.
  const steps = Math.ceil((to - from) / step) + 1;
  const first = Math.ceil(from / step) * step;
  const nodeWs = model.nodes.map(() => new Float64Array(steps));
  w.family('container_memory_working_set_bytes', 'gauge', 'Current working set in bytes.');
  for (const { slot, pods } of podsBySlot) {
    for (const pod of pods) {
      const end = Math.min(to, pod.endsAt);
      slot.workload.containers.forEach((c, ci) => {
        const labels = {
          ...kubelet,
          namespace: slot.workload.namespace,
          pod: pod.name,
          container: c.name,
          node: slot.node.name,
          image: c.image,
        };
        const points: [number, number][] = [];
        const acc = nodeWs[slot.node.index];
        for (const run of sim.pods.runs(pod, ci, end)) {
          for (const t of grid(Math.max(run.start, from), Math.min(run.end, end), step)) {
            const v = sim.usage.memory(pod, ci, run, t);
            points.push([t, v]);
            if (acc) acc[(t - first) / step] = (acc[(t - first) / step] ?? 0) + v;
          }
        }
        w.series('container_memory_working_set_bytes', labels, points);
      });
    }
    await w.flush();
  }
  for (const node of model.nodes) {
    const acc = nodeWs[node.index];
    if (!acc) continue;
    const points = function* (): Generator<[number, number]> {
      for (const t of grid(Math.max(from, node.createdAt), to, step))
        yield [t, node.systemMemoryBytes + (acc[(t - first) / step] ?? 0)];
    };
    w.series(
      'container_memory_working_set_bytes',
      { ...kubelet, id: '/', node: node.name },
      points(),
    );
  }
  await w.flush();
  const counters = [
    [
      'container_cpu_usage_seconds',
      'Cumulative cpu time consumed in seconds.',
      (s: ReturnType<typeof sim.usage.cpu>) => Math.round(s.seconds * 1000) / 1000,
      false,
    ],
    [
      'container_cpu_cfs_periods',
      'Number of elapsed enforcement period intervals.',
      (s: ReturnType<typeof sim.usage.cpu>) => s.periods,
      true,
    ],
    [
      'container_cpu_cfs_throttled_periods',
      'Number of throttled period intervals.',
      (s: ReturnType<typeof sim.usage.cpu>) => s.throttledPeriods,
      true,
    ],
  ] as const;
  for (const [family, help, value, needsLimit] of counters) {
    w.family(family, 'counter', help);
    for (const { slot, pods } of podsBySlot) {
      for (const pod of pods) {
        const end = Math.min(to, pod.endsAt);
        slot.workload.containers.forEach((c, ci) => {
          if (needsLimit && c.limits.cpuCores === undefined) return;
          const labels = {
            ...kubelet,
            namespace: slot.workload.namespace,
            pod: pod.name,
            container: c.name,
            node: slot.node.name,
            image: c.image,
          };
          // One series per container instance (cAdvisor's id changes on restart), as a restart resets the counter.
          for (const run of sim.pods.runs(pod, ci, end)) {
            const points: [number, number][] = [];
            for (const t of grid(Math.max(run.start, from), Math.min(run.end, end), step))
              points.push([t, value(sim.usage.cpu(pod, ci, run, t))]);
            w.series(
              `${family}_total`,
              { ...labels, id: sim.containerId(pod, ci, run.index).slice(13, 25) },
              points,
            );
          }
        });
      }
      await w.flush();
    }
  }
  w.summary.bytes += Buffer.byteLength('# EOF\n');
  await w.flush(true);
  out.write('# EOF\n');
  return w.summary;
}
