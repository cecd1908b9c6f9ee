// kube-state-metrics node series: info, creation, labels, schedulability, conditions, capacity and
// allocatable. v2 carries resources as `resource`/`unit` labels; v1 (as of v1.9) also had the
// per-resource names (`kube_node_status_capacity_cpu_cores`, ...) that v2 removed — the v1
// dialect writes those, so a consumer's name fallback is exercised.
import { cordonedAt, type ConditionChange } from '../../model/node-timeline.js';
import type { NodeModel } from '../../model/types.js';
import { DAY } from '../../model/types.js';
import type { Labels } from '../../render/exposition.js';
import { conditionStatusLabel } from '../../render/ksm.js';
import { family, HOST, KSM_JOB, type ExportContext } from './context.js';
import { nodeLife } from './node-life.js';
import { constant, gridTimes, sampled } from './window.js';
import type { Point } from './writer.js';

const CONDITIONS = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'] as const;
const EPHEMERAL_STORAGE_BYTES = 103865303040;

/** Each node's series over its life within the window. */
async function perNode(
  ctx: ExportContext,
  write: (node: NodeModel, from: number, to: number, labels: Labels) => Promise<void>,
): Promise<void> {
  for (const node of ctx.sim.model.nodes) {
    const [from, to] = nodeLife(node);
    await write(node, from, to, { ...KSM_JOB, node: node.name });
  }
}

/** Status of one condition on the grid; changes are read a day at a time. */
function* conditionStatus(
  ctx: ExportContext,
  node: NodeModel,
  condition: ConditionChange['condition'],
  from: number,
  to: number,
): Generator<[number, string]> {
  const { grid, sim } = ctx;
  const start = Math.max(from, grid.from);
  const end = Math.min(to, grid.to);
  if (!(start < end)) return;
  let status = sim.nodes.conditionsAt(node, start).find((c) => c.type === condition)?.status;
  for (let a = start; a < end; a += DAY) {
    const b = Math.min(end, a + DAY);
    const changes = sim.nodes.changesBetween(node, a, b).filter((c) => c.condition === condition);
    let i = 0;
    for (const t of gridTimes(grid, a, b)) {
      while (i < changes.length && (changes[i]?.at ?? Infinity) <= t) status = changes[i++]?.status;
      yield [t, status ?? 'Unknown'];
    }
  }
}

export async function writeNodeFamilies(ctx: ExportContext): Promise<void> {
  const { grid } = ctx;
  const v2 = ctx.opts.ksmVersion === 2;
  await family(ctx, 'kube_node_info', 'gauge', 'Information about a cluster node.', () =>
    perNode(ctx, (node, from, to, n) =>
      ctx.w.series(
        {
          ...n,
          kernel_version: HOST.kernel,
          os_image: HOST.osImage,
          container_runtime_version: HOST.runtime,
          kubelet_version: node.kubeletVersion,
          kubeproxy_version: 'deprecated',
          provider_id: `aws:///${node.zone}/${node.name}`,
          pod_cidr: `10.${100 + (node.index >> 8)}.${node.index & 0xff}.0/24`,
          // internal_ip and system_uuid came with v2.
          ...(v2 && { system_uuid: node.uid, internal_ip: node.internalIp }),
        },
        constant(grid, from, to, 1),
      ),
    ),
  );
  await family(ctx, 'kube_node_created', 'gauge', 'Unix creation timestamp', () =>
    perNode(ctx, (node, from, to, n) =>
      ctx.w.series(n, constant(grid, from, to, Math.floor(node.createdAt / 1000))),
    ),
  );
  await family(
    ctx,
    'kube_node_labels',
    'gauge',
    'Kubernetes labels converted to Prometheus labels.',
    () =>
      perNode(ctx, (node, from, to, n) =>
        ctx.w.series(
          {
            ...n,
            label_node_kubernetes_io_instance_type: node.instanceType,
            label_topology_kubernetes_io_zone: node.zone,
            [`label_${node.poolLabel.replace(/[^a-zA-Z0-9_]/g, '_')}`]: node.pool,
          },
          constant(grid, from, to, 1),
        ),
      ),
  );
  await family(
    ctx,
    'kube_node_spec_unschedulable',
    'gauge',
    'Whether a node can schedule new pods.',
    // Cordoned (spec.unschedulable) during a drain, until uncordoned.
    () =>
      perNode(ctx, (node, from, to, n) =>
        ctx.w.series(
          n,
          sampled(grid, from, to, (t) => (cordonedAt(node, t) ? 1 : 0)),
        ),
      ),
  );
  await family(ctx, 'kube_node_status_condition', 'gauge', 'The condition of a cluster node.', () =>
    perNode(ctx, async (node, from, to, n) => {
      for (const condition of CONDITIONS) {
        for (const status of ['true', 'false', 'unknown']) {
          const points = function* (): Generator<Point> {
            for (const [t, s] of conditionStatus(ctx, node, condition, from, to))
              yield [t, conditionStatusLabel(s) === status ? 1 : 0];
          };
          await ctx.w.series({ ...n, condition, status }, points());
        }
      }
    }),
  );
  await writeResources(ctx);
}

async function writeResources(ctx: ExportContext): Promise<void> {
  const { grid } = ctx;
  const sides = [
    ['capacity', 'The capacity for different resources of a node.'],
    [
      'allocatable',
      'The allocatable for different resources of a node that are available for scheduling.',
    ],
  ] as const;
  for (const [side, help] of sides) {
    const values = (node: NodeModel) =>
      side === 'capacity'
        ? { cpu: node.cpuCores, memory: node.memoryBytes }
        : { cpu: node.allocatableCpuCores, memory: node.allocatableMemoryBytes };
    if (ctx.opts.ksmVersion === 2) {
      await family(ctx, `kube_node_status_${side}`, 'gauge', help, () =>
        perNode(ctx, async (node, from, to, n) => {
          const v = values(node);
          const rows = [
            ['cpu', 'core', v.cpu],
            ['ephemeral_storage', 'byte', EPHEMERAL_STORAGE_BYTES],
            ['memory', 'byte', v.memory],
            ['pods', 'integer', node.podsCapacity],
          ] as const;
          for (const [resource, unit, value] of rows)
            await ctx.w.series({ ...n, resource, unit }, constant(grid, from, to, value));
        }),
      );
      continue;
    }
    const v1 = [
      ['cpu_cores', (node: NodeModel) => values(node).cpu],
      ['memory_bytes', (node: NodeModel) => values(node).memory],
      ['pods', (node: NodeModel) => node.podsCapacity],
    ] as const;
    for (const [suffix, value] of v1) {
      await family(ctx, `kube_node_status_${side}_${suffix}`, 'gauge', help, () =>
        perNode(ctx, (node, from, to, n) => ctx.w.series(n, constant(grid, from, to, value(node)))),
      );
    }
  }
}
