// The web front door: server-rendered pages over the same store and the same functions as the
// JSON API (no build step, no script in the page). `/` shows the open verdicts by severity and
// namespace, /ui/namespaces/:ns a namespace's containers, /ui/workloads/... one workload with its
// memory before each kill and the patch to copy, /ui/findings one finding or a filtered list (the
// dashboards' data links and the alerts' finding_url land there). Access is the API's: a session
// cookie from the login form (an API token), or the bearer header.
import { Type } from '@sinclair/typebox';
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  excludedChanges,
  excludedChangesYaml,
  recommendationPatchesYaml,
} from '../../analyzers/recommendations/patches.js';
import type { TimeWindow, WorkloadRef } from '../../core/domain.js';
import { renderSvg, type RenderedChart } from '../../reports/render-svg.js';
import type { Store } from '../../store/store.js';
import type { TokenAuth } from '../auth.js';
import { cookieValue, SESSION_COOKIE, sessionCookie } from '../session.js';
import { NotFound, TimeQuery, windowOf } from '../schemas/common.js';
import { memoryChart } from '../ui/memory-chart.js';
import { findingBody, findingListBody, overviewBody } from '../ui/findings-views.js';
import { escapeHtml, page, STYLE_PATH, UI_CSS, type PageContext } from '../ui/layout.js';
import { namespaceBody, workloadBody } from '../ui/workload-views.js';
import {
  allFindings,
  MAX_LISTED,
  WORKLOAD_WINDOW_MS,
  WorkloadData,
  type WorkloadDetail,
} from '../workload-data.js';
import { findingFilter, FindingFilterSchema } from './findings.js';
import { ROUTE_COST } from '../rate-limit.js';

const MAX_CHARTS = 4;
const CHART_POINTS = 600;

// No script runs in these pages; styles come from one stylesheet of this origin; nothing may
// frame them; forms post only here.
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
};

const WORKLOAD_KINDS = [
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'Job',
  'CronJob',
  'ReplicaSet',
  'Pod',
];

/** Dashboards spell the owner kind in lower case, as the exported metrics do. */
const canonicalKind = (kind: string) =>
  WORKLOAD_KINDS.find((k) => k.toLowerCase() === kind.toLowerCase()) ?? kind;

const STEP_MINUTES = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440];

/** The smallest round bucket that keeps a chart of the span under CHART_POINTS points. */
const niceStep = (spanMs: number) =>
  (STEP_MINUTES.find((m) => spanMs / (m * 60_000) <= CHART_POINTS) ?? 1440) * 60_000;

/**
 * Only a path of this site is a place to return to after the login: one leading slash, then no
 * second slash or backslash, and no whitespace or control character (browsers drop a tab or a
 * newline from a URL, so `/<tab>/evil.example` would turn into `//evil.example`).
 */
const safeNext = (next: string | undefined) =>
  next &&
  /^\/(?![/\\])[^\s\\]*$/.test(next) &&
  ![...next].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)
    ? next
    : '/';

export interface UiOptions {
  readonly store: Store;
  readonly cluster: string;
  readonly auth: TokenAuth;
  readonly publicUrl?: string | undefined;
  /** The widest window a page may show (api.maxWindowDays). */
  readonly maxWindowMs: number;
}

export const uiRoutes: FastifyPluginAsync<UiOptions> = (fastify, options) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { store, cluster, auth } = options;
  const data = new WorkloadData(store, cluster);
  const spans = { defaultMs: WORKLOAD_WINDOW_MS, maxMs: options.maxWindowMs };
  const pageConfig = { page: true, cost: ROUTE_COST.medium } as const;
  // A namespace's page reads every container of the namespace over the window.
  const namespacePageConfig = { page: true, cost: ROUTE_COST.heavy } as const;

  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 8 * 1024 },
    (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
  );
  app.addHook('onSend', (_request, reply, payload, done) => {
    // The stylesheet keeps its own caching; every page is no-store.
    const cached = reply.hasHeader('cache-control');
    void reply.headers(SECURITY_HEADERS);
    if (!cached) void reply.header('cache-control', 'no-store');
    done(null, payload);
  });
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status >= 500) request.log.error({ err: error, url: request.url }, 'page failed');
    const text = status >= 500 ? 'The server could not answer.' : error.message;
    return html(
      reply,
      page(
        `Error ${status}`,
        `<h1>Error ${status}</h1><p>${escapeHtml(text)}</p>`,
        context(request),
      ),
      status,
    );
  });

  const context = (request: FastifyRequest): PageContext => ({
    cluster,
    session: cookieValue(request.headers.cookie, SESSION_COOKIE) !== undefined,
    now: Date.now(),
  });
  const html = (reply: FastifyReply, body: string, status = 200) =>
    reply.code(status).type('text/html; charset=utf-8').send(body);
  const secure = (request: FastifyRequest) =>
    request.protocol === 'https' || (options.publicUrl ?? '').startsWith('https:');

  app.get(STYLE_PATH, { schema: { hide: true }, config: { scope: 'public' } }, (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'max-age=3600').send(UI_CSS),
  );

  // Browsers ask for it on every first visit; an empty answer keeps 404s out of their consoles.
  app.get(
    '/favicon.ico',
    { schema: { hide: true }, config: { scope: 'public' } },
    (_request, reply) => reply.code(204).send(),
  );

  const loginPage = (next: string, error?: string) =>
    page(
      'Log in',
      `<form class="login" method="post" action="/ui/login"><h1>Log in</h1>` +
        `<p class="muted">Use an API token (a read token is enough to see every page).</p>` +
        (error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : '') +
        `<label for="token">API token</label><input id="token" name="token" type="password" autocomplete="current-password" required>` +
        `<input type="hidden" name="next" value="${escapeHtml(next)}">` +
        `<button type="submit">Log in</button></form>`,
      undefined,
    );

  app.get(
    '/ui/login',
    {
      schema: { hide: true, querystring: Type.Object({ next: Type.Optional(Type.String()) }) },
      config: { scope: 'public' },
    },
    (request, reply) => {
      const next = safeNext(request.query.next);
      if (auth.open) return reply.redirect(next, 303);
      return html(reply, loginPage(next));
    },
  );

  app.post(
    '/ui/login',
    {
      schema: {
        hide: true,
        body: Type.Object({
          token: Type.String({ maxLength: 4096 }),
          next: Type.Optional(Type.String({ maxLength: 2048 })),
        }),
      },
      config: { scope: 'public' },
    },
    (request, reply) => {
      const next = safeNext(request.body.next);
      const scope = auth.scopeOf(request.body.token);
      if (!scope) return html(reply, loginPage(next, 'That token is not valid here.'), 401);
      void reply.header('set-cookie', sessionCookie(auth.sessions.issue(scope), secure(request)));
      return reply.redirect(next, 303);
    },
  );

  app.post(
    '/ui/logout',
    { schema: { hide: true }, config: { scope: 'public' } },
    (request, reply) => {
      void reply.header('set-cookie', sessionCookie('', secure(request), 0));
      return reply.redirect('/ui/login', 303);
    },
  );

  app.get('/', { schema: { hide: true }, config: pageConfig }, async (request, reply) => {
    const open = await allFindings(store, { cluster, status: 'open' });
    return html(reply, page('Overview', overviewBody(cluster, open), context(request)));
  });

  app.get(
    '/ui/findings',
    {
      schema: { hide: true, querystring: FindingFilterSchema },
      config: pageConfig,
    },
    async (request, reply) => {
      const filter = findingFilter(request.query, cluster);
      const found = await allFindings(store, filter);
      const described = Object.entries(request.query)
        .filter(([, value]) => value !== undefined && value !== '')
        .map(([key, value]) => `${key} ${value}`)
        .join(', ');
      const title = `Findings${described ? `: ${described}` : ''}`;
      return html(
        reply,
        page(title, findingListBody(title, found, found.length >= MAX_LISTED), context(request)),
      );
    },
  );

  app.get(
    '/ui/findings/:id',
    {
      schema: {
        hide: true,
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 256 }) }),
      },
      config: pageConfig,
    },
    async (request, reply) => {
      const finding = await store.finding(request.params.id);
      if (!finding) throw new NotFound(`No finding with id ${request.params.id}.`);
      return html(reply, page(finding.title, findingBody(finding), context(request)));
    },
  );

  app.get(
    '/ui/namespaces/:namespace',
    {
      schema: {
        hide: true,
        params: Type.Object({ namespace: Type.String({ minLength: 1, maxLength: 253 }) }),
        querystring: Type.Object({ ...TimeQuery }),
      },
      config: namespacePageConfig,
    },
    async (request, reply) => {
      const { namespace } = request.params;
      const window = windowOf(request.query, spans);
      const [rows, open] = await Promise.all([
        data.allContainers(window, namespace),
        allFindings(store, { cluster, namespace, status: 'open' }),
      ]);
      if (rows.length === 0 && open.length === 0) {
        throw new NotFound(
          `Namespace ${namespace} has no container with samples in the window and no open finding.`,
        );
      }
      return html(
        reply,
        page(
          `Namespace ${namespace}`,
          namespaceBody(namespace, window, rows, open),
          context(request),
        ),
      );
    },
  );

  app.get(
    '/ui/workloads/:namespace/:kind/:name',
    {
      schema: {
        hide: true,
        params: Type.Object({
          namespace: Type.String({ minLength: 1, maxLength: 253 }),
          kind: Type.String({ minLength: 1, maxLength: 63 }),
          name: Type.String({ minLength: 1, maxLength: 253 }),
        }),
        querystring: Type.Object({ ...TimeQuery }),
      },
      config: pageConfig,
    },
    async (request, reply) => {
      const workload: WorkloadRef = {
        ...request.params,
        kind: canonicalKind(request.params.kind),
      };
      const window = windowOf(request.query, spans);
      const detail = await data.detail(workload, window);
      const charts = await memoryCharts(detail, window);
      const findings = detail.findings.filter((f) => f.status === 'open');
      const patch =
        excludedChangesYaml(excludedChanges(findings)) + recommendationPatchesYaml(findings);
      return html(
        reply,
        page(
          `${workload.namespace}/${workload.kind}/${workload.name}`,
          workloadBody(detail, window, charts, patch),
          context(request),
        ),
      );
    },
  );

  /** A memory chart per container, those with kills first. */
  async function memoryCharts(
    detail: WorkloadDetail,
    window: TimeWindow,
  ): Promise<RenderedChart[]> {
    // Every kill of the window is marked (the detail carries only the newest terminations).
    const kills = await store.terminations({
      cluster,
      window,
      workload: detail.workload,
      reasons: ['OOMKilled'],
    });
    const killsOf = (container: string) => kills.filter((k) => k.container === container);
    const containers = detail.containers
      .filter((c) => c.memoryBytes)
      .sort((a, b) => killsOf(b.container).length - killsOf(a.container).length)
      .slice(0, MAX_CHARTS);
    const stepMs = niceStep(window.to - window.from);
    const charts: RenderedChart[] = [];
    for (const [index, c] of containers.entries()) {
      const points = await store.usageSeries({
        cluster,
        metric: 'memory_working_set_bytes',
        subject: {
          type: 'workload_container',
          key: { cluster, workload: detail.workload, container: c.container },
        },
        window,
        stepMs,
      });
      const spec = memoryChart(
        {
          container: c.container,
          window,
          stepMs,
          points,
          kills: killsOf(c.container),
          limitBytes: c.limits.memoryBytes,
        },
        `memory-${index}`,
      );
      charts.push(await renderSvg(spec));
    }
    return charts;
  }
  return Promise.resolve();
};
