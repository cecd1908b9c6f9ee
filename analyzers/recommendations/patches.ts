// Recommendation findings as strategic-merge patches, one per workload, ready for
// `kubectl patch <kind>/<name> -n <ns> --type strategic --patch-file <file>`. Containers merge by
// name; a `null` CPU limit deletes the one the pod has (the recommendation runs without one).
import { stringify } from 'yaml';
import type { Finding, ResourceAmounts, WorkloadRef } from '../../core/domain.js';
import { evidenceOf } from '../../core/evidence.js';
import { cpuQuantity, memoryQuantity } from './quantities.js';

export interface WorkloadPatch {
  readonly cluster: string;
  readonly workload: WorkloadRef;
  /** The patch body (kind, metadata, spec…). */
  readonly patch: Record<string, unknown>;
  /** The same as YAML, headed by the command that applies it. */
  readonly yaml: string;
}

const POD_TEMPLATE_PATH: Record<string, { apiVersion: string; path: string[] }> = {
  Deployment: { apiVersion: 'apps/v1', path: ['spec', 'template', 'spec'] },
  StatefulSet: { apiVersion: 'apps/v1', path: ['spec', 'template', 'spec'] },
  DaemonSet: { apiVersion: 'apps/v1', path: ['spec', 'template', 'spec'] },
  ReplicaSet: { apiVersion: 'apps/v1', path: ['spec', 'template', 'spec'] },
  Job: { apiVersion: 'batch/v1', path: ['spec', 'template', 'spec'] },
  CronJob: { apiVersion: 'batch/v1', path: ['spec', 'jobTemplate', 'spec', 'template', 'spec'] },
};

interface ContainerResources {
  name: string;
  resources: { requests: Record<string, string>; limits: Record<string, string | null> };
}

/**
 * Patches for the recommendation findings given, grouped by workload and sorted. Findings of
 * other kinds, bare pods and findings without recommended amounts are skipped.
 */
export function recommendationPatches(findings: readonly Finding[]): WorkloadPatch[] {
  const byWorkload = new Map<
    string,
    { cluster: string; workload: WorkloadRef; containers: ContainerResources[] }
  >();
  for (const finding of findings) {
    if (finding.kind !== 'recommendation' || finding.subject.type !== 'workload_container')
      continue;
    const { cluster, workload, container } = finding.subject;
    if (!POD_TEMPLATE_PATH[workload.kind]) continue;
    const evidence = evidenceOf(finding, 'recommendation');
    const recommended = evidence?.recommended;
    if (!recommended) continue;
    const current = evidence.current;
    const key = [cluster, workload.namespace, workload.kind, workload.name].join('/');
    const entry = byWorkload.get(key) ?? { cluster, workload, containers: [] };
    entry.containers.push({
      name: container,
      resources: resources(
        recommended,
        current?.limits.cpuCores !== undefined,
        memoryKeptBy(finding) !== undefined,
      ),
    });
    byWorkload.set(key, entry);
  }
  return [...byWorkload.keys()].sort().map((key) => {
    const { cluster, workload, containers } = byWorkload.get(key)!;
    containers.sort((a, b) => a.name.localeCompare(b.name));
    const target = POD_TEMPLATE_PATH[workload.kind]!;
    const patch: Record<string, unknown> = {
      apiVersion: target.apiVersion,
      kind: workload.kind,
      metadata: { name: workload.name, namespace: workload.namespace },
    };
    let cursor = patch;
    for (const segment of target.path) {
      const next: Record<string, unknown> = {};
      cursor[segment] = next;
      cursor = next;
    }
    cursor.containers = containers;
    const command = `# kubectl --context ${cluster} -n ${workload.namespace} patch ${workload.kind.toLowerCase()}/${workload.name} --type strategic --patch-file <this file>`;
    return { cluster, workload, patch, yaml: `${command}\n${stringify(patch)}` };
  });
}

/** All patches as one multi-document YAML stream. */
export function recommendationPatchesYaml(findings: readonly Finding[]): string {
  return recommendationPatches(findings)
    .map((p) => `---\n${p.yaml}`)
    .join('');
}

/** The OOM-loop finding whose verdict keeps this container's memory as it is, if any. */
function memoryKeptBy(finding: Finding): string | undefined {
  const verdict = evidenceOf(finding, 'recommendation')?.verdict;
  const keeps = verdict?.action === 'fix_leak' || verdict?.action === 'fit_heap';
  return keeps ? verdict.findingId : undefined;
}

export interface ExcludedChange {
  readonly cluster: string;
  readonly workload: WorkloadRef;
  readonly container: string;
  readonly resource: 'memory';
  readonly reason: string;
  /** The finding whose verdict excludes it. */
  readonly findingId: string;
}

/**
 * Memory changes the patches leave out, with the reason: containers whose OOM loop says more
 * memory is not the fix (a slow leak, a heap that does not fit its limit).
 */
export function excludedChanges(findings: readonly Finding[]): ExcludedChange[] {
  const out: ExcludedChange[] = [];
  for (const f of findings) {
    if (f.kind !== 'oom_loop' || f.status !== 'open' || f.subject.type !== 'workload_container')
      continue;
    const action = evidenceOf(f, 'oom_loop')?.memoryAdvice?.action;
    if (action !== 'fix_leak' && action !== 'fit_heap') continue;
    out.push({
      cluster: f.subject.cluster,
      workload: f.subject.workload,
      container: f.subject.container,
      resource: 'memory',
      reason:
        action === 'fix_leak'
          ? 'slow leak: fix the leak; a larger memory limit only delays the next kill'
          : 'start-up OOM: fit the JVM heap to the limit (-XX:MaxRAMPercentage) instead',
      findingId: f.id,
    });
  }
  return out.sort((a, b) =>
    `${a.workload.namespace}/${a.workload.name}/${a.container}`.localeCompare(
      `${b.workload.namespace}/${b.workload.name}/${b.container}`,
    ),
  );
}

/** The exclusions as YAML comments heading the patch stream. */
export function excludedChangesYaml(excluded: readonly ExcludedChange[]): string {
  if (excluded.length === 0) return '';
  return (
    '# Not in these patches:\n' +
    excluded
      .map(
        (e) =>
          `#   ${e.workload.namespace}/${e.workload.kind.toLowerCase()}/${e.workload.name} container ${e.container}: ${e.resource} unchanged, ${e.reason} (finding ${e.findingId})\n`,
      )
      .join('')
  );
}

function resources(
  recommended: { requests: ResourceAmounts; limits: ResourceAmounts },
  hadCpuLimit: boolean,
  keepMemory: boolean,
): ContainerResources['resources'] {
  const requests: Record<string, string> = {};
  const limits: Record<string, string | null> = {};
  if (recommended.requests.cpuCores !== undefined)
    requests.cpu = cpuQuantity(recommended.requests.cpuCores);
  if (recommended.requests.memoryBytes !== undefined && !keepMemory) {
    requests.memory = memoryQuantity(recommended.requests.memoryBytes);
  }
  if (recommended.limits.cpuCores !== undefined)
    limits.cpu = cpuQuantity(recommended.limits.cpuCores);
  else if (hadCpuLimit) limits.cpu = null;
  if (recommended.limits.memoryBytes !== undefined && !keepMemory) {
    limits.memory = memoryQuantity(recommended.limits.memoryBytes);
  }
  return { requests, limits };
}
