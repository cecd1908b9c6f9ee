// Requests and limits fit: waste and risk by namespace and workload, and the recommended
// requests next to the current ones, in the numbers the weekly report uses.
import { RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { PanelBuilder as BarGauge } from '@grafana/grafana-foundation-sdk/bargauge';
import { PanelBuilder as TablePanel } from '@grafana/grafana-foundation-sdk/table';
import { PanelBuilder as TimeSeries } from '@grafana/grafana-foundation-sdk/timeseries';
import {
  apiVariable,
  clusterVariable,
  dashboard,
  findingsLink,
  namespaceVariable,
  prom,
  promTable,
  type PlimsollDashboard,
} from './common.js';
import { PROMETHEUS } from './datasources.js';

const NS = 'cluster="$cluster", namespace=~"$namespace"';
const MAIN = `sum by (namespace) (kube_pod_container_resource_requests{${NS}, resource="memory"})`;

export function requestsFitDashboard(): PlimsollDashboard {
  const builder = dashboard(
    'plimsoll-requests-fit',
    'Requests & limits fit',
    'Over-requested (waste) and under-requested (risk) workloads by namespace, and recommended requests.',
  )
    .withVariable(clusterVariable())
    .withVariable(namespaceVariable())
    .withVariable(apiVariable())
    .withRow(new RowBuilder('By namespace'))
    .withPanel(
      new TimeSeries()
        .title('Memory requested vs used, by namespace')
        .datasource(PROMETHEUS)
        .unit('bytes')
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
        .datasource(PROMETHEUS)
        .unit('short')
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
        .title('Monthly waste by namespace')
        .description('Cost of requested and unused capacity in over-requested containers')
        .datasource(PROMETHEUS)
        .withTarget(
          prom(`sum by (namespace) (plimsoll_misfit_monthly_waste{${NS}})`, '{{namespace}}'),
        )
        .height(8)
        .span(12),
    )
    .withPanel(
      new TablePanel()
        .title('Misfit findings by namespace and category')
        .datasource(PROMETHEUS)
        .withTarget(
          promTable(`sum by (namespace, category, severity) (plimsoll_misfit_findings{${NS}})`),
        )
        .dataLinks([
          findingsLink(
            'Misfit findings in ${__data.fields.namespace}',
            'kind=requests_misfit&cluster=$cluster&namespace=${__data.fields.namespace}',
          ),
        ])
        .height(8)
        .span(12),
    )
    .withRow(new RowBuilder('By workload'))
    .withPanel(
      new TablePanel()
        .title('Risk: requests below usage, limits near peak')
        .description(
          'request/usage < 1 means the container uses more than it asked for; limit/peak near 1 means kills or throttling',
        )
        .datasource(PROMETHEUS)
        .withTarget(promTable(`plimsoll_misfit_request_usage_ratio{${NS}} < 1`, 'A'))
        .withTarget(promTable(`plimsoll_misfit_limit_peak_ratio{${NS}} < 1.1`, 'B'))
        .dataLinks([
          findingsLink(
            'Findings for ${__data.fields.workload}',
            'kind=requests_misfit&cluster=$cluster&namespace=${__data.fields.namespace}',
          ),
        ])
        .height(8)
        .span(12),
    )
    .withPanel(
      new TablePanel()
        .title('Waste: requests far above usage')
        .datasource(PROMETHEUS)
        .withTarget(promTable(`topk(20, plimsoll_misfit_request_usage_ratio{${NS}} > 2)`))
        .height(8)
        .span(12),
    )
    .withPanel(
      new TablePanel()
        .title('Recommendations: current vs recommended requests')
        .description('Monthly cost delta is negative for a saving')
        .datasource(PROMETHEUS)
        .withTarget(promTable(`plimsoll_current_request{${NS}}`, 'A'))
        .withTarget(promTable(`plimsoll_recommended_request{${NS}}`, 'B'))
        .withTarget(promTable(`plimsoll_recommendation_monthly_cost_delta{${NS}}`, 'C'))
        .withTransformation({ id: 'merge', options: {} })
        .dataLinks([
          findingsLink(
            'Recommendation for ${__data.fields.workload}',
            'kind=recommendation&cluster=$cluster&namespace=${__data.fields.namespace}',
          ),
        ])
        .height(10)
        .span(24),
    );
  return { uid: 'plimsoll-requests-fit', builder, mainQuery: MAIN };
}
