// The kubelet Summary API (`/stats/summary`) → usage samples. Each stats block carries its own
// `time` (the kubelet samples containers at different moments), and that time — not the scrape's —
// is the sample's timestamp, so re-reading an unchanged summary yields the same records. Any
// section may be missing (a pod still starting, a runtime without rss): what is there is used.
import type { UsageMetric, UsageSample, WorkloadRef } from '../../core/domain.js';
import { arrayAt, numberAt, objectAt, textAt, type JsonObject } from './json-read.js';
import type { Issue } from './result.js';
import { epochMsOf } from './time.js';

export interface KubeletSummaryOptions {
  readonly cluster: string;
  /** Workload of a pod, when the caller's inventory knows it. */
  readonly workloadOf?: (
    namespace: string,
    pod: string,
    podUid: string | undefined,
  ) => WorkloadRef | undefined;
}

export interface KubeletSummaryResult {
  readonly node: string | undefined;
  readonly samples: UsageSample[];
  readonly issues: Issue[];
}

const NANO = 1e9;

type Subject = Pick<
  UsageSample,
  'node' | 'namespace' | 'pod' | 'podUid' | 'container' | 'workload'
>;

class Builder {
  readonly samples: UsageSample[] = [];
  readonly issues: Issue[] = [];
  constructor(private readonly cluster: string) {}

  add(
    metric: UsageMetric,
    stats: JsonObject,
    field: string,
    scale: number,
    subject: Subject,
    path: string,
  ): void {
    const raw = stats[field];
    if (raw === undefined || raw === null) return;
    const value = numberAt(raw);
    if (value === undefined || value < 0) {
      this.issues.push({
        code: 'invalid_value',
        path: `${path}.${field}`,
        message: `not a non-negative number: ${JSON.stringify(raw)}`,
      });
      return;
    }
    const timestamp = epochMsOf(stats.time);
    if (timestamp === undefined) {
      this.issues.push({
        code: 'invalid_time',
        path: `${path}.time`,
        message: `unusable time ${JSON.stringify(stats.time)}`,
      });
      return;
    }
    this.samples.push({
      cluster: this.cluster,
      metric,
      timestamp,
      value: value / scale,
      ...subject,
    });
  }
}

export function mapKubeletSummary(
  raw: unknown,
  options: KubeletSummaryOptions,
): KubeletSummaryResult {
  const builder = new Builder(options.cluster);
  const summary = objectAt(raw);
  const nodeStats = objectAt(summary.node);
  const node = textAt(nodeStats.nodeName);
  if (node === undefined) {
    builder.issues.push({
      code: 'missing_field',
      path: 'node.nodeName',
      message: 'summary without node name',
    });
  }
  const nodeSubject: Subject = node !== undefined ? { node } : {};
  const nodeMemory = objectAt(nodeStats.memory);
  builder.add(
    'node_memory_available_bytes',
    nodeMemory,
    'availableBytes',
    1,
    nodeSubject,
    'node.memory',
  );
  builder.add(
    'node_memory_working_set_bytes',
    nodeMemory,
    'workingSetBytes',
    1,
    nodeSubject,
    'node.memory',
  );
  builder.add(
    'node_cpu_usage_cores',
    objectAt(nodeStats.cpu),
    'usageNanoCores',
    NANO,
    nodeSubject,
    'node.cpu',
  );

  arrayAt(summary.pods).forEach((entry, podIndex) => {
    const podStats = objectAt(entry);
    const ref = objectAt(podStats.podRef);
    const pod = textAt(ref.name);
    const namespace = textAt(ref.namespace);
    const podUid = textAt(ref.uid);
    if (pod === undefined || namespace === undefined) {
      builder.issues.push({
        code: 'missing_field',
        path: `pods[${podIndex}].podRef`,
        message: 'pod stats without name or namespace skipped',
      });
      return;
    }
    const workload = options.workloadOf?.(namespace, pod, podUid);
    arrayAt(podStats.containers).forEach((containerEntry, index) => {
      const containerStats = objectAt(containerEntry);
      const container = textAt(containerStats.name);
      const path = `pods[${podIndex}].containers[${index}]`;
      if (container === undefined) {
        builder.issues.push({
          code: 'missing_field',
          path: `${path}.name`,
          message: 'container stats without name skipped',
        });
        return;
      }
      const subject: Subject = {
        ...nodeSubject,
        namespace,
        pod,
        ...(podUid !== undefined && { podUid }),
        container,
        ...(workload !== undefined && { workload }),
      };
      const memory = objectAt(containerStats.memory);
      builder.add(
        'cpu_usage_cores',
        objectAt(containerStats.cpu),
        'usageNanoCores',
        NANO,
        subject,
        `${path}.cpu`,
      );
      builder.add(
        'memory_working_set_bytes',
        memory,
        'workingSetBytes',
        1,
        subject,
        `${path}.memory`,
      );
      builder.add('memory_rss_bytes', memory, 'rssBytes', 1, subject, `${path}.memory`);
    });
  });
  return { node, samples: builder.samples, issues: builder.issues };
}
