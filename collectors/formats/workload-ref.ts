// The long-lived workload behind a pod, so that findings follow a Deployment or a CronJob across
// pod replacements. The caller's lookups (from a ReplicaSet/Job informer) are authoritative; when
// they have no answer the name conventions of the built-in controllers decide, and a ReplicaSet or
// Job whose name does not follow them is reported as itself.
import type { WorkloadRef } from '../../core/domain.js';

export type WorkloadLookup = (namespace: string, name: string) => WorkloadRef | undefined;

export interface WorkloadLookups {
  /** ReplicaSet → its Deployment (or whatever owns it). */
  readonly replicaSet?: WorkloadLookup;
  /** Job → its CronJob. */
  readonly job?: WorkloadLookup;
}

export interface OwnerRef {
  readonly kind: string;
  readonly name: string;
  readonly controller?: boolean;
}

export interface WorkloadSubject {
  readonly namespace: string;
  readonly podName: string;
  readonly owners: readonly OwnerRef[];
  /** The pod's `pod-template-hash` label, the suffix a Deployment gives its ReplicaSets. */
  readonly podTemplateHash?: string;
}

// Deployment controllers since 1.8 name ReplicaSets with a hash in this alphabet (SafeEncodeString);
// older ones used the decimal FNV hash.
const SAFE_HASH = /^[bcdfghjklmnpqrstvwxz2456789]{5,10}$/;
const DECIMAL_HASH = /^\d{5,10}$/;
// CronJob controllers name Jobs `<cronjob>-<scheduled time>`: minutes since the epoch today,
// seconds in old releases.
const SCHEDULE_SUFFIX = /^\d{8,10}$/;

function splitSuffix(name: string): [string, string] | undefined {
  const dash = name.lastIndexOf('-');
  return dash > 0 ? [name.slice(0, dash), name.slice(dash + 1)] : undefined;
}

/** Deployment name for a ReplicaSet name, by convention, or undefined. */
export function deploymentOfReplicaSet(
  rsName: string,
  podTemplateHash?: string,
): string | undefined {
  if (podTemplateHash && rsName.endsWith(`-${podTemplateHash}`)) {
    const base = rsName.slice(0, -podTemplateHash.length - 1);
    return base === '' ? undefined : base;
  }
  const parts = splitSuffix(rsName);
  if (parts === undefined) return undefined;
  const [base, suffix] = parts;
  return SAFE_HASH.test(suffix) || DECIMAL_HASH.test(suffix) ? base : undefined;
}

/** CronJob name for a Job name, by convention, or undefined. */
export function cronJobOfJob(jobName: string): string | undefined {
  const parts = splitSuffix(jobName);
  return parts !== undefined && SCHEDULE_SUFFIX.test(parts[1]) ? parts[0] : undefined;
}

/**
 * The controller owner (the first owner when none is marked controller), resolved through
 * ReplicaSet → Deployment and Job → CronJob. Pods without owners, and static pods whose mirror is
 * owned by their Node, are their own workload with kind `Pod`.
 */
export function resolveWorkload(
  subject: WorkloadSubject,
  lookups: WorkloadLookups = {},
): WorkloadRef {
  const { namespace, podName } = subject;
  const owner = subject.owners.find((o) => o.controller === true) ?? subject.owners[0];
  if (owner === undefined || owner.kind === 'Node' || owner.name === '') {
    return { namespace, kind: 'Pod', name: podName };
  }
  if (owner.kind === 'ReplicaSet') {
    const found = lookups.replicaSet?.(namespace, owner.name);
    if (found !== undefined) return found;
    const deployment = deploymentOfReplicaSet(owner.name, subject.podTemplateHash);
    if (deployment !== undefined) return { namespace, kind: 'Deployment', name: deployment };
  } else if (owner.kind === 'Job') {
    const found = lookups.job?.(namespace, owner.name);
    if (found !== undefined) return found;
    const cronJob = cronJobOfJob(owner.name);
    if (cronJob !== undefined) return { namespace, kind: 'CronJob', name: cronJob };
  }
  return { namespace, kind: owner.kind, name: owner.name };
}
