// One suite, every store adapter: the write contract the ingest consumer relies on.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Store } from '../../store/store.js';
import {
  nodeRecord,
  sampleRecord,
  terminationRecord,
  transitionRecord,
} from '../support/records.js';

export interface StoreFixture {
  store: Store;
  close(): Promise<void>;
}

export function storeConformance(name: string, open: () => Promise<StoreFixture>): void {
  describe(`store conformance: ${name}`, () => {
    let fixture: StoreFixture;
    before(async () => {
      fixture = await open();
    });
    after(async () => {
      await fixture.close();
    });

    it('writes records of every kind and reads each back unchanged', async () => {
      const records = [nodeRecord(), sampleRecord(1), transitionRecord(), terminationRecord()];
      const outcomes = await fixture.store.write(records);
      assert.deepEqual(
        outcomes.map((outcome) => outcome.status),
        records.map(() => 'written'),
      );
      await fixture.store.refresh();
      for (const record of records) {
        const stored = await fixture.store.getRecord(record.kind, record.id);
        if (record.kind === 'usage_sample') {
          // Samples are the bulk of the data: a store may keep only their payload.
          assert.deepEqual([stored?.id, stored?.payload], [record.id, record.payload]);
        } else {
          assert.deepEqual(stored, record);
        }
      }
    });

    it('writes a replayed record once', async () => {
      const batch = Array.from({ length: 20 }, (_, i) => sampleRecord(1000 + i));
      await fixture.store.write(batch);
      await fixture.store.write(batch);
      await fixture.store.write(batch.slice(5, 10));
      await fixture.store.refresh();
      const count = await fixture.store.countRecords('usage_sample');
      // Earlier tests wrote one sample; this one adds exactly twenty.
      assert.equal(count, 21);
    });

    it('keeps the newest snapshot of an object when an older one arrives late', async () => {
      const newer = nodeRecord({ name: 'node-late', uid: 'uid-late', unschedulable: true }, 2_000);
      const older = nodeRecord({ name: 'node-late', uid: 'uid-late', unschedulable: false }, 1_000);
      await fixture.store.write([newer]);
      const outcomes = await fixture.store.write([older]);
      assert.deepEqual(outcomes, [{ status: 'written' }], 'a stale snapshot is not an error');
      await fixture.store.refresh();
      const stored = await fixture.store.getRecord('node', newer.id);
      assert.equal(stored?.payload.unschedulable, true);
    });

    it('answers a missing record with undefined', async () => {
      assert.equal(await fixture.store.getRecord('pod', 'no-such-id'), undefined);
    });
  });
}
