// The api suite's raw baseline: a bare fastify server that answers fixed paths with bytes captured
// from Plimsoll's API (same status, content type and body), so a load against it costs HTTP,
// routing and the write, and nothing of Plimsoll's queries, serialization or hooks.
//
//   node --import tsx bench/workers/bare-api.ts <routes.json>   (prints its URL on stdout)
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

/** One captured response; the path has no query (fastify routes on the path alone). */
export interface CapturedRoute {
  readonly path: string;
  readonly status: number;
  readonly contentType: string;
  readonly bodyBase64: string;
}

const file = process.argv[2];
if (!file) throw new Error('usage: bare-api.ts <routes.json>');
const routes = JSON.parse(readFileSync(file, 'utf8')) as CapturedRoute[];
const app = Fastify();
for (const route of routes) {
  const body = Buffer.from(route.bodyBase64, 'base64');
  app.get(route.path, (_request, reply) => {
    void reply.code(route.status).type(route.contentType).send(body);
  });
}
const url = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`${url}\n`);
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
