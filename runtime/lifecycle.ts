// Starts components in order and stops them in reverse; the health of all of them is /readyz.
import type { Component, ComponentHealth, ComponentReport } from '../core/component.js';
import type { Logger } from '../core/logger.js';
import type { Telemetry } from '../core/telemetry.js';

export class Lifecycle {
  private readonly started: Component[] = [];

  constructor(
    private readonly logger: Logger,
    private readonly telemetry?: Telemetry,
  ) {}

  async start(component: Component): Promise<void> {
    await component.start();
    this.started.push(component);
    this.logger.info({ component: component.name }, 'started');
  }

  async stopAll(): Promise<void> {
    for (const component of [...this.started].reverse()) {
      try {
        await component.stop();
        this.logger.info({ component: component.name }, 'stopped');
      } catch (error) {
        this.logger.error({ err: error, component: component.name }, 'failed to stop cleanly');
      }
    }
    this.started.length = 0;
  }

  async health(): Promise<ComponentReport[]> {
    return Promise.all(
      this.started.map(async (component) => {
        const health = await Promise.resolve(component.health()).catch(
          (error: unknown): ComponentHealth => ({ ready: false, detail: (error as Error).message }),
        );
        this.telemetry?.componentUp.set({ component: component.name }, health.ready ? 1 : 0);
        return { name: component.name, ...health };
      }),
    );
  }
}
