// ReplicaSets, only for their owner: the authoritative ReplicaSet → Deployment answer for pods
// (the naming convention is the fallback when a ReplicaSet is not cached yet).
import type { WorkloadRef } from '../../core/domain.js';
import { arrayAt, objectAt, textAt } from '../formats/json-read.js';
import type { Informer, ResourceSpec } from './informer.js';
import { asKubeObject, shrinkMetadata } from './shrink.js';

export const replicaSetsResource: ResourceSpec = {
  resource: 'replicasets',
  path: '/apis/apps/v1/replicasets',
  shrink: (raw) => asKubeObject({ metadata: shrinkMetadata(objectAt(raw).metadata) }),
};

/** The controller owner of a cached ReplicaSet or Job, as a workload reference. */
export function ownerLookup(informer: Informer, selfKind: string) {
  return (namespace: string, name: string): WorkloadRef | undefined => {
    const cached = informer.get(name, namespace);
    if (cached === undefined) return undefined;
    const owners = arrayAt(objectAt(cached.metadata).ownerReferences).map(objectAt);
    const owner = owners.find((o) => o.controller === true) ?? owners[0];
    const kind = textAt(owner?.kind);
    const ownerName = textAt(owner?.name);
    if (kind === undefined || ownerName === undefined) {
      return { namespace, kind: selfKind, name };
    }
    return { namespace, kind, name: ownerName };
  };
}
