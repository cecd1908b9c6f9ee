// Prometheus exposition of Plimsoll's own metrics (prom-client registry).
import type { FastifyPluginAsync } from 'fastify';
import type { Telemetry } from '../../core/telemetry.js';
import type { Scope } from '../auth.js';

export const metricsRoutes: FastifyPluginAsync<{ telemetry: Telemetry; scope: Scope }> = (
  app,
  options,
) => {
  app.get(
    '/metrics',
    { schema: { summary: 'Prometheus metrics', hide: true }, config: { scope: options.scope } },
    async (_request, reply) => {
      const body = await options.telemetry.registry.metrics();
      return reply.type(options.telemetry.registry.contentType).send(body);
    },
  );
  return Promise.resolve();
};
