// Deterministic randomness. Usage and schedules are pure functions of (seed, key, time), so noise
// comes from hashing rather than from a stateful generator: any instant can be computed without
// replaying the history before it, and the same seed always yields the same cluster.

/** 32-bit FNV-1a over a string, used to turn names into stable hash inputs. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Mixes integers into one well-distributed 32-bit value (murmur3 finaliser per step). */
export function mix(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    let k = Math.floor(part) | 0;
    k = Math.imul(k ^ (k >>> 16), 0x85ebca6b);
    k = Math.imul(k ^ (k >>> 13), 0xc2b2ae35);
    k ^= k >>> 16;
    h = Math.imul(h ^ k, 0x01000193) + 0x7f4a7c15;
    h ^= h >>> 15;
    // Large inputs (epoch seconds) carry information above bit 31; fold it in.
    const high = Math.floor(part / 4294967296) | 0;
    if (high !== 0) h = Math.imul(h ^ high, 0x27d4eb2d);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Uniform in [0, 1) from hashed parts. */
export function unit(...parts: number[]): number {
  return mix(...parts) / 4294967296;
}

/** Uniform in [lo, hi) from hashed parts. */
export function between(lo: number, hi: number, ...parts: number[]): number {
  return lo + (hi - lo) * unit(...parts);
}

/** Smooth value noise in [-1, 1]: interpolates hashed knots every `stepMs`. */
export function smoothNoise(key: number, timeMs: number, stepMs: number): number {
  const x = timeMs / stepMs;
  const i = Math.floor(x);
  const f = x - i;
  const a = unit(key, i) * 2 - 1;
  const b = unit(key, i + 1) * 2 - 1;
  const s = f * f * (3 - 2 * f);
  return a + (b - a) * s;
}

/** A seeded sequential generator for building the static cluster layout (not for usage). */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = mix(seed, 0x51ed) || 1;
  }

  next(): number {
    // mulberry32
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(lo: number, hiInclusive: number): number {
    return lo + Math.floor(this.next() * (hiInclusive - lo + 1));
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }
}

const SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** Kubernetes-style random name suffix (the alphabet the API server uses for generateName). */
export function nameSuffix(length: number, ...parts: number[]): string {
  let out = '';
  for (let i = 0; i < length; i++) {
    out += SUFFIX_ALPHABET[mix(...parts, i) % SUFFIX_ALPHABET.length];
  }
  return out;
}

/** A v4-shaped UUID derived from hashed parts, so uids are stable for a seed. */
export function uuid(...parts: number[]): string {
  const hex = (n: number) => n.toString(16).padStart(8, '0');
  const a = hex(mix(...parts, 1));
  const b = hex(mix(...parts, 2));
  const c = hex(mix(...parts, 3));
  const d = hex(mix(...parts, 4));
  const variant = ((parseInt(c[0] ?? '0', 16) & 0x3) | 0x8).toString(16);
  return `${a}-${b.slice(0, 4)}-4${b.slice(5, 8)}-${variant}${c.slice(1, 4)}-${c.slice(4)}${d}`;
}

/** Hex digest-like string (container ids, boot ids). */
export function hexId(length: number, ...parts: number[]): string {
  let out = '';
  for (let i = 0; out.length < length; i++)
    out += mix(...parts, i)
      .toString(16)
      .padStart(8, '0');
  return out.slice(0, length);
}
