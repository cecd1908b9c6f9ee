// Requests and limits fit: waste and risk by namespace and workload, and the recommended
// requests next to the current ones, in the numbers the weekly report uses.
import { RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { PanelBuilder as BarGauge } from '@grafana/grafana-foundation-sdk/bargauge';
import { PanelBuilder as TablePanel } from '@grafana/grafana-foundation-sdk/table';
import { PanelBuilder as TimeSeries } from '@grafana/grafana-foundation-sdk/timeseries';
import { OVER_REQUESTED_WARNING_MONTHLY } from '../analyzers/misfit/container-rules.js';
import {
  apiVariable,
  CLUSTER,
  clusterVariable,
  columnUnits,
  currencyUnit,
  dashboard,
  datasourceVariable,
  DEFAULT_DASHBOARD_OPTIONS,
  findingsLink,
  namespaceVariable,
  prom,
  PROM,
  promTable,
  tableColumns,
  thresholds,
  UNIT,
  workloadLink,
  WORKLOAD_CONTAINER,
  WORKLOAD_CONTAINER_COLUMNS,
  type PlimsollDashboard,
} from './common.js';

const NS = `${CLUSTER}, namespace=~"$namespace"`;
const MAIN = `sum by (namespace) (kube_pod_container_resource_requests{${NS}, resource="memory"})`;
const perContainer = (series: string, filter = '') =>
  `max by (${WORKLOAD_CONTAINER}) (${series}{${NS}${filter}})`;

export function requestsFitDashboard(options = DEFAULT_DASHBOARD_OPTIONS): PlimsollDashboard {
  const money = currencyUnit(options.currency);
  const builder = dashboard(
    'plimsoll-requests-fit',
    'Requests & limits fit',
    'Over-requested (waste) and under-requested (risk) workloads by namespace, and recommended requests.',
    'now-7d',
  )
    .withVariable(datasourceVariable())
    .withVariable(clusterVariable())
    .withVariable(namespaceVariable())
    .withVariable(apiVariable())
    .withRow(new RowBuilder('By namespace'))
    .withPanel(
      new TimeSeries()
        .title('Memory requested vs used, by namespace')
        .datasource(PROM)
        .unit(UNIT.bytes)
        .withTarget(prom(MAIN, '{{namespace}} requested', 'A'))
        .withTarget(
          prom(
            `sum by (namespace) (container_memory_working_set_bytes{${NS}, container!="", image!=""})`,
            '{{namespace}} used',
            'B',
          ),
        )
        .height(9)
        .span(12),
    )
    .withPanel(
      new TimeSeries()
        .title('CPU requested vs used, by namespace')
        .datasource(PROM)
        .unit(UNIT.cores)
        .withTarget(
          prom(
            `sum by (namespace) (kube_pod_container_resource_requests{${NS}, resource="cpu"})`,
            '{{namespace}} requested',
            'A',
          ),
        )
        .withTarget(
          prom(
            `sum by (namespace) (rate(container_cpu_usage_seconds_total{${NS}, container!="", image!=""}[$__rate_interval]))`,
            '{{namespace}} used',
            'B',
          ),
        )
        .height(9)
        .span(12),
    )
    .withPanel(
      new BarGauge()
        .title(`Monthly cost of requested, unused capacity, by namespace (${options.currency})`)
        .description(
          `Over-requested containers' requests above their usage, priced with the report's price book. The misfit analyzer warns from ${OVER_REQUESTED_WARNING_MONTHLY} a month for one container.`,
        )
        .datasource(PROM)
        .unit(money)
        .thresholds(thresholds([['orange', OVER_REQUESTED_WARNING_MONTHLY]]))
        .withTarget(
          prom(`sum by (namespace) (plimsoll_misfit_monthly_waste{${NS}})`, '{{namespace}}'),
        )
        .height(8)
        .span(12),
    )
    .withPanel(
      new TablePanel()
        .title('Open misfit findings by namespace, category and severity')
        .datasource(PROM)
        .unit(UNIT.count)
        .withTarget(
          promTable(
            `sum by (cluster, namespace, category, severity) (plimsoll_misfit_findings{${NS}})`,
          ),
        )
        .transformations(
          tableColumns({
            cluster: 'Cluster',
            namespace: 'Namespace',
            category: 'Category',
            severity: 'Severity',
            Value: 'Findings',
          }),
        )
        .dataLinks([
          findingsLink(
            'Misfit findings in ${__data.fields.namespace}',
            'kind=requests_misfit&cluster=${__data.fields.cluster}&namespace=${__data.fields.namespace}',
          ),
        ])
        .height(8)
        .span(12),
    )
    .withRow(new RowBuilder('By workload container'))
    .withPanel(
      new TablePanel()
        .title('Risk: memory requests below usage, limits near the peak')
        .description(
          'Request ÷ usage below 1: the container uses more than it asked for. Limit ÷ peak near 1: kills or throttling.',
        )
        .datasource(PROM)
        .unit(UNIT.ratio)
        .withTarget(
          promTable(
            perContainer('plimsoll_misfit_request_usage_ratio', ', resource="memory"') + ' < 1',
            'A',
          ),
        )
        .withTarget(
          promTable(
            perContainer('plimsoll_misfit_limit_peak_ratio', ', resource="memory"') + ' < 1.1',
            'B',
          ),
        )
        .transformations(
          tableColumns({
            ...WORKLOAD_CONTAINER_COLUMNS,
            'Value #A': 'Memory request ÷ p99 usage',
            'Value #B': 'Memory limit ÷ peak',
          }),
        )
        .dataLinks([workloadLink('${__data.fields.workload}: verdict, usage and patch')])
        .height(8)
        .span(12),
    )
    .withPanel(
      new TablePanel()
        .title('Waste: requests more than twice the usage')
        .description('Request ÷ usage (CPU p95, memory p99) over the misfit window, the 20 largest')
        .datasource(PROM)
        .unit(UNIT.ratio)
        .withTarget(
          promTable(
            `topk(20, max by (${WORKLOAD_CONTAINER}, resource) (plimsoll_misfit_request_usage_ratio{${NS}}) > 2)`,
          ),
        )
        .transformations(
          tableColumns({
            ...WORKLOAD_CONTAINER_COLUMNS,
            resource: 'Resource',
            Value: 'Request ÷ usage',
          }),
        )
        .dataLinks([workloadLink('${__data.fields.workload}: verdict, usage and patch')])
        .height(8)
        .span(12),
    )
    .withPanel(
      new TablePanel()
        .title('Recommendations: current and recommended requests, monthly change')
        .description('The monthly change is negative for a saving')
        .datasource(PROM)
        .withTarget(promTable(perContainer('plimsoll_current_request', ', resource="cpu"'), 'A'))
        .withTarget(
          promTable(perContainer('plimsoll_recommended_request', ', resource="cpu"'), 'B'),
        )
        .withTarget(promTable(perContainer('plimsoll_current_request', ', resource="memory"'), 'C'))
        .withTarget(
          promTable(perContainer('plimsoll_recommended_request', ', resource="memory"'), 'D'),
        )
        .withTarget(promTable(perContainer('plimsoll_recommendation_monthly_cost_delta'), 'E'))
        .transformations(
          tableColumns({
            ...WORKLOAD_CONTAINER_COLUMNS,
            'Value #A': 'CPU request',
            'Value #B': 'CPU recommended',
            'Value #C': 'Memory request',
            'Value #D': 'Memory recommended',
            'Value #E': `Monthly change (${options.currency})`,
          }),
        )
        .unit(UNIT.count)
        .overrides(
          columnUnits({
            'CPU request': UNIT.cores,
            'CPU recommended': UNIT.cores,
            'Memory request': UNIT.bytes,
            'Memory recommended': UNIT.bytes,
            [`Monthly change (${options.currency})`]: money,
          }),
        )
        .dataLinks([
          workloadLink('${__data.fields.workload}: verdict, usage and patch'),
          findingsLink(
            'Recommendations in ${__data.fields.namespace}',
            'kind=recommendation&cluster=${__data.fields.cluster}&namespace=${__data.fields.namespace}',
          ),
        ])
        .height(10)
        .span(24),
    );
  return { uid: 'plimsoll-requests-fit', builder, mainQuery: MAIN };
}
