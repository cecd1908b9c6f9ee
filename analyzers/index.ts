// Every analyzer Plimsoll runs, written out in one place. Adding an analyzer is adding its folder
// and one line below; the runner, the API and the evaluation all take their list from here.
import type { Analyzer } from './analyzer.js';
import { createFlappingAnalyzer, FLAPPING_ANALYZER } from './flapping/analyzer.js';
import { createLogBurstAnalyzer, LOG_BURST_ANALYZER } from './log-bursts/analyzer.js';
import {
  misfitAnalyzer,
  MISFIT_ANALYZER,
  type MisfitAnalyzerOptions,
} from './misfit/container-analyzer.js';
import {
  nodeCapacityAnalyzer,
  NODE_CAPACITY_ANALYZER,
  type NodeCapacityAnalyzerOptions,
} from './misfit/node-analyzer.js';
import { createOomLoopAnalyzer, OOM_LOOP_ANALYZER } from './oom-loop/analyzer.js';
import {
  recommendationAnalyzer,
  RECOMMENDATION_ANALYZER,
  type RecommendationAnalyzerOptions,
} from './recommendations/analyzer.js';
import type { Prices } from './recommendations/prices.js';
import type { StrategyOverrides } from './recommendations/strategies/registry.js';
import type {
  ConfiguredAnalyzerSettings,
  FlappingSettings,
  LogBurstSettings,
  OomLoopSettings,
} from './settings.js';
import { ConfigError } from '../core/config/load.js';

export interface AnalyzerSettings {
  readonly flapping?: Partial<FlappingSettings>;
  readonly oomLoop?: Partial<OomLoopSettings>;
  readonly misfit?: MisfitAnalyzerOptions;
  readonly nodeCapacity?: NodeCapacityAnalyzerOptions;
  readonly recommendations?: RecommendationAnalyzerOptions;
  readonly logBursts?: Partial<LogBurstSettings>;
}

export interface AnalyzerFactory {
  readonly name: string;
  readonly create: (settings: AnalyzerSettings) => Analyzer;
}

export const ANALYZER_FACTORIES: readonly AnalyzerFactory[] = [
  { name: FLAPPING_ANALYZER, create: (s) => createFlappingAnalyzer(s.flapping) },
  { name: OOM_LOOP_ANALYZER, create: (s) => createOomLoopAnalyzer(s.oomLoop) },
  { name: MISFIT_ANALYZER, create: (s) => misfitAnalyzer(s.misfit) },
  { name: NODE_CAPACITY_ANALYZER, create: (s) => nodeCapacityAnalyzer(s.nodeCapacity) },
  { name: RECOMMENDATION_ANALYZER, create: (s) => recommendationAnalyzer(s.recommendations) },
  // After the OOM loop: a burst of OutOfMemoryError lines links to the loop found in the same pass.
  { name: LOG_BURST_ANALYZER, create: (s) => createLogBurstAnalyzer(s.logBursts) },
];

/** Settings that price capacity: one price list for every analyzer that states money. */
export function pricedSettings(prices: Prices): AnalyzerSettings {
  return configuredSettings(prices, {});
}

const daysMs = (days: number | undefined) => (days === undefined ? undefined : days * 86_400_000);

/** The analyzers' settings from the configuration (analysis.settings) and its prices. */
export function configuredSettings(
  prices: Prices,
  settings: ConfiguredAnalyzerSettings,
): AnalyzerSettings {
  const r = settings.recommendations;
  return {
    ...(settings.flapping ? { flapping: settings.flapping } : {}),
    ...(settings.oomLoop ? { oomLoop: settings.oomLoop } : {}),
    ...(settings.logBursts ? { logBursts: settings.logBursts } : {}),
    misfit: { prices, windowMs: daysMs(settings.misfit?.windowDays) },
    nodeCapacity: { prices, windowMs: daysMs(settings.nodeCapacity?.windowDays) },
    recommendations: {
      prices,
      strategy: r?.strategy,
      overrides: r?.overrides as StrategyOverrides | undefined,
      windowMs: daysMs(r?.windowDays),
    },
  };
}

/**
 * The analyzers a configuration asks for; a setting the schema lets through but an analyzer
 * refuses (a strategy override out of bounds) is a ConfigError naming analysis.settings.
 */
export function configuredAnalyzers(
  config: {
    readonly report: { readonly prices: Prices };
    readonly analysis: {
      readonly settings: ConfiguredAnalyzerSettings;
      readonly analyzers?: readonly string[] | undefined;
    };
  },
  only: readonly string[] | undefined = config.analysis.analyzers,
): Analyzer[] {
  try {
    return createAnalyzers(
      configuredSettings(config.report.prices, config.analysis.settings),
      only,
    );
  } catch (error) {
    throw new ConfigError('analysis.settings', (error as Error).message, 'config');
  }
}

/** The analyzers to run, optionally only the named ones. */
export function createAnalyzers(
  settings: AnalyzerSettings = {},
  only?: readonly string[],
): Analyzer[] {
  return ANALYZER_FACTORIES.filter((f) => !only || only.includes(f.name)).map((f) =>
    f.create(settings),
  );
}

export { createFlappingAnalyzer, createOomLoopAnalyzer, FLAPPING_ANALYZER, OOM_LOOP_ANALYZER };
