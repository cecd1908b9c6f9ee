// How much memory a node should keep from pods, and the kubelet flags that do it: one sizing, used
// by the flapping finding and by the node-capacity finding about the same node, so both name the
// same numbers.
import { quantity } from './oom-loop/wording.js';

const GI = 1024 ** 3;
const MI = 1024 ** 2;
const TENTH_GI = GI / 10;

/** A system reservation for a node of this size (the tiered rule GKE and AKS apply). */
export function recommendedReserveBytes(capacityBytes: number): number {
  const tiers: [number, number][] = [
    [4 * GI, 0.25],
    [4 * GI, 0.2],
    [8 * GI, 0.1],
    [112 * GI, 0.06],
    [Infinity, 0.02],
  ];
  let left = capacityBytes;
  let reserve = 0;
  for (const [size, share] of tiers) {
    const part = Math.min(left, size);
    reserve += part * share;
    left -= part;
    if (left <= 0) break;
  }
  return Math.ceil(reserve / TENTH_GI) * TENTH_GI;
}

export interface Reservation {
  readonly reserveBytes: number;
  readonly kubeReservedBytes: number;
  readonly systemReservedBytes: number;
  /** memory.available below which the kubelet evicts at once. */
  readonly evictionHardBytes: number;
  /** `--kube-reserved=memory=… --system-reserved=memory=…` */
  readonly reservedFlags: string;
  /** Hard and soft eviction thresholds that act before the kernel OOM killer. */
  readonly evictionFlags: string;
}

export function reservationFor(capacityBytes: number): Reservation {
  const reserveBytes = recommendedReserveBytes(capacityBytes);
  const kubeReservedBytes = Math.ceil((reserveBytes * 0.7) / TENTH_GI) * TENTH_GI;
  const systemReservedBytes = reserveBytes - kubeReservedBytes;
  const evictionHardBytes = Math.max(500 * MI, Math.round((capacityBytes * 0.03) / MI) * MI);
  return {
    reserveBytes,
    kubeReservedBytes,
    systemReservedBytes,
    evictionHardBytes,
    reservedFlags: `--kube-reserved=memory=${quantity(kubeReservedBytes)} --system-reserved=memory=${quantity(systemReservedBytes)}`,
    evictionFlags: `--eviction-hard=memory.available<${quantity(evictionHardBytes)} --eviction-soft=memory.available<${quantity(evictionHardBytes * 2)} --eviction-soft-grace-period=memory.available=1m`,
  };
}
