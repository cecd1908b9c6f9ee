// The node and pool capacity analyzer (kind node_capacity_misfit): inventory at the end of the
// window, node usage peaks as one store-aggregated bucket per node.
import type { Finding, TimeWindow } from '../../core/domain.js';
import { stableId } from '../../core/envelope.js';
import type { AnalysisInput, AnalysisReader, Analyzer } from '../analyzer.js';
import { subjectKey } from '../ids.js';
import { DEFAULT_PRICES, type Prices } from '../recommendations/prices.js';
import {
  nodeIssues,
  nodeLoads,
  poolIssues,
  type CapacityIssue,
  type NodeUsage,
} from './node-rules.js';

export const NODE_CAPACITY_ANALYZER = 'node-capacity-misfit';
export const NODE_CAPACITY_WINDOW_MS = 14 * 86_400_000;

export interface NodeCapacityAnalyzerOptions {
  readonly windowMs?: number | undefined;
  readonly prices?: Prices | undefined;
}

export function nodeCapacityAnalyzer(options: NodeCapacityAnalyzerOptions = {}): Analyzer {
  const prices = options.prices ?? DEFAULT_PRICES;
  return {
    name: NODE_CAPACITY_ANALYZER,
    kinds: ['node_capacity_misfit'],
    windowMs: options.windowMs ?? NODE_CAPACITY_WINDOW_MS,
    async analyze(input: AnalysisInput): Promise<Finding[]> {
      const at = Math.min(input.now, input.window.to - 1);
      const [nodes, pods] = await Promise.all([
        input.store.nodes({ cluster: input.cluster, at }),
        input.store.pods({ cluster: input.cluster, at }),
      ]);
      const usage = new Map<string, NodeUsage>();
      for (const node of nodes) {
        usage.set(node.name, await nodeUsage(input.store, input.cluster, node.name, input.window));
      }
      const loads = nodeLoads(nodes, pods, usage);
      const issues: CapacityIssue[] = loads.flatMap(nodeIssues);
      const pools = new Map<string, typeof loads>();
      for (const load of loads) pools.set(load.pool, [...(pools.get(load.pool) ?? []), load]);
      for (const [pool, members] of [...pools].sort(([a], [b]) => a.localeCompare(b))) {
        issues.push(...poolIssues(pool, members, prices));
      }
      return issues.map((issue) => toFinding(issue, input));
    },
  };
}

/** Peak and mean over the whole window: one bucket, aggregated by the store. */
async function nodeUsage(
  store: AnalysisReader,
  cluster: string,
  node: string,
  window: TimeWindow,
): Promise<NodeUsage> {
  const stepMs = window.to - window.from;
  const series = (metric: 'node_memory_working_set_bytes' | 'node_cpu_usage_cores') =>
    store.usageSeries({ cluster, metric, subject: { type: 'node', node }, window, stepMs });
  const [memory, cpu] = await Promise.all([
    series('node_memory_working_set_bytes'),
    series('node_cpu_usage_cores'),
  ]);
  const peak = (points: typeof memory) =>
    points.length ? Math.max(...points.map((p) => p.max)) : undefined;
  const mean = (points: typeof memory) =>
    points.length ? points.reduce((sum, p) => sum + p.mean, 0) / points.length : undefined;
  return {
    memoryPeak: peak(memory),
    memoryMean: mean(memory),
    cpuPeak: peak(cpu),
    cpuMean: mean(cpu),
  };
}

function toFinding(issue: CapacityIssue, input: AnalysisInput): Finding {
  const subject =
    issue.scope.type === 'node'
      ? ({ type: 'node', cluster: input.cluster, node: issue.scope.node } as const)
      : ({ type: 'cluster', cluster: input.cluster } as const);
  const pool = issue.scope.type === 'pool' ? issue.scope.pool : '';
  const verdict =
    issue.scope.type === 'node' ? input.nodeVerdicts?.get(issue.scope.node) : undefined;
  return {
    id: stableId('finding', 'node_capacity_misfit', subjectKey(subject), pool, issue.category),
    kind: 'node_capacity_misfit',
    category: issue.category,
    severity: issue.severity,
    subject,
    window: input.window,
    title: issue.title,
    evidence: issue.evidence,
    explanation: issue.explanation,
    recommendation: issue.recommendation,
    status: 'open',
    firstSeen: input.window.from,
    lastSeen: Math.min(input.now, input.window.to),
    ...(verdict && { relatedTo: verdict }),
  };
}
