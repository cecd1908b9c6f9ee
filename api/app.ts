// Builds the API (routes, schemas, error handling) without listening: `server.ts` runs it, tests
// call `app.inject`. Errors leave as application/problem+json; 5xx details stay in the log.
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Logger } from '../core/logger.js';
import type { Telemetry } from '../core/telemetry.js';
import type { ComponentReport } from '../runtime/lifecycle.js';
import { healthRoutes } from './routes/health.js';
import { metricsRoutes } from './routes/metrics.js';
import { sendProblem } from './problem.js';

export interface AppDeps {
  readonly logger: Logger;
  readonly telemetry: Telemetry;
  /** Health of every running component; /readyz is ready only when all are. */
  readonly health: () => Promise<ComponentReport[]>;
  readonly version: string;
}

export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export async function buildApp(deps: AppDeps): Promise<App> {
  const loggerInstance: FastifyBaseLogger = deps.logger;
  const app: App = Fastify({
    loggerInstance,
    // Per-request logs would dominate the log on a busy API; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
    connectionTimeout: 30_000,
    requestTimeout: 30_000,
    return503OnClosing: true,
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status >= 500) {
      request.log.error({ err: error, url: request.url }, 'request failed');
      return sendProblem(reply, status, 'Internal Server Error', 'The server could not answer.');
    }
    return sendProblem(reply, status, error.code ?? 'Bad Request', error.message);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, 404, 'Not Found', `No route for ${request.method} ${request.url}`),
  );

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Plimsoll API',
        version: deps.version,
        description: 'Findings, recommendations, capacity reports and dashboards for Kubernetes',
      },
    },
  });
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());
  await app.register(healthRoutes, { health: deps.health, version: deps.version });
  await app.register(metricsRoutes, { telemetry: deps.telemetry });
  return app;
}
