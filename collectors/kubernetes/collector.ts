// The kubernetes collector: list+watch of Nodes, Pods, Events and the owners pods resolve through
// (ReplicaSets, Jobs). Watch callbacks only mark an object dirty in a keyed queue; one worker
// turns dirty objects into records and awaits the publisher. While the bus is slow the queue
// coalesces by object (it holds at most one entry per object in the cluster) instead of growing
// with every watch event, and the worker reads the latest cached state when it gets there.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { ComponentHealth } from '../../core/component.js';
import type { Node } from '../../core/domain.js';
import { envelope, type AnyEnvelope } from '../../core/envelope.js';
import { Checkpoint } from '../checkpoint.js';
import type { Collector, CollectorDeps } from '../collector.js';
import { collectorParts, type CollectorMetrics } from '../metrics.js';
import { objectAt, textAt } from '../formats/json-read.js';
import type { Issue } from '../formats/result.js';
import type { KubeApi } from './api.js';
import { eventsResource, toEvent } from './events.js';
import { Informer, type ResourceSpec } from './informer.js';
import { jobsResource } from './jobs.js';
import { newTransitions, nodeFingerprint, nodesResource, toNode } from './nodes.js';
import { newTerminations, podFingerprint, podsResource, toPod } from './pods.js';
import { ownerLookup, replicaSetsResource } from './replicasets.js';
import { Watermarks } from './watermarks.js';

export interface KubernetesCollectorConfig {
  /** Watch core/v1 Events (OOMKilling, SystemOOM, Evicted, NodeNotReady, ...). Default true. */
  readonly events: boolean;
  /** Checkpoint file, so a restart does not re-emit; undefined keeps it in memory only. */
  readonly checkpointFile: string | undefined;
  /** Re-emit every Node and Pod snapshot this often, to refresh the store. Default 1 h. */
  readonly resyncIntervalMs: number;
  /** Page size of lists and re-lists. Default 500. */
  readonly pageSize: number;
  /** Objects turned into records per publisher call. Default 200. */
  readonly batchObjects: number;
}

export { kubernetesDefaults } from './config.js';

type Kind = 'node' | 'pod' | 'event';

interface Dirty {
  readonly kind: Kind;
  readonly name: string;
  readonly namespace: string | undefined;
  /** The object as last seen, for deletions (it is gone from the cache). */
  readonly deleted?: KubernetesObject;
}

export class KubernetesCollector implements Collector {
  readonly type = 'kubernetes';
  readonly name = 'collector.kubernetes';
  readonly metrics: CollectorMetrics;
  private readonly checkpoint: Checkpoint;
  private readonly watermarks: Watermarks;
  private readonly source: string;
  private readonly queue = new Map<string, Dirty>();
  private readonly lastNodes = new Map<string, Node>();
  private readonly fingerprints = new Map<string, string>();
  private readonly owners: Informer;
  private readonly jobs: Informer;
  private readonly nodes: Informer;
  private readonly pods: Informer;
  private readonly events: Informer | undefined;
  private running = false;
  private worker: Promise<void> | undefined;
  private wakeWorker: (() => void) | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly api: KubeApi,
    private readonly config: KubernetesCollectorConfig,
    private readonly deps: CollectorDeps,
  ) {
    const { logger, metrics, source } = collectorParts(this.type, deps);
    this.metrics = metrics;
    this.source = source;
    this.checkpoint = new Checkpoint({ file: config.checkpointFile, logger });
    this.watermarks = new Watermarks(this.checkpoint);
    const options = { pageSize: config.pageSize };
    const informer = (spec: ResourceSpec, kind: Kind | undefined) =>
      new Informer(
        api,
        spec,
        {
          onUpsert: (object) => kind && this.enqueue(kind, object),
          onDelete: (object) => kind && this.enqueue(kind, object, true),
        },
        this.metrics,
        options,
      );
    this.owners = informer(replicaSetsResource, undefined);
    this.jobs = informer(jobsResource, undefined);
    this.nodes = informer(nodesResource, 'node');
    this.pods = informer(podsResource, 'pod');
    this.events = config.events ? informer(eventsResource, 'event') : undefined;
  }

  async start(): Promise<void> {
    await this.checkpoint.load();
    this.running = true;
    this.unsubscribe = this.deps.publisher.onDelivered((records) =>
      this.watermarks.delivered(records),
    );
    this.worker = this.work();
    // Owners first, so the first pods resolve their workload from the cache, not by convention.
    await Promise.all([this.owners.start(), this.jobs.start()]);
    await Promise.all([this.nodes.start(), this.pods.start(), this.events?.start()]);
    this.resyncTimer = setInterval(() => this.resync(), this.config.resyncIntervalMs);
    this.resyncTimer.unref();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    const informers = [this.owners, this.jobs, this.nodes, this.pods, this.events];
    await Promise.all(informers.map((i) => (i ? i.stop() : Promise.resolve())));
    this.wake();
    await this.worker;
    // The checkpoint advances on delivery: wait for what this instance emitted before detaching,
    // or its successor would emit it again.
    await this.deps.publisher.flush(30_000);
    this.unsubscribe?.();
    await this.checkpoint.close();
  }

  health(): ComponentHealth {
    const required = [this.nodes, this.pods, ...(this.events ? [this.events] : [])];
    const failing = required.filter((i) => !i.synced || i.error !== undefined);
    if (failing.length === 0) return { ready: true };
    return {
      ready: false,
      detail: failing.map((i) => `${i.spec.resource}: ${i.error ?? 'not listed yet'}`).join('; '),
    };
  }

  /** Objects waiting to be turned into records. */
  get backlog(): number {
    return this.queue.size;
  }

  private enqueue(kind: Kind, object: KubernetesObject, deleted = false): void {
    const metadata = objectAt(object.metadata);
    const name = textAt(metadata.name);
    if (name === undefined) return;
    const namespace = textAt(metadata.namespace);
    const key = `${kind}/${namespace ?? ''}/${name}`;
    // Delete then set keeps the queue in order of the latest change.
    this.queue.delete(key);
    this.queue.set(key, { kind, name, namespace, ...(deleted && { deleted: object }) });
    this.wake();
  }

  private resync(): void {
    this.fingerprints.clear();
    for (const object of this.nodes.cached()) this.enqueue('node', object);
    for (const object of this.pods.cached()) this.enqueue('pod', object);
  }

  private wake(): void {
    const wake = this.wakeWorker;
    this.wakeWorker = undefined;
    wake?.();
  }

  private async work(): Promise<void> {
    while (this.running) {
      if (this.queue.size === 0) {
        await new Promise<void>((resolve) => (this.wakeWorker = resolve));
        continue;
      }
      const records: AnyEnvelope[] = [];
      for (const [key, dirty] of this.queue) {
        this.queue.delete(key);
        try {
          this.process(dirty, records);
        } catch (error) {
          this.metrics.problem('internal', 'collect', 'object could not be processed', {
            kind: dirty.kind,
            err: error,
          });
        }
        if (records.length >= this.config.batchObjects) break;
      }
      if (records.length === 0) continue;
      try {
        await this.deps.publisher.emit(records);
        for (const record of records) this.metrics.emitted(record.kind);
      } catch (error) {
        // Only a stopped publisher rejects; what was not emitted is re-emitted after restart.
        this.metrics.problem('unavailable', 'produce', 'publisher refused records', {
          err: error,
        });
        break;
      }
    }
  }

  private process(dirty: Dirty, out: AnyEnvelope[]): void {
    const now = Date.now();
    const emit = (record: AnyEnvelope) => out.push(record);
    const cached =
      dirty.deleted ??
      (dirty.kind === 'node'
        ? this.nodes.get(dirty.name)
        : dirty.kind === 'pod'
          ? this.pods.get(dirty.name, dirty.namespace)
          : this.events?.get(dirty.name, dirty.namespace));
    if (cached === undefined) return;
    switch (dirty.kind) {
      case 'node': {
        const mapped = toNode(cached, this.deps.cluster);
        this.countIssues(mapped.issues);
        if (!mapped.ok) return this.malformed('node', mapped.error);
        const node = dirty.deleted
          ? { ...mapped.value, deletedAt: mapped.value.deletedAt ?? now }
          : mapped.value;
        for (const t of newTransitions(this.lastNodes.get(node.name), node, this.watermarks)) {
          emit(envelope('node_transition', t, this.source, now));
        }
        this.snapshot(`node/${node.uid}`, nodeFingerprint(node), () =>
          emit(envelope('node', node, this.source, now)),
        );
        if (dirty.deleted) {
          this.lastNodes.delete(node.name);
          this.fingerprints.delete(`node/${node.uid}`);
          this.watermarks.forgetNode(
            node.name,
            node.conditions.map((c) => c.type),
          );
        } else {
          this.lastNodes.set(node.name, node);
        }
        return;
      }
      case 'pod': {
        const mapped = toPod(cached, this.deps.cluster, {
          replicaSet: ownerLookup(this.owners, 'ReplicaSet'),
          job: ownerLookup(this.jobs, 'Job'),
        });
        this.countIssues(mapped.issues);
        if (!mapped.ok) return this.malformed('pod', mapped.error);
        const pod = dirty.deleted
          ? { ...mapped.value, deletedAt: mapped.value.deletedAt ?? now }
          : mapped.value;
        for (const t of newTerminations(pod, this.watermarks)) {
          emit(envelope('container_termination', t, this.source, now));
        }
        this.snapshot(`pod/${pod.uid}`, podFingerprint(pod), () =>
          emit(envelope('pod', pod, this.source, now)),
        );
        if (dirty.deleted) {
          this.fingerprints.delete(`pod/${pod.uid}`);
          this.watermarks.forgetPod(
            pod.uid,
            pod.containers.map((c) => c.name),
          );
        }
        return;
      }
      case 'event': {
        const mapped = toEvent(cached, this.deps.cluster);
        this.countIssues(mapped.issues);
        if (!mapped.ok) return this.malformed('kube_event', mapped.error);
        if (dirty.deleted) {
          // Events expire after their TTL; the deletion itself is no observation.
          this.watermarks.forgetEvent(mapped.value.uid);
          return;
        }
        if (this.watermarks.isNewEvent(mapped.value)) {
          emit(envelope('kube_event', mapped.value, this.source, now));
        } else {
          this.metrics.suppressed('kube_event');
        }
        return;
      }
    }
  }

  private snapshot(key: string, fingerprint: string, emit: () => void): void {
    if (this.fingerprints.get(key) === fingerprint) return;
    this.fingerprints.set(key, fingerprint);
    emit();
  }

  private countIssues(issues: readonly Issue[]): void {
    if (issues.length === 0) return;
    this.metrics.issues(issues);
  }

  private malformed(kind: string, error: string): void {
    this.metrics.problem('malformed', 'collect', 'object could not be mapped', { kind, error });
  }
}
