// The strategies written out in one place: adding one is a file and a line here.
import type { Strategy } from '../types.js';
import { krrSimpleStrategy, type KrrSimpleSettings } from './krr-simple.js';
import { plimsollStrategy, type PlimsollSettings } from './plimsoll.js';
import { vpaStrategy, type VpaSettings } from './vpa.js';

export const DEFAULT_STRATEGY = 'plimsoll';

export interface StrategyOverrides {
  readonly plimsoll?: Partial<PlimsollSettings>;
  readonly 'krr-simple'?: Partial<KrrSimpleSettings>;
  readonly vpa?: Partial<VpaSettings>;
}

export const STRATEGY_NAMES = ['plimsoll', 'krr-simple', 'vpa'] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];

export function createStrategy(name: StrategyName, overrides: StrategyOverrides = {}): Strategy {
  switch (name) {
    case 'plimsoll':
      return plimsollStrategy(overrides.plimsoll);
    case 'krr-simple':
      return krrSimpleStrategy(overrides['krr-simple']);
    case 'vpa':
      return vpaStrategy(overrides.vpa);
  }
}

export function isStrategyName(name: string): name is StrategyName {
  return (STRATEGY_NAMES as readonly string[]).includes(name);
}
