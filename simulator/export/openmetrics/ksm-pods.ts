// kube-state-metrics pod series: info, owner, creation, deletion, phase, QoS class and status
// reason, as render/ksm.ts serves them live: an evicted pod stays listed as Failed/Evicted (with
// no pod IP) until it is removed; a pod replaced by a rollout carries its deletion timestamp
// through the grace period.
import { qosClass } from '../../model/simulation.js';
import type { Labels } from '../../render/exposition.js';
import { ksmLabelName, ownerOf } from '../../render/ksm.js';
import { podIp, podMetadataLabels } from '../../render/pods.js';
import { family, podLabels, type ExportContext } from './context.js';
import { phases, podsInWindow, type PodLife } from './pod-life.js';
import { bySeries, constant, segmentPoints, type LabelledSegment } from './window.js';

const PHASES = ['Pending', 'Succeeded', 'Failed', 'Unknown', 'Running'] as const;
const QOS = ['BestEffort', 'Burstable', 'Guaranteed'] as const;
const REASONS_V2 = ['Evicted', 'NodeAffinity', 'NodeLost', 'Shutdown', 'UnexpectedAdmissionError'];
// v1 knew only these two (docs/pod-metrics.md before v2).
const REASONS_V1 = ['Evicted', 'NodeLost'];

async function perPod(
  ctx: ExportContext,
  write: (life: PodLife, labels: Labels) => Promise<void>,
): Promise<void> {
  const { sim, grid } = ctx;
  for (const life of podsInWindow(sim, grid.from, grid.to)) await write(life, podLabels(ctx, life));
}

/** One 0/1 series per enum value, 1 where `current` says so, over the pod's listed life. */
async function enumSeries(
  ctx: ExportContext,
  labels: Labels,
  label: string,
  values: readonly string[],
  current: { from: number; to: number; value: string }[],
): Promise<void> {
  for (const value of values) {
    const segments = current.map((s) => ({
      from: s.from,
      to: s.to,
      value: s.value === value ? 1 : 0,
    }));
    await ctx.w.series({ ...labels, [label]: value }, segmentPoints(ctx.grid, segments));
  }
}

export async function writePodFamilies(ctx: ExportContext): Promise<void> {
  const { grid, sim } = ctx;
  const v2 = ctx.opts.ksmVersion === 2;
  await family(ctx, 'kube_pod_info', 'gauge', 'Information about pod.', () =>
    perPod(ctx, async (life, p) => {
      const w = life.slot.workload;
      const o = ownerOf(life);
      const base: Labels = {
        ...p,
        uid: life.pod.uid,
        created_by_kind: o.kind,
        created_by_name: o.name,
        priority_class: w.priorityClassName ?? '',
        ...(v2 && { host_network: 'false' }),
      };
      // Node and IPs appear when the scheduler binds the pod; the pod IP goes with an eviction.
      const node = life.slot.node;
      const bound = Math.min(life.boundAt, life.to);
      const segments: LabelledSegment[] = [];
      const unbound = { host_ip: '', node: '', pod_ip: '' };
      if (life.from < bound)
        segments.push({ labels: { ...base, ...unbound }, from: life.from, to: bound, value: 1 });
      if (node && bound < life.to) {
        const ip = podIp(sim.podView(life.pod, bound, false, false));
        const on = { host_ip: node.internalIp, node: node.name };
        const running = Math.max(bound, life.runEnd);
        segments.push({
          labels: { ...base, ...on, pod_ip: ip },
          from: bound,
          to: running,
          value: 1,
        });
        if (running < life.to)
          segments.push({
            labels: { ...base, ...on, pod_ip: '' },
            from: running,
            to: life.to,
            value: 1,
          });
      }
      for (const s of bySeries(segments))
        await ctx.w.series(s.labels, segmentPoints(grid, s.segments));
    }),
  );
  // As kube-state-metrics run with --metric-labels-allowlist=pods=[*] (render/ksm.ts).
  await family(
    ctx,
    'kube_pod_labels',
    'gauge',
    'Kubernetes labels converted to Prometheus labels.',
    () =>
      perPod(ctx, (life, p) => {
        const labels = Object.entries(podMetadataLabels(life)).map(
          ([key, value]) => [`label_${ksmLabelName(key)}`, value] as const,
        );
        return ctx.w.series(
          { ...p, ...Object.fromEntries(labels) },
          constant(grid, life.from, life.to, 1),
        );
      }),
  );
  await family(ctx, 'kube_pod_owner', 'gauge', "Information about the Pod's owner.", () =>
    perPod(ctx, (life, p) => {
      const o = ownerOf(life);
      return ctx.w.series(
        { ...p, owner_kind: o.kind, owner_name: o.name, owner_is_controller: 'true' },
        constant(grid, life.from, life.to, 1),
      );
    }),
  );
  await family(ctx, 'kube_pod_created', 'gauge', 'Unix creation timestamp', () =>
    perPod(ctx, (life, p) =>
      ctx.w.series(p, constant(grid, life.from, life.to, Math.floor(life.pod.createdAt / 1000))),
    ),
  );
  if (v2) {
    await family(ctx, 'kube_pod_deletion_timestamp', 'gauge', 'Unix deletion timestamp', () =>
      perPod(ctx, async (life, p) => {
        if (life.deletingFrom === undefined) return;
        // deletionTimestamp = when the delete was asked + the 30 s grace period (render/ksm.ts).
        const value = Math.floor(life.pod.endsAt / 1000) + 30;
        await ctx.w.series(p, constant(grid, life.deletingFrom, life.to, value));
      }),
    );
  }
  await family(ctx, 'kube_pod_status_phase', 'gauge', 'The pods current phase.', () =>
    perPod(ctx, (life, p) =>
      enumSeries(
        ctx,
        p,
        'phase',
        PHASES,
        phases(sim, life, grid.to).map((s) => ({ from: s.from, to: s.to, value: s.phase })),
      ),
    ),
  );
  if (v2) {
    await family(ctx, 'kube_pod_status_qos_class', 'gauge', 'The current qos class of a pod.', () =>
      perPod(ctx, (life, p) =>
        enumSeries(ctx, p, 'qos_class', QOS, [
          { from: life.from, to: life.to, value: qosClass(life.slot.workload.containers) },
        ]),
      ),
    );
  }
  await family(
    ctx,
    'kube_pod_status_unschedulable',
    'gauge',
    'Describes the unschedulable status for the pod.',
    () =>
      perPod(ctx, async (life, p) => {
        const bound = Math.min(life.boundAt, life.to);
        if (life.from < bound) await ctx.w.series(p, constant(grid, life.from, bound, 1));
      }),
  );
  await family(ctx, 'kube_pod_status_reason', 'gauge', 'The pod status reasons', () =>
    perPod(ctx, (life, p) =>
      enumSeries(ctx, p, 'reason', v2 ? REASONS_V2 : REASONS_V1, [
        { from: life.from, to: life.runEnd, value: '' },
        ...(life.evicted ? [{ from: life.runEnd, to: life.to, value: 'Evicted' }] : []),
      ]),
    ),
  );
}
