// At most a few heavy requests (a whole window of workloads, every node, a report) run at once,
// server-wide; the rest wait their turn in a bounded queue, and past it are told to come back
// (503 with Retry-After). The per-client rate limit bounds what one client may ask for; this
// bounds what the process works on at a time, so that a burst of expensive calls — from one
// client or many — leaves the event loop free for probes, scrapes and cheap calls in between.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendProblem } from './problem.js';
import { ROUTE_COST } from './rate-limit.js';

export interface HeavyGateOptions {
  /** Heavy requests served at once. */
  readonly concurrent: number;
  /** Heavy requests waiting at most; more are refused with 503. */
  readonly queued: number;
}

export const DEFAULT_HEAVY_GATE: HeavyGateOptions = { concurrent: 2, queued: 64 };

export class HeavyGate {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly options: HeavyGateOptions) {}

  /** Resolves to a release function once the request may run; undefined when the queue is full. */
  enter(): Promise<(() => void) | undefined> {
    if (this.running < this.options.concurrent) {
      this.running += 1;
      return Promise.resolve(this.releaser());
    }
    if (this.waiting.length >= this.options.queued) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.waiting.push(() => resolve(this.releaser()));
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter, so running never drops below the limit
      // while anyone waits — on the next turn of the event loop: handed over in the same turn,
      // a queue of heavy requests would run back to back without letting any other request in.
      if (next) setImmediate(next);
      else this.running -= 1;
    };
  }

  /**
   * Gates every route whose cost is heavy: the slot is taken before the handler and given back
   * when the response is sent or the client goes away, whichever comes first.
   */
  register(app: FastifyInstance): void {
    const releases = new WeakMap<FastifyRequest, () => void>();
    const release = (request: FastifyRequest) => {
      releases.get(request)?.();
      releases.delete(request);
    };
    app.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
      if ((request.routeOptions.config.cost ?? 1) < ROUTE_COST.heavy) return;
      const granted = await this.enter();
      if (!granted) {
        void reply.header('retry-after', '5');
        return sendProblem(
          reply,
          503,
          'Service Unavailable',
          'Too many expensive requests are waiting; retry in a few seconds.',
        );
      }
      releases.set(request, granted);
      // A client that left while it waited costs no work: its slot goes to the next one at once
      // and its handler never runs (a flood that ends would otherwise leave its whole queue to
      // be computed for nobody).
      if (request.raw.socket?.destroyed) {
        release(request);
        reply.hijack();
        return reply;
      }
      reply.raw.once('close', () => release(request));
    });
    app.addHook('onResponse', (request, _reply, done) => {
      release(request);
      done();
    });
    app.addHook('onRequestAbort', (request, done) => {
      release(request);
      done();
    });
  }
}
