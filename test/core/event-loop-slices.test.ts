import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { yieldIfDue } from '../../core/event-loop-slices.js';

describe('yieldIfDue', () => {
  it('hands the event loop back once a slice has run its time, and not before', async () => {
    let served = 0;
    const serve = () => setImmediate(() => (served += 1));

    serve();
    await yieldIfDue(60_000);
    assert.equal(served, 0, 'within its slice, work keeps the loop');

    await yieldIfDue(0);
    assert.equal(served, 1, 'a due slice lets what was waiting run first');
    serve();
    await yieldIfDue(0);
    assert.equal(served, 2);
  });
});
