// Events (core/v1): OOMKilling, SystemOOM, Evicted, NodeNotReady, BackOff, ... The API updates one
// Event object with a growing count; each count is its own observation (see recordId), and the
// watermark per Event uid keeps a re-list or a restart from emitting a count twice.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { KubeEvent } from '../../core/domain.js';
import { mapEvent } from '../formats/kube-objects.js';
import { objectAt } from '../formats/json-read.js';
import type { Mapped } from '../formats/result.js';
import type { ResourceSpec } from './informer.js';
import { asKubeObject, pick, shrinkMetadata } from './shrink.js';

export const eventsResource: ResourceSpec = {
  resource: 'events',
  path: '/api/v1/events',
  shrink: (raw) => {
    const event = objectAt(raw);
    return asKubeObject({
      ...pick(event, [
        'type',
        'reason',
        'message',
        'count',
        'firstTimestamp',
        'lastTimestamp',
        'eventTime',
        'series',
        'source',
        'reportingComponent',
        'reportingInstance',
      ]),
      metadata: shrinkMetadata(event.metadata),
      involvedObject: pick(event.involvedObject, ['kind', 'namespace', 'name', 'uid']),
    });
  },
};

export function toEvent(object: KubernetesObject, cluster: string): Mapped<KubeEvent> {
  return mapEvent(object, cluster);
}
