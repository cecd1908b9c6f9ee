// Builds the API (routes, schemas, auth, limits, error handling) without listening:
// runtime/service.ts runs it, tests call `app.inject`. Errors leave as application/problem+json;
// 5xx details stay in the log.
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
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Logger } from '../core/logger.js';
import type { Telemetry } from '../core/telemetry.js';
import type { ComponentReport } from '../core/component.js';
import type { Store } from '../store/store.js';
import { TokenAuth, type TokenSets } from './auth.js';
import { sendProblem } from './problem.js';
import { DEFAULT_MAX_WINDOW_MS } from './schemas/common.js';
import { DEFAULT_HEAVY_GATE, HeavyGate, type HeavyGateOptions } from './heavy-gate.js';
import { RateLimiter, type RateLimitOptions } from './rate-limit.js';
import { dashboardRoutes } from './routes/dashboards.js';
import { findingRoutes } from './routes/findings.js';
import { healthRoutes } from './routes/health.js';
import { metricsRoutes } from './routes/metrics.js';
import { nodeRoutes } from './routes/nodes.js';
import { recommendationRoutes } from './routes/recommendations.js';
import { reportRoutes } from './routes/reports.js';
import { uiRoutes } from './routes/ui.js';
import type { WeeklyReportScheduler } from '../reports/scheduler.js';
import type { BuildOptions } from '../dashboards/build.js';
import { workloadRoutes } from './routes/workloads.js';

export interface AppDeps {
  readonly logger: Logger;
  readonly telemetry: Telemetry;
  /** Health of every running component; /readyz is ready only when all are. */
  readonly health: () => Promise<ComponentReport[]>;
  readonly version: string;
  readonly store?: Store;
  readonly cluster?: string;
  readonly tokens?: TokenSets;
  /**
   * Serve the findings families of /metrics without a token (process and pipeline metrics are
   * always public); default false.
   */
  readonly metricsPublic?: boolean;
  readonly rateLimit?: RateLimitOptions;
  /** Heavy requests served at once and queued, server-wide (api.heavyRequests). */
  readonly heavyRequests?: HeavyGateOptions;
  /**
   * Which proxies' X-Forwarded-For to believe for the client address (Fastify's trustProxy: true,
   * or addresses and CIDRs, comma-separated); default none, the socket address.
   */
  readonly trustProxy?: boolean | string | undefined;
  /** Generates reports on demand (POST /api/v1/reports); absent where reports are not made. */
  readonly reports?: WeeklyReportScheduler | undefined;
  /** URL users reach the API at (api.publicUrl), for links in e-mailed reports. */
  readonly publicUrl?: string | undefined;
  /** The widest window a usage query may span (api.maxWindowDays); default 90 days. */
  readonly maxWindowMs?: number | undefined;
  /** What the served dashboards take from the configuration (currency, index prefix). */
  readonly dashboards?: BuildOptions | undefined;
}

export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

const SELF_CONTAINED_HTML_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

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
    trustProxy: deps.trustProxy ?? false,
    // Path parameters are Kubernetes names (up to 253 characters) and finding ids; Fastify's
    // default of 100 answered 414 outside the problem+json contract.
    routerOptions: { maxParamLength: 512 },
    // Errors the router raises before any route runs (a URL that does not decode, `%ZZ`).
    frameworkErrors: (error, _request, reply) => {
      void sendProblem(
        reply,
        400,
        'Bad Request',
        `The request URL could not be read: ${error.message}`,
      );
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status >= 500) {
      request.log.error({ err: error, url: request.url }, 'request failed');
      return sendProblem(reply, status, 'Internal Server Error', 'The server could not answer.');
    }
    const title =
      status === 404 ? 'Not Found' : status === 400 ? 'Bad Request' : (error.code ?? 'Error');
    return sendProblem(reply, status, title, error.message);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, 404, 'Not Found', `No route for ${request.method} ${request.url}`),
  );

  app.addHook('onSend', (request, reply, payload, done) => {
    void reply.header('x-content-type-options', 'nosniff');
    if (!reply.hasHeader('x-frame-options')) void reply.header('x-frame-options', 'DENY');
    // HTML the API renders (reports) is self-contained: inline styles and data: images only.
    // The web pages set their own, stricter policy; /docs is Swagger UI's own page.
    const type = String(reply.getHeader('content-type') ?? '');
    if (type.startsWith('text/html') && !request.url.startsWith('/docs')) {
      void reply.header('content-security-policy', SELF_CONTAINED_HTML_CSP);
    }
    done(null, payload);
  });

  const auth = new TokenAuth(deps.tokens ?? { readTokens: [], adminTokens: [] });
  const limiter = new RateLimiter(deps.rateLimit ?? { perSecond: 100, burst: 200 });
  app.addHook('onRequest', (request, reply, done) => {
    const answered = limiter.check(request, reply) ?? auth.check(request, reply);
    if (!answered) done();
  });

  new HeavyGate(deps.heavyRequests ?? DEFAULT_HEAVY_GATE).register(app);

  app.addHook('onRoute', (route) => {
    // Documentation and liveness are public; everything else needs a token unless open.
    if (route.url.startsWith('/docs')) route.config = { ...route.config, scope: 'public' };
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Plimsoll API',
        version: deps.version,
        description: 'Findings, recommendations, capacity reports and dashboards for Kubernetes',
      },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list' } });
  app.get('/openapi.json', { schema: { hide: true }, config: { scope: 'public' } }, () =>
    app.swagger(),
  );
  await app.register(healthRoutes, {
    health: deps.health,
    version: deps.version,
    details: (request) => auth.granted(request) !== undefined,
  });
  await app.register(metricsRoutes, {
    telemetry: deps.telemetry,
    auth,
    findingsPublic: deps.metricsPublic ?? false,
  });
  if (deps.store) {
    const cluster = deps.cluster ?? 'default';
    const maxWindowMs = deps.maxWindowMs ?? DEFAULT_MAX_WINDOW_MS;
    await app.register(findingRoutes, { store: deps.store, cluster });
    await app.register(nodeRoutes, { store: deps.store, cluster, maxWindowMs });
    await app.register(workloadRoutes, { store: deps.store, cluster, maxWindowMs });
    await app.register(recommendationRoutes, { store: deps.store, cluster });
    await app.register(dashboardRoutes, { build: deps.dashboards ?? {} });
    await app.register(reportRoutes, {
      store: deps.store,
      cluster,
      scheduler: deps.reports,
      publicUrl: deps.publicUrl,
    });
    await app.register(uiRoutes, {
      store: deps.store,
      cluster,
      auth,
      publicUrl: deps.publicUrl,
      maxWindowMs,
    });
  }
  return app;
}
