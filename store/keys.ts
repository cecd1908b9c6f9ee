// Identity helpers both store adapters share: the container a sample belongs to, stable ordering
// for paging, and opaque cursors.
import type { UsageMetric, WorkloadRef } from '../core/domain.js';
import type { ContainerKey } from './store.js';

/** Metrics about a whole node rather than one container. */
export const NODE_METRICS: ReadonlySet<UsageMetric> = new Set([
  'node_memory_available_bytes',
  'node_memory_working_set_bytes',
  'node_cpu_usage_cores',
]);

export function containerKeyString(key: ContainerKey): string {
  const { namespace, kind, name } = key.workload;
  return [key.cluster, namespace, kind, name, key.container].join('\u0000');
}

/**
 * One term for a workload container within a cluster. Kubernetes names cannot hold '/', so the
 * text splits back unambiguously.
 */
export function containerSeries(workload: WorkloadRef, container: string): string {
  return [workload.namespace, workload.kind, workload.name, container].join('/');
}

export function parseContainerSeries(
  series: string,
): { workload: WorkloadRef; container: string } | undefined {
  const [namespace, kind, name, container, extra] = series.split('/');
  if (!namespace || !kind || !name || !container || extra !== undefined) return undefined;
  return { workload: { namespace, kind, name }, container };
}

export function parseContainerKey(text: string): ContainerKey | undefined {
  const [cluster, namespace, kind, name, container] = text.split('\u0000');
  if (!cluster || !namespace || !kind || !name || !container) return undefined;
  return { cluster, workload: { namespace, kind, name }, container };
}

export const sameWorkload = (a: WorkloadRef, b: WorkloadRef) =>
  a.namespace === b.namespace && a.kind === b.kind && a.name === b.name;

export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/**
 * Undefined for a cursor this store did not issue — not base64 JSON, or not of the shape `valid`
 * accepts (`e30`, `{}`, must not reach a query as a position); callers answer 400, never crash.
 */
export function decodeCursor<T>(
  cursor: string | undefined,
  valid: (value: unknown) => value is T,
): T | undefined {
  if (!cursor) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    return valid(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

export const isString = (value: unknown): value is string => typeof value === 'string';

/** `{ [key]: string | number, ... }` with every named key of the given type. */
export function hasFields<T>(fields: Readonly<Record<keyof T & string, 'string' | 'number'>>) {
  return (value: unknown): value is T =>
    typeof value === 'object' &&
    value !== null &&
    Object.entries(fields).every(
      ([key, type]) => typeof (value as Record<string, unknown>)[key] === type,
    );
}

export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';
  constructor() {
    super('the pagination cursor is not one this API issued');
  }
}

/** The percentile key as the query wrote it: 95 → "95", 99.9 → "99.9". */
export const percentileKey = (p: number) => String(p);
