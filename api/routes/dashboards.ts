// Grafana dashboards as the API serves them: the list, one dashboard's JSON, and the whole
// provisioning bundle (dashboards provider, datasources and the dashboards) as one JSON document
// of files, for tools that write them where a Grafana mounts them.
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { renderDashboardFiles, type BuildOptions } from '../../dashboards/build.js';
import { buildDashboards } from '../../dashboards/index.js';
import { NotFound, ProblemResponses } from '../schemas/common.js';

export const dashboardRoutes: FastifyPluginAsync<{ build: BuildOptions }> = (fastify, options) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  // Built once: dashboards are code, they do not change while the process runs.
  const dashboards = buildDashboards(options.build);
  const bundle = Object.fromEntries(renderDashboardFiles(options.build));

  app.get(
    '/api/v1/dashboards',
    {
      schema: {
        summary: 'The provisioned Grafana dashboards',
        tags: ['dashboards'],
        response: {
          200: Type.Object({
            items: Type.Array(
              Type.Object({ uid: Type.String(), title: Type.String(), file: Type.String() }),
            ),
          }),
          ...ProblemResponses,
        },
      },
    },
    () => ({ items: dashboards.map(({ uid, title, file }) => ({ uid, title, file })) }),
  );

  app.get(
    '/api/v1/dashboards/provisioning',
    {
      schema: {
        summary: 'Provisioning bundle: relative path → file content',
        tags: ['dashboards'],
        response: {
          200: Type.Object({ files: Type.Record(Type.String(), Type.String()) }),
          ...ProblemResponses,
        },
      },
    },
    () => ({ files: bundle }),
  );

  app.get(
    '/api/v1/dashboards/:uid',
    {
      schema: {
        summary: 'One dashboard as Grafana JSON',
        tags: ['dashboards'],
        params: Type.Object({ uid: Type.String({ minLength: 1, maxLength: 128 }) }),
        response: { 200: Type.Unknown(), ...ProblemResponses },
      },
    },
    async (request, reply) => {
      const dashboard = dashboards.find((d) => d.uid === request.params.uid);
      if (!dashboard) throw new NotFound(`no dashboard with uid ${request.params.uid}`);
      return reply.type('application/json; charset=utf-8').send(JSON.stringify(dashboard.json));
    },
  );
  return Promise.resolve();
};
