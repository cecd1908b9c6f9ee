// Helpers the per-resource files share to cut API objects down to the fields the mappers read,
// before the informer caches them: a Pod from the API is 3-10 KB, what the collector needs of it a
// few hundred bytes, and the cache holds one per pod in the cluster.
import type { KubernetesObject } from '@kubernetes/client-node';
import { arrayAt, objectAt } from '../formats/json-read.js';

/** Copies the listed keys that are present. */
export function pick(source: unknown, keys: readonly string[]): Record<string, unknown> {
  const from = objectAt(source);
  const out: Record<string, unknown> = {};
  for (const key of keys) if (from[key] !== undefined) out[key] = from[key];
  return out;
}

export function pickEach(source: unknown, keys: readonly string[]): Record<string, unknown>[] {
  return arrayAt(source).map((entry) => pick(entry, keys));
}

/** The metadata every cached object keeps, plus ownerReferences reduced to kind/name/controller. */
export function shrinkMetadata(
  metadata: unknown,
  extra: readonly string[] = [],
): Record<string, unknown> {
  const out = pick(metadata, [
    'name',
    'namespace',
    'uid',
    'resourceVersion',
    'creationTimestamp',
    'deletionTimestamp',
    ...extra,
  ]);
  const owners = arrayAt(objectAt(metadata).ownerReferences);
  if (owners.length > 0) out.ownerReferences = pickEach(owners, ['kind', 'name', 'controller']);
  return out;
}

export function asKubeObject(value: Record<string, unknown>): KubernetesObject {
  return value;
}
