// Plimsoll's own pipeline: component health, records in, out and rejected, consumer lag, the
// last successful collection per collector, and how fresh the findings are.
import { RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { PanelBuilder as StatPanel } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TablePanel } from '@grafana/grafana-foundation-sdk/table';
import { PanelBuilder as TimeSeries } from '@grafana/grafana-foundation-sdk/timeseries';
import { apiVariable, dashboard, prom, promTable, type PlimsollDashboard } from './common.js';
import { PROMETHEUS } from './datasources.js';

const MAIN = 'min by (component) (plimsoll_component_up)';

export function pipelineDashboard(): PlimsollDashboard {
  const builder = dashboard(
    'plimsoll-pipeline',
    'Pipeline',
    "Health of Plimsoll's collectors, bus, ingest and analyzers.",
  )
    .withVariable(apiVariable())
    .withRow(new RowBuilder('Health'))
    .withPanel(
      new StatPanel()
        .title('Components up')
        .datasource(PROMETHEUS)
        .withTarget(prom(MAIN, '{{component}}'))
        .height(5)
        .span(12),
    )
    .withPanel(
      new StatPanel()
        .title('Findings age')
        .description('Time since the analyzers last refreshed the finding metrics')
        .datasource(PROMETHEUS)
        .unit('s')
        .withTarget(
          prom('time() - max(plimsoll_finding_metrics_last_refresh_timestamp_seconds)', 'age'),
        )
        .height(5)
        .span(6),
    )
    .withPanel(
      new StatPanel()
        .title('Open findings')
        .datasource(PROMETHEUS)
        .withTarget(prom('sum by (kind) (plimsoll_findings{status="open"})', '{{kind}}'))
        .height(5)
        .span(6),
    )
    .withRow(new RowBuilder('Records'))
    .withPanel(
      new TimeSeries()
        .title('Records in, out and rejected')
        .datasource(PROMETHEUS)
        .unit('ops')
        .withTarget(
          prom(
            'sum by (topic) (rate(plimsoll_bus_records_published_total[$__rate_interval]))',
            'published {{topic}}',
            'A',
          ),
        )
        .withTarget(
          prom(
            'sum by (kind) (rate(plimsoll_ingest_records_indexed_total[$__rate_interval]))',
            'indexed {{kind}}',
            'B',
          ),
        )
        .withTarget(
          prom(
            'sum by (stage, error_type) (rate(plimsoll_records_rejected_total[$__rate_interval]))',
            'rejected {{stage}} {{error_type}}',
            'C',
          ),
        )
        .height(9)
        .span(12),
    )
    .withPanel(
      new TimeSeries()
        .title('Consumer lag')
        .datasource(PROMETHEUS)
        .withTarget(prom('sum by (topic) (plimsoll_ingest_consumer_lag_records)', '{{topic}}'))
        .height(9)
        .span(12),
    )
    .withPanel(
      new TimeSeries()
        .title('Ingest batch duration p99')
        .datasource(PROMETHEUS)
        .unit('s')
        .withTarget(
          prom(
            'histogram_quantile(0.99, sum by (le) (rate(plimsoll_ingest_batch_duration_seconds_bucket[$__rate_interval])))',
            'p99',
          ),
        )
        .height(8)
        .span(12),
    )
    .withPanel(
      new TimeSeries()
        .title('Errors by component')
        .datasource(PROMETHEUS)
        .withTarget(
          prom(
            'sum by (component, error_type) (rate(plimsoll_component_errors_total[$__rate_interval]))',
            '{{component}} {{error_type}}',
          ),
        )
        .height(8)
        .span(12),
    )
    .withRow(new RowBuilder('Collectors'))
    .withPanel(
      new TablePanel()
        .title('Seconds since last successful collection')
        .datasource(PROMETHEUS)
        .withTarget(
          promTable(
            'time() - max by (collector) (plimsoll_collector_last_success_timestamp_seconds)',
          ),
        )
        .height(8)
        .span(12),
    )
    .withPanel(
      new TimeSeries()
        .title('Collected records by collector and kind')
        .datasource(PROMETHEUS)
        .unit('ops')
        .withTarget(
          prom(
            'sum by (collector, kind) (rate(plimsoll_collector_records_emitted_total[$__rate_interval]))',
            '{{collector}} {{kind}}',
          ),
        )
        .height(8)
        .span(12),
    );
  return { uid: 'plimsoll-pipeline', builder, mainQuery: MAIN };
}
