// Kernel OOM-killer reports from the node's kernel log (dmesg, journald, /dev/kmsg), in the old
// wording (`Task in ... killed as a result of limit of ...`, `Kill process N (x) score S or
// sacrifice child`, `Killed process N (x) total-vm:...`) and the one since Linux 4.19
// (`oom-kill:constraint=...,oom_memcg=...,task=x,pid=N,uid=U` followed by `Memory cgroup out of
// memory: Killed process N (x) ...`). A kill is reported over several lines; the assembler joins
// the cgroup path (which names the pod and container) to the line with the memory numbers.
import { identityFromCgroupPath } from './cgroup-path.js';
import { fail, ok, type Result } from './result.js';

export type OomScope = 'memcg' | 'global' | 'unknown';

export type KernelOomLine =
  | {
      readonly kind: 'oom_kill';
      readonly pid: number;
      readonly process: string;
      readonly constraint?: string;
      /** oom_memcg: the cgroup whose limit was hit (the container's or the pod's). */
      readonly memcgPath?: string;
      /** task_memcg: the cgroup of the killed task. */
      readonly taskMemcgPath?: string;
      readonly podUid?: string;
      readonly containerId?: string;
    }
  | {
      readonly kind: 'task_in';
      readonly memcgPath: string;
      readonly limitPath?: string;
      readonly podUid?: string;
      readonly containerId?: string;
    }
  | {
      readonly kind: 'kill_candidate';
      readonly pid: number;
      readonly process: string;
      readonly score: number;
      readonly scope: OomScope;
    }
  | {
      readonly kind: 'killed_process';
      readonly pid: number;
      readonly process: string;
      readonly totalVmBytes: number;
      readonly anonRssBytes: number;
      readonly fileRssBytes?: number;
      readonly shmemRssBytes?: number;
      readonly oomScoreAdj?: number;
      readonly scope: OomScope;
    };

const KILLED = /Killed process (\d+) \((.*)\)((?:[ ,]+[A-Za-z_-]+:-?\d+(?:kB)?)+)/;
const CANDIDATE = /Kill process (\d+) \((.*)\) score (-?\d+)/;
const TASK_IN = /Task in (\S+) killed as a result of limit of (\S+)/;
const FIELD = /([A-Za-z_-]+):(-?\d+)(kB)?/g;

function scopeOf(line: string, at: number): OomScope {
  const before = line.slice(0, at);
  if (before.includes('Memory cgroup out of memory')) return 'memcg';
  if (before.includes('Out of memory')) return 'global';
  return 'unknown';
}

function killedProcess(line: string, match: RegExpExecArray): Result<KernelOomLine> {
  const fields = new Map<string, number>();
  for (const field of (match[3] ?? '').matchAll(FIELD)) {
    const key = (field[1] ?? '').toLowerCase();
    const value = Number(field[2]);
    fields.set(key, field[3] === 'kB' ? value * 1024 : value);
  }
  const totalVm = fields.get('total-vm');
  const anonRss = fields.get('anon-rss');
  if (totalVm === undefined || anonRss === undefined) {
    return fail('Killed process line without total-vm/anon-rss');
  }
  const fileRss = fields.get('file-rss');
  const shmemRss = fields.get('shmem-rss');
  const adj = fields.get('oom_score_adj');
  return ok({
    kind: 'killed_process',
    pid: Number(match[1]),
    process: match[2] ?? '',
    totalVmBytes: totalVm,
    anonRssBytes: anonRss,
    ...(fileRss !== undefined && { fileRssBytes: fileRss }),
    ...(shmemRss !== undefined && { shmemRssBytes: shmemRss }),
    ...(adj !== undefined && { oomScoreAdj: adj }),
    scope: scopeOf(line, match.index),
  });
}

function oomKill(line: string, at: number): Result<KernelOomLine> {
  const fields = new Map<string, string>();
  // Values are cgroup paths and names, which hold no commas.
  for (const pair of line
    .slice(at + 'oom-kill:'.length)
    .trim()
    .split(',')) {
    const eq = pair.indexOf('=');
    if (eq > 0) fields.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  const pid = Number(fields.get('pid'));
  const task = fields.get('task');
  if (!Number.isInteger(pid) || pid <= 0 || task === undefined) {
    return fail('oom-kill line without task and pid');
  }
  const memcgPath = fields.get('oom_memcg');
  const taskMemcgPath = fields.get('task_memcg');
  // The task's own cgroup names the container even when the limit hit was the pod's.
  const identity = {
    ...identityFromCgroupPath(memcgPath ?? ''),
    ...identityFromCgroupPath(taskMemcgPath ?? ''),
  };
  const constraint = fields.get('constraint');
  return ok({
    kind: 'oom_kill',
    pid,
    process: task,
    ...(constraint !== undefined && { constraint }),
    ...(memcgPath !== undefined && { memcgPath }),
    ...(taskMemcgPath !== undefined && { taskMemcgPath }),
    ...identity,
  });
}

/**
 * Classifies one kernel log line. Undefined when the line is not part of an OOM report; a failed
 * result when it is but its fields cannot be read. Syslog or dmesg prefixes are fine.
 */
export function parseKernelOomLine(line: string): Result<KernelOomLine> | undefined {
  const oomAt = line.indexOf('oom-kill:');
  if (oomAt !== -1) return oomKill(line, oomAt);
  if (line.includes('Killed process')) {
    const match = KILLED.exec(line);
    return match ? killedProcess(line, match) : fail('unreadable Killed process line');
  }
  if (line.includes('Kill process')) {
    const match = CANDIDATE.exec(line);
    if (!match) return fail('unreadable Kill process line');
    return ok({
      kind: 'kill_candidate',
      pid: Number(match[1]),
      process: match[2] ?? '',
      score: Number(match[3]),
      scope: scopeOf(line, match.index),
    });
  }
  if (line.includes('Task in ')) {
    const match = TASK_IN.exec(line);
    if (!match) return fail('unreadable Task in line');
    const memcgPath = match[1] ?? '';
    const limitPath = match[2];
    return ok({
      kind: 'task_in',
      memcgPath,
      ...(limitPath !== undefined && { limitPath }),
      ...identityFromCgroupPath(limitPath ?? ''),
      ...identityFromCgroupPath(memcgPath),
    });
  }
  return undefined;
}

/** One process killed by the OOM killer, with what the surrounding lines said about it. */
export interface KernelOomKill {
  readonly pid: number;
  readonly process: string;
  readonly anonRssBytes: number;
  readonly totalVmBytes: number;
  readonly fileRssBytes?: number;
  readonly shmemRssBytes?: number;
  readonly oomScoreAdj?: number;
  readonly scope: OomScope;
  readonly constraint?: string;
  readonly memcgPath?: string;
  readonly podUid?: string;
  readonly containerId?: string;
}

type Context = Extract<KernelOomLine, { kind: 'oom_kill' | 'task_in' }>;

// Contexts waiting for their Killed process line; a report is a few lines long, so a handful is
// plenty and a stream of context lines without kills cannot grow memory.
const MAX_PENDING = 32;

/** Feed kernel log lines in order; a kill comes out when its `Killed process` line arrives. */
export class KernelOomAssembler {
  private readonly byPid = new Map<number, Context>();
  private lastTaskIn: Context | undefined;
  private lastScope: OomScope = 'unknown';
  errors = 0;

  push(line: string): KernelOomKill | undefined {
    const parsed = parseKernelOomLine(line);
    if (parsed === undefined) return undefined;
    if (!parsed.ok) {
      this.errors++;
      return undefined;
    }
    const record = parsed.value;
    switch (record.kind) {
      case 'oom_kill':
        this.byPid.delete(record.pid);
        this.byPid.set(record.pid, record);
        if (this.byPid.size > MAX_PENDING) {
          const oldest = this.byPid.keys().next();
          if (oldest.done !== true) this.byPid.delete(oldest.value);
        }
        return undefined;
      case 'task_in':
        this.lastTaskIn = record;
        return undefined;
      case 'kill_candidate':
        this.lastScope = record.scope;
        return undefined;
      case 'killed_process': {
        const context = this.byPid.get(record.pid) ?? this.lastTaskIn;
        this.byPid.delete(record.pid);
        this.lastTaskIn = undefined;
        const constraint = context?.kind === 'oom_kill' ? context.constraint : undefined;
        let scope = record.scope !== 'unknown' ? record.scope : this.lastScope;
        if (scope === 'unknown' && constraint !== undefined) {
          scope = constraint === 'CONSTRAINT_MEMCG' ? 'memcg' : 'global';
        }
        this.lastScope = 'unknown';
        const memcgPath = context?.memcgPath;
        return {
          pid: record.pid,
          process: record.process,
          anonRssBytes: record.anonRssBytes,
          totalVmBytes: record.totalVmBytes,
          ...(record.fileRssBytes !== undefined && { fileRssBytes: record.fileRssBytes }),
          ...(record.shmemRssBytes !== undefined && { shmemRssBytes: record.shmemRssBytes }),
          ...(record.oomScoreAdj !== undefined && { oomScoreAdj: record.oomScoreAdj }),
          scope,
          ...(constraint !== undefined && { constraint }),
          ...(memcgPath !== undefined && { memcgPath }),
          ...(context?.podUid !== undefined && { podUid: context.podUid }),
          ...(context?.containerId !== undefined && { containerId: context.containerId }),
        };
      }
    }
  }
}

/** All kills in a block of kernel log text, plus how many OOM lines could not be read. */
export function parseKernelOomLog(text: string): { kills: KernelOomKill[]; errors: number } {
  const assembler = new KernelOomAssembler();
  const kills: KernelOomKill[] = [];
  for (const line of text.split('\n')) {
    const kill = assembler.push(line);
    if (kill !== undefined) kills.push(kill);
  }
  return { kills, errors: assembler.errors };
}
