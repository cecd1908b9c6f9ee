import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { yieldIfDue } from '../../core/event-loop-slices.js';

function busyFor(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // Synchronous work, as a sort of weeks of samples is.
  }
}

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

  it('lets one slice of work run per turn of the event loop, however many chains wait', async () => {
    // Eight heavy requests at once: each resumed on its own, all eight would run their slices
    // back to back in one turn, and a probe arriving meanwhile would wait for all of them.
    const log: string[] = [];
    let ticking = true;
    const tick = () => {
      log.push('turn');
      if (ticking) setTimeout(tick, 0);
    };
    tick();
    const chain = async (name: string) => {
      // Every chain waits its turn from the start, as requests queued behind each other do.
      await yieldIfDue(0);
      for (let step = 0; step < 5; step++) {
        log.push(name);
        busyFor(3);
        await yieldIfDue(2);
      }
    };
    await Promise.all(Array.from({ length: 8 }, (_, i) => chain(`work${i}`)));
    ticking = false;

    const finished = new Set(log.filter((entry) => entry !== 'turn'));
    assert.equal(finished.size, 8, 'every chain ran');
    let longestRun = 0;
    let run = 0;
    for (const entry of log) {
      run = entry === 'turn' ? 0 : run + 1;
      longestRun = Math.max(longestRun, run);
    }
    assert.ok(
      longestRun <= 1,
      `at most one slice of work between two turns; saw ${longestRun}: ${log.join(' ')}`,
    );
  });
});
