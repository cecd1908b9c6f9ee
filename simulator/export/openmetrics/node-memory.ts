// A node's root-cgroup working set (what cAdvisor reports for id="/"): the system's own memory
// plus every running container on the node, as render/node-usage.ts computes it live. Summed a
// chunk of the grid at a time, so neither the number of days nor of nodes sets the memory used.
import { DAY } from '../../model/types.js';
import type { NodeModel } from '../../model/types.js';
import type { ExportContext } from './context.js';
import { slotPods } from './pod-life.js';
import { gridTimes } from './window.js';
import type { Point } from './writer.js';

/** Root working set on the grid over [from, to) ∩ the window. */
export function* rootWorkingSet(
  ctx: ExportContext,
  node: NodeModel,
  from: number,
  to: number,
): Generator<Point> {
  const { sim, grid } = ctx;
  const step = grid.step;
  const start = Math.ceil(Math.max(from, grid.from) / step) * step;
  const end = Math.min(to, grid.to);
  const chunk = Math.max(1, Math.floor(DAY / step)) * step;
  const slots = (sim.model.slotsByNode[node.index] ?? []).flatMap((s) => sim.model.slots[s] ?? []);
  for (let a = start; a < end; a += chunk) {
    const b = Math.min(end, a + chunk);
    const sum = new Float64Array(Math.ceil((b - a) / step));
    for (const slot of slots) {
      for (const life of slotPods(sim, slot, a, b)) {
        // Evicted pods' containers are gone; a terminating pod's still run through its grace period.
        const podEnd = Math.min(life.runEnd, b);
        slot.workload.containers.forEach((_, ci) => {
          for (const run of sim.pods.runs(life.pod, ci, podEnd)) {
            if (run.start >= podEnd) break;
            const runTo = Math.min(run.end, podEnd);
            if (runTo <= a) continue;
            for (const t of gridTimes(grid, Math.max(run.start, life.from, a), runTo)) {
              const i = (t - a) / step;
              sum[i] = (sum[i] ?? 0) + sim.usage.memory(life.pod, ci, run, t);
            }
          }
        });
      }
    }
    for (let i = 0; i < sum.length; i++)
      yield [a + i * step, node.systemMemoryBytes + (sum[i] ?? 0)];
  }
}
