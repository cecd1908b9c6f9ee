// Evaluation variants for the Prometheus path: each one a small scenario (1-2 days, a few nodes)
// exported in one dialect, so the analyzers are scored against what real clusters vary: older
// kube-state-metrics names, legacy cAdvisor labels, families missing, coarse scrape intervals,
// and the owners, node events and node lifetimes the newer scenarios plant. Each runs in a minute
// or two; the runner (eval/run.ts) decides how to use them.
import type { ExportOptions } from '../simulator/export/openmetrics/options.js';
import { scenarioNames } from '../simulator/scenarios/index.js';

export interface EvalVariant {
  /** Unique, stable, usable in a file name. */
  readonly name: string;
  readonly scenario: string;
  /** Size of the general pool (the scenario's default when unset). */
  readonly nodes?: number;
  /** Days of history evaluated (default: the runner's). */
  readonly days?: number;
  /** Scrape step of the export. */
  readonly stepMs: number;
  readonly exportOptions: Pick<ExportOptions, 'ksmVersion' | 'cadvisorLabels' | 'omit'>;
  /** What the variant exercises. */
  readonly description: string;
  /**
   * Why this variant cannot meet the targets — the data a cluster exposes does not carry what
   * the ground truth is stated in. Reported, not held to the targets.
   */
  readonly degraded?: string;
}

const SECOND = 1000;
const STEP = 60 * SECOND;

/** The scenario the dialect variants export: every OOM loop kind and one single OOM. */
const BASE = { scenario: 'oom-loops', nodes: 3, days: 2 } as const;

export const VARIANTS: readonly EvalVariant[] = [
  // Dialects of the same cluster.
  {
    name: 'ksm-v1',
    ...BASE,
    stepMs: STEP,
    exportOptions: { ksmVersion: 1 },
    description: 'kube-state-metrics v1 metric and label names',
  },
  {
    name: 'cadvisor-legacy',
    ...BASE,
    stepMs: STEP,
    exportOptions: { cadvisorLabels: 'legacy' },
    description: 'cAdvisor container_name/pod_name labels (pre-1.16)',
  },
  {
    name: 'omit-last-terminated-timestamp',
    ...BASE,
    stepMs: STEP,
    exportOptions: { omit: ['kube_pod_container_status_last_terminated_timestamp'] },
    description:
      'no kube_pod_container_status_last_terminated_timestamp (kube-state-metrics < 2.12)',
  },
  {
    name: 'omit-start-times',
    ...BASE,
    stepMs: STEP,
    exportOptions: { omit: ['kube_pod_container_state_started', 'container_start_time_seconds'] },
    description: 'no container start times from kube-state-metrics or cAdvisor',
  },
  {
    name: 'omit-node-exporter',
    scenario: 'node-flapping',
    nodes: 3,
    days: 2,
    stepMs: STEP,
    exportOptions: { omit: ['node-exporter'] },
    description:
      'node-exporter not installed: node memory from cAdvisor and kube-state-metrics only',
  },
  // Scrape intervals.
  {
    name: 'scrape-15s',
    ...BASE,
    days: 1,
    stepMs: 15 * SECOND,
    exportOptions: {},
    description: '15 s scrape interval (one day: four times the samples)',
  },
  {
    name: 'scrape-60s',
    ...BASE,
    stepMs: 60 * SECOND,
    exportOptions: {},
    description: '60 s scrape interval',
  },
  {
    name: 'scrape-300s',
    ...BASE,
    stepMs: 300 * SECOND,
    exportOptions: {},
    description: '300 s scrape interval: short-lived states fall between samples',
  },
  {
    name: 'flapping-scrape-300s',
    scenario: 'node-flapping',
    nodes: 3,
    days: 2,
    stepMs: 300 * SECOND,
    exportOptions: {},
    description: 'memory flapping seen through a 300 s scrape interval',
  },
  // The scenarios that vary owners, node events and node lifetimes.
  {
    name: 'oom-workload-kinds',
    scenario: 'oom-workload-kinds',
    nodes: 3,
    days: 2,
    stepMs: STEP,
    exportOptions: {},
    description: 'OOM loops in a StatefulSet and a DaemonSet, and kills reporting exit code 2',
  },
  {
    name: 'oom-owners',
    scenario: 'oom-owners',
    nodes: 3,
    days: 2,
    stepMs: STEP,
    exportOptions: {},
    description: 'a ReplicaSet named off convention (legacy-rs-blue) and one owned by a Rollout',
  },
  {
    name: 'oom-owners-no-replicaset-owner',
    scenario: 'oom-owners',
    nodes: 3,
    days: 2,
    stepMs: STEP,
    exportOptions: { omit: ['kube_replicaset_owner'] },
    description:
      'the same without kube_replicaset_owner: owners cannot be resolved past the ReplicaSet',
    degraded:
      'without kube_replicaset_owner owners come from the naming convention: a ReplicaSet named ' +
      'off it is reported as itself, one owned by an Argo Rollout as a Deployment, not as the ' +
      'owners the ground truth names',
  },
  {
    name: 'node-not-memory',
    scenario: 'node-not-memory',
    nodes: 3,
    days: 2,
    stepMs: STEP,
    exportOptions: {},
    description: 'network Ready flaps and a planned drain with reboot: not memory flapping',
  },
  {
    name: 'node-autoscaled',
    scenario: 'node-autoscaled',
    nodes: 3,
    days: 2,
    stepMs: STEP,
    exportOptions: {},
    description: 'a node drained and deleted by the autoscaler, a spot node reclaimed mid-window',
  },
];

/** The variant of that name, or an error listing the known ones. */
export function variant(name: string): EvalVariant {
  const found = VARIANTS.find((v) => v.name === name);
  if (!found)
    throw new Error(`unknown variant "${name}"; known: ${VARIANTS.map((v) => v.name).join(', ')}`);
  return found;
}

/** Every variant names a known scenario (checked by the tests, cheap to call at start-up). */
export function checkVariants(): void {
  const known = new Set(scenarioNames());
  for (const v of VARIANTS) {
    if (!known.has(v.scenario))
      throw new Error(`variant ${v.name}: unknown scenario ${v.scenario}`);
  }
}
