// Long synchronous work (sorting weeks of samples, a page of hundreds of containers) hands the
// event loop back every few milliseconds, so that a server doing it still answers its liveness
// probe, its scrape and its cheap calls on time. The clock is the process's, not the caller's:
// work that chains through resolved promises (one request after another, one store call after
// another) never returns to the event loop on its own, however many callers take part.
//
// Work that yielded resumes one chain per turn of the event loop, in the order it yielded. Each
// resuming on its own setImmediate, every chain that yielded would run its slice in the same
// check phase — ten heavy requests, ten slices back to back — and a probe would wait for all.
import { performance } from 'node:perf_hooks';

/** How long work may hold the event loop before it yields. */
export const SLICE_MS = 8;

let lastTurn = performance.now();
const waiting: (() => void)[] = [];
let turnScheduled = false;

function scheduleTurn(): void {
  if (turnScheduled) return;
  turnScheduled = true;
  setImmediate(resumeNext);
}

function resumeNext(): void {
  turnScheduled = false;
  lastTurn = performance.now();
  waiting.shift()?.();
  // Scheduled from within this check phase, the next resumption waits for the next turn: I/O
  // (probes, scrapes, cheap calls) is served in between.
  if (waiting.length > 0) scheduleTurn();
}

/** Yields to the event loop when the work since the last yield has run its slice. */
export async function yieldIfDue(sliceMs = SLICE_MS): Promise<void> {
  if (performance.now() - lastTurn < sliceMs) return;
  await new Promise<void>((resume) => {
    waiting.push(resume);
    scheduleTurn();
  });
}
