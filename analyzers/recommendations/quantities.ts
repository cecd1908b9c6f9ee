// Rounding to the granularity people write in manifests, and the plain-words formatting used in
// explanations (cores, MiB/GiB, dollars). Kubernetes quantity strings appear only in patches.
const MIB = 2 ** 20;
const GIB = 2 ** 30;

/** Up to the next millicore step (5m by default): a request never rounds below the evidence. */
export function roundCpuUp(cores: number, stepCores = 0.005): number {
  const stepped = Math.max(stepCores, Math.ceil(cores / stepCores - 1e-9) * stepCores);
  // Whole millicores: 69 × 0.005 must read 0.345, not 0.34500000000000003.
  return Math.round(stepped * 1000) / 1000;
}

/** Up to the next MiB step (1 MiB by default). */
export function roundMemoryUp(bytes: number, stepBytes = MIB): number {
  return Math.max(stepBytes, Math.ceil(bytes / stepBytes - 1e-9) * stepBytes);
}

export function formatCores(cores: number): string {
  if (cores < 1) return `${Math.round(cores * 1000)}m CPU`;
  return `${trim(cores, 2)} cores`;
}

export function formatBytes(bytes: number): string {
  if (Math.abs(bytes) >= GIB) return `${trim(bytes / GIB, 2)} GiB`;
  return `${Math.round(bytes / MIB)} MiB`;
}

export function formatPercent(ratio: number): string {
  return `${Math.round(ratio * 100)}%`;
}

/** Kubernetes quantity for a patch: millicores and MiB keep the numbers readable. */
export function cpuQuantity(cores: number): string {
  const milli = Math.round(cores * 1000);
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}

export function memoryQuantity(bytes: number): string {
  const mib = Math.ceil(bytes / MIB);
  return mib % 1024 === 0 ? `${mib / 1024}Gi` : `${mib}Mi`;
}

function trim(value: number, digits: number): string {
  return String(Math.round(value * 10 ** digits) / 10 ** digits);
}
