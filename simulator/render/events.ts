// core/v1 Event objects (the form `kubectl get events` and most collectors read).
import type { SimEvent } from '../model/events.js';
import { apiTime } from './quantity.js';

export function renderEvent(e: SimEvent, resourceVersion: string): Record<string, unknown> {
  return {
    kind: 'Event',
    apiVersion: 'v1',
    metadata: {
      name: e.name,
      namespace: e.namespace,
      uid: e.uid,
      resourceVersion,
      creationTimestamp: apiTime(e.firstTimestamp),
    },
    involvedObject: {
      kind: e.involved.kind,
      ...(e.involved.namespace ? { namespace: e.involved.namespace } : {}),
      name: e.involved.name,
      ...(e.involved.uid ? { uid: e.involved.uid } : {}),
      apiVersion: 'v1',
      ...(e.involved.fieldPath ? { fieldPath: e.involved.fieldPath } : {}),
    },
    reason: e.reason,
    message: e.message,
    source: { component: e.component, ...(e.host ? { host: e.host } : {}) },
    firstTimestamp: apiTime(e.firstTimestamp),
    lastTimestamp: apiTime(e.lastTimestamp),
    count: e.count,
    type: e.type,
    eventTime: null,
    reportingComponent: e.component,
    reportingInstance: e.host ?? '',
  };
}

export function eventFingerprint(e: SimEvent): string {
  return `${e.count}|${e.lastTimestamp}`;
}
