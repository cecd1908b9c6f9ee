// The words of a flapping finding: how often the node flipped, the memory evidence, why the node
// runs out (reservations, overcommit, BestEffort pods, who used the memory), and what to change.
// Pure: numbers in, text out.
import type { WorkloadRef } from '../../core/domain.js';
import { reservationFor } from '../node-reservation.js';
import { duration, plural, quantity } from '../oom-loop/wording.js';

export interface MemoryEvidence {
  readonly memoryPressureFlaps: number;
  readonly notReadyFlaps: number;
  readonly evictions: number;
  readonly systemOoms: number;
  readonly kubeletRestarts: number;
  readonly minAvailableBytes?: number | undefined;
  readonly evictionThresholdBytes: number;
  readonly nearThreshold: boolean;
}

export interface Consumer {
  readonly pod: string;
  readonly namespace: string;
  readonly container: string;
  readonly workload: WorkloadRef;
  readonly bytes: number;
  readonly bestEffort: boolean;
}

export interface NodeCause {
  readonly capacityBytes?: number | undefined;
  readonly allocatableBytes?: number | undefined;
  readonly requestsBytes: number;
  readonly limitsBytes: number;
  readonly containersWithoutLimit: number;
  readonly pods: number;
  readonly bestEffort: readonly { pod: string; workload: WorkloadRef }[];
  /** Top consumers at each explained flap. */
  readonly flaps: readonly { at: number; top: readonly Consumer[] }[];
}

export interface FlappingSummary {
  readonly node: string;
  readonly flaps: number;
  readonly spanMs: number;
  readonly lastFlapAgoMs: number;
  readonly evidence: MemoryEvidence;
  readonly hasMemoryEvidence: boolean;
  readonly cause: NodeCause;
}

export function hasMemoryEvidence(e: MemoryEvidence): boolean {
  return (
    e.memoryPressureFlaps > 0 ||
    e.evictions > 0 ||
    e.systemOoms > 0 ||
    e.nearThreshold ||
    e.kubeletRestarts > 1
  );
}

function time(at: number): string {
  return new Date(at).toISOString().slice(11, 16);
}

function workloadText(w: WorkloadRef): string {
  return `${w.namespace}/${w.name}`;
}

export function explainFlapping(s: FlappingSummary): {
  title: string;
  explanation: string;
  recommendation: string;
} {
  const e = s.evidence;
  const c = s.cause;
  const kind = s.hasMemoryEvidence ? 'memory pressure' : 'NotReady';
  const title = `Node ${s.node} flapping on ${kind}: ${plural(s.flaps, 'flap')} in ${duration(s.spanMs)}`;
  const evidenceParts = [
    e.memoryPressureFlaps > 0 ? `MemoryPressure=True ${e.memoryPressureFlaps}×` : undefined,
    e.notReadyFlaps > 0 ? `NotReady ${e.notReadyFlaps}×` : undefined,
    e.evictions > 0 ? plural(e.evictions, 'eviction') : undefined,
    e.systemOoms > 0 ? plural(e.systemOoms, 'SystemOOM kill') : undefined,
    e.kubeletRestarts > 0 ? plural(e.kubeletRestarts, 'kubelet restart') : undefined,
    e.minAvailableBytes !== undefined
      ? `memory.available down to ${quantity(e.minAvailableBytes)} (eviction threshold ${quantity(e.evictionThresholdBytes)})`
      : undefined,
  ].filter((part): part is string => part !== undefined);
  let text =
    `Node ${s.node} left a healthy state ${plural(s.flaps, 'time')} in ${duration(s.spanMs)} ` +
    `(last ${duration(s.lastFlapAgoMs)} ago): ${evidenceParts.join(', ')}. `;
  if (!s.hasMemoryEvidence) {
    text +=
      'There is no memory evidence (no pressure, evictions or OOM kills), so the cause is likely the kubelet, the runtime or the network rather than memory.';
    return {
      title,
      explanation: text,
      recommendation: `Check the kubelet and container runtime logs on ${s.node} (journalctl -u kubelet -u containerd) around the flaps, and the node's network to the API server.`,
    };
  }
  const reserved =
    c.capacityBytes !== undefined && c.allocatableBytes !== undefined
      ? c.capacityBytes - c.allocatableBytes
      : undefined;
  if (c.capacityBytes !== undefined && reserved !== undefined) {
    text +=
      reserved <= 0
        ? `Allocatable memory equals capacity (${quantity(c.capacityBytes)}): no kube-reserved or system-reserved, so pods may take the memory the kubelet, runtime and OS need. `
        : `Allocatable is ${quantity(c.allocatableBytes!)} of ${quantity(c.capacityBytes)} capacity (${quantity(reserved)} reserved). `;
  }
  if (c.allocatableBytes) {
    const limitShare = Math.round((c.limitsBytes / c.allocatableBytes) * 100);
    text +=
      `Its ${plural(c.pods, 'pod')} request ${quantity(c.requestsBytes)} (${Math.round((c.requestsBytes / c.allocatableBytes) * 100)}% of allocatable) ` +
      `and set limits adding up to ${quantity(c.limitsBytes)} (${limitShare}%)` +
      (c.containersWithoutLimit > 0
        ? `, with ${plural(c.containersWithoutLimit, 'container')} unlimited`
        : '') +
      '. ';
  }
  if (c.bestEffort.length > 0) {
    const names = [...new Set(c.bestEffort.map((b) => workloadText(b.workload)))];
    text += `${plural(c.bestEffort.length, 'BestEffort pod')} (no requests or limits: ${names.join(', ')}) can grow without bound. `;
  }
  if (c.flaps.length > 0) {
    text +=
      'Top memory consumers at the flaps: ' +
      c.flaps
        .map((f) => `${time(f.at)} ${f.top.map((t) => `${t.pod} ${quantity(t.bytes)}`).join(', ')}`)
        .join('; ') +
      '.';
  }
  return { title, explanation: text.trim(), recommendation: recommend(s) };
}

function recommend(s: FlappingSummary): string {
  const c = s.cause;
  const steps: string[] = [];
  if (c.capacityBytes !== undefined && c.allocatableBytes !== undefined) {
    const r = reservationFor(c.capacityBytes);
    if (c.capacityBytes - c.allocatableBytes < r.reserveBytes) {
      steps.push(
        `reserve about ${quantity(r.reserveBytes)} for the system (kubelet flags ${r.reservedFlags}), which lowers allocatable to ${quantity(c.capacityBytes - r.reserveBytes)}`,
      );
    }
    steps.push(`set eviction thresholds that act before the kernel OOM killer: ${r.evictionFlags}`);
  }
  const grown = new Map<string, { workload: WorkloadRef; bytes: number }>();
  for (const flap of c.flaps) {
    for (const t of flap.top) {
      if (!t.bestEffort) continue;
      const key = workloadText(t.workload);
      grown.set(key, {
        workload: t.workload,
        bytes: Math.max(grown.get(key)?.bytes ?? 0, t.bytes),
      });
    }
  }
  for (const b of c.bestEffort) {
    const key = workloadText(b.workload);
    if (!grown.has(key)) grown.set(key, { workload: b.workload, bytes: 0 });
  }
  if (grown.size > 0) {
    steps.push(
      `set memory requests and limits on ${[...grown.entries()]
        .map(([key, g]) => (g.bytes > 0 ? `${key} (up to ${quantity(g.bytes)} at the flaps)` : key))
        .join(', ')}`,
    );
  }
  if (c.allocatableBytes && c.limitsBytes > c.allocatableBytes) {
    steps.push(
      `memory limits add up to ${Math.round((c.limitsBytes / c.allocatableBytes) * 10) / 10}× allocatable: lower them or move the largest workloads to a bigger node pool`,
    );
  }
  return `On ${s.node}: ${steps.map((step, i) => `(${i + 1}) ${step}`).join('; ')}.`;
}
