// The logs collector: follows container logs through the API's pod log endpoint
// (`follow=true&timestamps=true`), for up to `maxStreams` running containers at once. Lines are
// capped, tagged (OutOfMemoryError, Killed process, oom-kill:, signal 9, panic, fatal), selected
// (all, or tagged plus context) and rate-limited per container. A stream that ends (container
// exit, API server restart) is re-opened at the next discovery from just after its last line.
import { PollingLoop } from '../polling.js';
import type { ComponentHealth } from '../../core/component.js';
import type { LogLine } from '../../core/domain.js';
import { envelope, type AnyEnvelope } from '../../core/envelope.js';
import type { Collector, CollectorDeps } from '../collector.js';
import { collectorParts, type CollectorMetrics } from '../metrics.js';
import { tagLogMessage } from '../formats/cri-log.js';
import { arrayAt, objectAt, textAt } from '../formats/json-read.js';
import { parseRfc3339 } from '../formats/time.js';
import { kubeErrorType, type KubeApi } from '../kubernetes/api.js';
import { LineSplitter } from './lines.js';
import { LineSelection, type ShipMode } from './selection.js';

export interface LogsCollectorConfig {
  /** `all` lines, or only `tagged` ones with context. Default tagged. */
  readonly mode: ShipMode;
  readonly contextLines: number;
  readonly ratePerSecond: number;
  readonly burst: number;
  /** Longer lines are cut to this many characters (the domain's cap). Default 65,536. */
  readonly maxLineLength: number;
  /** Containers followed at once. Default 50. */
  readonly maxStreams: number;
  /** How often running containers are listed. Default 30 s. */
  readonly discoveryIntervalMs: number;
  /** Lines read back when a container is first followed. Default 100. */
  readonly tailLines: number;
  /** Only these namespaces; empty for all. */
  readonly namespaces: readonly string[];
}

export { logsDefaults } from './config.js';

interface Target {
  readonly namespace: string;
  readonly pod: string;
  readonly podUid: string | undefined;
  readonly node: string | undefined;
  readonly container: string;
}

interface Ended {
  readonly target: Target;
  /** lastState.terminated.finishedAt as written by the API. */
  readonly finishedAt: string;
}

interface Position {
  ms: number;
  nanos: number;
}

export class LogsCollector implements Collector {
  readonly type = 'logs';
  readonly name = 'collector.logs';
  readonly metrics: CollectorMetrics;
  private readonly source: string;
  private readonly active = new Map<string, AbortController>();
  private readonly positions = new Map<string, Position>();
  /** Per container, the finishedAt of the last ended run whose final lines were read. */
  private readonly endedRead = new Map<string, string>();
  private readonly loop = new PollingLoop(
    () => this.discoverAndFollow(),
    () => this.config.discoveryIntervalMs,
  );
  private readonly streams = new Set<Promise<void>>();
  private lastError: string | undefined;

  constructor(
    private readonly api: KubeApi,
    private readonly config: LogsCollectorConfig,
    private readonly deps: CollectorDeps,
  ) {
    ({ metrics: this.metrics, source: this.source } = collectorParts(this.type, deps));
  }

  start(): Promise<void> {
    this.loop.start();
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    const stopped = this.loop.stop();
    for (const controller of this.active.values()) controller.abort();
    await stopped;
    await Promise.allSettled([...this.streams]);
  }

  health(): ComponentHealth {
    return this.lastError ? { ready: false, detail: this.lastError } : { ready: this.loop.running };
  }

  get following(): number {
    return this.active.size;
  }

  /** One round: list the pods, read the ended runs' last lines, follow the new containers. */
  private async discoverAndFollow(): Promise<boolean> {
    try {
      const { running: targets, ended } = await this.discover();
      this.lastError = undefined;
      // The last lines of a run that ended (the OutOfMemoryError before an OOM kill) are only
      // in its `previous` log once the container restarted: read them once per ended run.
      for (const run of ended) {
        if (!this.loop.running) break;
        const key = this.keyOf(run.target);
        if (this.endedRead.get(key) === run.finishedAt) continue;
        this.endedRead.set(key, run.finishedAt);
        await this.readPrevious(key, run.target);
      }
      for (const target of targets) {
        if (this.active.size >= this.config.maxStreams) break;
        const key = this.keyOf(target);
        if (this.active.has(key)) continue;
        const controller = new AbortController();
        this.active.set(key, controller);
        const stream = this.follow(key, target, controller.signal).finally(() => {
          this.active.delete(key);
          this.streams.delete(stream);
        });
        this.streams.add(stream);
      }
    } catch (error) {
      this.lastError = `pod list failed: ${(error as Error).message}`;
      this.metrics.problem(kubeErrorType(error), 'collect', 'pod list failed', {
        err: this.lastError,
      });
    }
    return false;
  }

  private keyOf(target: Target): string {
    return `${target.podUid ?? `${target.namespace}/${target.pod}`}/${target.container}`;
  }

  private async discover(): Promise<{ running: Target[]; ended: Ended[] }> {
    const out: Target[] = [];
    const ended: Ended[] = [];
    const namespaces = this.config.namespaces.length > 0 ? this.config.namespaces : [undefined];
    for (const namespace of namespaces) {
      const path = namespace ? `/api/v1/namespaces/${namespace}/pods` : '/api/v1/pods';
      let token: string | undefined;
      do {
        const query = new URLSearchParams({ limit: '500', fieldSelector: 'status.phase=Running' });
        if (token) query.set('continue', token);
        const page = objectAt(
          await this.api.getJson(`${path}?${query.toString()}`, { timeoutMs: 30_000 }),
        );
        for (const item of arrayAt(page.items)) {
          const pod = objectAt(item);
          const metadata = objectAt(pod.metadata);
          const name = textAt(metadata.name);
          const ns = textAt(metadata.namespace);
          if (!name || !ns) continue;
          for (const status of arrayAt(objectAt(pod.status).containerStatuses)) {
            const container = textAt(objectAt(status).name);
            if (!container) continue;
            const target: Target = {
              namespace: ns,
              pod: name,
              podUid: textAt(metadata.uid),
              node: textAt(objectAt(pod.spec).nodeName),
              container,
            };
            if (objectAt(objectAt(status).state).running !== undefined) out.push(target);
            const finishedAt = textAt(
              objectAt(objectAt(objectAt(status).lastState).terminated).finishedAt,
            );
            if (finishedAt) ended.push({ target, finishedAt });
          }
        }
        const cont = objectAt(page.metadata).continue;
        token = typeof cont === 'string' && cont ? cont : undefined;
      } while (token);
    }
    return { running: out, ended };
  }

  private async readPrevious(key: string, target: Target): Promise<void> {
    const query = new URLSearchParams({
      container: target.container,
      previous: 'true',
      timestamps: 'true',
      tailLines: String(this.config.tailLines),
    });
    const path = `/api/v1/namespaces/${encodeURIComponent(target.namespace)}/pods/${encodeURIComponent(target.pod)}/log?${query.toString()}`;
    try {
      const { text } = await this.api.getText(path, {
        timeoutMs: 30_000,
        maxBytes: 16 * 1024 * 1024,
      });
      const splitter = new LineSplitter(this.config.maxLineLength + 64);
      const selection = new LineSelection<LogLine>(this.config);
      const records: AnyEnvelope[] = [];
      const lines = [...splitter.push(text), ...[splitter.end()].filter((l) => l !== undefined)];
      for (const line of lines)
        this.handle(`${key}#previous`, target, line.text, line.truncated, selection, records);
      if (records.length > 0) {
        await this.deps.publisher.emit(records);
        this.metrics.emitted('log_line', records.length);
        this.metrics.success();
      }
    } catch (error) {
      if (!this.loop.running) return;
      this.metrics.problem(kubeErrorType(error), 'collect', 'previous log read failed', {
        pod: `${target.namespace}/${target.pod}`,
        container: target.container,
        err: (error as Error).message,
      });
    }
  }

  private async follow(key: string, target: Target, signal: AbortSignal): Promise<void> {
    const since = this.positions.get(key);
    const query = new URLSearchParams({
      container: target.container,
      follow: 'true',
      timestamps: 'true',
    });
    if (since) query.set('sinceTime', new Date(since.ms).toISOString().replace(/\.\d+Z$/, 'Z'));
    else query.set('tailLines', String(this.config.tailLines));
    const path = `/api/v1/namespaces/${encodeURIComponent(target.namespace)}/pods/${encodeURIComponent(target.pod)}/log?${query.toString()}`;
    const splitter = new LineSplitter(this.config.maxLineLength + 64);
    const selection = new LineSelection<LogLine>(this.config);
    try {
      const stream = await this.api.getStream(path, { signal });
      stream.setEncoding('utf8');
      for await (const chunk of stream as AsyncIterable<string>) {
        const records: AnyEnvelope[] = [];
        for (const line of splitter.push(chunk))
          this.handle(key, target, line.text, line.truncated, selection, records);
        if (records.length > 0) {
          await this.deps.publisher.emit(records);
          this.metrics.emitted('log_line', records.length);
          this.metrics.success();
        }
      }
      const rest = splitter.end();
      if (rest) {
        const records: AnyEnvelope[] = [];
        this.handle(key, target, rest.text, rest.truncated, selection, records);
        if (records.length > 0) await this.deps.publisher.emit(records);
      }
    } catch (error) {
      if (signal.aborted || !this.loop.running) return;
      this.metrics.problem(kubeErrorType(error), 'collect', 'log stream failed', {
        pod: `${target.namespace}/${target.pod}`,
        container: target.container,
        err: (error as Error).message,
      });
    }
  }

  private handle(
    key: string,
    target: Target,
    text: string,
    truncated: boolean,
    selection: LineSelection<LogLine>,
    out: AnyEnvelope[],
  ): void {
    const space = text.indexOf(' ');
    const instant = space > 0 ? parseRfc3339(text.slice(0, space)) : undefined;
    if (!instant || instant.ms < 0) {
      this.metrics.problem('malformed', 'decode', 'log line without timestamp', {
        text: text.slice(0, 80),
      });
      return;
    }
    const last = this.positions.get(key);
    // sinceTime has second precision: lines already shipped come again after a reconnect.
    if (last && (instant.ms < last.ms || (instant.ms === last.ms && instant.nanos <= last.nanos)))
      return;
    this.positions.set(key, { ms: instant.ms, nanos: instant.nanos });
    let message = text.slice(space + 1);
    if (truncated)
      this.metrics.problem('malformed', 'decode', 'log line over the length cap truncated', {
        pod: target.pod,
      });
    if (message.length > this.config.maxLineLength)
      message = message.slice(0, this.config.maxLineLength);
    const line: LogLine = {
      cluster: this.deps.cluster,
      timestamp: instant.ms,
      nanos: instant.nanos,
      namespace: target.namespace,
      pod: target.pod,
      ...(target.podUid !== undefined && { podUid: target.podUid }),
      container: target.container,
      ...(target.node !== undefined && { node: target.node }),
      // The API log endpoint merges stdout and stderr without saying which.
      stream: 'stdout',
      message,
      tags: tagLogMessage(message),
    };
    const { ship, verdict } = selection.offer({ item: line, tags: line.tags });
    if (verdict !== 'ship') this.metrics.dropped(verdict);
    for (const l of ship) out.push(envelope('log_line', l, this.source));
  }
}
