// Numbers as an on-call engineer reads them: memory as Kubernetes quantities, durations in the
// largest unit that keeps them readable.
const MI = 1024 * 1024;
const GI = 1024 * MI;

/** 536870912 → "512Mi", 1610612736 → "1.5Gi"; rounded to what a manifest would say. */
export function quantity(bytes: number): string {
  if (bytes >= GI && Math.abs(bytes / GI - Math.round((bytes / GI) * 10) / 10) < 1e-9) {
    return `${Math.round((bytes / GI) * 10) / 10}Gi`;
  }
  return `${Math.round(bytes / MI)}Mi`;
}

/** A limit rounded up to a multiple of 64Mi, so a recommendation reads like a chosen value. */
export function roundUpLimit(bytes: number): number {
  const step = 64 * MI;
  return Math.ceil(bytes / step) * step;
}

export function mib(bytes: number): number {
  return Math.round(bytes / MI);
}

export function duration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 120) return `${seconds} s`;
  const minutes = Math.round(ms / 60_000);
  if (minutes < 120) return `${minutes} min`;
  const hours = ms / 3_600_000;
  if (hours < 48) return `${Math.round(hours * 10) / 10} h`;
  return `${Math.round((hours / 24) * 10) / 10} days`;
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
