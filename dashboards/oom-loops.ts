// OOM loops: which containers are killed again and again, memory against the limit around the
// kills, when a slow leak kills next, and the last log lines before a kill.
import { RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { PanelBuilder as LogsPanel } from '@grafana/grafana-foundation-sdk/logs';
import { PanelBuilder as TablePanel } from '@grafana/grafana-foundation-sdk/table';
import { PanelBuilder as TimeSeries } from '@grafana/grafana-foundation-sdk/timeseries';
import {
  apiVariable,
  clusterVariable,
  dashboard,
  esLogs,
  findingsLink,
  workloadLink,
  namespaceVariable,
  prom,
  promTable,
  type PlimsollDashboard,
} from './common.js';
import { ES_LOGS, PROMETHEUS } from './datasources.js';

const NS = 'cluster="$cluster", namespace=~"$namespace"';
const MAIN = `sum by (namespace, pod, container) (increase(container_oom_events_total{${NS}, container!=""}[$__rate_interval]))`;

export function oomLoopsDashboard(): PlimsollDashboard {
  const builder = dashboard(
    'plimsoll-oom-loops',
    'OOM loops',
    'Containers OOM-killed again and again across pod replacements, memory against the limit, and the log lines before the kill.',
  )
    .withVariable(clusterVariable())
    .withVariable(namespaceVariable())
    .withVariable(apiVariable())
    .withRow(new RowBuilder('Loops'))
    .withPanel(
      new TablePanel()
        .title('OOM loops (findings)')
        .description('Open loops: kills in the window and, for slow leaks, time to the next kill')
        .datasource(PROMETHEUS)
        .withTarget(
          promTable(
            `max by (namespace, workload, workload_type, container, category) (plimsoll_oom_loop{${NS}} == 1)`,
            'A',
          ),
        )
        .withTarget(
          promTable(
            `max by (namespace, workload, workload_type, container) (plimsoll_oom_loop_kills{${NS}})`,
            'B',
          ),
        )
        .withTarget(
          promTable(
            `min by (namespace, workload, workload_type, container) (plimsoll_oom_loop_seconds_to_next_kill{${NS}})`,
            'C',
          ),
        )
        .withTransformation({ id: 'merge', options: {} })
        .dataLinks([
          workloadLink('${__data.fields.workload}: verdict, kills and memory chart'),
          findingsLink(
            'OOM loops in ${__data.fields.namespace}',
            'kind=oom_loop&cluster=$cluster&namespace=${__data.fields.namespace}',
          ),
        ])
        .height(8)
        .span(24),
    )
    .withPanel(
      new TimeSeries()
        .title('OOM kills by container')
        .description('cAdvisor OOM events, per pod container')
        .datasource(PROMETHEUS)
        .withTarget(prom(MAIN, '{{namespace}}/{{pod}} {{container}}'))
        .height(9)
        .span(12),
    )
    .withPanel(
      new TimeSeries()
        .title('Restarts by workload container (last terminated OOMKilled)')
        .datasource(PROMETHEUS)
        .withTarget(
          prom(
            `sum by (namespace, container) (kube_pod_container_status_last_terminated_reason{${NS}, reason="OOMKilled"})`,
            '{{namespace}} {{container}}',
          ),
        )
        .height(9)
        .span(12),
    )
    .withRow(new RowBuilder('Memory around the kills'))
    .withPanel(
      new TimeSeries()
        .title('Working set / limit, top 10 containers')
        .description('A saw-tooth rising to 100% and dropping is a container killed at its limit')
        .datasource(PROMETHEUS)
        .unit('percentunit')
        .max(1.2)
        .withTarget(
          prom(
            `topk(10, max by (namespace, pod, container) (container_memory_working_set_bytes{${NS}, container!=""} / (container_spec_memory_limit_bytes{${NS}, container!=""} > 0)))`,
            '{{namespace}}/{{pod}} {{container}}',
          ),
        )
        .height(9)
        .span(12),
    )
    .withPanel(
      new TimeSeries()
        .title('Seconds to the next kill (slow leaks)')
        .datasource(PROMETHEUS)
        .unit('s')
        .withTarget(
          prom(
            `min by (namespace, workload, container) (plimsoll_oom_loop_seconds_to_next_kill{${NS}})`,
            '{{namespace}}/{{workload}} {{container}}',
          ),
        )
        .height(9)
        .span(12),
    )
    .withRow(new RowBuilder('Logs'))
    .withPanel(
      new LogsPanel()
        .title('Last log lines before OOM kills')
        .description('Lines tagged as Java OutOfMemoryError or kernel OOM, from Elasticsearch')
        .datasource(ES_LOGS)
        .withTarget(
          esLogs(
            ES_LOGS,
            'orchestrator.cluster.name:"$cluster" AND kubernetes.namespace:${namespace:lucene} AND plimsoll.log_line.tags:(oom_java OR oom_kernel OR signal_kill)',
          ),
        )
        .showTime(true)
        .wrapLogMessage(true)
        .height(10)
        .span(24),
    );
  return { uid: 'plimsoll-oom-loops', builder, mainQuery: MAIN };
}
