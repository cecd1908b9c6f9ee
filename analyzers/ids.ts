// Finding ids that survive re-runs: the same problem (kind, subject, episode) always hashes to the
// same id, so a second run over the same data updates a finding instead of adding one. The
// episode start is bucketed so that evidence found a little earlier or later on another run (a
// sample arriving late, a window edge) does not split one episode into two findings.
import type { FindingKind, FindingSubject } from '../core/domain.js';
import { stableId } from '../core/envelope.js';

export const EPISODE_BUCKET_MS = 3_600_000;

/** A subject as one string: equal subjects, equal keys. */
export function subjectKey(subject: FindingSubject): string {
  switch (subject.type) {
    case 'node':
      return `node/${subject.cluster}/${subject.node}`;
    case 'workload_container': {
      const w = subject.workload;
      return `container/${subject.cluster}/${w.namespace}/${w.kind}/${w.name}/${subject.container}`;
    }
    case 'workload': {
      const w = subject.workload;
      return `workload/${subject.cluster}/${w.namespace}/${w.kind}/${w.name}`;
    }
    case 'cluster':
      return `cluster/${subject.cluster}`;
  }
}

export function findingId(
  kind: FindingKind,
  subject: FindingSubject,
  episodeStart: number,
  bucketMs: number = EPISODE_BUCKET_MS,
): string {
  return stableId('finding', kind, subjectKey(subject), Math.floor(episodeStart / bucketMs));
}
