// Runs the store's housekeeping (rollups, retention) on an interval. Several replicas may run
// it: a lock in the store lets one of them do each round. A failed round is logged and counted;
// the loop never rejects and its timer does not keep the process alive.
import { hostname } from 'node:os';
import type { Component, ComponentHealth } from '../core/component.js';
import type { Logger } from '../core/logger.js';
import type { Telemetry } from '../core/telemetry.js';
import type { Store } from '../store/store.js';

export interface MaintenanceOptions {
  readonly store: Store;
  readonly intervalMs: number;
  readonly logger: Logger;
  readonly telemetry?: Telemetry;
  /** Identifies this replica in the lock. */
  readonly owner?: string;
}

export class StoreMaintenance implements Component {
  readonly name = 'store.maintenance';
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private lastError: string | undefined;
  private readonly owner: string;

  constructor(private readonly options: MaintenanceOptions) {
    this.owner = options.owner ?? `${hostname()}:${process.pid}`;
  }

  start(): Promise<void> {
    this.timer = setInterval(() => void this.runOnce(), this.options.intervalMs);
    this.timer.unref();
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  health(): ComponentHealth {
    // Housekeeping failing does not stop Plimsoll from answering; it is reported, not fatal.
    return { ready: true, detail: this.lastError };
  }

  /** One round; resolves when done, never rejects. */
  runOnce(now = Date.now()): Promise<void> {
    this.running ??= this.round(now).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async round(now: number): Promise<void> {
    try {
      const mine = await this.options.store.acquireLock(
        'store-maintenance',
        this.owner,
        this.options.intervalMs,
      );
      if (!mine) return;
      const report = await this.options.store.maintain(now);
      this.lastError = undefined;
      if (report.rolledUpWindows > 0 || report.deletedIndices.length > 0) {
        this.options.logger.info(report, 'store maintenance done');
      }
    } catch (error) {
      this.lastError = (error as Error).message;
      this.options.telemetry?.error(this.name, 'index', 'unavailable');
      this.options.logger.warn({ err: error }, 'store maintenance failed; will retry');
    }
  }
}
