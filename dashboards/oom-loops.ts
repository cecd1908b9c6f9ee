// OOM loops: which containers are killed again and again, memory against the limit around the
// kills, when a slow leak kills next, and the last log lines before a kill.
import { RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { PanelBuilder as LogsPanel } from '@grafana/grafana-foundation-sdk/logs';
import { PanelBuilder as TablePanel } from '@grafana/grafana-foundation-sdk/table';
import { PanelBuilder as TimeSeries } from '@grafana/grafana-foundation-sdk/timeseries';
import {
  apiVariable,
  CLUSTER,
  clusterVariable,
  columnUnits,
  dashboard,
  datasourceVariable,
  esLogs,
  ES_CLUSTER,
  findingsLink,
  workloadLink,
  namespaceVariable,
  nodeVariable,
  prom,
  PROM,
  promTable,
  tableColumns,
  UNIT,
  WORKLOAD_CONTAINER,
  WORKLOAD_CONTAINER_COLUMNS,
  type PlimsollDashboard,
} from './common.js';
import { ES_LOGS } from './datasources.js';

const NS = `${CLUSTER}, namespace=~"$namespace"`;
/** Pod-level series, which carry the node they ran on: the drill-down from a node lands here. */
const POD = `${NS}, node=~"$node"`;
const MAIN = `sum by (namespace, pod, container) (increase(container_oom_events_total{${POD}, container!=""}[$__rate_interval]))`;
/** A per-loop series with the loop's category, for open loops only (one row per loop). */
const ofOpenLoops = (aggregate: 'max' | 'min', series: string) =>
  `${aggregate} by (${WORKLOAD_CONTAINER}, category) (${series}{${NS}} * on (${WORKLOAD_CONTAINER}, finding_id) group_left (category) (plimsoll_oom_loop{${NS}} == 1))`;

export function oomLoopsDashboard(): PlimsollDashboard {
  const builder = dashboard(
    'plimsoll-oom-loops',
    'OOM loops',
    'Containers OOM-killed again and again across pod replacements, memory against the limit, and the log lines before the kill.',
    'now-24h',
  )
    .withVariable(datasourceVariable())
    .withVariable(clusterVariable())
    .withVariable(namespaceVariable())
    .withVariable(nodeVariable())
    .withVariable(apiVariable())
    .withRow(new RowBuilder('Loops'))
    .withPanel(
      new TablePanel()
        .title('OOM loops (findings)')
        .description('Open loops: kills in the window and, for slow leaks, time to the next kill')
        .datasource(PROM)
        .withTarget(promTable(ofOpenLoops('max', 'plimsoll_oom_loop_kills'), 'A'))
        .withTarget(promTable(ofOpenLoops('min', 'plimsoll_oom_loop_seconds_to_next_kill'), 'B'))
        .transformations(
          tableColumns({
            ...WORKLOAD_CONTAINER_COLUMNS,
            category: 'Category',
            'Value #A': "Kills in the finding's window",
            'Value #B': 'Next kill in',
          }),
        )
        .overrides(columnUnits({ 'Next kill in': UNIT.seconds }))
        .unit(UNIT.count)
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
        .title('OOM kills by pod container')
        .description('cAdvisor OOM events, per pod container')
        .datasource(PROM)
        .unit(UNIT.count)
        .withTarget(prom(MAIN, '{{namespace}}/{{pod}} {{container}}'))
        .height(9)
        .span(12),
    )
    .withPanel(
      new TimeSeries()
        .title('Restarts after an OOM kill, by namespace and container')
        .description(
          'Container restarts in each interval whose last termination was OOMKilled (kube-state-metrics)',
        )
        .datasource(PROM)
        .unit(UNIT.count)
        .withTarget(
          prom(
            `sum by (namespace, container) (increase(kube_pod_container_status_restarts_total{${NS}}[$__rate_interval]) and on (namespace, pod, container) (max by (namespace, pod, container) (kube_pod_container_status_last_terminated_reason{${NS}, reason="OOMKilled"}) == 1))`,
            '{{namespace}} {{container}}',
          ),
        )
        .height(9)
        .span(12),
    )
    .withRow(new RowBuilder('Memory around the kills'))
    .withPanel(
      new TimeSeries()
        .title('Working set as a share of the memory limit, top 10 pod containers')
        .description('A saw-tooth rising to 100% and dropping is a container killed at its limit')
        .datasource(PROM)
        .unit(UNIT.share)
        .max(1.2)
        .withTarget(
          prom(
            `topk(10, max by (namespace, pod, container) (container_memory_working_set_bytes{${POD}, container!=""} / (container_spec_memory_limit_bytes{${POD}, container!=""} > 0)))`,
            '{{namespace}}/{{pod}} {{container}}',
          ),
        )
        .height(9)
        .span(12),
    )
    .withPanel(
      new TimeSeries()
        .title('Time to the next kill (slow leaks)')
        .datasource(PROM)
        .unit(UNIT.seconds)
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
            `${ES_CLUSTER} AND kubernetes.namespace:\${namespace:lucene} AND plimsoll.log_line.tags:(oom_java OR oom_kernel OR signal_kill)`,
          ),
        )
        .showTime(true)
        .wrapLogMessage(true)
        .height(10)
        .span(24),
    );
  return { uid: 'plimsoll-oom-loops', builder, mainQuery: MAIN };
}
