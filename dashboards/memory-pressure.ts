// Cluster memory pressure: which nodes flap or sit under MemoryPressure now, their conditions
// over time, evictions, and allocatable memory against what the node actually uses.
import {
  LegendDisplayMode,
  LegendPlacement,
  VizLegendOptionsBuilder,
} from '@grafana/grafana-foundation-sdk/common';
import { RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { PanelBuilder as LogsPanel } from '@grafana/grafana-foundation-sdk/logs';
import { PanelBuilder as StatPanel } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as StateTimeline } from '@grafana/grafana-foundation-sdk/statetimeline';
import { PanelBuilder as TablePanel } from '@grafana/grafana-foundation-sdk/table';
import { PanelBuilder as TimeSeries } from '@grafana/grafana-foundation-sdk/timeseries';
import {
  apiVariable,
  CLUSTER,
  clusterVariable,
  dashboard,
  dashboardLink,
  datasourceVariable,
  esLogs,
  ES_CLUSTER,
  findingsLink,
  nodeVariable,
  prom,
  PROM,
  promTable,
  tableColumns,
  thresholds,
  UNIT,
  type PlimsollDashboard,
} from './common.js';
import { ES_EVENTS } from './datasources.js';

const NODE = `${CLUSTER}, node=~"$node"`;
const MAIN = `sum by (node) (kube_node_status_allocatable{${NODE}, resource="memory"})`;
/** Any node in this state is a problem to look at now. */
const anyIsBad = () => thresholds([['red', 1]]);

export function memoryPressureDashboard(): PlimsollDashboard {
  const builder = dashboard(
    'plimsoll-memory-pressure',
    'Cluster memory pressure',
    'Nodes flapping under memory pressure, their conditions, evictions and memory use against allocatable.',
    'now-24h',
  )
    .withVariable(datasourceVariable())
    .withVariable(clusterVariable())
    .withVariable(nodeVariable())
    .withVariable(apiVariable())
    .withRow(new RowBuilder('Now'))
    .withPanel(
      new StatPanel()
        .title('Flapping nodes')
        .description('Nodes with an open memory-pressure flapping finding')
        .datasource(PROM)
        .withTarget(prom(`sum(plimsoll_node_flapping{${NODE}})`, 'flapping'))
        .unit(UNIT.count)
        .thresholds(anyIsBad())
        .noValue('0')
        .height(4)
        .span(6),
    )
    .withPanel(
      new StatPanel()
        .title('Nodes under MemoryPressure')
        .datasource(PROM)
        .withTarget(
          prom(
            `sum(kube_node_status_condition{${NODE}, condition="MemoryPressure", status="true"})`,
            'MemoryPressure',
          ),
        )
        .unit(UNIT.count)
        .thresholds(anyIsBad())
        .noValue('0')
        .height(4)
        .span(6),
    )
    .withPanel(
      new StatPanel()
        .title('Nodes not Ready')
        .datasource(PROM)
        .withTarget(
          prom(
            `sum(kube_node_status_condition{${NODE}, condition="Ready", status!="true"})`,
            'NotReady',
          ),
        )
        .unit(UNIT.count)
        .thresholds(anyIsBad())
        .noValue('0')
        .height(4)
        .span(6),
    )
    .withPanel(
      new StatPanel()
        .title('Evicted pods')
        .datasource(PROM)
        .withTarget(prom(`sum(kube_pod_status_reason{${CLUSTER}, reason="Evicted"})`, 'evicted'))
        .unit(UNIT.count)
        .thresholds(thresholds([['orange', 1]]))
        .noValue('0')
        .height(4)
        .span(6),
    )
    .withPanel(
      new TablePanel()
        .title('Flapping nodes (findings)')
        .description(
          'Flaps per condition in the open finding; the link opens the findings for the node',
        )
        .datasource(PROM)
        .withTarget(
          promTable(`max by (cluster, node, condition) (plimsoll_node_condition_flaps{${NODE}})`),
        )
        .transformations(
          tableColumns({
            cluster: 'Cluster',
            node: 'Node',
            condition: 'Condition',
            Value: 'Flaps',
          }),
        )
        .unit(UNIT.count)
        .dataLinks([
          findingsLink(
            'Findings for ${__data.fields.node}',
            'kind=node_memory_flapping&cluster=${__data.fields.cluster}&node=${__data.fields.node}',
          ),
          dashboardLink(
            'OOM loops of pods on ${__data.fields.node}',
            'plimsoll-oom-loops',
            'var-datasource=${datasource}&var-cluster=${__data.fields.cluster}&var-node=${__data.fields.node}',
          ),
        ])
        .height(8)
        .span(24),
    )
    .withRow(new RowBuilder('Over time'))
    .withPanel(
      new StateTimeline()
        .title('Node conditions')
        .description('Ready and MemoryPressure as kube-state-metrics reports them')
        .datasource(PROM)
        .withTarget(
          prom(
            `max by (node, condition) (kube_node_status_condition{${NODE}, condition=~"Ready|MemoryPressure", status="true"})`,
            '{{node}} {{condition}}',
          ),
        )
        .unit(UNIT.count)
        .height(10)
        .span(24),
    )
    .withPanel(
      new TimeSeries()
        .title('Memory: allocatable vs working set, per node')
        .description(
          'Working set of the node root cgroup (cAdvisor) against allocatable (kube-state-metrics)',
        )
        .datasource(PROM)
        .unit('bytes')
        .withTarget(prom(MAIN, '{{node}} allocatable', 'A'))
        .withTarget(
          prom(
            `sum by (node) (container_memory_working_set_bytes{${NODE}, id="/"})`,
            '{{node}} working set',
            'B',
          ),
        )
        .legend(
          new VizLegendOptionsBuilder()
            .displayMode(LegendDisplayMode.Table)
            .placement(LegendPlacement.Right)
            .showLegend(true)
            .calcs(['lastNotNull', 'max']),
        )
        .height(10)
        .span(16),
    )
    .withPanel(
      new TimeSeries()
        .title('Evicted pods by namespace')
        .datasource(PROM)
        .unit(UNIT.count)
        .withTarget(
          prom(
            `sum by (namespace) (kube_pod_status_reason{${CLUSTER}, reason="Evicted"})`,
            '{{namespace}}',
          ),
        )
        .height(10)
        .span(8),
    )
    .withRow(new RowBuilder('Events'))
    .withPanel(
      new LogsPanel()
        .title('Node memory events')
        .description('Evictions, SystemOOM and NotReady events from Elasticsearch')
        .datasource(ES_EVENTS)
        .withTarget(
          esLogs(
            ES_EVENTS,
            `${ES_CLUSTER} AND plimsoll.kube_event.reason:(Evicted OR SystemOOM OR NodeNotReady OR NodeHasInsufficientMemory OR EvictionThresholdMet)`,
          ),
        )
        .showTime(true)
        .wrapLogMessage(true)
        .height(10)
        .span(24),
    );
  return { uid: 'plimsoll-memory-pressure', builder, mainQuery: MAIN };
}
