// Prometheus exposition of Plimsoll's own metrics (prom-client registry).
import type { FastifyPluginAsync } from 'fastify';
import type { Telemetry } from '../../core/telemetry.js';

export const metricsRoutes: FastifyPluginAsync<{ telemetry: Telemetry }> = (app, options) => {
  app.get(
    '/metrics',
    { schema: { summary: 'Prometheus metrics', hide: true } },
    async (_request, reply) => {
      const body = await options.telemetry.registry.metrics();
      return reply.type(options.telemetry.registry.contentType).send(body);
    },
  );
  return Promise.resolve();
};
