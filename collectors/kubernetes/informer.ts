// One resource's list+watch, on client-node's ListWatch: it keeps the cache, honours
// resourceVersion and re-lists after 410 Gone. Around it: a paginated list and a watch that both
// shrink objects to the fields the mappers read before anything is cached, bookmarks, counting of
// watch restarts and 410 re-lists, and a restart with capped backoff when the watch fails (an API
// server restart, a network error), since ListWatch stops on errors.
import {
  ListWatch,
  type KubernetesListObject,
  type KubernetesObject,
  type Watch,
} from '@kubernetes/client-node';
import type { CollectorMetrics } from '../metrics.js';
import { isObject, objectAt } from '../formats/json-read.js';
import { KubeApiError, kubeErrorType, type KubeApi } from './api.js';

export interface ResourceSpec {
  /** Metric label and log name: nodes, pods, events, replicasets, jobs. */
  readonly resource: string;
  /** Collection path, e.g. /api/v1/pods. */
  readonly path: string;
  /** Keeps only what the collector reads; must keep metadata name, namespace, resourceVersion. */
  shrink(raw: unknown): KubernetesObject;
}

export interface InformerHandlers {
  onUpsert(object: KubernetesObject): void;
  onDelete(object: KubernetesObject): void;
}

export interface InformerOptions {
  /** Page size of the initial list and re-lists. Default 500. */
  readonly pageSize?: number;
  /** Timeout of one list page. Default 60 s. */
  readonly requestTimeoutMs?: number;
  /** First delay before restarting a failed watch; doubles up to 30 s. Default 1 s. */
  readonly restartDelayMs?: number;
}

export class Informer {
  private readonly lw: ListWatch<KubernetesObject>;
  private stopped = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private listedOnce = false;
  private lastError: string | undefined;
  /** The resource is not served (404): retried rarely instead of treated as an outage. */
  unsupported = false;

  constructor(
    private readonly api: KubeApi,
    readonly spec: ResourceSpec,
    handlers: InformerHandlers,
    private readonly metrics: CollectorMetrics,
    private readonly options: InformerOptions = {},
  ) {
    const watch = {
      watch: async (
        path: string,
        params: Record<string, string>,
        callback: (phase: string, object: unknown) => void,
        done: (error: unknown) => void,
      ) => {
        let failed = false;
        const handle = await this.api.watch(
          path,
          { ...params, allowWatchBookmarks: 'true' },
          (phase, object) => {
            if (phase === 'ERROR') {
              const status = objectAt(object);
              if (status.code === 410) this.metrics.relist(spec.resource);
              callback(phase, object);
              return;
            }
            if (phase === 'BOOKMARK') {
              callback(phase, object);
              return;
            }
            if (!isObject(object) || !isObject(object.metadata)) {
              this.metrics.problem('malformed', 'collect', 'watch event without object', {
                resource: spec.resource,
                phase,
              });
              return;
            }
            this.metrics.success();
            callback(phase, spec.shrink(object));
          },
          (error) => {
            if (error) failed = true;
            if (this.stopped) {
              done(error);
              return;
            }
            this.metrics.watchRestart(spec.resource);
            if ((error as { statusCode?: number } | null)?.statusCode === 410) {
              this.metrics.relist(spec.resource);
            }
            done(error);
          },
        );
        // Resuming from a resourceVersion lists nothing: the watch answering is what says the
        // API server is back, so the error clears and the next failure backs off from the start.
        if (!failed && !this.stopped) {
          this.failures = 0;
          this.lastError = undefined;
        }
        return handle;
      },
    } as unknown as Watch;
    this.lw = new ListWatch(spec.path, watch, () => this.fetchAll(), false);
    this.lw.on('add', (object) => handlers.onUpsert(object));
    this.lw.on('update', (object) => handlers.onUpsert(object));
    this.lw.on('delete', (object) => handlers.onDelete(object));
    this.lw.on('connect', () => undefined);
    this.lw.on('error', (error: unknown) => this.onError(error));
  }

  /** Lists and starts watching; resolves after the first attempt, whatever its outcome. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.lw.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    await this.lw.stop();
  }

  get synced(): boolean {
    return this.listedOnce;
  }

  get error(): string | undefined {
    return this.lastError;
  }

  get(name: string, namespace?: string): KubernetesObject | undefined {
    return this.lw.get(name, namespace);
  }

  /** Every cached object. */
  cached(): KubernetesObject[] {
    return [...this.lw.list()];
  }

  private async fetchAll(): Promise<KubernetesListObject<KubernetesObject>> {
    const items: KubernetesObject[] = [];
    let resourceVersion = '';
    let token: string | undefined;
    const pageSize = this.options.pageSize ?? 500;
    do {
      const query = new URLSearchParams({ limit: String(pageSize) });
      if (token) query.set('continue', token);
      const page = objectAt(
        await this.api.getJson(`${this.spec.path}?${query.toString()}`, {
          timeoutMs: this.options.requestTimeoutMs ?? 60_000,
        }),
      );
      const metadata = objectAt(page.metadata);
      if (!Array.isArray(page.items)) {
        throw new KubeApiError(`${this.spec.resource} list without items`, 200);
      }
      for (const item of page.items) {
        if (isObject(item) && isObject(item.metadata)) items.push(this.spec.shrink(item));
        else this.metrics.problem('malformed', 'collect', 'list item without metadata');
      }
      resourceVersion =
        typeof metadata.resourceVersion === 'string' ? metadata.resourceVersion : '';
      token =
        typeof metadata.continue === 'string' && metadata.continue ? metadata.continue : undefined;
    } while (token);
    this.listedOnce = true;
    this.failures = 0;
    this.unsupported = false;
    this.lastError = undefined;
    this.metrics.success();
    return { metadata: { resourceVersion }, items };
  }

  private onError(error: unknown): void {
    if (this.stopped) return;
    this.failures++;
    this.lastError = (error as Error).message ?? String(error);
    const status =
      error instanceof KubeApiError ? error.status : (error as { statusCode?: number }).statusCode;
    let delay: number;
    if (status === 404) {
      // An API group the cluster does not serve (batch/v1 on a minimal API server): look again
      // now and then, without counting it as an outage.
      this.unsupported = true;
      delay = 300_000;
    } else {
      this.metrics.problem(kubeErrorType(error), 'collect', 'watch failed; restarting', {
        resource: this.spec.resource,
        error: this.lastError,
      });
      const base = this.options.restartDelayMs ?? 1_000;
      delay = Math.min(30_000, base * 2 ** Math.min(this.failures - 1, 5));
    }
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(
      () => {
        this.restartTimer = undefined;
        if (!this.stopped) void this.lw.start().catch((e: unknown) => this.onError(e));
      },
      delay * (0.8 + Math.random() * 0.4),
    );
    this.restartTimer.unref();
  }
}
