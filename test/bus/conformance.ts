// One suite, every bus adapter: what collectors and the ingest consumer rely on.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Bus, BusMessage } from '../../bus/bus.js';
import { decodeEnvelope, Topics, type AnyEnvelope } from '../../core/envelope.js';
import { nodeRecord, sampleRecord } from '../support/records.js';
import { waitFor } from '../support/wait.js';

export interface BusFixture {
  bus: Bus;
  close(): Promise<void>;
}

/** Keeps only messages of this run: adapters backed by a shared broker hold other runs' too. */
function ofRun(run: string, messages: readonly BusMessage[]): AnyEnvelope[] {
  return messages.flatMap((message) => {
    const verdict = decodeEnvelope(message.value);
    return verdict.ok && verdict.record.cluster === run ? [verdict.record] : [];
  });
}

export function busConformance(name: string, open: () => Promise<BusFixture>): void {
  describe(`bus conformance: ${name}`, () => {
    let fixture: BusFixture;
    before(async () => {
      fixture = await open();
    });
    after(async () => {
      await fixture.close();
    });

    it('delivers published records once committed, in order per subject', async () => {
      const run = `run-${randomUUID()}`;
      const records = Array.from({ length: 50 }, (_, i) => sampleRecord(i, { cluster: run }));
      const seen: AnyEnvelope[] = [];
      const subscription = await fixture.bus.subscribe({
        group: `g-${run}`,
        topics: [Topics.samples],
        handler: (messages) => {
          seen.push(...ofRun(run, messages));
          return Promise.resolve();
        },
      });
      const result = await fixture.bus.publish(records);
      assert.deepEqual(result, { accepted: 50, deadLettered: 0 });
      await waitFor(
        () => seen.length,
        (n) => n >= 50,
        { what: '50 records' },
      );
      await subscription.stop();
      assert.deepEqual(
        seen.map((record) => record.id),
        records.map((record) => record.id),
      );
    });

    it('sends records that fail validation to the DLQ with the reason, not to data topics', async () => {
      const run = `run-${randomUUID()}`;
      const good = nodeRecord({ cluster: run, name: 'good' });
      const bad = { ...nodeRecord({ cluster: run, name: 'bad' }), kind: 'node' as const };
      (bad.payload as { capacity: unknown }).capacity = { cpuCores: 'eight' };
      const letters: string[] = [];
      const data: AnyEnvelope[] = [];
      const dlq = await fixture.bus.subscribe({
        group: `dlq-${run}`,
        topics: [Topics.dlq],
        handler: (messages) => {
          for (const message of messages) {
            const text = message.value.toString('utf8');
            if (text.includes(run)) letters.push(text);
          }
          return Promise.resolve();
        },
      });
      const objects = await fixture.bus.subscribe({
        group: `objects-${run}`,
        topics: [Topics.objects],
        handler: (messages) => {
          data.push(...ofRun(run, messages));
          return Promise.resolve();
        },
      });
      const result = await fixture.bus.publish([good, bad]);
      assert.deepEqual(result, { accepted: 1, deadLettered: 1 });
      await waitFor(
        () => letters.length + data.length,
        (n) => n >= 2,
        { what: 'DLQ + data' },
      );
      await Promise.all([dlq.stop(), objects.stop()]);
      assert.deepEqual(
        data.map((record) => record.kind === 'node' && record.payload.name),
        ['good'],
      );
      const letter = JSON.parse(letters[0]!) as { reason: string; stage: string };
      assert.equal(letter.stage, 'produce');
      assert.match(letter.reason, /capacity\/cpuCores/);
    });

    it('delivers a batch again when the handler fails, and not after it succeeded', async () => {
      const run = `run-${randomUUID()}`;
      let failuresLeft = 2;
      const delivered: string[] = [];
      const group = `g-${run}`;
      const handler = (messages: readonly BusMessage[]) => {
        const mine = ofRun(run, messages);
        if (mine.length > 0 && failuresLeft > 0) {
          failuresLeft -= 1;
          return Promise.reject(new Error('store unavailable'));
        }
        delivered.push(...mine.map((record) => record.id));
        return Promise.resolve();
      };
      const first = await fixture.bus.subscribe({ group, topics: [Topics.samples], handler });
      const records = Array.from({ length: 5 }, (_, i) => sampleRecord(i, { cluster: run }));
      await fixture.bus.publish(records);
      await waitFor(
        () => delivered.length,
        (n) => n >= 5,
        { what: 'redelivery', timeoutMs: 60_000 },
      );
      await first.stop();
      assert.equal(failuresLeft, 0);
      assert.deepEqual(
        delivered,
        records.map((record) => record.id),
      );

      // The group's committed offset survives a restart: nothing is delivered twice.
      const again: string[] = [];
      const second = await fixture.bus.subscribe({
        group,
        topics: [Topics.samples],
        handler: (messages) => {
          again.push(...ofRun(run, messages).map((record) => record.id));
          return Promise.resolve();
        },
      });
      const marker = sampleRecord(99, { cluster: run });
      await fixture.bus.publish([marker]);
      await waitFor(
        () => again.length,
        (n) => n >= 1,
        { what: 'marker', timeoutMs: 60_000 },
      );
      await second.stop();
      assert.deepEqual(again, [marker.id]);
    });
  });
}
