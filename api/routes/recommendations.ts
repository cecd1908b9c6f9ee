// Recommended requests and limits as data, or as `kubectl patch`-ready strategic-merge patches.
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  excludedChanges,
  excludedChangesYaml,
  recommendationPatches,
  recommendationPatchesYaml,
} from '../../analyzers/recommendations/patches.js';
import { WorkloadRefSchema, type Finding } from '../../core/domain.js';
import type { FindingStore } from '../../store/store.js';
import { ProblemResponses } from '../schemas/common.js';

const PatchSchema = Type.Object({
  cluster: Type.String(),
  workload: WorkloadRefSchema,
  patch: Type.Record(Type.String(), Type.Unknown()),
});

const ExcludedSchema = Type.Object({
  cluster: Type.String(),
  workload: WorkloadRefSchema,
  container: Type.String(),
  resource: Type.Literal('memory'),
  reason: Type.String(),
  findingId: Type.String(),
});

export const recommendationRoutes: FastifyPluginAsync<{ store: FindingStore; cluster: string }> = (
  fastify,
  options,
) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/api/v1/recommendations/export',
    {
      schema: {
        summary: 'Open recommendations as strategic-merge patches (YAML stream or JSON)',
        tags: ['recommendations'],
        querystring: Type.Object({
          format: Type.Optional(
            Type.Union([Type.Literal('yaml'), Type.Literal('json')], { default: 'yaml' }),
          ),
          namespace: Type.Optional(Type.String({ maxLength: 253 })),
        }),
        response: {
          200: Type.Union([
            Type.String(),
            Type.Object({
              items: Type.Array(PatchSchema),
              /** Changes left out on purpose, e.g. no memory raise for a leaking container. */
              excluded: Type.Array(ExcludedSchema),
            }),
          ]),
          ...ProblemResponses,
        },
      },
    },
    async (request, reply) => {
      const findings: Finding[] = [];
      let after: string | undefined;
      do {
        const page = await options.store.findings({
          cluster: options.cluster,
          // OOM loops too: their verdict says which memory changes the patches leave out.
          kinds: ['recommendation', 'oom_loop'],
          status: 'open',
          namespace: request.query.namespace,
          limit: 500,
          after,
        });
        findings.push(...page.items);
        after = page.next;
      } while (after);
      const excluded = excludedChanges(findings);
      if (request.query.format === 'json') {
        return {
          items: recommendationPatches(findings).map(({ cluster, workload, patch }) => ({
            cluster,
            workload,
            patch,
          })),
          excluded,
        };
      }
      return reply
        .type('application/yaml; charset=utf-8')
        .send(excludedChangesYaml(excluded) + recommendationPatchesYaml(findings));
    },
  );
  return Promise.resolve();
};
