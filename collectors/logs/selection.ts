// Which lines of one container are shipped: all of them, or only tagged lines (OOM evidence,
// panics, fatals) with a bounded window of context before and after each; and a token bucket per
// container so one chatty container cannot flood the bus. Tagged lines always pass the limiter:
// they are what the analyzers need.
import type { LogTag } from '../../core/domain.js';

export type ShipMode = 'all' | 'tagged';

export interface SelectionOptions {
  readonly mode: ShipMode;
  /** Lines kept before and shipped after a tagged line (mode `tagged`). */
  readonly contextLines: number;
  /** Sustained lines per second per container. */
  readonly ratePerSecond: number;
  /** Bucket size. */
  readonly burst: number;
}

export interface Candidate<T> {
  readonly item: T;
  readonly tags: readonly LogTag[];
}

export type Verdict = 'ship' | 'rate_limited' | 'untagged';

export class LineSelection<T> {
  private readonly before: T[] = [];
  private after = 0;
  private tokens: number;
  private refilledAt = Date.now();

  constructor(private readonly options: SelectionOptions) {
    this.tokens = options.burst;
  }

  /** Lines to ship for this one (context first), and what happened to it. */
  offer(candidate: Candidate<T>, now = Date.now()): { ship: T[]; verdict: Verdict } {
    const tagged = candidate.tags.length > 0;
    if (this.options.mode === 'tagged' && !tagged && this.after === 0) {
      this.before.push(candidate.item);
      if (this.before.length > this.options.contextLines) this.before.shift();
      return { ship: [], verdict: 'untagged' };
    }
    if (!tagged && !this.take(now)) return { ship: [], verdict: 'rate_limited' };
    if (tagged) {
      const ship = [...this.before.splice(0), candidate.item];
      this.after = this.options.contextLines;
      return { ship, verdict: 'ship' };
    }
    if (this.after > 0) this.after--;
    return { ship: [candidate.item], verdict: 'ship' };
  }

  private take(now: number): boolean {
    const elapsed = (now - this.refilledAt) / 1000;
    this.refilledAt = now;
    this.tokens = Math.min(this.options.burst, this.tokens + elapsed * this.options.ratePerSecond);
    if (this.tokens < 1) return false;
    this.tokens--;
    return true;
  }
}
