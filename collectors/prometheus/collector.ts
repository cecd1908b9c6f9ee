// The prometheus collector: point it at an existing Prometheus, and it (a) backfills N days of
// cAdvisor and kube-state-metrics history with query_range, chunk by chunk (a time range × a batch
// of namespaces, so memory stays bounded on weeks of data), then (b) follows live, reading each new
// stretch of time as it is ingested. Each chunk yields what the live collectors would have sent for
// that time: node and pod records from kube-state-metrics (inventory.ts), condition transitions,
// evictions, terminations and usage, so every analyzer works on a Prometheus alone. The cursor (end of the last delivered chunk) and the state
// that spans chunks are checkpointed after the chunk's records were delivered, so a restart resumes
// where it left off without emitting a chunk twice.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ComponentHealth } from '../../core/component.js';
import type { UsageMetric } from '../../core/domain.js';
import { envelope, type AnyEnvelope } from '../../core/envelope.js';
import { Checkpoint } from '../checkpoint.js';
import type { Collector, CollectorDeps } from '../collector.js';
import { collectorParts, type CollectorMetrics } from '../metrics.js';
import { PromQueryError, type PromClient } from './client.js';
import {
  conditionTransitions,
  containerUsage,
  copyChunkState,
  namespacesIn,
  newChunkState,
  nodeUsage,
  type ChunkInput,
  type ChunkState,
  type ConditionMark,
  type PodMeta,
} from './history.js';
import { nodeInventory, podInventory, type ObjectMark } from './inventory.js';
import { selects, type LabelRequirement } from './selector.js';
import { terminations, type RestartMark } from './terminations.js';
import { ksmPodKey } from '../formats/kube-state-metrics.js';

export interface PrometheusCollectorConfig {
  /** Days of history to read before following live. Default 7. */
  readonly backfillDays: number;
  /** Resolution of the history read back. Default 60 s. */
  readonly stepMs: number;
  /** Time covered by one chunk. Default 6 h. */
  readonly chunkMs: number;
  /** Namespaces per query. Default 20. */
  readonly namespaceBatch: number;
  /** Keep reading new data after the backfill. Default true. */
  readonly follow: boolean;
  /** Pause between live reads. Default 60 s. */
  readonly followIntervalMs: number;
  /** Data younger than this is left for the next read (scrape and ingestion delay). Default 2 min. */
  readonly lagMs: number;
  /** Emit usage samples (cAdvisor); off leaves only terminations and transitions. Default true. */
  readonly usage: boolean;
  /** Only these container usage metrics are read (a scan reads what its analyzers read); all when absent. */
  readonly usageMetrics?: readonly UsageMetric[] | undefined;
  /** Checkpoint file; undefined keeps the cursor in memory only. */
  readonly checkpointFile: string | undefined;
  /** Only pods of these namespaces (nodes are read whole); all when absent. */
  readonly namespaces?: readonly string[] | undefined;
  /**
   * Only pods whose kube_pod_labels satisfy this label selector (nodes are read whole). The pods'
   * series are still read, then dropped: PromQL cannot join every family on pod labels cheaply.
   */
  readonly podSelector?: readonly LabelRequirement[] | undefined;
  /**
   * Give up after this many failed reads of the same chunk in a row: the run ends and
   * whenBackfilled() rejects with the last error (a one-shot scan). Absent: retry for ever.
   */
  readonly failAfter?: number | undefined;
}

export { prometheusDefaults } from './config.js';

interface SavedState {
  cursor: number;
  /** Where the backfill began. */
  origin?: number;
  restarts: [string, RestartMark][];
  conditions: [string, ConditionMark][];
  objects?: [string, ObjectMark][];
}

const SECTION = 'prometheus';

export class PrometheusCollector implements Collector {
  readonly type = 'prometheus';
  readonly name = 'collector.prometheus';
  readonly metrics: CollectorMetrics;
  private readonly source: string;
  private readonly checkpoint: Checkpoint;
  private state: ChunkState = newChunkState();
  private cursor = 0;
  private origin = 0;
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly stopping = new AbortController();
  private lastError: string | undefined;
  private backfilled = false;
  private readonly doneWaiters: { resolve: () => void; reject: (error: Error) => void }[] = [];
  private failure: Error | undefined;

  constructor(
    private readonly client: PromClient,
    private readonly config: PrometheusCollectorConfig,
    private readonly deps: CollectorDeps,
    /** The clock: "now" for where history ends (tests point it at a simulated week). */
    private readonly now: () => number = Date.now,
  ) {
    const { logger, metrics, source } = collectorParts(this.type, deps);
    this.metrics = metrics;
    this.source = source;
    this.checkpoint = new Checkpoint({ file: config.checkpointFile, logger });
  }

  async start(): Promise<void> {
    await this.checkpoint.load();
    const saved = this.checkpoint.get<SavedState>(SECTION, this.client.url);
    if (saved) {
      this.cursor = saved.cursor;
      this.origin = saved.origin ?? 0;
      this.state = {
        restarts: new Map(saved.restarts),
        conditions: new Map(saved.conditions),
        objects: new Map(saved.objects ?? []),
      };
    } else {
      this.cursor = this.align(this.now() - this.config.backfillDays * 86_400_000);
      this.origin = this.cursor;
    }
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.stopping.abort();
    await this.loop;
    await this.checkpoint.close();
  }

  health(): ComponentHealth {
    if (this.lastError) return { ready: false, detail: this.lastError };
    return { ready: this.running };
  }

  /** Resolves once the backfill has reached "now" (minus the lag). */
  whenBackfilled(): Promise<void> {
    if (this.backfilled) return Promise.resolve();
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => this.doneWaiters.push({ resolve, reject }));
  }

  /** Where the backfill began and where it ends now (epoch ms): its progress is `position`. */
  get span(): { from: number; to: number } {
    return { from: this.origin, to: this.align(this.now() - this.config.lagMs) };
  }

  /** Where the next chunk starts (epoch ms). */
  get position(): number {
    return this.cursor;
  }

  private align(t: number): number {
    return Math.floor(t / this.config.stepMs) * this.config.stepMs;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      const horizon = this.align(this.now() - this.config.lagMs);
      if (this.cursor >= horizon) {
        if (!this.backfilled) {
          this.backfilled = true;
          this.deps.logger.info(
            { collector: this.type, cursor: this.cursor },
            'prometheus backfill complete',
          );
          for (const waiter of this.doneWaiters.splice(0)) waiter.resolve();
        }
        if (!this.config.follow) break;
        await this.pause(this.config.followIntervalMs);
        continue;
      }
      const to = Math.min(horizon, this.cursor + this.config.chunkMs);
      try {
        await this.chunk(this.cursor, to);
        failures = 0;
        this.lastError = undefined;
      } catch (error) {
        failures++;
        this.lastError = (error as Error).message;
        this.metrics.problem(
          error instanceof PromQueryError ? error.errorType : 'internal',
          'query',
          'history chunk failed; retrying',
          { from: this.cursor, to, err: this.lastError },
        );
        if (this.config.failAfter !== undefined && failures >= this.config.failAfter) {
          this.failure = new Error(
            `reading ${new Date(this.cursor).toISOString()} to ${new Date(to).toISOString()} failed ${failures} times: ${this.lastError}`,
          );
          for (const waiter of this.doneWaiters.splice(0)) waiter.reject(this.failure);
          this.running = false;
          break;
        }
        await this.pause(Math.min(60_000, 1_000 * 2 ** Math.min(failures, 6)));
      }
    }
  }

  private pause(ms: number): Promise<void> {
    return sleep(ms, undefined, { signal: this.stopping.signal, ref: false }).catch(
      () => undefined,
    );
  }

  /** One chunk: all its records are delivered before the cursor moves; a failure retries it whole. */
  private async chunk(from: number, to: number): Promise<void> {
    const state = copyChunkState(this.state);
    const rateWindow = `${Math.max(300, Math.round((this.config.stepMs * 2) / 1000))}s`;
    const input: ChunkInput = {
      client: this.client,
      cluster: this.deps.cluster,
      from,
      to,
      stepMs: this.config.stepMs,
      rateWindow,
      historyFrom: this.origin,
      state,
    };
    const emit = async (records: AnyEnvelope[]) => {
      if (records.length === 0) return;
      await this.deps.publisher.emit(records);
      for (const r of records) this.metrics.emitted(r.kind);
    };
    // Transitions first: the node records take each condition's last change from them.
    await emit(
      (await conditionTransitions(input)).map((t) => envelope('node_transition', t, this.source)),
    );
    const nodes = await nodeInventory(input);
    await emit(nodes.changed.map((n) => envelope('node', n, this.source)));
    if (this.config.usage) {
      const memoryCapacity = new Map<string, number>();
      for (const n of nodes.nodes) {
        if (n.capacity.memoryBytes !== undefined)
          memoryCapacity.set(n.name, n.capacity.memoryBytes);
      }
      await emit(
        (await nodeUsage(input, memoryCapacity)).map((s) =>
          envelope('usage_sample', s, this.source),
        ),
      );
    }
    const wanted = this.config.namespaces && new Set(this.config.namespaces);
    const namespaces = (await namespacesIn(input)).filter((ns) => !wanted || wanted.has(ns));
    for (let i = 0; i < namespaces.length; i += this.config.namespaceBatch) {
      if (!this.running) throw new Error('stopped during a chunk');
      const batch = namespaces.slice(i, i + this.config.namespaceBatch);
      const inventory = await podInventory(input, batch);
      const pods = inventory.meta;
      const selected = this.selectedPods(pods);
      const kept = <T>(records: T[], key: (r: T) => string | undefined) =>
        selected ? records.filter((r) => selected.has(key(r) ?? '')) : records;
      await emit(
        kept(inventory.changed, (p) => ksmPodKey(p.namespace, p.name)).map((p) =>
          envelope('pod', p, this.source),
        ),
      );
      await emit(
        kept(inventory.evictions, (e) =>
          ksmPodKey(e.involvedObject.namespace ?? '', e.involvedObject.name),
        ).map((e) => envelope('kube_event', e, this.source)),
      );
      await emit(
        kept(await terminations(input, batch, pods), (t) => ksmPodKey(t.namespace, t.pod)).map(
          (t) => envelope('container_termination', t, this.source),
        ),
      );
      if (this.config.usage) {
        await emit(
          kept(await containerUsage(input, batch, pods, this.config.usageMetrics), (s) =>
            s.namespace && s.pod ? ksmPodKey(s.namespace, s.pod) : undefined,
          ).map((s) => envelope('usage_sample', s, this.source)),
        );
      }
    }
    // Durable before the cursor moves: otherwise a crash could skip this chunk for good.
    if (!(await this.deps.publisher.flush(600_000))) {
      throw new Error('records of the chunk were not delivered in time');
    }
    // Prune state of containers, conditions and objects not seen for a day (gone pods and nodes).
    for (const map of [state.restarts, state.conditions, state.objects]) {
      for (const [key, entry] of map) if (entry.seenAt < to - 86_400_000) map.delete(key);
    }
    this.state = state;
    this.cursor = to;
    this.checkpoint.set(SECTION, this.client.url, {
      cursor: to,
      origin: this.origin,
      restarts: [...state.restarts],
      conditions: [...state.conditions],
      objects: [...state.objects],
    } satisfies SavedState);
    this.metrics.success();
  }

  /** namespace/pod of the pods the selector picks; undefined when there is no selector. */
  private selectedPods(pods: ReadonlyMap<string, PodMeta>): Set<string> | undefined {
    const selector = this.config.podSelector;
    if (!selector) return undefined;
    return new Set([...pods].filter(([, meta]) => selects(selector, meta.labels)).map(([k]) => k));
  }
}
