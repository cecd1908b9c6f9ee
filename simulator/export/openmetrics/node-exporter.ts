// node-exporter on every node: total and available memory, and node_uname_info whose `nodename`
// joins `instance` (the node's IP:9100, as a pod-network scrape sees it) to the Kubernetes node
// name, the way kube-prometheus joins node-exporter to kube-state-metrics. Available memory is
// what the root cgroup does not use: MemTotal − root working set.
import type { NodeModel } from '../../model/types.js';
import type { Labels } from '../../render/exposition.js';
import { family, HOST, NODE_EXPORTER_JOB, type ExportContext } from './context.js';
import { hostDown, nodeLife } from './node-life.js';
import { rootWorkingSet } from './node-memory.js';
import { constant, outside } from './window.js';
import type { Point } from './writer.js';

async function perNode(
  ctx: ExportContext,
  points: (node: NodeModel, from: number, to: number) => Iterable<Point>,
  extra: (node: NodeModel) => Labels = () => ({}),
): Promise<void> {
  for (const node of ctx.sim.model.nodes) {
    const [from, to] = nodeLife(node);
    await ctx.w.series(
      { ...NODE_EXPORTER_JOB, instance: `${node.internalIp}:9100`, ...extra(node) },
      outside(points(node, from, to), hostDown(node)),
    );
  }
}

export async function writeNodeExporterFamilies(ctx: ExportContext): Promise<void> {
  const { grid } = ctx;
  await family(
    ctx,
    'node_memory_MemTotal_bytes',
    'gauge',
    'Memory information field MemTotal_bytes.',
    () => perNode(ctx, (node, from, to) => constant(grid, from, to, node.memoryBytes)),
  );
  await family(
    ctx,
    'node_memory_MemAvailable_bytes',
    'gauge',
    'Memory information field MemAvailable_bytes.',
    () =>
      perNode(ctx, function* (node, from, to) {
        for (const [t, ws] of rootWorkingSet(ctx, node, from, to))
          yield [t, Math.max(0, node.memoryBytes - ws)];
      }),
  );
  await family(
    ctx,
    'node_uname_info',
    'gauge',
    'Labeled system information as provided by the uname system call.',
    () =>
      perNode(
        ctx,
        (_node, from, to) => constant(grid, from, to, 1),
        (node) => ({
          domainname: '(none)',
          machine: 'x86_64',
          nodename: node.name,
          release: HOST.kernel,
          sysname: 'Linux',
          version: HOST.unameVersion,
        }),
      ),
  );
}
