// kube-state-metrics container series: info (container id per run), requests and limits,
// restarts, last termination (reason, exit code, time), waiting reason and the current run's
// start. All derive from containerStates(), the container's states as the API shows them. v1 had
// per-resource request/limit names, no exit code / termination time / state_started, and no uid.
import type { ContainerModel } from '../../model/types.js';
import type { Labels } from '../../render/exposition.js';
import { resourceSeries } from '../../render/ksm.js';
import { family, podLabels, type ExportContext } from './context.js';
import { containerStates, podsInWindow, type ContainerState, type PodLife } from './pod-life.js';
import { bySeries, segmentPoints, type LabelledSegment, type Segment } from './window.js';

type Value = (s: ContainerState) => number | undefined;

async function perContainer(
  ctx: ExportContext,
  write: (life: PodLife, ci: number, c: ContainerModel, labels: Labels) => Promise<void>,
): Promise<void> {
  const { sim, grid } = ctx;
  for (const life of podsInWindow(sim, grid.from, grid.to)) {
    const p = podLabels(ctx, life);
    const containers = life.slot.workload.containers;
    for (let ci = 0; ci < containers.length; ci++) {
      const c = containers[ci];
      if (c) await write(life, ci, c, { ...p, container: c.name });
    }
  }
}

/** One series per container: `value` of each state, absent where it gives undefined. */
function stateSeries(ctx: ExportContext, value: Value) {
  return perContainer(ctx, (life, ci, _c, labels) => {
    const segments = function* (): Generator<Segment> {
      for (const s of containerStates(ctx.sim, life, ci, ctx.grid.to)) {
        const v = value(s);
        if (v !== undefined) yield { from: s.from, to: s.to, value: v };
      }
    };
    return ctx.w.series(labels, segmentPoints(ctx.grid, segments()));
  });
}

/** Series per extra label set (reason, container id), 1 where a state has it. */
function labelledSeries(ctx: ExportContext, extra: (s: ContainerState) => Labels | undefined) {
  return perContainer(ctx, async (life, ci, _c, labels) => {
    const segments: LabelledSegment[] = [];
    for (const s of containerStates(ctx.sim, life, ci, ctx.grid.to)) {
      const more = extra(s);
      if (more) segments.push({ labels: { ...labels, ...more }, from: s.from, to: s.to, value: 1 });
    }
    await writeSegments(ctx, segments);
  });
}

export async function writeContainerFamilies(ctx: ExportContext): Promise<void> {
  const { sim, grid } = ctx;
  const v2 = ctx.opts.ksmVersion === 2;
  await family(
    ctx,
    'kube_pod_container_info',
    'gauge',
    'Information about a container in a pod.',
    () =>
      perContainer(ctx, async (life, ci, c, labels) => {
        const info: Labels = {
          ...labels,
          ...(v2 && { image_spec: c.image }),
          image: c.image,
          image_id: `${c.image.split(':')[0] ?? ''}@sha256:placeholder`,
        };
        // The container id is the current (or last) run's; none before the first run or once evicted.
        const segments: LabelledSegment[] = [];
        for (const s of containerStates(sim, life, ci, grid.to)) {
          const id =
            s.run && (s.kind === 'running' || s.kind === 'waiting')
              ? sim.containerId(life.pod, ci, s.run.index)
              : '';
          segments.push({
            labels: { ...info, container_id: id },
            from: s.from,
            to: s.to,
            value: 1,
          });
        }
        await writeSegments(ctx, segments);
      }),
  );
  await writeResources(ctx);
  if (v2) {
    await family(
      ctx,
      'kube_pod_container_status_restarts',
      'counter',
      'The number of container restarts per container.',
      () => stateSeries(ctx, (s) => s.restarts),
    );
  } else {
    // v1 dialect: the un-suffixed name; OpenMetrics only lets a counter's samples end in _total.
    await family(
      ctx,
      'kube_pod_container_status_restarts',
      'unknown',
      'The number of container restarts per container.',
      () => stateSeries(ctx, (s) => s.restarts),
    );
  }
  await family(
    ctx,
    'kube_pod_container_status_last_terminated_reason',
    'gauge',
    'Describes the last reason the container was in terminated state.',
    () => labelledSeries(ctx, (s) => (s.last ? { reason: s.last.reason } : undefined)),
  );
  if (v2) {
    await family(
      ctx,
      'kube_pod_container_status_last_terminated_exitcode',
      'gauge',
      'Describes the exit code for the last container in terminated state.',
      () => stateSeries(ctx, (s) => s.last?.exitCode),
    );
    await family(
      ctx,
      'kube_pod_container_status_last_terminated_timestamp',
      'gauge',
      'Last terminated time for a pod container in unix timestamp.',
      () => stateSeries(ctx, (s) => (s.last ? Math.floor(s.last.finishedAt / 1000) : undefined)),
    );
  }
  await family(
    ctx,
    'kube_pod_container_status_waiting_reason',
    'gauge',
    'Describes the reason the container is currently in waiting state.',
    () =>
      labelledSeries(ctx, (s) =>
        s.kind === 'waiting'
          ? { reason: 'CrashLoopBackOff' }
          : s.kind === 'creating'
            ? { reason: 'ContainerCreating' }
            : undefined,
      ),
  );
  if (v2) {
    await family(
      ctx,
      'kube_pod_container_state_started',
      'gauge',
      'Start time in unix timestamp for a pod container.',
      // Running, or terminated (an evicted pod's containers): the start of that run.
      () =>
        stateSeries(ctx, (s) =>
          s.run && (s.kind === 'running' || s.kind === 'evicted')
            ? Math.floor(s.run.start / 1000)
            : undefined,
        ),
    );
  }
}

/** The pod's node as KSM labels its requests: none until the scheduler binds it. */
function nodeSegments(life: PodLife, labels: Labels, value: number): LabelledSegment[] {
  const node = life.slot.node;
  const bound = Math.min(Math.max(life.from, life.boundAt), life.to);
  const out: LabelledSegment[] = [];
  if (life.from < bound)
    out.push({ labels: { ...labels, node: '' }, from: life.from, to: bound, value });
  if (node && bound < life.to)
    out.push({ labels: { ...labels, node: node.name }, from: bound, to: life.to, value });
  return out;
}

async function writeSegments(ctx: ExportContext, segments: LabelledSegment[]): Promise<void> {
  for (const series of bySeries(segments))
    await ctx.w.series(series.labels, segmentPoints(ctx.grid, series.segments));
}

async function writeResources(ctx: ExportContext): Promise<void> {
  for (const side of ['requests', 'limits'] as const) {
    const help = `The number of requested ${side === 'requests' ? 'request' : 'limit'} resource by a container.`;
    if (ctx.opts.ksmVersion === 2) {
      await family(ctx, `kube_pod_container_resource_${side}`, 'gauge', help, () =>
        perContainer(ctx, async (life, _ci, c, labels) => {
          for (const r of resourceSeries(c[side]))
            await writeSegments(
              ctx,
              nodeSegments(life, { ...labels, resource: r.resource, unit: r.unit }, r.value),
            );
        }),
      );
      continue;
    }
    for (const [suffix, pick] of [
      ['cpu_cores', (c: ContainerModel) => c[side].cpuCores],
      ['memory_bytes', (c: ContainerModel) => c[side].memoryBytes],
    ] as const) {
      await family(ctx, `kube_pod_container_resource_${side}_${suffix}`, 'gauge', help, () =>
        perContainer(ctx, async (life, _ci, c, labels) => {
          const value = pick(c);
          if (value !== undefined) await writeSegments(ctx, nodeSegments(life, labels, value));
        }),
      );
    }
  }
}
