// Prometheus alerting rules over Plimsoll's metrics (analyzers/metrics.ts, core/telemetry.ts),
// written once here and rendered to alerts/plimsoll.rules.yml. They give each problem the alert
// the pusher gives it (alerts/policy.ts, alerts/problem-alert.ts): the same name, severity, route
// and labels, so one Alertmanager routing tree and its inhibitions serve both paths.
// Conventions follow the kubernetes-mixin: CamelCase names with a product prefix, a `severity`
// label (critical pages), `summary`, `description` and `runbook_url` annotations, and `for` long
// enough to ride out one missed scrape.
import { stringify } from 'yaml';
import { DEFAULT_RUNBOOK_BASE_URL } from '../core/config/schema.js';
import { ROUTE_SEVERITY, type AlertRoute } from './policy.js';
import { runbookUrl } from './problem-alert.js';

export { DEFAULT_RUNBOOK_BASE_URL };
export { runbookUrl } from './problem-alert.js';

/** The API as the Kubernetes manifests deploy it (deploy/kubernetes: Service plimsoll-api). */
export const DEFAULT_API_URL = 'http://plimsoll-api.plimsoll.svc:8080';

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: {
    readonly severity: 'critical' | 'warning' | 'info';
    readonly route: AlertRoute;
    readonly kind?: string;
    readonly source?: string;
  };
  readonly annotations: {
    readonly summary: string;
    readonly description: string;
    readonly runbook_url: string;
    readonly finding_url?: string;
  };
}

export interface RuleGroup {
  readonly name: string;
  readonly interval?: string;
  readonly rules: readonly AlertRule[];
}

export interface RuleOptions {
  /** docs/runbooks in the repository unless set (config alerting.runbookBaseUrl). */
  readonly runbookBaseUrl?: string;
  /** Where users reach the API, for finding_url (config api.publicUrl). */
  readonly apiBaseUrl?: string;
  /** How long a new or faster OOM loop pages (config alerting.pageForSeconds). Default 3600. */
  readonly pageForSeconds?: number;
}

/**
 * Labels of the finding gauges that identify one problem. `team` and `finding_id` are what the
 * pushed alerts carry too (analyzers/metrics.ts exports them), so the two paths agree.
 */
/** A collector without a success for this long pages a ticket; its dashboard turns red there. */
export const COLLECTOR_STALLED_SECONDS = 600;
/** Finding metrics older than this are stale (no analyzer run completed). */
export const FINDINGS_STALE_SECONDS = 1_800;

const CONTAINER_BY = 'cluster, namespace, workload, workload_type, container, team, finding_id';
const NODE_BY = 'cluster, node, team, finding_id';

export function plimsollRuleGroups(options: RuleOptions = {}): RuleGroup[] {
  const runbookBase = options.runbookBaseUrl ?? DEFAULT_RUNBOOK_BASE_URL;
  const findingBase = `${(options.apiBaseUrl ?? DEFAULT_API_URL).replace(/\/+$/, '')}/ui/findings/`;
  const pageForSeconds = options.pageForSeconds ?? 3600;
  const rule = (
    alert: string,
    route: AlertRoute,
    expr: string,
    forDuration: string,
    summary: string,
    description: string,
    kind?: string,
  ): AlertRule => ({
    alert,
    expr,
    for: forDuration,
    labels: {
      severity: ROUTE_SEVERITY[route],
      route,
      ...(kind ? { kind, source: 'plimsoll' } : {}),
    },
    annotations: {
      summary,
      description,
      runbook_url: runbookUrl(alert, runbookBase),
      ...(kind ? { finding_url: `${findingBase}{{ $labels.finding_id }}` } : {}),
    },
  });
  return [
    {
      name: 'plimsoll-findings',
      rules: [
        rule(
          'PlimsollNodeMemoryFlapping',
          'page',
          `max by (${NODE_BY}) (plimsoll_node_flapping) == 1`,
          '1m',
          'Node {{ $labels.node }} flaps under memory pressure.',
          'Plimsoll found node {{ $labels.node }} in cluster {{ $labels.cluster }} repeatedly going ' +
            'NotReady or into MemoryPressure, with memory evidence (evictions, SystemOOM, available ' +
            'memory near the eviction threshold). Pods on it are evicted or killed; the finding ' +
            'names the cause (no system reservation, BestEffort pods, overcommitted limits).',
          'node_memory_flapping',
        ),
        // One problem, two alerts of one name: the page for the hour after the loop forms, the
        // ticket for the loop's whole life. Alertmanager holds the ticket back while the page
        // fires (inhibit rule in alerts/alertmanager.example.yml).
        rule(
          'PlimsollOomLoop',
          'page',
          // Escalated (formed, or its runs got shorter: alerts/policy.ts) within the page hour.
          `max by (${CONTAINER_BY}) (plimsoll_oom_loop == 1)\n` +
            `and on (${CONTAINER_BY})\n` +
            `  (time() - max by (${CONTAINER_BY}) (plimsoll_oom_loop_escalated_timestamp_seconds) < ${pageForSeconds})`,
          '1m',
          'New OOM loop: container {{ $labels.container }} of {{ $labels.namespace }}/{{ $labels.workload }}.',
          'The same container of {{ $labels.workload_type }} {{ $labels.namespace }}/{{ $labels.workload }} ' +
            'is OOM-killed again and again across pod replacements, and the loop formed (or its ' +
            'runs got shorter) within the last hour. This page ends after that hour; the loop ' +
            'stays open as a ticket until it stops. The finding says whether it is a slow leak, a ' +
            'start-up OOM or a load spike.',
          'oom_loop',
        ),
        rule(
          'PlimsollOomLoop',
          'ticket',
          `max by (${CONTAINER_BY}) (plimsoll_oom_loop == 1)`,
          '1m',
          'Container {{ $labels.container }} of {{ $labels.namespace }}/{{ $labels.workload }} is in an OOM loop.',
          'The same container of {{ $labels.workload_type }} {{ $labels.namespace }}/{{ $labels.workload }} ' +
            'keeps being OOM-killed across pod replacements. It is a ticket, not a page: it paged ' +
            'when it formed. The finding classifies it (slow leak, start-up OOM, load spike), ' +
            'predicts the next kill of a leak and says what to change.',
          'oom_loop',
        ),
      ],
    },
    {
      name: 'plimsoll-capacity',
      rules: [
        rule(
          'PlimsollCapacityExhaustionForecast',
          'ticket',
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
          'ticket',
          `time() - max by (collector) (plimsoll_collector_last_success_timestamp_seconds) > ${COLLECTOR_STALLED_SECONDS}`,
          '5m',
          'Plimsoll collector {{ $labels.collector }} has not succeeded for {{ $value | humanizeDuration }}.',
          'No successful collection from {{ $labels.collector }} for {{ $value | humanizeDuration }}: ' +
            'findings about the data it reads are going stale. Check the collector logs and its access ' +
            'to the source (API server, kubelet, Prometheus).',
        ),
        rule(
          'PlimsollIngestStalled',
          'ticket',
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
          'ticket',
          `time() - max(plimsoll_finding_metrics_last_refresh_timestamp_seconds) > ${FINDINGS_STALE_SECONDS}`,
          '5m',
          'Plimsoll findings have not been refreshed for {{ $value | humanizeDuration }}.',
          'The analyzers have not completed a run for {{ $value | humanizeDuration }}, so these ' +
            'dashboards and alerts show old findings. Check the analyzer runner logs.',
        ),
        rule(
          'PlimsollComponentDown',
          'ticket',
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
export function renderRules(options: RuleOptions = {}): string {
  const header =
    '# Generated by `plimsoll alerts rules` from alerts/rules.ts; edit that file, not this one.\n';
  return (
    header + stringify({ groups: plimsollRuleGroups(options) }, { lineWidth: 0, singleQuote: true })
  );
}
