// Nodes: capacity, allocatable, what is requested and used on them, and their flapping history.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  FindingSchema,
  NodeConditionSchema,
  NodeTransitionSchema,
  ResourceAmountsSchema,
  type Node,
  type Pod,
} from '../../core/domain.js';
import type { Store } from '../../store/store.js';
import { NotFound, ProblemResponses, TimeQuery, windowOf } from '../schemas/common.js';
import { ROUTE_COST } from '../rate-limit.js';

const DAY = 86_400_000;

const NodeSummarySchema = Type.Object({
  name: Type.String(),
  pool: Type.Optional(Type.String()),
  capacity: ResourceAmountsSchema,
  allocatable: ResourceAmountsSchema,
  requests: ResourceAmountsSchema,
  limits: ResourceAmountsSchema,
  pods: Type.Integer(),
  bestEffortPods: Type.Integer(),
  conditions: Type.Array(NodeConditionSchema),
  unschedulable: Type.Boolean(),
  memoryAvailableBytes: Type.Optional(Type.Number({ description: 'Latest kubelet reading' })),
  openFindings: Type.Integer(),
});
type NodeSummary = Static<typeof NodeSummarySchema>;

const NodeDetailSchema = Type.Composite([
  NodeSummarySchema,
  Type.Object({
    labels: Type.Record(Type.String(), Type.String()),
    transitions: Type.Array(NodeTransitionSchema),
    findings: Type.Array(FindingSchema),
  }),
]);

function sumResources(pods: readonly Pod[], which: 'requests' | 'limits') {
  let cpuCores = 0;
  let memoryBytes = 0;
  for (const pod of pods) {
    if (pod.phase === 'Succeeded' || pod.phase === 'Failed') continue;
    for (const container of pod.containers) {
      if (container.init) continue;
      cpuCores += container.resources[which].cpuCores ?? 0;
      memoryBytes += container.resources[which].memoryBytes ?? 0;
    }
  }
  return { cpuCores, memoryBytes };
}

export const nodeRoutes: FastifyPluginAsync<{ store: Store; cluster: string }> = (
  fastify,
  options,
) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { store, cluster } = options;

  async function summarize(node: Node, pods: readonly Pod[], now: number): Promise<NodeSummary> {
    const onNode = pods.filter((pod) => pod.nodeName === node.name);
    const [series, findings] = await Promise.all([
      store.usageSeries({
        cluster,
        metric: 'node_memory_available_bytes',
        subject: { type: 'node', node: node.name },
        window: { from: now - 30 * 60_000, to: now + 1 },
        stepMs: 60_000,
      }),
      store.findings({ cluster, node: node.name, status: 'open', limit: 100 }),
    ]);
    return {
      name: node.name,
      pool: node.pool,
      capacity: node.capacity,
      allocatable: node.allocatable,
      requests: sumResources(onNode, 'requests'),
      limits: sumResources(onNode, 'limits'),
      pods: onNode.length,
      bestEffortPods: onNode.filter((pod) => pod.qosClass === 'BestEffort').length,
      conditions: node.conditions,
      unschedulable: node.unschedulable,
      memoryAvailableBytes: series[series.length - 1]?.min,
      openFindings: findings.items.length,
    };
  }

  app.get(
    '/api/v1/nodes',
    {
      config: { cost: ROUTE_COST.heavy },
      schema: {
        summary: 'Nodes with capacity, allocatable, requests and latest memory',
        tags: ['nodes'],
        querystring: Type.Object({ pool: Type.Optional(Type.String({ maxLength: 253 })) }),
        response: {
          200: Type.Object({ items: Type.Array(NodeSummarySchema) }),
          ...ProblemResponses,
        },
      },
    },
    async (request) => {
      const now = Date.now();
      const [nodes, pods] = await Promise.all([
        store.nodes({ cluster, at: now }),
        store.pods({ cluster, at: now }),
      ]);
      const selected = nodes.filter(
        (node) => !request.query.pool || node.pool === request.query.pool,
      );
      return { items: await Promise.all(selected.map((node) => summarize(node, pods, now))) };
    },
  );

  app.get(
    '/api/v1/nodes/:name',
    {
      config: { cost: ROUTE_COST.medium },
      schema: {
        summary: 'One node with its condition transitions and findings',
        tags: ['nodes'],
        params: Type.Object({ name: Type.String({ minLength: 1, maxLength: 253 }) }),
        querystring: Type.Object({ ...TimeQuery }),
        response: { 200: NodeDetailSchema, ...ProblemResponses },
      },
    },
    async (request) => {
      const now = Date.now();
      const window = windowOf(request.query, 7 * DAY, now);
      const [node] = await store.nodes({ cluster, at: now, node: request.params.name });
      if (!node) throw new NotFound(`no node named ${request.params.name}`);
      const [pods, transitions, findings] = await Promise.all([
        store.pods({ cluster, at: now, node: node.name }),
        store.nodeTransitions({ cluster, window, node: node.name }),
        store.findings({ cluster, node: node.name, window, limit: 100 }),
      ]);
      return {
        ...(await summarize(node, pods, now)),
        labels: node.labels,
        transitions,
        findings: findings.items,
      };
    },
  );
  return Promise.resolve();
};
