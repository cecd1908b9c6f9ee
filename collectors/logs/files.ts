// The logs collector's file mode: tails the kubelet's CRI log files on this node
// (`<root>/<namespace>_<pod>_<uid>/<container>/<restart>.log`) by polling, since fs.watch misses
// events on many filesystems (overlay, NFS, some container runtimes' bind mounts). Every interval
// the tree is listed; per file we keep {inode, offset} and read what was appended since, at most
// `maxReadBytes` per file per poll. Lines are parsed (CRI, Docker json-file fallback), partials
// joined under the line cap, tagged, selected and rate-limited per container exactly as in API
// mode. A rotated file (kubelet renames `0.log` to `0.log.<timestamp>`) is read to its end under
// its new name before the new `0.log` is started; a truncated file restarts at 0. Offsets reach the
// checkpoint only once the publisher reported the records before them delivered, and only at the
// end of a complete line, so a restart neither loses nor re-sends a line. With `kernelLog` set, the
// node's kernel log is tailed the same way for the OOM killer's reports (kernel-log.ts).
import { open, readdir, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { PollingLoop } from '../polling.js';
import type { ComponentHealth } from '../../core/component.js';
import type { LogLine } from '../../core/domain.js';
import { envelope, type AnyEnvelope } from '../../core/envelope.js';
import { Checkpoint } from '../checkpoint.js';
import type { Collector, CollectorDeps } from '../collector.js';
import { collectorParts, type CollectorMetrics } from '../metrics.js';
import {
  PartialLineJoiner,
  parseContainerLogLine,
  tagLogMessage,
  type JoinedLogLine,
  type LogStream,
} from '../formats/cri-log.js';
import { KernelLogReader, kernelOomEvent, type NodePod } from './kernel-log.js';
import { LineSelection, type SelectionOptions } from './selection.js';

export interface LogFilesConfig extends SelectionOptions {
  /** The kubelet's pod log directory. Default /var/log/pods. */
  readonly root: string;
  /** Pause between polls of the tree. Default 2 s. */
  readonly pollIntervalMs: number;
  /** Bytes read per file per poll; a file further behind catches up over the next polls. */
  readonly maxReadBytes: number;
  /** Logical lines are cut to this many characters (the domain's cap). Default 65,536. */
  readonly maxLineLength: number;
  /** Stamped on every line as `node` (the node this collector runs on), when known. */
  readonly nodeName: string | undefined;
  /** Only these namespaces; empty for all. */
  readonly namespaces: readonly string[];
  /** Checkpoint file for the offsets; undefined keeps them in memory only. */
  readonly checkpointFile: string | undefined;
  /** How long stop() waits for the publisher to deliver before saving offsets. Default 30 s. */
  readonly stopFlushMs: number;
  /**
   * The node's kernel log (e.g. /var/log/kern.log), read for the OOM killer's reports: each kill
   * becomes an OOMKilling event naming the pod it hit. Needs `nodeName`. Undefined: not read.
   */
  readonly kernelLog?: string | undefined;
}

export { logFilesDefaults } from './config.js';

/** What the checkpoint keeps per file: where the next unread complete line starts. */
interface SavedOffset {
  readonly ino: string;
  readonly offset: number;
}

interface PodDir {
  readonly dir: string;
  readonly namespace: string;
  readonly pod: string;
  readonly uid: string;
}

interface FileState {
  /** Inode of the file being read (the current `N.log`, or its rotated name until drained). */
  ino: string;
  /** Next byte to read. */
  readOffset: number;
  /** End of the last record after which no line was left half-joined: where a restart resumes. */
  safeOffset: number;
  /** Bytes of an unterminated record, at most `carryCap`. */
  carry: Buffer[];
  carryLength: number;
  carryTruncated: boolean;
  joiner: PartialLineJoiner;
  /** Streams with a P record waiting for its F. */
  open: Set<LogStream>;
  /** When an offset of this file was last handed to the checkpoint (epoch ms). */
  savedAt: number;
}

interface Commit {
  /** The last record emitted before this offset; undefined when there was none. */
  readonly marker: AnyEnvelope | undefined;
  readonly key: string;
  readonly saved: SavedOffset;
}

const SECTION = 'logs_files';
/** The kernel log's offset, beside the pod logs' in the checkpoint. */
const KERNEL_KEY = 'kernel';
const REFRESH_MS = 86_400_000;
const LOG_FILE = /^(\d+)\.log$/;

/** A file opened for reading with its inode and size; undefined when it is gone. */
async function openForTail(
  path: string,
): Promise<{ handle: FileHandle; ino: string; size: number } | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const stat = await handle.stat({ bigint: true });
    return { handle, ino: stat.ino.toString(), size: Number(stat.size) };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/** `<namespace>_<pod>_<uid>`: none of the three may contain `_` in Kubernetes. */
export function parsePodDir(name: string): Omit<PodDir, 'dir'> | undefined {
  const parts = name.split('_');
  if (parts.length !== 3 || parts.some((p) => p.length === 0)) return undefined;
  const [namespace, pod, uid] = parts as [string, string, string];
  return { namespace, pod, uid };
}

export class LogFilesCollector implements Collector {
  readonly type = 'logs';
  readonly name = 'collector.logs';
  readonly metrics: CollectorMetrics;
  private readonly source: string;
  private readonly checkpoint: Checkpoint;
  /** By `<podDir>/<container>/<N>.log`. */
  private readonly files = new Map<string, FileState>();
  /** By `<uid>/<container>`: the rate limit and context window span a container's restarts. */
  private readonly selections = new Map<string, LineSelection<LogLine>>();
  private readonly commits: Commit[] = [];
  private readonly badDirs = new Set<string>();
  private readonly carryCap: number;
  private unsubscribe: (() => void) | undefined;
  // A file that hit the read budget is read again at once: the budget bounds memory, not pace.
  private readonly loop = new PollingLoop(
    () => this.round(),
    () => this.config.pollIntervalMs,
  );
  private lastError: string | undefined;
  private quietPolls = 0;
  private emittedSinceFlush = false;
  private readonly kernelReader = new KernelLogReader();
  /** Read in whole lines only (KernelLogReader): where reading resumes is where a restart would. */
  private kernelState: Pick<FileState, 'ino' | 'safeOffset' | 'savedAt'> | undefined;
  private kernelUnreadable = 0;

  constructor(
    private readonly config: LogFilesConfig,
    private readonly deps: CollectorDeps,
  ) {
    const { logger, metrics, source } = collectorParts(this.type, deps);
    this.metrics = metrics;
    this.source = source;
    this.checkpoint = new Checkpoint({ file: config.checkpointFile, logger });
    // A record's bytes: its header and a message of up to maxLineLength UTF-16 units, ≤ 4 bytes
    // per unit in the worst case. Anything longer is beyond what the joiner would keep anyway.
    this.carryCap = config.maxLineLength * 4 + 256;
  }

  async start(): Promise<void> {
    if (this.config.kernelLog !== undefined && !this.config.nodeName) {
      throw new Error(
        'collectors.logs.kernelLog needs the node name (collectors.logs.nodeName, --node-name or NODE_NAME): the OOM kills in the kernel log are reported on that node',
      );
    }
    await this.checkpoint.load();
    this.unsubscribe = this.deps.publisher.onDelivered((records) => this.delivered(records));
    this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
    // What was emitted reaches the checkpoint only once delivered: give it the time to be.
    await this.deps.publisher.flush(this.config.stopFlushMs);
    this.unsubscribe?.();
    await this.checkpoint.close();
  }

  health(): ComponentHealth {
    return this.lastError ? { ready: false, detail: this.lastError } : { ready: this.loop.running };
  }

  /** Files being tailed. */
  get following(): number {
    return this.files.size;
  }

  /** Consecutive polls that found nothing new to read (tests wait for the collector to settle). */
  get idlePolls(): number {
    return this.quietPolls;
  }

  /** One poll, its failure counted and kept for health(). */
  private async round(): Promise<boolean> {
    try {
      const more = await this.poll();
      this.lastError = undefined;
      this.metrics.success();
      return more;
    } catch (error) {
      if (!this.loop.running) return false;
      this.lastError = `log files poll failed: ${(error as Error).message}`;
      this.metrics.problem('internal', 'collect', 'log files poll failed', {
        root: this.config.root,
        err: (error as Error).message,
      });
      return false;
    }
  }

  /** One pass over the tree. Returns true when some file has more to read than its budget. */
  private async poll(): Promise<boolean> {
    let root: string[];
    try {
      root = (await readdir(this.config.root)).sort();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      root = [];
    }
    const seen = new Set<string>();
    const seenPods = new Set<string>();
    const podsByUid = new Map<string, NodePod>();
    let more = false;
    let read = false;
    for (const name of root) {
      if (!this.loop.running) return false;
      const parsed = parsePodDir(name);
      if (!parsed) {
        if (!this.badDirs.has(name)) {
          this.badDirs.add(name);
          this.metrics.issues([{ code: 'unknown_log_dir' }]);
        }
        continue;
      }
      // Every pod of the node can be named in a kernel OOM report, followed or not.
      podsByUid.set(parsed.uid, { namespace: parsed.namespace, pod: parsed.pod });
      if (this.config.namespaces.length > 0 && !this.config.namespaces.includes(parsed.namespace))
        continue;
      seenPods.add(name);
      const pod: PodDir = { dir: name, ...parsed };
      for (const container of await this.list(join(this.config.root, name))) {
        const dir = join(this.config.root, name, container);
        const entries = await this.list(dir);
        const runs = entries
          .map((f) => LOG_FILE.exec(f))
          .filter((m): m is RegExpExecArray => m !== null)
          .map((m) => Number(m[1]))
          .sort((a, b) => a - b);
        const newest = runs.at(-1);
        for (const run of runs) {
          const key = `${name}/${container}/${run}.log`;
          seen.add(key);
          const outcome = await this.tail(key, pod, container, dir, run, entries, run !== newest);
          more ||= outcome.more;
          read ||= outcome.read;
        }
        // Logs of older runs the kubelet removed: nothing more will come from them.
        for (const key of this.files.keys()) {
          if (!seen.has(key) && key.startsWith(`${name}/${container}/`) && newest !== undefined)
            this.drop(key);
        }
      }
    }
    // Pods whose directory is gone (deleted pods): forget their files and their limiters.
    for (const key of [...this.files.keys()]) {
      if (!seenPods.has(key.slice(0, key.indexOf('/')))) this.drop(key);
    }
    const uids = new Set([...seenPods].map((dir) => dir.slice(dir.lastIndexOf('_') + 1)));
    for (const key of [...this.selections.keys()]) {
      if (!uids.has(key.slice(0, key.indexOf('/')))) this.selections.delete(key);
    }
    if (this.config.kernelLog !== undefined) {
      const kernel = await this.tailKernel(this.config.kernelLog, podsByUid);
      more ||= kernel.more;
      read ||= kernel.read;
    }
    this.quietPolls = read ? 0 : this.quietPolls + 1;
    // The publisher sends a part-filled batch only when asked to: ask, once per poll. This also
    // paces the polls to the bus (backpressure) and lets the offsets reach the checkpoint.
    if (this.emittedSinceFlush) {
      this.emittedSinceFlush = false;
      await this.deps.publisher.flush(this.config.stopFlushMs);
    }
    return more;
  }

  /** Reads what the kernel log gained since the last poll; its OOM kills become events. */
  private async tailKernel(
    path: string,
    pods: ReadonlyMap<string, NodePod>,
  ): Promise<{ more: boolean; read: boolean }> {
    const opened = await openForTail(path);
    if (!opened) return { more: false, read: false };
    const { handle, ino, size } = opened;
    try {
      if (!this.kernelState) {
        // Without a checkpoint, from the end: the log's past was not this collector's to report.
        const saved = this.checkpoint.get<SavedOffset>(SECTION, KERNEL_KEY);
        const offset = saved?.ino === ino ? saved.offset : size;
        this.kernelState = { ino, safeOffset: offset, savedAt: 0 };
      }
      const state = this.kernelState;
      if (state.ino !== ino || size < state.safeOffset) {
        // Rotated or truncated: the new file from its start.
        state.ino = ino;
        state.safeOffset = 0;
      }
      const before = state.safeOffset;
      const { kills, offset, more } = await this.kernelReader.read(
        handle,
        state.safeOffset,
        size,
        this.config.maxReadBytes,
        Date.now(),
      );
      state.safeOffset = offset;
      if (this.kernelReader.unreadable > this.kernelUnreadable) {
        this.kernelUnreadable = this.kernelReader.unreadable;
        this.metrics.issues([{ code: 'kernel_oom_line_unreadable' }]);
      }
      const node = this.config.nodeName ?? '';
      const records = kills.map((kill) =>
        envelope(
          'kube_event',
          kernelOomEvent(kill, { cluster: this.deps.cluster, node, pods }),
          this.source,
        ),
      );
      await this.emit(records, KERNEL_KEY, state, 'kube_event');
      return { more, read: offset > before };
    } finally {
      await handle.close();
    }
  }

  private async list(dir: string): Promise<string[]> {
    try {
      return (await readdir(dir)).sort();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return [];
      throw error;
    }
  }

  private drop(key: string): void {
    this.files.delete(key);
    this.checkpoint.delete(SECTION, key);
  }

  /** Reads what is new in one `N.log` (and, after a rotation, the rest of its old inode). */
  private async tail(
    key: string,
    pod: PodDir,
    container: string,
    dir: string,
    run: number,
    entries: readonly string[],
    finished: boolean,
  ): Promise<{ more: boolean; read: boolean }> {
    const opened = await openForTail(join(dir, `${run}.log`));
    if (!opened) return { more: false, read: false };
    const { handle, ino, size } = opened;
    try {
      let state = this.files.get(key);
      if (!state) {
        const saved = this.checkpoint.get<SavedOffset>(SECTION, key);
        state = this.fresh(saved?.ino ?? ino, saved?.offset ?? 0);
        this.files.set(key, state);
      }
      const records: AnyEnvelope[] = [];
      let read = false;
      if (state.ino !== ino) {
        // Rotated: finish the old inode under its new name, then start the new file at 0.
        const rotated = await this.findRotated(dir, run, entries, state.ino);
        if (rotated) {
          const r = await this.readFrom(
            rotated.handle,
            rotated.size,
            state,
            pod,
            container,
            records,
          ).finally(() => rotated.handle.close());
          read ||= r.read;
          if (r.more) {
            await this.emit(records, key, state);
            return { more: true, read };
          }
        } else if (state.readOffset > 0) {
          this.metrics.issues([{ code: 'log_rotated_unread' }]);
        }
        this.finishLines(state, pod, container, records);
        state = this.fresh(ino, 0);
        this.files.set(key, state);
      } else if (size < state.readOffset) {
        // Truncated in place (copytruncate): the file starts over.
        this.metrics.issues([{ code: 'log_truncated' }]);
        this.finishLines(state, pod, container, records);
        state = this.fresh(ino, 0);
        this.files.set(key, state);
      }
      const r = await this.readFrom(handle, size, state, pod, container, records);
      read ||= r.read;
      // A newer run's file exists: this one is complete, flush what waits for an F that never came.
      if (!r.more && finished) this.finishLines(state, pod, container, records);
      await this.emit(records, key, state);
      return { more: r.more, read };
    } finally {
      await handle.close();
    }
  }

  private fresh(ino: string, offset: number): FileState {
    return {
      ino,
      readOffset: offset,
      safeOffset: offset,
      carry: [],
      carryLength: 0,
      carryTruncated: false,
      joiner: new PartialLineJoiner({ maxLineLength: this.config.maxLineLength }),
      open: new Set(),
      savedAt: 0,
    };
  }

  private async findRotated(
    dir: string,
    run: number,
    entries: readonly string[],
    ino: string,
  ): Promise<{ handle: FileHandle; size: number } | undefined> {
    const prefix = `${run}.log.`;
    for (const name of entries) {
      if (!name.startsWith(prefix) || name.endsWith('.gz') || name.endsWith('.tmp')) continue;
      let handle: FileHandle;
      try {
        handle = await open(join(dir, name), 'r');
      } catch {
        continue;
      }
      const stat = await handle.stat({ bigint: true }).catch(() => undefined);
      if (stat?.ino.toString() === ino) return { handle, size: Number(stat.size) };
      await handle.close();
    }
    return undefined;
  }

  /** Reads up to the budget from readOffset; `more` when the file holds more than that. */
  private async readFrom(
    handle: FileHandle,
    size: number,
    state: FileState,
    pod: PodDir,
    container: string,
    out: AnyEnvelope[],
  ): Promise<{ more: boolean; read: boolean }> {
    const available = size - state.readOffset;
    if (available <= 0) return { more: false, read: false };
    const length = Math.min(available, this.config.maxReadBytes);
    const buffer = Buffer.allocUnsafe(length);
    const { bytesRead } = await handle.read(buffer, 0, length, state.readOffset);
    const chunk = buffer.subarray(0, bytesRead);
    const base = state.readOffset;
    let from = 0;
    for (;;) {
      const nl = chunk.indexOf(10, from);
      if (nl === -1) break;
      let line: Buffer;
      let truncated = state.carryTruncated;
      if (state.carryLength > 0 || state.carryTruncated) {
        this.addCarry(state, chunk.subarray(from, nl));
        line = Buffer.concat(state.carry, state.carryLength);
        truncated = state.carryTruncated;
        state.carry = [];
        state.carryLength = 0;
        state.carryTruncated = false;
      } else if (nl - from > this.carryCap) {
        line = chunk.subarray(from, from + this.carryCap);
        truncated = true;
      } else {
        line = chunk.subarray(from, nl);
      }
      this.record(state, line, truncated, pod, container, out);
      from = nl + 1;
      if (state.open.size === 0) state.safeOffset = base + from;
    }
    if (from < bytesRead) this.addCarry(state, chunk.subarray(from, bytesRead));
    state.readOffset = base + bytesRead;
    return { more: size > state.readOffset, read: bytesRead > 0 };
  }

  /** Keeps the beginning of an unterminated record, never more than `carryCap` bytes of it. */
  private addCarry(state: FileState, part: Buffer): void {
    const room = this.carryCap - state.carryLength;
    if (part.length > room) state.carryTruncated = true;
    const kept = part.subarray(0, Math.max(0, room));
    if (kept.length === 0) return;
    // Copied, so the read buffer it came from can be collected.
    state.carry.push(Buffer.from(kept));
    state.carryLength += kept.length;
  }

  private record(
    state: FileState,
    bytes: Buffer,
    truncated: boolean,
    pod: PodDir,
    container: string,
    out: AnyEnvelope[],
  ): void {
    if (bytes.length === 0) return;
    let text = bytes.toString('utf8');
    if (text.endsWith('\r')) text = text.slice(0, -1);
    const parsed = parseContainerLogLine(text);
    if (!parsed.ok) {
      this.metrics.issues([{ code: 'malformed_log_line' }]);
      return;
    }
    if (truncated) this.metrics.issues([{ code: 'log_record_truncated' }]);
    const record = parsed.value;
    if (record.partial) state.open.add(record.stream);
    else state.open.delete(record.stream);
    const joined = state.joiner.push(record);
    if (joined) this.line(joined, pod, container, out);
  }

  /** Emits lines still waiting for their F (the writer is done with this file). */
  private finishLines(state: FileState, pod: PodDir, container: string, out: AnyEnvelope[]) {
    if (state.carryLength > 0) {
      const bytes = Buffer.concat(state.carry, state.carryLength);
      const truncated = state.carryTruncated;
      state.carry = [];
      state.carryLength = 0;
      state.carryTruncated = false;
      this.record(state, bytes, truncated, pod, container, out);
    }
    for (const line of state.joiner.flush()) this.line(line, pod, container, out);
    state.open.clear();
    state.safeOffset = state.readOffset;
  }

  private line(joined: JoinedLogLine, pod: PodDir, container: string, out: AnyEnvelope[]): void {
    if (joined.truncated) this.metrics.issues([{ code: 'log_line_truncated' }]);
    if (joined.incomplete) this.metrics.issues([{ code: 'log_line_incomplete' }]);
    const line: LogLine = {
      cluster: this.deps.cluster,
      timestamp: joined.timestampMs,
      nanos: joined.nanos,
      namespace: pod.namespace,
      pod: pod.pod,
      podUid: pod.uid,
      container,
      ...(this.config.nodeName !== undefined && { node: this.config.nodeName }),
      stream: joined.stream,
      message: joined.message,
      tags: tagLogMessage(joined.message),
    };
    const selectionKey = `${pod.uid}/${container}`;
    let selection = this.selections.get(selectionKey);
    if (!selection) {
      selection = new LineSelection<LogLine>(this.config);
      this.selections.set(selectionKey, selection);
    }
    const { ship, verdict } = selection.offer({ item: line, tags: line.tags });
    if (verdict !== 'ship') this.metrics.dropped(verdict);
    for (const l of ship) out.push(envelope('log_line', l, this.source));
  }

  /** Hands the records to the publisher; the offset after them is saved once they are delivered. */
  private async emit(
    records: AnyEnvelope[],
    key: string,
    state: Pick<FileState, 'ino' | 'safeOffset' | 'savedAt'>,
    kind: 'log_line' | 'kube_event' = 'log_line',
  ): Promise<void> {
    const commit: Commit = {
      marker: records.at(-1),
      key,
      saved: { ino: state.ino, offset: state.safeOffset },
    };
    const saved = this.checkpoint.get<SavedOffset>(SECTION, key);
    const now = Date.now();
    // Unchanged offsets are written again once a day, so the checkpoint's pruning of untouched
    // entries only ever removes files that are gone.
    if (
      records.length === 0 &&
      saved?.ino === commit.saved.ino &&
      saved.offset === commit.saved.offset &&
      now - state.savedAt < REFRESH_MS
    )
      return;
    state.savedAt = now;
    this.commits.push(commit);
    if (records.length === 0) {
      this.settle(new Set());
      return;
    }
    try {
      await this.deps.publisher.emit(records);
    } catch (error) {
      // Not buffered: neither this offset nor any later one may be saved.
      this.commits.splice(this.commits.indexOf(commit));
      throw error;
    }
    this.metrics.emitted(kind, records.length);
    this.emittedSinceFlush = true;
  }

  private delivered(records: readonly AnyEnvelope[]): void {
    if (this.commits.length === 0) return;
    this.settle(new Set(records));
  }

  /** Saves offsets, in order, whose records were all delivered. */
  private settle(delivered: ReadonlySet<AnyEnvelope>): void {
    while (this.commits.length > 0) {
      const head = this.commits[0]!;
      if (head.marker !== undefined && !delivered.has(head.marker)) return;
      this.commits.shift();
      if (this.files.has(head.key) || head.key === KERNEL_KEY) {
        this.checkpoint.set(SECTION, head.key, head.saved);
      }
    }
  }
}
