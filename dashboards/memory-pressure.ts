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
  clusterVariable,
  dashboard,
  esLogs,
  findingsLink,
  nodeVariable,
  prom,
  promTable,
  type PlimsollDashboard,
} from './common.js';
import { ES_EVENTS, PROMETHEUS } from './datasources.js';

const NODE = 'cluster="$cluster", node=~"$node"';
const MAIN = `sum by (node) (kube_node_status_allocatable{${NODE}, resource="memory"})`;

export function memoryPressureDashboard(): PlimsollDashboard {
  const builder = dashboard(
    'plimsoll-memory-pressure',
    'Cluster memory pressure',
    'Nodes flapping under memory pressure, their conditions, evictions and memory use against allocatable.',
  )
    .withVariable(clusterVariable())
    .withVariable(nodeVariable())
    .withVariable(apiVariable())
    .withRow(new RowBuilder('Now'))
    .withPanel(
      new StatPanel()
        .title('Flapping nodes')
        .description('Nodes with an open memory-pressure flapping finding')
        .datasource(PROMETHEUS)
        .withTarget(prom(`sum(plimsoll_node_flapping{${NODE}})`, 'flapping'))
        .noValue('0')
        .height(4)
        .span(6),
    )
    .withPanel(
      new StatPanel()
        .title('Nodes under MemoryPressure')
        .datasource(PROMETHEUS)
        .withTarget(
          prom(
            `sum(kube_node_status_condition{${NODE}, condition="MemoryPressure", status="true"})`,
            'MemoryPressure',
          ),
        )
        .noValue('0')
        .height(4)
        .span(6),
    )
    .withPanel(
      new StatPanel()
        .title('Nodes not Ready')
        .datasource(PROMETHEUS)
        .withTarget(
          prom(
            `sum(kube_node_status_condition{${NODE}, condition="Ready", status!="true"})`,
            'NotReady',
          ),
        )
        .noValue('0')
        .height(4)
        .span(6),
    )
    .withPanel(
      new StatPanel()
        .title('Evicted pods')
        .datasource(PROMETHEUS)
        .withTarget(
          prom(`sum(kube_pod_status_reason{cluster="$cluster", reason="Evicted"})`, 'evicted'),
        )
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
        .datasource(PROMETHEUS)
        .withTarget(promTable(`plimsoll_node_condition_flaps{${NODE}}`))
        .dataLinks([
          findingsLink(
            'Findings for ${__data.fields.node}',
            'kind=node_memory_flapping&cluster=${__data.fields.cluster}&node=${__data.fields.node}',
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
        .datasource(PROMETHEUS)
        .withTarget(
          prom(
            `max by (node, condition) (kube_node_status_condition{${NODE}, condition=~"Ready|MemoryPressure", status="true"})`,
            '{{node}} {{condition}}',
          ),
        )
        .height(10)
        .span(24),
    )
    .withPanel(
      new TimeSeries()
        .title('Memory: allocatable vs working set, per node')
        .description(
          'Working set of the node root cgroup (cAdvisor) against allocatable (kube-state-metrics)',
        )
        .datasource(PROMETHEUS)
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
        .datasource(PROMETHEUS)
        .withTarget(
          prom(
            'sum by (namespace) (kube_pod_status_reason{cluster="$cluster", reason="Evicted"})',
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
            'orchestrator.cluster.name:"$cluster" AND plimsoll.kube_event.reason:(Evicted OR SystemOOM OR NodeNotReady OR NodeHasInsufficientMemory OR EvictionThresholdMet)',
          ),
        )
        .showTime(true)
        .wrapLogMessage(true)
        .height(10)
        .span(24),
    );
  return { uid: 'plimsoll-memory-pressure', builder, mainQuery: MAIN };
}
