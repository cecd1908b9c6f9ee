// Findings: filter, page, and one finding with its evidence.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  FindingKindSchema,
  FindingSchema,
  SEVERITIES,
  type FindingKind,
} from '../../core/domain.js';
import { InvalidCursorError } from '../../store/keys.js';
import type { FindingQuery, FindingStore } from '../../store/store.js';
import {
  BadRequest,
  boundsOf,
  csv,
  NotFound,
  PageOf,
  PageQuery,
  ProblemResponses,
  TimeQuery,
} from '../schemas/common.js';

const KINDS: FindingKind[] = FindingKindSchema.anyOf.map((option) => option.const);

/** The filters of a findings list, shared by the API and the web pages. */
export const FindingFilterQuery = {
  kind: Type.Optional(Type.String({ description: `Comma-separated: ${KINDS.join(', ')}` })),
  severity: Type.Optional(Type.String({ description: 'Comma-separated: critical, warning, info' })),
  status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('resolved')])),
  namespace: Type.Optional(Type.String({ maxLength: 253 })),
  node: Type.Optional(Type.String({ maxLength: 253 })),
  cluster: Type.Optional(Type.String({ maxLength: 253 })),
  ...TimeQuery,
};
export const FindingFilterSchema = Type.Object(FindingFilterQuery);
export type FindingFilter = Static<typeof FindingFilterSchema>;

/** A findings-list query as the store takes it; BadRequest on an unknown kind or severity. */
export function findingFilter(query: FindingFilter, defaultCluster: string): FindingQuery {
  const window =
    query.from || query.to ? boundsOf(query, { from: () => 0, to: Date.now() }) : undefined;
  return {
    cluster: query.cluster ?? defaultCluster,
    kinds: csv(query.kind, KINDS, 'kind'),
    severities: csv(query.severity, SEVERITIES, 'severity'),
    status: query.status,
    namespace: query.namespace,
    node: query.node,
    window,
  };
}

export const findingRoutes: FastifyPluginAsync<{ store: FindingStore; cluster: string }> = (
  fastify,
  options,
) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/api/v1/findings',
    {
      schema: {
        summary: 'List findings, newest activity first',
        tags: ['findings'],
        querystring: Type.Object({ ...FindingFilterQuery, ...PageQuery }),
        response: { 200: PageOf(FindingSchema), ...ProblemResponses },
      },
    },
    async (request) => {
      const query = request.query;
      try {
        return await options.store.findings({
          ...findingFilter(query, options.cluster),
          limit: query.limit ?? 100,
          after: query.cursor,
        });
      } catch (error) {
        if (error instanceof InvalidCursorError)
          throw new BadRequest(`querystring/cursor: ${error.message}`);
        throw error;
      }
    },
  );

  app.get(
    '/api/v1/findings/:id',
    {
      schema: {
        summary: 'One finding with its evidence',
        tags: ['findings'],
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 256 }) }),
        response: { 200: FindingSchema, ...ProblemResponses },
      },
    },
    async (request) => {
      const finding = await options.store.finding(request.params.id);
      if (!finding) throw new NotFound(`no finding with id ${request.params.id}`);
      return finding;
    },
  );
  return Promise.resolve();
};
