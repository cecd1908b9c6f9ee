// Token auth with two scopes. Tokens are compared as SHA-256 digests in constant time, against
// every configured token, so neither the comparison nor the loop leaks which one nearly matched.
// Tokens never reach a log line (the logger redacts the header). With no token configured the
// API is open, which is only allowed on a loopback address (the embedded demo).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendProblem } from './problem.js';
import { cookieValue, SESSION_COOKIE, Sessions } from './session.js';

export type Scope = 'public' | 'read' | 'admin';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route; routes under /api default to read. */
    scope?: Scope;
    /**
     * A web page: a session cookie is accepted beside the bearer token, and a caller without
     * either is sent to the login form instead of a 401.
     */
    page?: boolean;
  }
}

export interface TokenSets {
  readonly readTokens: readonly string[];
  readonly adminTokens: readonly string[];
}

/** The token of an `Authorization: Bearer <token>` header. */
const bearerToken = (request: FastifyRequest): string | undefined =>
  /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];

const digest = (token: string) => createHash('sha256').update(token).digest();

export class TokenAuth {
  private readonly read: Buffer[];
  private readonly admin: Buffer[];
  readonly sessions: Sessions;

  constructor(tokens: TokenSets) {
    this.read = tokens.readTokens.map(digest);
    this.admin = tokens.adminTokens.map(digest);
    this.sessions = new Sessions([...tokens.readTokens, ...tokens.adminTokens]);
  }

  /** No token configured at all: every caller is an admin. */
  get open(): boolean {
    return this.read.length === 0 && this.admin.length === 0;
  }

  /** The scope a presented token grants, or undefined. */
  scopeOf(token: string): 'read' | 'admin' | undefined {
    const presented = digest(token);
    let isAdmin = false;
    let isRead = false;
    for (const candidate of this.admin) isAdmin = timingSafeEqual(candidate, presented) || isAdmin;
    for (const candidate of this.read) isRead = timingSafeEqual(candidate, presented) || isRead;
    return isAdmin ? 'admin' : isRead ? 'read' : undefined;
  }

  /** The scope the request's bearer token grants, if any (every scope when the API is open). */
  granted(request: FastifyRequest): 'read' | 'admin' | undefined {
    if (this.open) return 'admin';
    const token = bearerToken(request);
    return token === undefined ? undefined : this.scopeOf(token);
  }

  /** onRequest hook: answers 401/403 itself (returning the reply), or lets the request through. */
  check(request: FastifyRequest, reply: FastifyReply): FastifyReply | undefined {
    const required = request.routeOptions.config.scope ?? 'read';
    if (required === 'public' || this.open) return undefined;
    const page = request.routeOptions.config.page === true;
    const session = page ? cookieValue(request.headers.cookie, SESSION_COOKIE) : undefined;
    const granted =
      bearerToken(request) !== undefined
        ? this.granted(request)
        : session
          ? this.sessions.verify(session)
          : undefined;
    if (!granted && page) {
      return reply.redirect(`/ui/login?next=${encodeURIComponent(request.url)}`, 303);
    }
    if (!granted) {
      void reply.header('www-authenticate', 'Bearer realm="plimsoll"');
      return sendProblem(reply, 401, 'Unauthorized', 'A valid bearer token is required.');
    }
    if (required === 'admin' && granted !== 'admin') {
      return sendProblem(reply, 403, 'Forbidden', 'This operation needs a token with admin scope.');
    }
    return undefined;
  }
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

export const isLoopback = (host: string) => LOOPBACK.test(host);
