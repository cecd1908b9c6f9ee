// From condition transitions to flaps and flapping episodes. A flap is a node leaving health:
// Ready leaving True or MemoryPressure becoming True; conditions that change within a few minutes
// of each other are one flap, so a reboot (every condition going Unknown at once) counts once.
// Pure functions of the transitions.
import type { NodeTransition } from '../../core/domain.js';

export interface Flap {
  readonly at: number;
  readonly lastAt: number;
  readonly memoryPressure: boolean;
  readonly notReady: boolean;
}

export interface FlapEpisode {
  readonly start: number;
  readonly end: number;
  readonly flaps: readonly Flap[];
}

function isDeparture(
  t: NodeTransition,
): { memoryPressure: boolean; notReady: boolean } | undefined {
  // A first observation is not a change the node made.
  if (t.from === 'Absent') return undefined;
  if (t.condition === 'MemoryPressure' && t.to === 'True' && t.from !== 'True') {
    return { memoryPressure: true, notReady: false };
  }
  if (t.condition === 'Ready' && t.from === 'True' && t.to !== 'True') {
    return { memoryPressure: false, notReady: true };
  }
  // Same status, moved time: the condition flipped and back between two observations.
  if (t.from === t.to && t.condition === 'Ready' && t.to === 'True') {
    return { memoryPressure: false, notReady: true };
  }
  if (t.from === t.to && t.condition === 'MemoryPressure' && t.to === 'False') {
    return { memoryPressure: true, notReady: false };
  }
  return undefined;
}

/** Flaps of one node, oldest first. */
export function flapsOf(transitions: readonly NodeTransition[], mergeMs: number): Flap[] {
  const out: { at: number; lastAt: number; memoryPressure: boolean; notReady: boolean }[] = [];
  const sorted = [...transitions].sort((a, b) => a.at - b.at);
  for (const t of sorted) {
    const departure = isDeparture(t);
    if (!departure) continue;
    const current = out[out.length - 1];
    if (current && t.at - current.lastAt <= mergeMs) {
      current.lastAt = t.at;
      current.memoryPressure ||= departure.memoryPressure;
      current.notReady ||= departure.notReady;
    } else {
      out.push({ at: t.at, lastAt: t.at, ...departure });
    }
  }
  return out;
}

/**
 * Chains of flaps no further apart than `windowMs`, kept when some window of that length holds
 * at least `minFlaps` of them.
 */
export function flappingEpisodes(
  flaps: readonly Flap[],
  minFlaps: number,
  windowMs: number,
): FlapEpisode[] {
  const episodes: FlapEpisode[] = [];
  let chain: Flap[] = [];
  const close = () => {
    if (chain.length >= minFlaps && densest(chain, windowMs) >= minFlaps) {
      episodes.push({ start: chain[0]!.at, end: chain[chain.length - 1]!.lastAt, flaps: chain });
    }
    chain = [];
  };
  for (const flap of flaps) {
    const previous = chain[chain.length - 1];
    if (previous && flap.at - previous.lastAt > windowMs) close();
    chain.push(flap);
  }
  close();
  return episodes;
}

/** The most flaps inside any window of `windowMs`. */
export function densest(flaps: readonly Flap[], windowMs: number): number {
  let best = 0;
  let from = 0;
  for (let to = 0; to < flaps.length; to++) {
    while (flaps[to]!.at - flaps[from]!.at > windowMs) from++;
    best = Math.max(best, to - from + 1);
  }
  return best;
}
