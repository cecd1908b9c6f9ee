// List (with limit/continue) and watch (chunked JSON events, bookmarks, 410 Gone) over a store.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { COLUMNS } from '../render/table.js';
import { statusBody } from '../render/status.js';
import { parseFieldSelector, parseLabelSelector } from './selectors.js';
import type { Change, Item, ResourceStore, VersionCounter } from './store.js';

export interface ResourceKind {
  resource: string;
  kind: string;
  apiVersion: string;
}

export interface ListWatchContext {
  store: ResourceStore;
  versions: VersionCounter;
  kind: ResourceKind;
  namespace?: string;
  now: () => number;
  bookmarkMs: number;
  /** Open watches, so the server can end them (shutdown, forced expiry). */
  watches: Set<ServerResponse>;
}

type Filter = (item: Item) => boolean;

function buildFilter(ctx: ListWatchContext, params: URLSearchParams): Filter {
  const labels = parseLabelSelector(params.get('labelSelector'));
  const fields = parseFieldSelector(params.get('fieldSelector'));
  const ns = ctx.namespace;
  return (item) =>
    (ns === undefined || item.namespace === ns) && labels(item.labels) && fields(item.fields);
}

function wantsTable(req: IncomingMessage): boolean {
  return (req.headers.accept ?? '').includes('as=Table');
}

function tableRowObject(
  item: Item,
  rendered: Record<string, unknown>,
  kind: ResourceKind,
  include: string | null,
) {
  if (include === 'None') return undefined;
  if (include === 'Object') return rendered;
  return {
    kind: 'PartialObjectMetadata',
    apiVersion: 'meta.k8s.io/v1',
    metadata: rendered.metadata,
  };
}

function table(
  ctx: ListWatchContext,
  rows: { item: Item; rv: number }[],
  include: string | null,
  meta: Record<string, unknown>,
) {
  const now = ctx.now();
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: meta,
    columnDefinitions: COLUMNS[ctx.kind.resource] ?? [],
    rows: rows.map(({ item, rv }) => {
      const rendered = item.render(String(rv));
      const object = tableRowObject(item, rendered, ctx.kind, include);
      return { cells: item.cells(now), ...(object ? { object } : {}) };
    }),
  };
}

export function serveList(
  ctx: ListWatchContext,
  req: IncomingMessage,
  res: ServerResponse,
  params: URLSearchParams,
): void {
  const filter = buildFilter(ctx, params);
  const all = ctx.store.sorted().filter((s) => filter(s.item));
  const listRv = ctx.versions.current();
  let offset = 0;
  const token = params.get('continue');
  if (token) {
    try {
      const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
        offset?: unknown;
      };
      if (typeof parsed.offset !== 'number' || parsed.offset < 0) throw new Error('bad offset');
      offset = parsed.offset;
    } catch {
      sendStatus(
        res,
        statusBody(
          400,
          'BadRequest',
          'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
        ),
      );
      return;
    }
  }
  const limitParam = Number(params.get('limit') ?? '0');
  const limit = Number.isFinite(limitParam) && limitParam > 0 ? Math.floor(limitParam) : Infinity;
  const page = all.slice(offset, offset + limit);
  const remaining = all.length - offset - page.length;
  const meta: Record<string, unknown> = { resourceVersion: String(listRv) };
  if (remaining > 0) {
    meta.continue = Buffer.from(
      JSON.stringify({ rv: listRv, offset: offset + page.length }),
    ).toString('base64url');
    meta.remainingItemCount = remaining;
  }
  if (wantsTable(req)) {
    sendJson(res, 200, table(ctx, page, params.get('includeObject'), meta));
    return;
  }
  // Stream items one by one: a 30,000-pod list would otherwise be one huge string.
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.write(
    `{"kind":"${ctx.kind.kind}List","apiVersion":"${ctx.kind.apiVersion}","metadata":${JSON.stringify(meta)},"items":[`,
  );
  let first = true;
  let buffer = '';
  for (const s of page) {
    buffer += (first ? '' : ',') + JSON.stringify(s.item.render(String(s.rv)));
    first = false;
    if (buffer.length > 1 << 16) {
      res.write(buffer);
      buffer = '';
    }
  }
  res.end(`${buffer}]}`);
}

export function serveWatch(
  ctx: ListWatchContext,
  req: IncomingMessage,
  res: ServerResponse,
  params: URLSearchParams,
): void {
  const filter = buildFilter(ctx, params);
  const asTable = wantsTable(req);
  const include = params.get('includeObject');
  const rvParam = params.get('resourceVersion');
  let from: number;
  let backlog: Change[] = [];
  let initial: { item: Item; rv: number }[] = [];
  if (!rvParam || rvParam === '0') {
    // "Get state and start at most recent": synthetic ADDED for everything, then live changes.
    initial = ctx.store.sorted().filter((s) => filter(s.item));
    from = ctx.versions.current();
  } else {
    from = Number(rvParam);
    if (!Number.isInteger(from) || from < 0) {
      sendStatus(res, statusBody(400, 'BadRequest', `invalid resource version: ${rvParam}`));
      return;
    }
    const changes = ctx.store.changesSince(from);
    if (!changes) {
      // The API server answers 200 and then an ERROR event carrying 410 Gone.
      res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
      res.end(
        JSON.stringify({
          type: 'ERROR',
          object: statusBody(
            410,
            'Expired',
            `too old resource version: ${from} (${ctx.versions.current()})`,
          ),
        }) + '\n',
      );
      return;
    }
    backlog = changes.filter((c) => filter(c.item));
  }
  res.writeHead(200, {
    'Content-Type': 'application/json',
    'Transfer-Encoding': 'chunked',
    'Cache-Control': 'no-cache, private',
  });
  res.flushHeaders();
  ctx.watches.add(res);
  const encode = (type: string, item: Item, rv: number) => {
    const rendered = item.render(String(rv));
    const object = asTable
      ? table(ctx, [{ item, rv }], include, { resourceVersion: String(rv) })
      : rendered;
    return JSON.stringify({ type, object }) + '\n';
  };
  let out = '';
  for (const s of initial) out += encode('ADDED', s.item, s.rv);
  for (const c of backlog) out += encode(c.type, c.item, c.rv);
  if (out) res.write(out);
  const unsubscribe = ctx.store.subscribe((change) => {
    if (change.rv <= from || !filter(change.item)) return;
    res.write(encode(change.type, change.item, change.rv));
  });
  const timers: NodeJS.Timeout[] = [];
  if (params.get('allowWatchBookmarks') === 'true' && !asTable) {
    timers.push(
      setInterval(() => {
        const object = {
          kind: ctx.kind.kind,
          apiVersion: ctx.kind.apiVersion,
          metadata: {
            resourceVersion: String(ctx.versions.current()),
            annotations: { 'k8s.io/initial-events-end': 'true' },
          },
        };
        res.write(JSON.stringify({ type: 'BOOKMARK', object }) + '\n');
      }, ctx.bookmarkMs),
    );
  }
  const timeout = Number(params.get('timeoutSeconds') ?? '0');
  if (Number.isFinite(timeout) && timeout > 0)
    timers.push(setTimeout(() => res.end(), timeout * 1000));
  for (const timer of timers) timer.unref();
  const cleanup = () => {
    unsubscribe();
    for (const timer of timers) clearInterval(timer);
    ctx.watches.delete(res);
  };
  res.on('close', cleanup);
  req.on('close', cleanup);
}

export function sendJson(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

export function sendStatus(res: ServerResponse, body: { code: number }): void {
  sendJson(res, body.code, body);
}
