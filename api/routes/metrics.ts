// Prometheus exposition of Plimsoll's own metrics. Process and pipeline families are public (a
// liveness-grade view that names no workload); the findings families — OOM loops, flapping nodes,
// recommendations and their costs by namespace and workload — follow the API's read scope unless
// api.metricsPublic opens them. A scrape that presents a wrong token is refused rather than served
// the public part, so a misconfigured ServiceMonitor shows up as a failing target, not as
// dashboards that silently lost their findings.
import type { FastifyPluginAsync } from 'fastify';
import type { Telemetry } from '../../core/telemetry.js';
import type { TokenAuth } from '../auth.js';
import { sendProblem } from '../problem.js';

export interface MetricsRouteOptions {
  readonly telemetry: Telemetry;
  readonly auth: TokenAuth;
  /** Serve the findings families without a token (api.metricsPublic). */
  readonly findingsPublic: boolean;
}

export const metricsRoutes: FastifyPluginAsync<MetricsRouteOptions> = (app, options) => {
  const { telemetry, auth } = options;
  app.get(
    '/metrics',
    { schema: { summary: 'Prometheus metrics', hide: true }, config: { scope: 'public' } },
    async (request, reply) => {
      const presented = request.headers.authorization !== undefined;
      const granted = auth.granted(request);
      if (presented && !granted) {
        void reply.header('www-authenticate', 'Bearer realm="plimsoll"');
        return sendProblem(reply, 401, 'Unauthorized', 'The bearer token is not valid.');
      }
      const withFindings = options.findingsPublic || granted !== undefined;
      // The two registries hold distinct families, so their expositions concatenate.
      const body = withFindings
        ? (await telemetry.registry.metrics()) + (await telemetry.findingsRegistry.metrics())
        : await telemetry.registry.metrics();
      return reply.type(telemetry.registry.contentType).send(body);
    },
  );
  return Promise.resolve();
};
