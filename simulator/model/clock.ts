// The virtual clock: history starts at `start`; the live API shows `now()`, which begins at
// `origin` and advances `speed` virtual seconds per real second.

export interface ClockOptions {
  /** Virtual instant the live view starts at (epoch ms). */
  origin: number;
  /** Virtual seconds per real second. */
  speed: number;
  /** Real-time source, replaceable in tests. */
  realNow?: () => number;
}

export class VirtualClock {
  private readonly realStart: number;
  private readonly realNow: () => number;
  private offset = 0;

  constructor(private readonly options: ClockOptions) {
    if (!(options.speed > 0) || !Number.isFinite(options.speed)) {
      throw new Error(`speed must be a positive number, got ${options.speed}`);
    }
    this.realNow = options.realNow ?? Date.now;
    this.realStart = this.realNow();
  }

  get speed(): number {
    return this.options.speed;
  }

  get origin(): number {
    return this.options.origin;
  }

  now(): number {
    return Math.floor(
      this.options.origin + this.offset + (this.realNow() - this.realStart) * this.options.speed,
    );
  }

  /** Jumps the virtual clock forward (tests and demos that want a change now). */
  advance(ms: number): void {
    if (ms < 0) throw new Error('the virtual clock only moves forward');
    this.offset += ms;
  }
}
