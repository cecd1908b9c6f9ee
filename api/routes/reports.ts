// Weekly capacity reports: list, latest, one in any of its formats (and as an e-mail body), and
// "generate now" (admin).
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { REPORT_VIEWS, reportView, type ReportView } from '../../reports/delivery.js';
import type { WeeklyReportScheduler } from '../../reports/scheduler.js';
import { isoWeekOf, WeekError } from '../../reports/week.js';
import { InvalidCursorError } from '../../store/keys.js';
import type { ReportStore, StoredReport } from '../../store/store.js';
import { BadRequest, NotFound, PageOf, PageQuery, ProblemResponses } from '../schemas/common.js';
import { ROUTE_COST } from '../rate-limit.js';

const ReportSummarySchema = Type.Object({
  id: Type.String(),
  cluster: Type.String(),
  week: Type.String({ description: 'ISO week, e.g. 2026-W47' }),
  generatedAt: Type.Integer(),
  summary: Type.Record(Type.String(), Type.Unknown()),
});

const FormatQuery = Type.Object({
  format: Type.Optional(
    Type.Union(
      REPORT_VIEWS.map((format) => Type.Literal(format)),
      {
        default: 'json',
        description:
          'html, md, json, csv, or email: the e-mail-ready HTML (inline styles, no charts) linking to the full report',
      },
    ),
  ),
});

const CONTENT_TYPES: Record<ReportView, string> = {
  html: 'text/html; charset=utf-8',
  email: 'text/html; charset=utf-8',
  md: 'text/markdown; charset=utf-8',
  json: 'application/json; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
};

export interface ReportRouteOptions {
  readonly store: ReportStore;
  readonly cluster: string;
  /** Absent when this process does not generate reports. */
  readonly scheduler?: WeeklyReportScheduler | undefined;
  /** Base of links in the e-mail view (default: the URL the request came to). */
  readonly publicUrl?: string | undefined;
}

export const reportRoutes: FastifyPluginAsync<ReportRouteOptions> = (fastify, options) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { store, cluster } = options;
  const send = (
    request: FastifyRequest,
    reply: FastifyReply,
    report: StoredReport,
    format: ReportView = 'json',
  ) =>
    reply
      .type(CONTENT_TYPES[format])
      .send(
        reportView(report, format, options.publicUrl ?? `${request.protocol}://${request.host}`),
      );

  app.get(
    '/api/v1/reports',
    {
      schema: {
        summary: 'Stored weekly reports, newest first',
        tags: ['reports'],
        querystring: Type.Object({ ...PageQuery }),
        response: { 200: PageOf(ReportSummarySchema), ...ProblemResponses },
      },
    },
    async (request) => {
      try {
        return await store.reports({
          cluster,
          limit: request.query.limit ?? 50,
          after: request.query.cursor,
        });
      } catch (error) {
        if (error instanceof InvalidCursorError)
          throw new BadRequest(`querystring/cursor: ${error.message}`);
        throw error;
      }
    },
  );

  app.get(
    '/api/v1/reports/latest',
    {
      schema: {
        summary: 'The newest report, in the format asked for',
        tags: ['reports'],
        querystring: FormatQuery,
        response: { 200: Type.Unknown(), ...ProblemResponses },
      },
    },
    async (request, reply) => {
      const [latest] = (await store.reports({ cluster, limit: 1 })).items;
      const report = latest && (await store.report(latest.id));
      if (!report) throw new NotFound('no report has been generated yet');
      return send(request, reply, report, request.query.format);
    },
  );

  app.get(
    '/api/v1/reports/:id',
    {
      schema: {
        summary: 'One report, in the format asked for',
        tags: ['reports'],
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 300 }) }),
        querystring: FormatQuery,
        response: { 200: Type.Unknown(), ...ProblemResponses },
      },
    },
    async (request, reply) => {
      const report = await store.report(request.params.id);
      if (!report) throw new NotFound(`no report with id ${request.params.id}`);
      return send(request, reply, report, request.query.format);
    },
  );

  app.post(
    '/api/v1/reports',
    {
      config: { scope: 'admin', cost: ROUTE_COST.heavy },
      schema: {
        summary: 'Generate (or regenerate) the report of a week now',
        tags: ['reports'],
        body: Type.Object({
          week: Type.Optional(
            Type.String({ pattern: '^\\d{4}-W\\d{2}$', description: 'Default: this week' }),
          ),
        }),
        response: { 201: ReportSummarySchema, 503: Type.Unknown(), ...ProblemResponses },
      },
    },
    async (request, reply) => {
      const scheduler = options.scheduler;
      if (!scheduler)
        throw Object.assign(new Error('this process does not generate reports'), {
          statusCode: 503,
        });
      const week = request.body.week ?? isoWeekOf(Date.now());
      try {
        scheduler.checkWeek(week);
      } catch (error) {
        if (error instanceof WeekError) throw new BadRequest(`body/week: ${error.message}`);
        throw error;
      }
      const outcome = await scheduler.runOnce({ week });
      const report =
        outcome.status === 'generated' ? await store.report(outcome.reportId) : undefined;
      if (!report) {
        const why =
          outcome.status === 'failed'
            ? outcome.error
            : outcome.status === 'skipped'
              ? outcome.reason
              : 'not stored';
        throw Object.assign(new Error(`the report of ${week} was not generated: ${why}`), {
          statusCode: 503,
        });
      }
      const { content: _content, ...summary } = report;
      return reply.code(201).send(summary);
    },
  );
  return Promise.resolve();
};
