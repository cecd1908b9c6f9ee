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
import { findingNode } from '../../store/finding-filter.js';
import type { Store } from '../../store/store.js';
import { NotFound, ProblemResponses, TimeQuery, windowOf } from '../schemas/common.js';
import { ROUTE_COST } from '../rate-limit.js';

const DAY = 86_400_000;
/** How old a memory reading the list still shows as the node's latest. */
const LATEST_READING_MS = 30 * 60_000;
const FINDINGS_PAGE = 500;

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

interface NodeReadings {
  readonly memoryAvailable: ReadonlyMap<string, number>;
  readonly openFindings: ReadonlyMap<string, number>;
}

function summarize(node: Node, onNode: readonly Pod[], readings: NodeReadings): NodeSummary {
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
    memoryAvailableBytes: readings.memoryAvailable.get(node.name),
    openFindings: readings.openFindings.get(node.name) ?? 0,
  };
}

function podsByNode(pods: readonly Pod[]): Map<string, Pod[]> {
  const byNode = new Map<string, Pod[]>();
  for (const pod of pods) {
    if (!pod.nodeName) continue;
    const list = byNode.get(pod.nodeName);
    if (list) list.push(pod);
    else byNode.set(pod.nodeName, [pod]);
  }
  return byNode;
}

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

export const nodeRoutes: FastifyPluginAsync<{
  store: Store;
  cluster: string;
  maxWindowMs: number;
}> = (fastify, options) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { store, cluster } = options;

  /**
   * What the node list shows beside the inventory, for every node at once: two queries however
   * many nodes there are (the list ran two per node before).
   */
  async function readingsOf(now: number, node?: string): Promise<NodeReadings> {
    const [memoryAvailable, openFindings] = await Promise.all([
      store.latestNodeValues({
        cluster,
        metric: 'node_memory_available_bytes',
        window: { from: now - LATEST_READING_MS, to: now + 1 },
      }),
      openFindingsByNode(node),
    ]);
    return { memoryAvailable, openFindings };
  }

  async function openFindingsByNode(node?: string): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    let after: string | undefined;
    do {
      const page = await store.findings({
        cluster,
        status: 'open',
        ...(node ? { node } : { onNodes: true }),
        limit: FINDINGS_PAGE,
        after,
      });
      for (const finding of page.items) {
        const on = findingNode(finding);
        if (on !== undefined) counts.set(on, (counts.get(on) ?? 0) + 1);
      }
      after = page.next;
    } while (after !== undefined);
    return counts;
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
      const readings = await readingsOf(now);
      const byNode = podsByNode(pods);
      return {
        items: selected.map((node) => summarize(node, byNode.get(node.name) ?? [], readings)),
      };
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
      const window = windowOf(
        request.query,
        { defaultMs: 7 * DAY, maxMs: options.maxWindowMs },
        now,
      );
      const [node] = await store.nodes({ cluster, at: now, node: request.params.name });
      if (!node) throw new NotFound(`no node named ${request.params.name}`);
      const [pods, transitions, findings, readings] = await Promise.all([
        store.pods({ cluster, at: now, node: node.name }),
        store.nodeTransitions({ cluster, window, node: node.name }),
        store.findings({ cluster, node: node.name, window, limit: 100 }),
        readingsOf(now, node.name),
      ]);
      return {
        ...summarize(node, pods, readings),
        labels: node.labels,
        transitions,
        findings: findings.items,
      };
    },
  );
  return Promise.resolve();
};
