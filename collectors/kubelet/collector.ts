// The kubelet collector: every interval (jittered, so a fleet of collectors does not scrape in
// step), scrape each node with bounded concurrency and a per-node timeout. A node that hangs costs
// one timeout and a count, never the cycle; a slow bus slows the cycle (emit waits) instead of
// piling up samples. Node names come from a node list refreshed every `nodeRefreshMs`.
import { PollingLoop } from '../polling.js';
import type { ComponentHealth } from '../../core/component.js';
import type { WorkloadRef } from '../../core/domain.js';
import { envelope } from '../../core/envelope.js';
import type { Collector, CollectorDeps } from '../collector.js';
import { collectorParts, type CollectorMetrics } from '../metrics.js';
import { arrayAt, objectAt, textAt } from '../formats/json-read.js';
import { CounterRates } from '../formats/resource-metrics.js';
import { KubeApiError, kubeErrorType, type KubeApi } from '../kubernetes/api.js';
import type { KubeletClient, NodeEndpoint } from './client.js';
import { nodeEndpoint } from './direct.js';
import { nodeWorkloads, scrapeNode, type KubeletSource } from './scrape.js';

export interface KubeletCollectorConfig {
  /** Time between the starts of two scrape cycles. Default 30 s. */
  readonly intervalMs: number;
  /** Random spread of the interval, as a fraction (0.1 = ±10 %). Default 0.1. */
  readonly jitter: number;
  /** Nodes scraped at once. Default 4. */
  readonly concurrency: number;
  /** Timeout of one node's scrape. Default 10 s. */
  readonly timeoutMs: number;
  /** `metrics`: /metrics/resource + the cAdvisor extras; `summary`: /stats/summary. */
  readonly source: KubeletSource;
  /** How often the node list is refreshed. Default 60 s. */
  readonly nodeRefreshMs: number;
  /** How often each node's pod → workload map is refreshed from the kubelet's /pods. Default 5 min. */
  readonly workloadRefreshMs: number;
}

export { kubeletDefaults } from './config.js';

interface NodeState {
  workloads: Map<string, WorkloadRef>;
  workloadsAt: number;
  lastError: string | undefined;
}

export class KubeletCollector implements Collector {
  readonly type = 'kubelet';
  readonly name = 'collector.kubelet';
  readonly metrics: CollectorMetrics;
  private readonly source: string;
  private readonly rates = new CounterRates();
  private readonly nodes = new Map<string, NodeState>();
  private nodesAt = 0;
  private readonly loop = new PollingLoop(
    async () => {
      await this.cycle();
      return false;
    },
    // Spread over ±jitter so that many collectors do not scrape the kubelets in step.
    (elapsed) =>
      this.config.intervalMs * (1 + (Math.random() * 2 - 1) * this.config.jitter) - elapsed,
  );
  private cycles = 0;
  /** Oldest sample time of each recent cycle, for pruning counter state. */
  private readonly cycleStarts: number[] = [];
  private cycleOldest = Infinity;
  private lastCycleError: string | undefined;

  constructor(
    private readonly api: KubeApi,
    private readonly client: KubeletClient,
    private readonly config: KubeletCollectorConfig,
    private readonly deps: CollectorDeps,
  ) {
    ({ metrics: this.metrics, source: this.source } = collectorParts(this.type, deps));
  }

  start(): Promise<void> {
    this.loop.start();
    return Promise.resolve();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  health(): ComponentHealth {
    if (this.lastCycleError) return { ready: false, detail: this.lastCycleError };
    const failing = [...this.nodes.values()].filter((n) => n.lastError !== undefined).length;
    if (this.nodes.size > 0 && failing === this.nodes.size) {
      return { ready: false, detail: `no node could be scraped (${failing} failing)` };
    }
    return { ready: this.cycles > 0 || this.loop.running };
  }

  /** Completed scrape cycles, for tests and status pages. */
  get completedCycles(): number {
    return this.cycles;
  }

  /** Runs one cycle now (tests, and the loop). Never rejects. */
  async cycle(): Promise<void> {
    try {
      await this.refreshNodes();
      this.lastCycleError = undefined;
    } catch (error) {
      this.lastCycleError = `node list failed: ${(error as Error).message}`;
      this.metrics.problem(kubeErrorType(error), 'collect', 'node list failed', {
        err: (error as Error).message,
      });
      if (this.nodes.size === 0) return;
    }
    const names = [...this.nodes.keys()];
    let next = 0;
    const worker = async () => {
      while (this.loop.running && next < names.length) {
        const node = names[next++]!;
        await this.scrape(node);
      }
    };
    this.cycleOldest = Infinity;
    await Promise.all(
      Array.from({ length: Math.min(this.config.concurrency, names.length) }, worker),
    );
    // Counter state of pods gone for three cycles is dropped, bounding memory on churn. The
    // cutoff is in the samples' own clock (kubelet time), not ours: clocks skew.
    this.cycleStarts.push(this.cycleOldest);
    if (this.cycleStarts.length > 3) {
      const cutoff = this.cycleStarts.shift()!;
      if (Number.isFinite(cutoff)) this.rates.forgetOlderThan(cutoff);
    }
    this.cycles++;
  }

  private async refreshNodes(): Promise<void> {
    if (this.nodes.size > 0 && Date.now() - this.nodesAt < this.config.nodeRefreshMs) return;
    // Only names and kubelet endpoints are kept: list in pages, dropping the rest of each Node.
    const names = new Set<string>();
    const endpoints: NodeEndpoint[] = [];
    let token: string | undefined;
    do {
      const query = new URLSearchParams({ limit: '500' });
      if (token) query.set('continue', token);
      const page = objectAt(
        await this.api.getJson(`/api/v1/nodes?${query.toString()}`, { timeoutMs: 30_000 }),
      );
      for (const item of arrayAt(page.items)) {
        const name = textAt(objectAt(objectAt(item).metadata).name);
        if (name) names.add(name);
        const endpoint = nodeEndpoint(item);
        if (endpoint) endpoints.push(endpoint);
      }
      const cont = objectAt(page.metadata).continue;
      token = typeof cont === 'string' && cont ? cont : undefined;
    } while (token);
    this.client.setNodes?.(endpoints);
    for (const name of this.nodes.keys()) if (!names.has(name)) this.nodes.delete(name);
    for (const name of names) {
      if (!this.nodes.has(name)) {
        this.nodes.set(name, { workloads: new Map(), workloadsAt: 0, lastError: undefined });
      }
    }
    this.nodesAt = Date.now();
  }

  private async scrape(node: string): Promise<void> {
    const state = this.nodes.get(node);
    if (!state) return;
    // One deadline for everything asked of the node, so a hung node costs one timeout per cycle
    // however many requests it is sent.
    const deadline = Date.now() + this.config.timeoutMs;
    const timeLeft = () => {
      const left = deadline - Date.now();
      if (left > 0) return left;
      throw new KubeApiError(
        `node ${node}: ${this.config.timeoutMs} ms timeout spent`,
        undefined,
        true,
      );
    };
    let workloadsError: unknown;
    try {
      if (Date.now() - state.workloadsAt >= this.config.workloadRefreshMs) {
        // Best effort: without it samples still carry pod and uid, only not the workload, and
        // a failed refresh keeps the map it had.
        try {
          state.workloads = await nodeWorkloads(this.client, this.deps.cluster, node, timeLeft());
        } catch (error) {
          workloadsError = error;
        }
        state.workloadsAt = Date.now();
      }
      const outcome = await scrapeNode({
        client: this.client,
        cluster: this.deps.cluster,
        node,
        source: this.config.source,
        timeoutMs: timeLeft(),
        rates: this.rates,
        workloadOf: (namespace, pod, uid) =>
          (uid !== undefined ? state.workloads.get(uid) : undefined) ??
          state.workloads.get(`${namespace}/${pod}`),
      });
      if (outcome.malformed > 0) {
        this.metrics.problem('malformed', 'decode', 'kubelet exposition had unreadable lines', {
          node,
          lines: outcome.malformed,
        });
      }
      this.metrics.issues(outcome.issues);
      // Counted only when the node answered otherwise: a node that is down is one count.
      if (workloadsError !== undefined) {
        this.metrics.problem(kubeErrorType(workloadsError), 'collect', 'node pod list failed', {
          node,
          err: (workloadsError as Error).message,
        });
      }
      state.lastError = undefined;
      for (const s of outcome.samples) this.cycleOldest = Math.min(this.cycleOldest, s.timestamp);
      const records = outcome.samples.map((s) => envelope('usage_sample', s, this.source));
      await this.deps.publisher.emit(records);
      this.metrics.emitted('usage_sample', records.length);
      this.metrics.success();
    } catch (error) {
      state.lastError = (error as Error).message;
      if (!this.loop.running) return;
      this.metrics.problem(kubeErrorType(error), 'collect', 'node scrape failed', {
        node,
        err: state.lastError,
      });
    }
  }
}
