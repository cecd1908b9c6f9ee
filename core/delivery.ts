// One delivery with retries, shared by the Alertmanager push, the receivers and the dashboard push.
// Retries network errors, 429 and 5xx with capped exponential backoff and jitter (honouring
// Retry-After); other 4xx fail at once, since repeating a rejected payload cannot succeed.
// URLs of chat webhooks carry their secret in the path or query, so errors and logs name only
// the host (see safeTarget).
import { setTimeout as sleep } from 'node:timers/promises';

export interface RetryPolicy {
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly timeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 5,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  timeoutMs: 10_000,
};

export interface PostOptions {
  readonly headers?: Readonly<Record<string, string>>;
  readonly retry?: Partial<RetryPolicy>;
  /** A 2xx answer that still means failure (DingTalk answers 200 with an error code). */
  readonly judge?: (status: number, body: string) => 'ok' | 'retry' | 'fail';
  /** Injected by tests to skip real waiting. */
  readonly sleep?: (ms: number) => Promise<unknown>;
}

export interface PostResult {
  readonly status: number;
  readonly body: string;
  readonly attempts: number;
}

export class DeliveryError extends Error {
  override readonly name = 'DeliveryError';
  constructor(
    message: string,
    readonly target: string,
    readonly status: number | undefined,
    readonly attempts: number,
  ) {
    super(message);
  }
}

/** Scheme and host of a URL: what may appear in a log line or an error. */
export function safeTarget(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return '(invalid url)';
  }
}

/** What one try of a delivery came to: done, or worth another try (and why). */
export type Attempt<T> =
  | { readonly done: T }
  | {
      readonly retry: string;
      readonly status?: number | undefined;
      /** The server's Retry-After, if it gave one. */
      readonly afterMs?: number | undefined;
    };

/**
 * Runs `tryOnce` until it is done, throws (a DeliveryError for an answer that cannot change), or
 * the policy's attempts are spent: capped exponential backoff with jitter, honouring Retry-After.
 * One loop for every receiver, HTTP and SMTP alike.
 */
export async function withRetries<T>(
  target: string,
  options: Pick<PostOptions, 'retry' | 'sleep'>,
  tryOnce: (attempt: number, policy: RetryPolicy) => Promise<Attempt<T>>,
): Promise<T> {
  const policy = { ...DEFAULT_RETRY, ...options.retry };
  const wait = options.sleep ?? ((ms: number) => sleep(ms));
  let last: Exclude<Attempt<T>, { done: T }> = { retry: 'not tried' };
  for (let attempt = 1; attempt <= policy.attempts; attempt++) {
    const outcome = await tryOnce(attempt, policy);
    if ('done' in outcome) return outcome.done;
    last = outcome;
    if (attempt < policy.attempts) {
      const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      const jittered = backoff * (0.5 + Math.random() / 2);
      // A plain (ref'd) timer: a one-shot `alerts push` must not exit while a retry waits.
      await wait(Math.min(policy.maxDelayMs, Math.max(jittered, outcome.afterMs ?? 0)));
    }
  }
  throw new DeliveryError(
    `${target} failed after ${policy.attempts} attempts (${last.retry})`,
    target,
    last.status,
    policy.attempts,
  );
}

export function postJson(
  url: string,
  payload: unknown,
  options: PostOptions = {},
): Promise<PostResult> {
  const body = JSON.stringify(payload);
  const target = safeTarget(url);
  return withRetries(target, options, async (attempt, policy): Promise<Attempt<PostResult>> => {
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...options.headers },
        body,
        signal: AbortSignal.timeout(policy.timeoutMs),
      });
      const text = await response.text();
      const verdict = judge(response.status, text, options.judge);
      if (verdict === 'ok')
        return { done: { status: response.status, body: text, attempts: attempt } };
      // The answer body may echo the request; keep only its start and never the URL.
      const reason = `HTTP ${response.status}: ${text.slice(0, 200)}`;
      if (verdict === 'fail') {
        throw new DeliveryError(
          `${target} rejected the request (${reason})`,
          target,
          response.status,
          attempt,
        );
      }
      return {
        retry: reason,
        status: response.status,
        afterMs: retryAfter(response.headers.get('retry-after')),
      };
    } catch (error) {
      if (error instanceof DeliveryError) throw error;
      return { retry: (error as Error).name === 'TimeoutError' ? 'timeout' : 'network error' };
    }
  });
}

function judge(
  status: number,
  body: string,
  custom: PostOptions['judge'],
): 'ok' | 'retry' | 'fail' {
  if (status === 429 || status >= 500) return 'retry';
  if (status < 200 || status >= 300) return 'fail';
  return custom ? custom(status, body) : 'ok';
}

function retryAfter(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return seconds * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/**
 * Token bucket: at most `perSecond` sends on average, bursts of `burst`. Protects chat APIs
 * (Slack allows about one message a second per webhook) when many findings open at once.
 */
export class RateLimiter {
  private tokens: number;
  private last: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number = Math.max(1, Math.ceil(perSecond)),
    private readonly clock: () => number = Date.now,
    private readonly wait: (ms: number) => Promise<unknown> = (ms) => sleep(ms),
  ) {
    if (!(perSecond > 0)) throw new Error('RateLimiter: perSecond must be positive');
    this.tokens = this.burst;
    this.last = clock();
  }

  async take(): Promise<void> {
    for (;;) {
      const now = this.clock();
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.perSecond);
      this.last = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await this.wait(Math.ceil(((1 - this.tokens) / this.perSecond) * 1000));
    }
  }
}
