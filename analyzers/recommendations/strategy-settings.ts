// Typed strategy settings: named defaults, documented bounds, and a check that names the bad key
// so a wrong config fails at start instead of producing odd numbers later.
import type { SettingDoc } from './types.js';

export class InvalidStrategySettingError extends Error {
  override readonly name = 'InvalidStrategySettingError';
}

export function resolveSettings<S extends object>(
  strategy: string,
  defaults: S,
  docs: Readonly<Record<keyof S, SettingDoc>>,
  overrides: Partial<S> = {},
): S {
  const merged = { ...defaults } as Record<string, unknown>;
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    if (!(key in defaults)) {
      throw new InvalidStrategySettingError(`${strategy}: unknown setting "${key}"`);
    }
    const doc = docs[key as keyof S];
    const expected = typeof (defaults as Record<string, unknown>)[key];
    if (typeof value !== expected) {
      throw new InvalidStrategySettingError(`${strategy}.${key}: expected a ${expected}`);
    }
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) {
        throw new InvalidStrategySettingError(`${strategy}.${key}: must be a finite number`);
      }
      if (doc.min !== undefined && value < doc.min) {
        throw new InvalidStrategySettingError(`${strategy}.${key}: must be ≥ ${doc.min}`);
      }
      if (doc.max !== undefined && value > doc.max) {
        throw new InvalidStrategySettingError(`${strategy}.${key}: must be ≤ ${doc.max}`);
      }
    }
    merged[key] = value;
  }
  return merged as S;
}
