// Capacity: capacity, allocatable, requests and usage over time, the forecast the capacity alert
// uses, system overhead (capacity - allocatable) and capacity stranded by fragmentation.
import { RowBuilder, CustomVariableBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { PanelBuilder as StatPanel } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TimeSeries } from '@grafana/grafana-foundation-sdk/timeseries';
import {
  apiVariable,
  clusterVariable,
  dashboard,
  findingsLink,
  prom,
  type PlimsollDashboard,
} from './common.js';
import { PROMETHEUS } from './datasources.js';

const C = 'cluster="$cluster", resource="$resource"';
const MAIN = `plimsoll_cluster_allocatable{${C}}`;

export function capacityDashboard(): PlimsollDashboard {
  const builder = dashboard(
    'plimsoll-capacity',
    'Capacity',
    'Capacity, allocatable, requests and usage per cluster, with a 30-day forecast, system overhead and stranded capacity.',
  )
    .withVariable(clusterVariable())
    .withVariable(new CustomVariableBuilder('resource').label('Resource').values('memory,cpu'))
    .withVariable(apiVariable())
    .withRow(new RowBuilder('Now'))
    .withPanel(
      new StatPanel()
        .title('Requested share of allocatable')
        .datasource(PROMETHEUS)
        .unit('percentunit')
        .withTarget(
          prom(`plimsoll_cluster_requests{${C}} / plimsoll_cluster_allocatable{${C}}`, 'requested'),
        )
        .dataLinks([
          findingsLink('Capacity findings', 'kind=node_capacity_misfit&cluster=$cluster'),
        ])
        .height(4)
        .span(6),
    )
    .withPanel(
      new StatPanel()
        .title('Used share of allocatable')
        .datasource(PROMETHEUS)
        .unit('percentunit')
        .withTarget(
          prom(`plimsoll_cluster_usage{${C}} / plimsoll_cluster_allocatable{${C}}`, 'used'),
        )
        .height(4)
        .span(6),
    )
    .withPanel(
      new StatPanel()
        .title('System overhead (capacity - allocatable)')
        .datasource(PROMETHEUS)
        .withTarget(
          prom(
            'sum(kube_node_status_capacity{cluster="$cluster", resource="$resource"}) - sum(kube_node_status_allocatable{cluster="$cluster", resource="$resource"})',
            'overhead',
          ),
        )
        .height(4)
        .span(6),
    )
    .withPanel(
      new StatPanel()
        .title('Stranded')
        .description(
          'Unrequested capacity no pod can use because the other resource ran out on its node',
        )
        .datasource(PROMETHEUS)
        .withTarget(prom(`plimsoll_cluster_stranded{${C}}`, 'stranded'))
        .height(4)
        .span(6),
    )
    .withRow(new RowBuilder('Trend'))
    .withPanel(
      new TimeSeries()
        .title('Capacity, allocatable, requests, limits and usage')
        .datasource(PROMETHEUS)
        .withTarget(prom(`plimsoll_cluster_capacity{${C}}`, 'capacity', 'A'))
        .withTarget(prom(MAIN, 'allocatable', 'B'))
        .withTarget(prom(`plimsoll_cluster_requests{${C}}`, 'requests', 'C'))
        .withTarget(prom(`plimsoll_cluster_limits{${C}}`, 'limits', 'D'))
        .withTarget(prom(`plimsoll_cluster_usage{${C}}`, 'usage', 'E'))
        .height(10)
        .span(24),
    )
    .withPanel(
      new TimeSeries()
        .title('Requests forecast, 30 days ahead')
        .description(
          'Linear fit of the last 7 days of requests; where it crosses allocatable is when new pods stay Pending',
        )
        .datasource(PROMETHEUS)
        .withTarget(
          prom(
            `predict_linear(plimsoll_cluster_requests{${C}}[7d], 30 * 86400)`,
            'requests in 30 days',
            'A',
          ),
        )
        .withTarget(prom(MAIN, 'allocatable', 'B'))
        .height(9)
        .span(12),
    )
    .withPanel(
      new TimeSeries()
        .title('Stranded capacity')
        .datasource(PROMETHEUS)
        .withTarget(prom(`plimsoll_cluster_stranded{${C}}`, 'stranded'))
        .height(9)
        .span(12),
    );
  return { uid: 'plimsoll-capacity', builder, mainQuery: MAIN };
}
