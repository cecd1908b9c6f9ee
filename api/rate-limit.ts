// A token bucket per client address: bursts are fine, a client that keeps hammering gets 429 with
// Retry-After instead of slowing everyone else. Buckets of idle clients are dropped. A route that
// reads weeks of data takes more tokens than one that reads a page (`config.cost`), so one client
// cannot fill the server with its most expensive call. The address is the socket's, or the
// client's as a trusted proxy reports it (api.trustProxy).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendProblem } from './problem.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Tokens one call takes from its client's bucket (default 1). */
    cost?: number;
  }
}

/** What a call costs, by how much of the store it reads. */
export const ROUTE_COST = {
  /** Every workload of a window, every node with its pods, a report generated. */
  heavy: 10,
  /** One subject over a window: a workload's detail, a node's, a web page built from several. */
  medium: 5,
} as const;

export interface RateLimitOptions {
  /** Sustained requests per second per client. */
  readonly perSecond: number;
  /** Requests a client may make at once after being idle. */
  readonly burst: number;
  /** Clients tracked at most; the oldest idle ones are forgotten first. */
  readonly maxClients?: number;
}

interface Bucket {
  tokens: number;
  updated: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly maxClients: number;

  constructor(private readonly options: RateLimitOptions) {
    this.maxClients = options.maxClients ?? 10_000;
  }

  /** True when the client may proceed; consumes `cost` tokens. */
  take(client: string, cost = 1, now = Date.now()): boolean {
    let bucket = this.buckets.get(client);
    if (bucket) {
      this.buckets.delete(client);
    } else {
      bucket = { tokens: this.options.burst, updated: now };
      if (this.buckets.size >= this.maxClients) {
        const oldest = this.buckets.keys().next().value;
        if (oldest !== undefined) this.buckets.delete(oldest);
      }
    }
    bucket.tokens = Math.min(
      this.options.burst,
      bucket.tokens + ((now - bucket.updated) / 1000) * this.options.perSecond,
    );
    bucket.updated = now;
    // Re-inserted so that the map's order is least recently seen first.
    this.buckets.set(client, bucket);
    // A call dearer than the whole burst is still allowed from a full bucket.
    const price = Math.min(cost, this.options.burst);
    if (bucket.tokens < price) return false;
    bucket.tokens -= price;
    return true;
  }

  /** Every route, public ones too: /readyz runs a health check of each engine per call. */
  check(request: FastifyRequest, reply: FastifyReply): FastifyReply | undefined {
    const cost = request.routeOptions.config.cost ?? 1;
    if (this.take(request.ip, cost)) return undefined;
    void reply.header('retry-after', String(Math.ceil(cost / this.options.perSecond)));
    return sendProblem(reply, 429, 'Too Many Requests', 'Slow down and retry after a moment.');
  }
}
