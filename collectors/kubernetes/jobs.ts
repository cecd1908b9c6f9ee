// Jobs, only for their owner: the authoritative Job → CronJob answer for pods. Clusters (or test
// API servers) that do not serve batch/v1 answer 404; the informer then looks again rarely and the
// naming convention decides.
import { objectAt } from '../formats/json-read.js';
import type { ResourceSpec } from './informer.js';
import { asKubeObject, shrinkMetadata } from './shrink.js';

export const jobsResource: ResourceSpec = {
  resource: 'jobs',
  path: '/apis/batch/v1/jobs',
  shrink: (raw) => asKubeObject({ kind: 'Job', metadata: shrinkMetadata(objectAt(raw).metadata) }),
};
