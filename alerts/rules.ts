// Prometheus alerting rules over Plimsoll's metrics (analyzers/metrics.ts, core/telemetry.ts) and
// the standard cAdvisor series, written once here and rendered to alerts/plimsoll.rules.yml.
// Conventions follow the kubernetes-mixin: CamelCase names with a product prefix, a `severity`
// label (critical pages, warning/info open a ticket), `summary`, `description` and `runbook_url`
// annotations, and `for` long enough to ride out one missed scrape.
import { stringify } from 'yaml';

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: { readonly severity: 'critical' | 'warning' | 'info' };
  readonly annotations: {
    readonly summary: string;
    readonly description: string;
    readonly runbook_url: string;
  };
}

export interface RuleGroup {
  readonly name: string;
  readonly interval?: string;
  readonly rules: readonly AlertRule[];
}

export const DEFAULT_RUNBOOK_BASE_URL =
  'https://github.com/plimsoll/plimsoll/blob/main/docs/alerts.md';

const CONTAINER_BY = 'cluster, namespace, workload, workload_type, container';

/** The runbook of an alert: an anchor in docs/alerts.md named like the alert, lower-cased. */
export function runbookUrl(alert: string, base = DEFAULT_RUNBOOK_BASE_URL): string {
  return `${base}#${alert.toLowerCase()}`;
}

export function plimsollRuleGroups(runbookBase = DEFAULT_RUNBOOK_BASE_URL): RuleGroup[] {
  const rule = (
    alert: string,
    severity: AlertRule['labels']['severity'],
    expr: string,
    forDuration: string,
    summary: string,
    description: string,
  ): AlertRule => ({
    alert,
    expr,
    for: forDuration,
    labels: { severity },
    annotations: { summary, description, runbook_url: runbookUrl(alert, runbookBase) },
  });
  return [
    {
      name: 'plimsoll-findings',
      rules: [
        rule(
          'PlimsollNodeMemoryFlapping',
          'critical',
          'max by (cluster, node) (plimsoll_node_flapping) == 1',
          '1m',
          'Node {{ $labels.node }} flaps under memory pressure.',
          'Plimsoll found node {{ $labels.node }} in cluster {{ $labels.cluster }} repeatedly going ' +
            'NotReady or into MemoryPressure, with memory evidence (evictions, SystemOOM, available ' +
            'memory near the eviction threshold). Pods on it are evicted or killed; the finding ' +
            'names the cause (no system reservation, BestEffort pods, overcommitted limits).',
        ),
        rule(
          'PlimsollOomLoop',
          'warning',
          `max by (${CONTAINER_BY}) (plimsoll_oom_loop_kills) >= 2`,
          '1m',
          'Container {{ $labels.container }} of {{ $labels.namespace }}/{{ $labels.workload }} is in an OOM loop.',
          'The same container of {{ $labels.workload_type }} {{ $labels.namespace }}/{{ $labels.workload }} ' +
            'was OOM-killed {{ $value }} times in the analysis window, across pod replacements. ' +
            'The finding classifies it (slow leak, start-up OOM, load spike) and proposes a limit.',
        ),
        rule(
          'PlimsollSlowLeakNextKill',
          'critical',
          `min by (${CONTAINER_BY}) (plimsoll_oom_loop_seconds_to_next_kill) < 6 * 3600`,
          '0m',
          '{{ $labels.namespace }}/{{ $labels.workload }} will be OOM-killed again in {{ $value | humanizeDuration }}.',
          'Container {{ $labels.container }} leaks memory steadily and has been killed before; at its ' +
            'fitted growth it reaches its memory limit in {{ $value | humanizeDuration }}. Restarting ' +
            'the pod on your schedule, or raising the limit, avoids the kill while the leak is fixed.',
        ),
        rule(
          'PlimsollContainerMemoryLeakForecast',
          'warning',
          'predict_linear(container_memory_working_set_bytes{container!="", image!=""}[1h], 4 * 3600)\n' +
            '  > (container_spec_memory_limit_bytes{container!="", image!=""} > 0)',
          '15m',
          'Container {{ $labels.container }} of pod {{ $labels.namespace }}/{{ $labels.pod }} will reach its memory limit within 4 h.',
          'At the growth of the last hour the working set of {{ $labels.namespace }}/{{ $labels.pod }} ' +
            '({{ $labels.container }}) crosses its memory limit within 4 h, so the kernel will OOM-kill ' +
            'it. This reads cAdvisor directly and fires before Plimsoll has seen a second kill.',
        ),
      ],
    },
    {
      name: 'plimsoll-capacity',
      rules: [
        rule(
          'PlimsollCapacityExhaustionForecast',
          'warning',
          'max by (cluster, resource) (predict_linear(plimsoll_cluster_requests[6h], 7 * 86400))\n' +
            '  > max by (cluster, resource) (plimsoll_cluster_allocatable)\n' +
            'and on (cluster, resource)\n' +
            '  max by (cluster, resource) (plimsoll_cluster_requests / plimsoll_cluster_allocatable) > 0.7',
          '1h',
          'Cluster {{ $labels.cluster }} runs out of allocatable {{ $labels.resource }} within 7 days.',
          'Requested {{ $labels.resource }} in cluster {{ $labels.cluster }} grows fast enough to exceed ' +
            'the allocatable total within a week (forecast {{ $value | humanize }}). New pods and pods ' +
            'displaced by a drain will stay Pending. Add nodes or release over-requested capacity ' +
            '(the requests_misfit findings list where it is).',
        ),
      ],
    },
    {
      name: 'plimsoll-pipeline',
      rules: [
        rule(
          'PlimsollCollectorStalled',
          'warning',
          'time() - max by (collector) (plimsoll_collector_last_success_timestamp_seconds) > 600',
          '5m',
          'Plimsoll collector {{ $labels.collector }} has not succeeded for {{ $value | humanizeDuration }}.',
          'No successful collection from {{ $labels.collector }} for {{ $value | humanizeDuration }}: ' +
            'findings about the data it reads are going stale. Check the collector logs and its access ' +
            'to the source (API server, kubelet, Prometheus).',
        ),
        rule(
          'PlimsollIngestStalled',
          'warning',
          'sum by (topic) (plimsoll_ingest_consumer_lag_records) > 0\n' +
            'and on ()\n' +
            '  ((sum(rate(plimsoll_ingest_records_indexed_total[10m])) or vector(0)) == 0)',
          '10m',
          'Plimsoll ingest is not writing while {{ $value }} records wait on {{ $labels.topic }}.',
          'Records are waiting on topic {{ $labels.topic }} but none were indexed in the last 10 ' +
            'minutes. The ingest consumer is down or the store refuses writes; /readyz says which.',
        ),
        rule(
          'PlimsollFindingsStale',
          'warning',
          'time() - max(plimsoll_finding_metrics_last_refresh_timestamp_seconds) > 1800',
          '5m',
          'Plimsoll findings have not been refreshed for {{ $value | humanizeDuration }}.',
          'The analyzers have not completed a run for {{ $value | humanizeDuration }}, so these ' +
            'dashboards and alerts show old findings. Check the analyzer runner logs.',
        ),
        rule(
          'PlimsollComponentDown',
          'warning',
          'plimsoll_component_up == 0',
          '5m',
          'Plimsoll component {{ $labels.component }} is unhealthy.',
          'Component {{ $labels.component }} of {{ $labels.instance }} has reported itself unhealthy ' +
            'for 5 minutes. /readyz on that instance gives the reason.',
        ),
      ],
    },
  ];
}

/** The rules file as written to alerts/plimsoll.rules.yml. */
export function renderRules(runbookBase = DEFAULT_RUNBOOK_BASE_URL): string {
  const header =
    '# Generated by `plimsoll alerts rules` from alerts/rules.ts; edit that file, not this one.\n';
  return (
    header +
    stringify({ groups: plimsollRuleGroups(runbookBase) }, { lineWidth: 0, singleQuote: true })
  );
}
