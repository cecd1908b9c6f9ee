import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryBus } from '../../bus/memory.js';
import { Topics } from '../../core/envelope.js';
import { sampleRecord } from '../support/records.js';
import { waitFor } from '../support/wait.js';
import { busConformance } from './conformance.js';

busConformance('embedded', async () => {
  const bus = new MemoryBus({ retryDelayMs: 20 });
  await bus.start();
  return { bus, close: () => bus.stop() };
});

describe('embedded bus backpressure', () => {
  it('makes publishers wait while consumers are behind, instead of buffering without bound', async () => {
    const bus = new MemoryBus({ maxBacklog: 10, maxBatch: 5 });
    await bus.start();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let handled = 0;
    const subscription = await bus.subscribe({
      group: 'slow',
      topics: [Topics.samples],
      handler: async (messages) => {
        await gate;
        handled += messages.length;
      },
    });
    let published = false;
    const publishing = bus
      .publish(Array.from({ length: 30 }, (_, i) => sampleRecord(i)))
      .then(() => (published = true));
    await waitFor(
      () => bus.backlog(Topics.samples),
      (n) => n === 10,
      { what: 'full backlog' },
    );
    assert.equal(published, false, 'publish must wait while the backlog is full');
    release();
    await publishing;
    await waitFor(
      () => handled,
      (n) => n === 30,
      { what: 'all handled' },
    );
    assert.equal(bus.backlog(Topics.samples), 0);
    await subscription.stop();
    await bus.stop();
  });
});
