// The publisher in front of the bus: batches, waits when full instead of growing, retries a bus
// that rejects until it accepts, and loses nothing on the way.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PublishResult } from '../../bus/bus.js';
import { MemoryBus } from '../../bus/memory.js';
import { envelope, type AnyEnvelope } from '../../core/envelope.js';
import { Publisher } from '../../collectors/publisher.js';

function sample(i: number): AnyEnvelope {
  return envelope(
    'usage_sample',
    {
      cluster: 'c',
      metric: 'memory_working_set_bytes',
      timestamp: 1_700_000_000_000 + i,
      value: i,
      node: 'n1',
    },
    'test',
  );
}

/** A bus that rejects while `down` is set, and records what it accepted. */
class FlakyBus extends MemoryBus {
  down = false;
  attempts = 0;
  readonly accepted: AnyEnvelope[] = [];
  override async publish(records: readonly AnyEnvelope[]): Promise<PublishResult> {
    this.attempts++;
    if (this.down) throw new Error('broker unavailable');
    this.accepted.push(...records);
    return super.publish(records);
  }
}

describe('publisher', () => {
  it('delivers everything in order across a bus outage, retrying the same batch', async () => {
    const bus = new FlakyBus();
    await bus.start();
    const publisher = new Publisher(bus, {
      batchSize: 50,
      lingerMs: 10,
      retryDelayMs: 5,
      maxRetryDelayMs: 20,
    });
    await publisher.start();
    await publisher.emit(Array.from({ length: 120 }, (_, i) => sample(i)));
    bus.down = true;
    await publisher.emit(Array.from({ length: 120 }, (_, i) => sample(120 + i)));
    await new Promise((resolve) => setTimeout(resolve, 150));
    assert.ok(publisher.pending > 0, 'records wait while the bus is down');
    bus.down = false;
    assert.equal(await publisher.flush(5_000), true);
    assert.deepEqual(
      bus.accepted.map((r) => (r.payload as { value: number }).value),
      Array.from({ length: 240 }, (_, i) => i),
    );
    assert.ok(bus.attempts > 5, 'failed batches were retried');
    await publisher.stop();
  });

  it('makes emitters wait when the buffer is full instead of growing it', async () => {
    const bus = new FlakyBus();
    await bus.start();
    bus.down = true;
    const publisher = new Publisher(bus, {
      batchSize: 10,
      maxBuffered: 40,
      lingerMs: 1,
      retryDelayMs: 5,
      maxRetryDelayMs: 10,
    });
    await publisher.start();
    let emitted = false;
    const emitting = publisher
      .emit(Array.from({ length: 100 }, (_, i) => sample(i)))
      .then(() => (emitted = true));
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(emitted, false, 'emit is still waiting for room');
    assert.ok(publisher.pending <= 40, `buffer stays bounded (${publisher.pending})`);
    bus.down = false;
    await emitting;
    assert.equal(await publisher.flush(5_000), true);
    assert.equal(bus.accepted.length, 100);
    const delivered: number[] = [];
    publisher.onDelivered((records) => delivered.push(records.length));
    await publisher.emit([sample(1000)]);
    await publisher.flush(5_000);
    assert.deepEqual(delivered, [1], 'delivery listeners hear about durable batches');
    await publisher.stop();
  });

  it('sends a part-filled batch after its linger, without waiting for a flush', async () => {
    const bus = new FlakyBus();
    await bus.start();
    const publisher = new Publisher(bus, { batchSize: 500, lingerMs: 20 });
    await publisher.start();
    await publisher.emit([sample(1), sample(2), sample(3)]);
    const deadline = Date.now() + 5_000;
    while (bus.accepted.length < 3 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.equal(bus.accepted.length, 3, 'a few records are not left waiting for a full batch');
    await publisher.stop();
  });
});
