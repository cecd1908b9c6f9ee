// kube_replicaset_owner: which Deployment (or Argo Rollout) a ReplicaSet (one rollout generation)
// belongs to, so a consumer can go pod → ReplicaSet (kube_pod_owner) → owner. ReplicaSet names
// and owner kinds come from the model (replicaSetNameOf / replicaSetOwnerKind): a ReplicaSet may
// be off the `<deployment>-<hash>` convention. As in render/ksm.ts, a ReplicaSet is listed while
// one of its pods is (evicted pods aside). The model has no Jobs, so there is no kube_job_owner to
// write; no kube_deployment_* family is exported (a Rollout-owned workload would have none).
import {
  replicaSetNameOf,
  replicaSetOwnerKind,
  type AnySlot,
  type WorkloadModel,
} from '../../model/types.js';
import { family, KSM_JOB, type ExportContext } from './context.js';
import { allSlots, slotPods } from './pod-life.js';
import { segmentPoints, type Interval } from './window.js';

/** Sorted, overlapping or touching intervals joined. */
function union(intervals: Interval[]): Interval[] {
  const sorted = [...intervals].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

export async function writeWorkloadFamilies(ctx: ExportContext): Promise<void> {
  const { sim, grid } = ctx;
  // Placed and Pending replicas: a Pending pod's ReplicaSet exists too (render/ksm.ts lists it).
  const slotsOf = new Map<WorkloadModel, AnySlot[]>();
  for (const slot of allSlots(sim)) {
    if (slot.workload.kind !== 'Deployment') continue;
    const list = slotsOf.get(slot.workload) ?? [];
    list.push(slot);
    slotsOf.set(slot.workload, list);
  }
  await family(
    ctx,
    'kube_replicaset_owner',
    'gauge',
    "Information about the ReplicaSet's owner.",
    async () => {
      for (const [w, slots] of slotsOf) {
        // This workload's ReplicaSets and when each had a pod listed. Keyed by name, not by pod
        // template hash: an off-convention ReplicaSet (`legacy-rs-blue`) keeps its name across
        // generations, and is one series.
        const listed = new Map<string, Interval[]>();
        for (const slot of slots) {
          for (const life of slotPods(sim, slot, grid.from, grid.to)) {
            const name = replicaSetNameOf(w, life.pod.templateHash);
            const list = listed.get(name) ?? [];
            list.push([life.from, life.evicted ? life.runEnd : life.to]);
            listed.set(name, list);
          }
        }
        for (const [replicaset, intervals] of listed) {
          const segments = union(intervals).map(([from, to]) => ({ from, to, value: 1 }));
          await ctx.w.series(
            {
              ...KSM_JOB,
              namespace: w.namespace,
              replicaset,
              owner_kind: replicaSetOwnerKind(w),
              owner_name: w.name,
              owner_is_controller: 'true',
            },
            segmentPoints(grid, segments),
          );
        }
      }
    },
  );
}
