// What every family writer shares: the simulation, the grid, the dialect and the output, plus the
// label sets each exporter puts on its series (job labels as kube-prometheus scrapes them).
import type { Simulation } from '../../model/simulation.js';
import type { Labels } from '../../render/exposition.js';
import type { DownTimes } from './node-life.js';
import type { ResolvedOptions } from './options.js';
import type { PodLife } from './pod-life.js';
import type { Grid } from './window.js';
import type { FamilyType, OpenMetricsWriter } from './writer.js';

export interface ExportContext {
  sim: Simulation;
  w: OpenMetricsWriter;
  grid: Grid;
  opts: ResolvedOptions;
  down: DownTimes;
}

export const KSM_JOB: Labels = { job: 'kube-state-metrics' };
export const KUBELET_JOB: Labels = { job: 'kubelet', metrics_path: '/metrics/cadvisor' };
export const NODE_EXPORTER_JOB: Labels = { job: 'node-exporter' };

/** What the simulated nodes report about their OS (as render/ksm.ts and render/cadvisor.ts do). */
export const HOST = {
  kernel: '6.1.94-99.176.amzn2023.x86_64',
  osImage: 'Amazon Linux 2023.5.20240701',
  runtime: 'containerd://1.7.11',
  unameVersion: '#1 SMP PREEMPT_DYNAMIC Tue Jun 25 22:16:57 UTC 2024',
} as const;

/**
 * Starts a family and runs its body, unless the dialect or `omit` leaves it out. Each family is
 * written in one pass over the model, so it stays one contiguous block.
 */
export async function family(
  ctx: ExportContext,
  name: string,
  type: FamilyType,
  help: string,
  body: () => Promise<void>,
): Promise<void> {
  if (!ctx.opts.writes(name)) return;
  ctx.w.family(name, type, help);
  await body();
}

/** Pod identity labels: v2 puts the uid on every pod series, v1 only on kube_pod_info. */
export function podLabels(ctx: ExportContext, life: PodLife): Labels {
  const p: Labels = { ...KSM_JOB, namespace: life.slot.workload.namespace, pod: life.pod.name };
  if (ctx.opts.ksmVersion === 2) p.uid = life.pod.uid;
  return p;
}
