// Kubernetes quantity strings and timestamps as the API server prints them.

/** CPU cores as a quantity: whole cores as integers, otherwise millicores ("250m"). */
export function cpuQuantity(cores: number): string {
  const milli = Math.round(cores * 1000);
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}

/** Bytes as the largest exact binary suffix ("512Mi", "4Gi"), else Ki or bytes. */
export function memoryQuantity(bytes: number): string {
  const units: [string, number][] = [
    ['Gi', 1024 ** 3],
    ['Mi', 1024 ** 2],
    ['Ki', 1024],
  ];
  for (const [suffix, size] of units) {
    if (bytes % size === 0) return `${bytes / size}${suffix}`;
  }
  return String(Math.round(bytes));
}

/** Node capacities are reported in Ki, as the kubelet reads them from /proc/meminfo. */
export function kiQuantity(bytes: number): string {
  return `${Math.floor(bytes / 1024)}Ki`;
}

/** RFC 3339 at second precision, the API's metav1.Time format. */
export function apiTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** metav1.MicroTime (events.k8s.io eventTime, lease renewals). */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '000Z');
}
