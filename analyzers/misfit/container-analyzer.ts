// The requests/limits misfit analyzer: one finding per workload container and misfit category.
import type { Finding, FindingSubject } from '../../core/domain.js';
import { stableId } from '../../core/envelope.js';
import type { AnalysisInput, Analyzer } from '../analyzer.js';
import { subjectKey } from '../ids.js';
import { gatherHistories } from '../recommendations/container-history.js';
import { DEFAULT_PRICES, ratesFor, type Prices } from '../recommendations/prices.js';
import { plimsollStrategy, type PlimsollSettings } from '../recommendations/strategies/plimsoll.js';
import { followVerdict } from '../verdicts.js';
import { containerMisfits, MISFIT_NEEDS } from './container-rules.js';

export const MISFIT_ANALYZER = 'requests-misfit';
export const MISFIT_WINDOW_MS = 14 * 86_400_000;

export interface MisfitAnalyzerOptions {
  readonly windowMs?: number | undefined;
  readonly prices?: Prices | undefined;
  /** Settings of the sizing quoted in next steps. */
  readonly sizing?: Partial<PlimsollSettings> | undefined;
}

export function misfitAnalyzer(options: MisfitAnalyzerOptions = {}): Analyzer {
  const prices = options.prices ?? DEFAULT_PRICES;
  const sizing = plimsollStrategy(options.sizing);
  return {
    name: MISFIT_ANALYZER,
    kinds: ['requests_misfit'],
    windowMs: options.windowMs ?? MISFIT_WINDOW_MS,
    async analyze(input: AnalysisInput): Promise<Finding[]> {
      const histories = await gatherHistories({
        store: input.store,
        cluster: input.cluster,
        window: input.window,
        inventoryAt: Math.min(input.now, input.window.to),
        needs: [MISFIT_NEEDS, sizing.needs],
      });
      const windowDays = (input.window.to - input.window.from) / 86_400_000;
      const findings: Finding[] = [];
      for (const history of histories) {
        if (!history.current || history.replicas === 0) continue;
        const { key } = history;
        const subject: FindingSubject = {
          type: 'workload_container',
          cluster: key.cluster,
          workload: key.workload,
          container: key.container,
        };
        const verdict = input.verdicts?.get(subjectKey(subject));
        const sized = sizing.recommend(history, { window: input.window, now: input.now });
        const issues = containerMisfits(history, {
          windowDays,
          prices: ratesFor(prices, { node: history.node }),
          rightSize:
            sized.kind === 'recommendation'
              ? followVerdict(sized, verdict, history.current)
              : undefined,
          verdict,
        });
        const first = Math.min(history.cpu?.first ?? Infinity, history.memory?.first ?? Infinity);
        const last = Math.max(history.cpu?.last ?? 0, history.memory?.last ?? 0);
        for (const issue of issues) {
          findings.push({
            // A misfit is a standing condition, not an episode: one id per container and category.
            id: stableId('finding', 'requests_misfit', subjectKey(subject), issue.category),
            kind: 'requests_misfit',
            category: issue.category,
            severity: issue.severity,
            subject,
            window: input.window,
            title: issue.title,
            evidence: issue.evidence,
            explanation: issue.explanation,
            recommendation: issue.recommendation,
            ...(verdict && { relatedTo: verdict.findingId }),
            status: 'open',
            firstSeen: Number.isFinite(first) ? first : input.window.from,
            lastSeen: last || input.now,
          });
        }
      }
      return findings;
    },
  };
}
