// The recommendation analyzer: one finding per workload container whose recommended requests or
// limits differ materially from what its pods run with now (or that removes a risk).
import type { Finding } from '../../core/domain.js';
import type { AnalysisInput, Analyzer } from '../analyzer.js';
import { DEFAULT_MATERIALITY, describeChange, type MaterialityThresholds } from './change.js';
import { gatherHistories } from './container-history.js';
import { subjectKey } from '../ids.js';
import { followVerdict } from '../verdicts.js';
import { containerSubject, recommendationFinding } from './finding.js';
import { DEFAULT_PRICES, ratesFor, type Prices } from './prices.js';
import {
  createStrategy,
  DEFAULT_STRATEGY,
  type StrategyName,
  type StrategyOverrides,
} from './strategies/registry.js';
import type { StrategyNeeds } from './types.js';

export const RECOMMENDATION_ANALYZER = 'recommendations';
export const RECOMMENDATION_WINDOW_MS = 14 * 86_400_000;

export interface RecommendationAnalyzerOptions {
  /** Strategy behind the findings (default: plimsoll). */
  readonly strategy?: StrategyName | undefined;
  readonly overrides?: StrategyOverrides | undefined;
  readonly prices?: Prices | undefined;
  readonly windowMs?: number | undefined;
  readonly materiality?: MaterialityThresholds | undefined;
}

/** Percentiles the change description and explanation quote, whatever the strategy reads. */
const EXPLANATION_NEEDS: StrategyNeeds = {
  cpuPercentiles: [95],
  memoryPercentiles: [99],
  throttlingPercentiles: [50],
};

export function recommendationAnalyzer(options: RecommendationAnalyzerOptions = {}): Analyzer {
  const strategy = createStrategy(options.strategy ?? DEFAULT_STRATEGY, options.overrides);
  const prices = options.prices ?? DEFAULT_PRICES;
  const materiality = options.materiality ?? DEFAULT_MATERIALITY;
  return {
    name: RECOMMENDATION_ANALYZER,
    kinds: ['recommendation'],
    windowMs: options.windowMs ?? RECOMMENDATION_WINDOW_MS,
    async analyze(input: AnalysisInput): Promise<Finding[]> {
      const histories = await gatherHistories({
        store: input.store,
        cluster: input.cluster,
        window: input.window,
        inventoryAt: Math.min(input.now, input.window.to),
        needs: [strategy.needs, EXPLANATION_NEEDS],
      });
      const findings: Finding[] = [];
      for (const history of histories) {
        // Without a running pod there is nothing to patch and no replica count to price.
        if (!history.current || history.replicas === 0) continue;
        const sized = strategy.recommend(history, { window: input.window, now: input.now });
        if (sized.kind !== 'recommendation') continue;
        // Memory follows the container's OOM-loop verdict: a leak is fixed, not fed.
        const verdict = input.verdicts?.get(subjectKey(containerSubject(history.key)));
        const result = followVerdict(sized, verdict, history.current);
        // Priced where it runs: the rates of the pool or instance type of most of its pods.
        const rates = ratesFor(prices, { node: history.node });
        const change = describeChange(history, result, rates, materiality);
        if (!change.material) continue;
        findings.push(
          recommendationFinding(history, result, change, {
            window: input.window,
            now: input.now,
            prices: rates,
            verdict,
          }),
        );
      }
      return findings;
    },
  };
}
