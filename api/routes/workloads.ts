// Workloads: usage percentiles per container against current requests and limits, OOM history,
// and the recommendation Plimsoll made for each container (api/workload-data.ts).
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  ContainerTerminationSchema,
  WorkloadRefSchema,
  type WorkloadRef,
} from '../../core/domain.js';
import type { Store } from '../../store/store.js';
import { PageOf, PageQuery, ProblemResponses, TimeQuery, windowOf } from '../schemas/common.js';
import {
  WORKLOAD_WINDOW_MS,
  WorkloadContainerSchema,
  WorkloadData,
  WorkloadDetailSchema,
} from '../workload-data.js';
import { ROUTE_COST } from '../rate-limit.js';

export const workloadRoutes: FastifyPluginAsync<{
  store: Store;
  cluster: string;
  maxWindowMs: number;
}> = (fastify, options) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const data = new WorkloadData(options.store, options.cluster);
  const spans = { defaultMs: WORKLOAD_WINDOW_MS, maxMs: options.maxWindowMs };

  app.get(
    '/api/v1/workloads',
    {
      config: { cost: ROUTE_COST.heavy },
      schema: {
        summary:
          'Workload containers: usage percentiles, requests, limits, OOM kills, recommendation',
        tags: ['workloads'],
        querystring: Type.Object({
          namespace: Type.Optional(Type.String({ maxLength: 253 })),
          ...TimeQuery,
          ...PageQuery,
        }),
        response: { 200: PageOf(WorkloadContainerSchema), ...ProblemResponses },
      },
    },
    (request) =>
      data.containers({
        window: windowOf(request.query, spans),
        namespace: request.query.namespace,
        limit: request.query.limit ?? 100,
        cursor: request.query.cursor,
      }),
  );

  app.get(
    '/api/v1/workloads/:namespace/:kind/:name',
    {
      config: { cost: ROUTE_COST.medium },
      schema: {
        summary: 'One workload: its containers, pods, OOM history and findings',
        tags: ['workloads'],
        params: WorkloadRefSchema,
        querystring: Type.Object({ ...TimeQuery }),
        response: { 200: WorkloadDetailSchema, ...ProblemResponses },
      },
    },
    (request) => {
      const workload: WorkloadRef = request.params;
      return data.detail(workload, windowOf(request.query, spans));
    },
  );

  app.get(
    '/api/v1/workloads/:namespace/:kind/:name/terminations',
    {
      config: { cost: ROUTE_COST.medium },
      schema: {
        summary:
          "A workload's container terminations in the window, newest page first (each page oldest first)",
        tags: ['workloads'],
        params: WorkloadRefSchema,
        querystring: Type.Object({ ...TimeQuery, ...PageQuery }),
        response: { 200: PageOf(ContainerTerminationSchema), ...ProblemResponses },
      },
    },
    async (request) => {
      const page = await data.terminations(
        request.params,
        windowOf(request.query, spans),
        request.query.limit ?? 100,
        request.query.cursor,
      );
      return { items: page.items, ...(page.next ? { next: page.next } : {}) };
    },
  );
  return Promise.resolve();
};
