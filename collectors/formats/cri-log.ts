// Container log lines as the kubelet leaves them in /var/log/pods: the CRI format
// `<RFC3339Nano> <stdout|stderr> <P|F>[:tags] <message>` and, on nodes still on dockershim,
// Docker's json-file lines. Runtimes split long lines into `P` (partial) records ending with one
// `F` (full); the joiner reassembles them under a size cap, because one runaway line must not be
// able to hold megabytes per container in the collector. The tagger marks lines that matter as
// OOM evidence so analyzers need not scan raw text.
import type { LogTag } from '../../core/domain.js';
import { fail, ok, type Result } from './result.js';
import { parseRfc3339 } from './time.js';

export type LogStream = 'stdout' | 'stderr';

export interface ContainerLogRecord {
  readonly timestampMs: number;
  /** Sub-millisecond remainder of the timestamp, 0..999_999. */
  readonly nanos: number;
  readonly stream: LogStream;
  /** More records follow to complete this logical line. */
  readonly partial: boolean;
  /** Without the record terminator. */
  readonly message: string;
  readonly format: 'cri' | 'docker';
}

const SNIPPET = 80;

function snippet(line: string): string {
  return JSON.stringify(line.slice(0, SNIPPET));
}

function streamOf(token: string): LogStream | undefined {
  return token === 'stdout' || token === 'stderr' ? token : undefined;
}

/** One CRI record. A trailing newline, if the reader left it, is not part of the message. */
export function parseCriLine(input: string): Result<ContainerLogRecord> {
  const line = input.endsWith('\n') ? input.slice(0, -1) : input;
  const s1 = line.indexOf(' ');
  if (s1 === -1) return fail(`not a CRI log line: ${snippet(line)}`);
  const instant = parseRfc3339(line.slice(0, s1));
  if (instant === undefined || instant.ms < 0) {
    return fail(`invalid CRI timestamp: ${snippet(line.slice(0, s1))}`);
  }
  const s2 = line.indexOf(' ', s1 + 1);
  const stream = streamOf(line.slice(s1 + 1, s2 === -1 ? line.length : s2));
  if (stream === undefined || s2 === -1) return fail(`invalid CRI stream: ${snippet(line)}`);
  let s3 = line.indexOf(' ', s2 + 1);
  if (s3 === -1) s3 = line.length;
  const tags = line.slice(s2 + 1, s3);
  // The first colon-separated tag is P or F; later ones are reserved and ignored.
  const colon = tags.indexOf(':');
  const flag = colon === -1 ? tags : tags.slice(0, colon);
  if (flag !== 'P' && flag !== 'F') return fail(`invalid CRI tag ${snippet(tags)}`);
  return ok({
    timestampMs: instant.ms,
    nanos: instant.nanos,
    stream,
    partial: flag === 'P',
    message: s3 < line.length ? line.slice(s3 + 1) : '',
    format: 'cri',
  });
}

/**
 * One Docker json-file record: `{"log":"text\n","stream":"stdout","time":"..."}`. Docker splits
 * lines at 16 KiB and marks the pieces only by leaving the trailing newline off.
 */
export function parseDockerJsonLine(line: string): Result<ContainerLogRecord> {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return fail(`malformed Docker JSON log line: ${snippet(line)}`);
  }
  if (typeof value !== 'object' || value === null) return fail('Docker log line is not an object');
  const { log, stream, time } = value as { log?: unknown; stream?: unknown; time?: unknown };
  if (typeof log !== 'string') return fail('Docker log line has no "log" string');
  const parsedStream = typeof stream === 'string' ? streamOf(stream) : undefined;
  if (parsedStream === undefined) return fail(`invalid Docker stream ${JSON.stringify(stream)}`);
  const instant = typeof time === 'string' ? parseRfc3339(time) : undefined;
  if (instant === undefined || instant.ms < 0) {
    return fail(`invalid Docker time ${JSON.stringify(time)}`);
  }
  const full = log.endsWith('\n');
  let message = full ? log.slice(0, -1) : log;
  if (full && message.endsWith('\r')) message = message.slice(0, -1);
  return ok({
    timestampMs: instant.ms,
    nanos: instant.nanos,
    stream: parsedStream,
    partial: !full,
    message,
    format: 'docker',
  });
}

/** CRI first; a line that opens with `{` is tried as Docker json-file. */
export function parseContainerLogLine(line: string): Result<ContainerLogRecord> {
  if (line.charCodeAt(0) === 123) {
    const docker = parseDockerJsonLine(line);
    if (docker.ok) return docker;
  }
  return parseCriLine(line);
}

export interface JoinedLogLine {
  /** Time of the first record of the line. */
  readonly timestampMs: number;
  readonly nanos: number;
  readonly stream: LogStream;
  readonly message: string;
  /** The line was longer than the cap; `message` holds its beginning. */
  readonly truncated: boolean;
  /** Characters dropped by truncation. */
  readonly droppedChars: number;
  /** Records the line was assembled from. */
  readonly fragments: number;
  /** Flushed before its `F` record arrived (the container stopped, or the file rotated). */
  readonly incomplete: boolean;
}

export interface LogJoinerOptions {
  /**
   * Cap on a logical line, in UTF-16 code units (JS string length), matching the domain LogLine's
   * message limit. Default 65_536.
   */
  readonly maxLineLength?: number;
}

export const DEFAULT_MAX_LOG_LINE = 65_536;

interface Pending {
  timestampMs: number;
  nanos: number;
  parts: string[];
  length: number;
  truncated: boolean;
  droppedChars: number;
  fragments: number;
}

// A slice of a huge string keeps the whole string alive in V8; copying through a Buffer gives
// the kept prefix its own storage, so a 10 MB line is garbage as soon as we are done with it.
function detach(text: string): string {
  return Buffer.from(text, 'utf16le').toString('utf16le');
}

function cut(text: string, length: number): string {
  let end = length;
  const last = text.charCodeAt(end - 1);
  // Never split a surrogate pair.
  if (end > 0 && last >= 0xd800 && last <= 0xdbff) end--;
  return detach(text.slice(0, end));
}

/**
 * Reassembles P/P/…/F sequences into logical lines, per stream (stdout and stderr interleave
 * independently). One joiner per container log file.
 */
export class PartialLineJoiner {
  private readonly max: number;
  private readonly pending = new Map<LogStream, Pending>();

  constructor(options: LogJoinerOptions = {}) {
    this.max = Math.max(1, options.maxLineLength ?? DEFAULT_MAX_LOG_LINE);
  }

  /** Returns the logical line this record completes, if any. */
  push(record: ContainerLogRecord): JoinedLogLine | undefined {
    let state = this.pending.get(record.stream);
    if (state === undefined) {
      state = {
        timestampMs: record.timestampMs,
        nanos: record.nanos,
        parts: [],
        length: 0,
        truncated: false,
        droppedChars: 0,
        fragments: 0,
      };
    }
    this.append(state, record.message);
    if (record.partial) {
      this.pending.set(record.stream, state);
      return undefined;
    }
    this.pending.delete(record.stream);
    return this.finish(record.stream, state, false);
  }

  /** Emits lines still waiting for their `F` record, marked incomplete. */
  flush(): JoinedLogLine[] {
    const lines: JoinedLogLine[] = [];
    for (const [stream, state] of this.pending) lines.push(this.finish(stream, state, true));
    this.pending.clear();
    return lines;
  }

  /** Characters currently buffered across streams; never more than twice the cap. */
  get bufferedLength(): number {
    let total = 0;
    for (const state of this.pending.values()) total += state.length;
    return total;
  }

  private append(state: Pending, message: string): void {
    state.fragments++;
    if (message.length === 0) return;
    const room = this.max - state.length;
    if (state.truncated || room <= 0) {
      state.truncated = true;
      state.droppedChars += message.length;
      return;
    }
    if (message.length <= room) {
      state.parts.push(message);
      state.length += message.length;
      return;
    }
    const kept = cut(message, room);
    state.parts.push(kept);
    state.length += kept.length;
    state.truncated = true;
    state.droppedChars += message.length - kept.length;
  }

  private finish(stream: LogStream, state: Pending, incomplete: boolean): JoinedLogLine {
    return {
      timestampMs: state.timestampMs,
      nanos: state.nanos,
      stream,
      message: state.parts.length === 1 ? (state.parts[0] ?? '') : state.parts.join(''),
      truncated: state.truncated,
      droppedChars: state.droppedChars,
      fragments: state.fragments,
      incomplete,
    };
  }
}

// Cheap substring prechecks gate the regular expressions: most log lines match none of them.
const JAVA_OOM = 'java.lang.OutOfMemoryError';
const KERNEL_OOM =
  /Out of memory: Kill(?:ed)? process|oom-kill:|Memory cgroup out of memory|invoked oom-killer/;
const SIGNAL_KILL = /signal: killed|\bsignal 9\b|\bSIGKILL\b/;
const GO_PANIC = /(?:^|\n)\s*panic: /;
const FATAL = /\b(?:fatal|FATAL|Fatal)\b/;

/** Tags in a fixed order (the order of LogTag), each at most once. */
export function tagLogMessage(message: string): LogTag[] {
  const tags: LogTag[] = [];
  if (message.includes(JAVA_OOM)) tags.push('oom_java');
  if ((message.includes('emory') || message.includes('oom')) && KERNEL_OOM.test(message)) {
    tags.push('oom_kernel');
  }
  if ((message.includes('ignal') || message.includes('KILL')) && SIGNAL_KILL.test(message)) {
    tags.push('signal_kill');
  }
  if (message.includes('panic: ') && GO_PANIC.test(message)) tags.push('panic');
  if ((message.includes('atal') || message.includes('FATAL')) && FATAL.test(message)) {
    tags.push('fatal');
  }
  return tags;
}
