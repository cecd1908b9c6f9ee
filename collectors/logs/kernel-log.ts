// The node's kernel log (e.g. /var/log/kern.log written by rsyslog, mounted read-only), tailed by
// the node-logs collector for the OOM killer's reports. A kill at a container's limit is already
// an OOMKilled termination; what only the kernel says is which process it chose when the whole
// node ran out of memory — the kubelet's SystemOOM event names a process, not a pod. The kill's
// cgroup path names the pod's UID, and the collector knows this node's pods by their log
// directories (`<namespace>_<pod>_<uid>`), so each kill becomes an OOMKilling event on the node,
// as node-problem-detector reports it, naming the pod and container it hit.
import type { FileHandle } from 'node:fs/promises';
import type { KubeEvent } from '../../core/domain.js';
import { KernelOomAssembler, type KernelOomKill } from '../formats/kernel-oom.js';

/** A pod of this node, as its log directory names it. */
export interface NodePod {
  readonly namespace: string;
  readonly pod: string;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
// RFC 3339 (rsyslog's high-precision template, journalctl -o short-iso).
const ISO_PREFIX = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}))\s/;
// The traditional syslog stamp, without a year: "Dec  7 20:58:53".
const BSD_PREFIX = /^([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2})\s/;

/** When a kernel log line was written, from its syslog stamp; undefined for a bare kernel line. */
export function kernelLineTime(line: string, now: number): number | undefined {
  const iso = ISO_PREFIX.exec(line);
  if (iso) {
    const at = Date.parse(iso[1]!);
    return Number.isNaN(at) ? undefined : at;
  }
  const bsd = BSD_PREFIX.exec(line);
  if (!bsd) return undefined;
  const month = MONTHS.indexOf(bsd[1]!);
  if (month < 0) return undefined;
  const year = new Date(now).getUTCFullYear();
  const stamp = (y: number) =>
    Date.UTC(y, month, Number(bsd[2]), Number(bsd[3]), Number(bsd[4]), Number(bsd[5]));
  // No year in the stamp: a December line read in January is last year's.
  const at = stamp(year);
  return at > now + 86_400_000 ? stamp(year - 1) : at;
}

export interface KernelKill {
  readonly at: number;
  readonly kill: KernelOomKill;
}

/**
 * Reads a kernel log from an offset, whole lines only, and assembles the OOM killer's reports. A
 * line still being written is left where it is and read whole next time, so the offset returned
 * is always a line's start: where a restart from the checkpoint resumes.
 */
export class KernelLogReader {
  private readonly assembler = new KernelOomAssembler();

  /** Lines the OOM parser recognised but could not read. */
  get unreadable(): number {
    return this.assembler.errors;
  }

  /**
   * Reads up to `maxBytes` from `offset`; returns the kills completed, the offset after the last
   * whole line, and whether the budget left more to read now.
   */
  async read(
    handle: FileHandle,
    offset: number,
    size: number,
    maxBytes: number,
    now: number,
  ): Promise<{ kills: KernelKill[]; offset: number; more: boolean }> {
    const length = Math.min(maxBytes, size - offset);
    if (length <= 0) return { kills: [], offset, more: false };
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, offset);
    const full = bytesRead === maxBytes && offset + bytesRead < size;
    const lastNewline = buffer.subarray(0, bytesRead).lastIndexOf(0x0a);
    if (lastNewline === -1) {
      // No line ends within a whole budget: a line longer than any report, passed over.
      return full
        ? { kills: [], offset: offset + bytesRead, more: true }
        : { kills: [], offset, more: false };
    }
    const kills: KernelKill[] = [];
    let lastTime: number | undefined;
    for (const line of buffer.toString('utf8', 0, lastNewline).split('\n')) {
      lastTime = kernelLineTime(line, now) ?? lastTime;
      const kill = this.assembler.push(line);
      if (kill) kills.push({ at: lastTime ?? now, kill });
    }
    return { kills, offset: offset + lastNewline + 1, more: full };
  }
}

/** The OOMKilling event a kill on this node is reported as, naming the pod when it is known. */
export function kernelOomEvent(
  kill: KernelKill,
  options: { cluster: string; node: string; pods: ReadonlyMap<string, NodePod> },
): KubeEvent {
  const { at, kill: k } = kill;
  const pod = k.podUid === undefined ? undefined : options.pods.get(k.podUid);
  const victim = pod
    ? ` in pod ${pod.namespace}/${pod.pod}${k.containerId ? ` (container ${k.containerId.slice(0, 12)})` : ''}`
    : k.podUid
      ? ` in pod uid ${k.podUid}`
      : '';
  const scope = k.scope === 'memcg' ? 'Memory cgroup out of memory' : 'Out of memory';
  return {
    cluster: options.cluster,
    uid: `kernel-oom-${options.node}-${at}-${k.pid}`,
    type: 'Warning',
    reason: 'OOMKilling',
    message: `${scope}: Killed process ${k.pid} (${k.process})${victim}, anon-rss:${Math.round(k.anonRssBytes / 1024)}kB, total-vm:${Math.round(k.totalVmBytes / 1024)}kB`,
    involvedObject: { kind: 'Node', name: options.node },
    count: 1,
    firstTimestamp: at,
    lastTimestamp: at,
    sourceComponent: 'kernel-monitor',
    sourceHost: options.node,
  };
}
