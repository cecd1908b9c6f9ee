// The lifecycle the polling collectors share (kubelet, logs from the API, logs from files): a
// round, then a pause, until stopped. stop() cuts the pause short and waits for the round in
// progress, which can check `running` to end early. A round reports its own errors (a collector
// keeps going when a node or a pod list fails) and never rejects.
import { setTimeout as sleep } from 'node:timers/promises';

export class PollingLoop {
  private active = false;
  private done: Promise<void> | undefined;
  private stopping = new AbortController();

  /**
   * @param round one pass; true when it left work undone (a file past its read budget), which
   *   starts the next round at once
   * @param pauseAfter the pause after a round that took `elapsedMs`
   */
  constructor(
    private readonly round: () => Promise<boolean>,
    private readonly pauseAfter: (elapsedMs: number) => number,
  ) {}

  /** Between start() and stop(). */
  get running(): boolean {
    return this.active;
  }

  start(): void {
    this.stopping = new AbortController();
    this.active = true;
    this.done = this.run();
  }

  async stop(): Promise<void> {
    this.active = false;
    this.stopping.abort();
    await this.done;
  }

  private async run(): Promise<void> {
    while (this.active) {
      const started = Date.now();
      const more = await this.round();
      if (more && this.active) continue;
      const pause = Math.max(0, this.pauseAfter(Date.now() - started));
      await sleep(pause, undefined, { signal: this.stopping.signal, ref: false }).catch(
        () => undefined,
      );
    }
  }
}
