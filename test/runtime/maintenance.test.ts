import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EpochMs } from '../../core/domain.js';
import { silentLogger } from '../../core/logger.js';
import { StoreMaintenance } from '../../runtime/maintenance.js';
import { MemoryStore } from '../../store/memory.js';
import type { MaintenanceReport } from '../../store/store.js';
import { sampleRecord, T0 } from '../support/records.js';

class CountingStore extends MemoryStore {
  rounds = 0;
  failNext = false;
  override maintain(now: EpochMs): Promise<MaintenanceReport> {
    this.rounds += 1;
    if (this.failNext) {
      this.failNext = false;
      return Promise.reject(new Error('store unavailable'));
    }
    return super.maintain(now);
  }
}

describe('store maintenance', () => {
  it('runs once per round across replicas sharing a store', async () => {
    const store = new CountingStore();
    const replicas = ['a', 'b', 'c'].map(
      (owner) => new StoreMaintenance({ store, intervalMs: 60_000, logger: silentLogger, owner }),
    );
    await Promise.all(replicas.map((replica) => replica.runOnce()));
    assert.equal(store.rounds, 1);
  });

  it('drops history past retention, and survives a failing round', async () => {
    const store = new CountingStore({ retentionDays: 1 });
    await store.write([sampleRecord(0), sampleRecord(10_000)]);
    const maintenance = new StoreMaintenance({ store, intervalMs: 60_000, logger: silentLogger });
    store.failNext = true;
    await maintenance.runOnce(T0 + 2 * 86_400_000);
    assert.match(maintenance.health().detail ?? '', /store unavailable/);
    assert.equal(await store.countRecords('usage_sample'), 2);
    await maintenance.runOnce(T0 + 2 * 86_400_000);
    assert.equal(maintenance.health().detail, undefined);
    // Sample 10,000 is 150,000 s (about 1.7 days) after T0: inside the last day, so it stays.
    assert.equal(await store.countRecords('usage_sample'), 1);
  });
});
