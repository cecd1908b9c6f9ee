// Liveness and readiness. /healthz answers while the process runs; /readyz only when every
// component (bus, store, consumers) says it can do its job, with the reasons when not.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { ComponentReport } from '../../core/component.js';

export interface HealthRouteOptions {
  readonly health: () => Promise<ComponentReport[]>;
  readonly version: string;
  /**
   * Whether the caller may read why a component is not ready. The reasons quote engine errors
   * (hosts, versions, cluster state): anonymous probes get ready/not ready per component only.
   */
  readonly details?: (request: FastifyRequest) => boolean;
}

const ComponentSchema = Type.Object({
  name: Type.String(),
  ready: Type.Boolean(),
  detail: Type.Optional(Type.String()),
});

const ReadinessSchema = Type.Object({
  ready: Type.Boolean(),
  components: Type.Array(ComponentSchema),
});

export const healthRoutes: FastifyPluginAsync<HealthRouteOptions> = (app, options) => {
  app.get(
    '/healthz',
    {
      config: { scope: 'public' },
      schema: {
        summary: 'Liveness',
        response: { 200: Type.Object({ status: Type.Literal('ok'), version: Type.String() }) },
      },
    },
    () => ({ status: 'ok' as const, version: options.version }),
  );

  app.get(
    '/readyz',
    {
      config: { scope: 'public' },
      schema: { summary: 'Readiness', response: { 200: ReadinessSchema, 503: ReadinessSchema } },
    },
    async (request, reply) => {
      const components = await options.health();
      const ready = components.every((component) => component.ready);
      const shown =
        (options.details?.(request) ?? true)
          ? components
          : components.map(({ name, ready: up }) => ({ name, ready: up }));
      return reply.code(ready ? 200 : 503).send({ ready, components: shown });
    },
  );
  return Promise.resolve();
};
