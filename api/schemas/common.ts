// Schemas shared by routes: pages with cursors, time filters, problem responses.
import { Type, type TSchema } from '@sinclair/typebox';
import { ProblemSchema } from '../problem.js';

export const PageOf = <T extends TSchema>(item: T) =>
  Type.Object({
    items: Type.Array(item),
    next: Type.Optional(
      Type.String({ description: 'Cursor for the next page; absent on the last page' }),
    ),
  });

export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
  cursor: Type.Optional(Type.String({ maxLength: 2048, description: 'From the previous page' })),
};

export const TimeQuery = {
  from: Type.Optional(Type.String({ format: 'date-time', description: 'Window start (RFC 3339)' })),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'Window end (RFC 3339)' })),
};

/** Error responses every authenticated route may give. */
export const ProblemResponses = {
  400: ProblemSchema,
  401: ProblemSchema,
  403: ProblemSchema,
  404: ProblemSchema,
  429: ProblemSchema,
};

/** Splits `a,b,c` and checks each value against the allowed set; undefined when absent. */
export function csv<T extends string>(
  raw: string | undefined,
  allowed: readonly T[],
  name: string,
): T[] | undefined {
  if (raw === undefined || raw === '') return undefined;
  const values = raw.split(',').map((value) => value.trim());
  const unknown = values.filter((value) => !allowed.includes(value as T));
  if (unknown.length > 0) {
    throw new BadRequest(
      `querystring/${name} has unknown value ${JSON.stringify(unknown[0])}; expected one of ${allowed.join(', ')}`,
    );
  }
  return values as T[];
}

export class BadRequest extends Error {
  readonly statusCode = 400;
  override readonly name = 'BadRequest';
}

export class NotFound extends Error {
  readonly statusCode = 404;
  override readonly name = 'NotFound';
}

/**
 * An RFC 3339 query value as epoch ms: a real instant from 1970 on. The schema's date-time format
 * lets through what Date cannot read (a leap second, `23:59:60`), which would become NaN and
 * silently drop the filter.
 */
export function instantOf(name: 'from' | 'to', text: string): number {
  const t = Date.parse(text);
  if (Number.isNaN(t) || t < 0) {
    throw new BadRequest(
      `querystring/${name} is not an instant from 1970 on: ${JSON.stringify(text)}`,
    );
  }
  return t;
}

/** from/to of a query, each optional; BadRequest unless from is before to. */
export function boundsOf(
  query: { from?: string | undefined; to?: string | undefined },
  defaults: { from: () => number; to: number },
): { from: number; to: number } {
  const to = query.to ? instantOf('to', query.to) : defaults.to;
  const from = query.from ? instantOf('from', query.from) : defaults.from();
  if (from >= to) throw new BadRequest('querystring/from must be before querystring/to');
  return { from, to };
}

const DAY_MS = 86_400_000;

/** The widest window a usage query may span unless api.maxWindowDays says otherwise. */
export const DEFAULT_MAX_WINDOW_MS = 90 * DAY_MS;

/**
 * The window of a route that aggregates usage: `defaultMs` back from `to` when `from` is absent,
 * and BadRequest when it spans more than `maxMs` — the cost of such a query grows with its span,
 * and one client asking for centuries must not stall everyone else.
 */
export function windowOf(
  query: { from?: string | undefined; to?: string | undefined },
  spans: { readonly defaultMs: number; readonly maxMs: number },
  now = Date.now(),
): { from: number; to: number } {
  const to = query.to ? instantOf('to', query.to) : now;
  const window = boundsOf(query, { from: () => to - Math.min(spans.defaultMs, spans.maxMs), to });
  if (window.to - window.from > spans.maxMs) {
    throw new BadRequest(
      `querystring/from: the window spans ${days(window.to - window.from)} days; at most ${days(spans.maxMs)} are allowed (api.maxWindowDays)`,
    );
  }
  return window;
}

const days = (ms: number) => Math.round((ms / DAY_MS) * 10) / 10;
