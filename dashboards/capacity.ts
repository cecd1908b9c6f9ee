// Capacity: capacity, allocatable, requests and usage over time, the forecast the capacity alert
// uses, system overhead (capacity - allocatable) and capacity stranded by fragmentation. One row
// per resource, so that every panel has its unit: bytes for memory, cores for CPU.
import { RowBuilder, type DashboardBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { PanelBuilder as StatPanel } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TimeSeries } from '@grafana/grafana-foundation-sdk/timeseries';
import {
  REQUESTS_SATURATED_SHARE,
  STRANDED_REPORTED_FROM,
} from '../analyzers/misfit/node-rules.js';
import {
  apiVariable,
  CLUSTER,
  clusterVariable,
  dashboard,
  datasourceVariable,
  findingsLink,
  prom,
  PROM,
  resourceUnit,
  thresholds,
  UNIT,
  type PlimsollDashboard,
} from './common.js';

type Resource = 'memory' | 'cpu';
const RESOURCES: readonly Resource[] = ['memory', 'cpu'];
const of = (resource: Resource) => `${CLUSTER}, resource="${resource}"`;
const MAIN = `plimsoll_cluster_allocatable{${of('memory')}}`;

/** Requests at this share of allocatable are the capacity analyzer's warning: pods start to wait. */
const requestedThresholds = () =>
  thresholds([
    ['orange', REQUESTS_SATURATED_SHARE],
    ['red', 1],
  ]);
/** The least that counts as reserved: a byte of memory, a millicore. */
const SMALLEST: Record<Resource, number> = { memory: 1, cpu: 0.001 };

function resourceRow(builder: DashboardBuilder, resource: Resource): DashboardBuilder {
  const C = of(resource);
  const unit = resourceUnit(resource);
  const name = resource === 'memory' ? 'Memory' : 'CPU';
  return builder
    .withRow(new RowBuilder(name))
    .withPanel(
      new StatPanel()
        .title(`${name} requested, share of allocatable`)
        .description(
          `Sum of the pods' requests over the nodes' allocatable. From ${REQUESTS_SATURATED_SHARE * 100} % new pods start to wait for capacity (the capacity analyzer warns); above 100 % some stay Pending.`,
        )
        .datasource(PROM)
        .unit(UNIT.share)
        .thresholds(requestedThresholds())
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
        .title(`${name} used, share of allocatable`)
        .datasource(PROM)
        .unit(UNIT.share)
        .thresholds(requestedThresholds())
        .withTarget(
          prom(`plimsoll_cluster_usage{${C}} / plimsoll_cluster_allocatable{${C}}`, 'used'),
        )
        .height(4)
        .span(6),
    )
    .withPanel(
      new StatPanel()
        .title(`${name} reserved for the system (capacity − allocatable)`)
        .description(
          'What the kubelet sets aside for the OS, the runtime and eviction; zero means nothing is reserved',
        )
        .datasource(PROM)
        .unit(unit)
        // Nothing reserved is the misconfiguration the capacity analyzer reports (no_system_reserved).
        .thresholds(thresholds([['green', SMALLEST[resource]]], 'red'))
        .withTarget(
          prom(
            `sum(kube_node_status_capacity{${C}}) - sum(kube_node_status_allocatable{${C}})`,
            'reserved',
          ),
        )
        .height(4)
        .span(6),
    )
    .withPanel(
      new StatPanel()
        .title(`${name} stranded`)
        .description(
          'Unrequested capacity no pod can use because the other resource ran out on its node',
        )
        .datasource(PROM)
        .unit(unit)
        // From where the capacity analyzer reports stranded capacity.
        .thresholds(thresholds([['orange', STRANDED_REPORTED_FROM[resource]]]))
        .withTarget(prom(`plimsoll_cluster_stranded{${C}}`, 'stranded'))
        .height(4)
        .span(6),
    )
    .withPanel(
      new TimeSeries()
        .title(`${name}: capacity, allocatable, requests, limits and usage`)
        .datasource(PROM)
        .unit(unit)
        .withTarget(prom(`plimsoll_cluster_capacity{${C}}`, 'capacity', 'A'))
        .withTarget(prom(`plimsoll_cluster_allocatable{${C}}`, 'allocatable', 'B'))
        .withTarget(prom(`plimsoll_cluster_requests{${C}}`, 'requests', 'C'))
        .withTarget(prom(`plimsoll_cluster_limits{${C}}`, 'limits', 'D'))
        .withTarget(prom(`plimsoll_cluster_usage{${C}}`, 'usage', 'E'))
        .height(9)
        .span(12),
    )
    .withPanel(
      new TimeSeries()
        .title(`${name} requests in 30 days (linear forecast) against allocatable`)
        .description(
          'Linear fit of the last 7 days of requests; where it crosses allocatable is when new pods stay Pending',
        )
        .datasource(PROM)
        .unit(unit)
        .withTarget(
          prom(
            `predict_linear(plimsoll_cluster_requests{${C}}[7d], 30 * 86400)`,
            'requests in 30 days',
            'A',
          ),
        )
        .withTarget(prom(`plimsoll_cluster_allocatable{${C}}`, 'allocatable', 'B'))
        .height(9)
        .span(12),
    );
}

export function capacityDashboard(): PlimsollDashboard {
  let builder = dashboard(
    'plimsoll-capacity',
    'Capacity',
    'Capacity, allocatable, requests and usage per cluster, with a 30-day forecast, system overhead and stranded capacity, for memory and CPU.',
    'now-30d',
  )
    .withVariable(datasourceVariable())
    .withVariable(clusterVariable())
    .withVariable(apiVariable());
  for (const resource of RESOURCES) builder = resourceRow(builder, resource);
  return { uid: 'plimsoll-capacity', builder, mainQuery: MAIN };
}
