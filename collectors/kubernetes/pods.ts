// Pods: inventory snapshots (requests, limits, QoS, owner workload, container states including
// waiting reasons such as CrashLoopBackOff, eviction status) and container terminations with
// reason, exit code, start/finish and restart count. A termination's identity is the object's own
// (pod uid, container, restart count, finishedAt); the watermark per container keeps a re-list or
// a restart from emitting it again.
import { createHash } from 'node:crypto';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { ContainerTermination, Pod } from '../../core/domain.js';
import { containerTerminations, mapPod } from '../formats/kube-objects.js';
import { arrayAt, objectAt, stringMapAt } from '../formats/json-read.js';
import type { Mapped } from '../formats/result.js';
import type { WorkloadLookups } from '../formats/workload-ref.js';
import type { ResourceSpec } from './informer.js';
import { asKubeObject, pick, shrinkMetadata } from './shrink.js';
import type { Watermarks } from './watermarks.js';

const CONTAINER_SPEC = ['name', 'image', 'resources', 'command', 'args'];
const CONTAINER_STATUS = ['name', 'image', 'restartCount', 'state', 'lastState'];

function shrinkContainers(list: unknown): Record<string, unknown>[] {
  return arrayAt(list).map((entry) => {
    const container = pick(entry, CONTAINER_SPEC);
    // Only literal env values can size a runtime (JAVA_OPTS, GOMEMLIMIT); references cannot.
    const env = arrayAt(objectAt(entry).env)
      .map((e) => pick(e, ['name', 'value']))
      .filter((e) => typeof e.value === 'string');
    if (env.length > 0) container.env = env;
    return container;
  });
}

export const podsResource: ResourceSpec = {
  resource: 'pods',
  path: '/api/v1/pods',
  shrink: (raw) => {
    const pod = objectAt(raw);
    const metadata = objectAt(pod.metadata);
    const spec = objectAt(pod.spec);
    const status = objectAt(pod.status);
    const seen = stringMapAt(metadata.annotations)['kubernetes.io/config.seen'];
    return asKubeObject({
      metadata: {
        ...shrinkMetadata(metadata),
        labels: metadata.labels,
        ...(seen !== undefined && { annotations: { 'kubernetes.io/config.seen': seen } }),
      },
      spec: {
        nodeName: spec.nodeName,
        containers: shrinkContainers(spec.containers),
        initContainers: shrinkContainers(spec.initContainers),
      },
      status: {
        ...pick(status, ['phase', 'qosClass', 'reason', 'startTime']),
        containerStatuses: arrayAt(status.containerStatuses).map((s) => pick(s, CONTAINER_STATUS)),
        initContainerStatuses: arrayAt(status.initContainerStatuses).map((s) =>
          pick(s, CONTAINER_STATUS),
        ),
      },
    });
  },
};

export function toPod(
  object: KubernetesObject,
  cluster: string,
  lookups: WorkloadLookups,
): Mapped<Pod> {
  return mapPod(object, { cluster, lookups });
}

export function newTerminations(pod: Pod, watermarks: Watermarks): ContainerTermination[] {
  return containerTerminations(pod).filter((t) => watermarks.isNewTermination(t));
}

export function podFingerprint(pod: Pod): string {
  return createHash('sha1').update(JSON.stringify(pod)).digest('base64');
}
