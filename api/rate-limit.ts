// A token bucket per client address: bursts are fine, a client that keeps hammering gets 429 with
// Retry-After instead of slowing everyone else. Buckets of idle clients are dropped.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendProblem } from './problem.js';

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

  /** True when the client may proceed; consumes one token. */
  take(client: string, now = Date.now()): boolean {
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
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  /** Every route, public ones too: /readyz runs a health check of each engine per call. */
  check(request: FastifyRequest, reply: FastifyReply): FastifyReply | undefined {
    if (this.take(request.ip)) return undefined;
    void reply.header('retry-after', String(Math.ceil(1 / this.options.perSecond)));
    return sendProblem(reply, 429, 'Too Many Requests', 'Slow down and retry after a moment.');
  }
}
