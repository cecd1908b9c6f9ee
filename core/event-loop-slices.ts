// Long synchronous work (sorting weeks of samples, a page of hundreds of containers) hands the
// event loop back every few milliseconds, so that a server doing it still answers its liveness
// probe, its scrape and its cheap calls on time. The clock is the process's, not the caller's:
// work that chains through resolved promises (one request after another, one store call after
// another) never returns to the event loop on its own, however many callers take part.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';

/** How long work may hold the event loop before it yields. */
export const SLICE_MS = 8;

let lastTurn = performance.now();

/** Yields to the event loop when the work since the last yield has run its slice. */
export async function yieldIfDue(sliceMs = SLICE_MS): Promise<void> {
  if (performance.now() - lastTurn < sliceMs) return;
  await nextTurn();
  lastTurn = performance.now();
}
