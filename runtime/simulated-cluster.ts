// The data behind the embedded demo: a simulated cluster served on loopback (point kubectl at
// it), its recent history replayed onto the bus through the production mappers, then kept up to
// date chunk by chunk as its virtual clock advances. Not ready until the history is in.
import type { Component, ComponentHealth } from '../core/component.js';
import type { Logger } from '../core/logger.js';
import type { Bus } from '../bus/bus.js';
import { replaySimulation, startSimulator, type RunningSimulator } from '../simulator/index.js';

const DAY = 86_400_000;

export interface SimulatedClusterOptions {
  readonly bus: Bus;
  readonly scenario: string;
  readonly seed: number;
  readonly nodes: number;
  readonly speed: number;
  readonly historyDays: number;
  readonly stepMs: number;
  /** How often new simulated time is replayed onto the bus. */
  readonly liveIntervalMs?: number;
  readonly logger: Logger;
  /** Called once the history is on the bus, e.g. to analyze and write the first report. */
  readonly onHistoryLoaded?: () => Promise<void>;
}

export class SimulatedCluster implements Component {
  readonly name = 'demo.simulated-cluster';
  private simulator: RunningSimulator | undefined;
  private loading: Promise<void> | undefined;
  private loaded = false;
  private stopping = false;
  private timer: NodeJS.Timeout | undefined;
  private replayedUntil = 0;
  private failure: string | undefined;

  constructor(private readonly options: SimulatedClusterOptions) {}

  get url(): string | undefined {
    return this.simulator?.url;
  }

  async start(): Promise<void> {
    this.simulator = await startSimulator({
      // The simulated "now" is the real now, so timestamps the cluster serves (cAdvisor samples,
      // events) line up with what Prometheus, the analyzers and the report consider current.
      start: Date.now() - this.options.historyDays * DAY,
      scenario: this.options.scenario,
      seed: this.options.seed,
      nodes: this.options.nodes,
      speed: this.options.speed,
      historyDays: this.options.historyDays,
      port: 0,
    });
    const now = this.simulator.clock.now();
    this.replayedUntil = now - this.options.historyDays * DAY;
    this.loading = this.loadHistory();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await this.loading;
    await this.simulator?.close();
  }

  health(): ComponentHealth {
    if (this.failure) return { ready: false, detail: this.failure };
    return this.loaded
      ? { ready: true }
      : { ready: false, detail: 'loading the simulated history' };
  }

  private async loadHistory(): Promise<void> {
    const started = Date.now();
    const from = this.replayedUntil;
    const to = this.simulator?.clock.now() ?? from;
    let tenth = 0;
    // A line per tenth of the history: the demo's first minute says where it is.
    const progress = (dataTime: number, records: number) => {
      const reached = Math.floor(((dataTime - from) / Math.max(1, to - from)) * 10);
      if (reached <= tenth || reached >= 10) return;
      tenth = reached;
      const days = Math.round(((dataTime - from) / DAY) * 10) / 10;
      this.options.logger.info(
        { percent: tenth * 10, records, days, seconds: Math.round((Date.now() - started) / 1000) },
        `loading the simulated history: ${tenth * 10}% (${days} of ${Math.round((to - from) / DAY)} days, ${records.toLocaleString('en-US')} records)`,
      );
    };
    try {
      const records = await this.replayUntilNow(progress);
      // Stopped while loading: the history is not in, and nothing may run on it.
      if (this.stopping) return;
      this.loaded = true;
      this.options.logger.info(
        { records, seconds: Math.round((Date.now() - started) / 1000) },
        'simulated history loaded',
      );
      await this.options.onHistoryLoaded?.();
    } catch (error) {
      this.failure = `replaying the simulated cluster failed: ${(error as Error).message}`;
      this.options.logger.error({ err: error }, 'replaying the simulated cluster failed');
      return;
    }
    this.timer = setInterval(() => {
      this.loading = this.replayUntilNow().then(
        () => undefined,
        (error: unknown) => {
          this.options.logger.warn({ err: error }, 'live replay failed; will retry');
        },
      );
    }, this.options.liveIntervalMs ?? 60_000);
    this.timer.unref();
  }

  /** Publishes what happened in the simulated cluster since the last call. */
  private async replayUntilNow(
    progress?: (dataTime: number, records: number) => void,
  ): Promise<number> {
    const simulator = this.simulator;
    if (!simulator || this.stopping) return 0;
    const until = simulator.clock.now();
    // Whole scrape steps only, so live samples continue the history's grid.
    const to = until - ((until - this.replayedUntil) % this.options.stepMs);
    if (to <= this.replayedUntil) return 0;
    let published = 0;
    for await (const batch of replaySimulation(
      simulator.simulation,
      { from: this.replayedUntil, to },
      { stepMs: this.options.stepMs, source: 'demo/simulated-cluster' },
    )) {
      if (this.stopping) break;
      await this.options.bus.publish(batch);
      published += batch.length;
      const last = batch.findLast((r) => r.kind === 'usage_sample');
      if (progress && last?.kind === 'usage_sample') progress(last.payload.timestamp, published);
    }
    this.replayedUntil = to;
    return published;
  }
}
