// Plimsoll's own pipeline: component health, records in, out and rejected, consumer lag, the
// last successful collection per collector, and how fresh the findings are.
import { RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { PanelBuilder as StatPanel } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TablePanel } from '@grafana/grafana-foundation-sdk/table';
import { PanelBuilder as TimeSeries } from '@grafana/grafana-foundation-sdk/timeseries';
import { COLLECTOR_STALLED_SECONDS, FINDINGS_STALE_SECONDS } from '../alerts/rules.js';
import {
  apiVariable,
  dashboard,
  datasourceVariable,
  prom,
  PROM,
  promTable,
  tableColumns,
  thresholds,
  UNIT,
  type PlimsollDashboard,
} from './common.js';

const MAIN = 'min by (component) (plimsoll_component_up)';

export function pipelineDashboard(): PlimsollDashboard {
  const builder = dashboard(
    'plimsoll-pipeline',
    'Pipeline',
    "Health of Plimsoll's collectors, bus, ingest and analyzers.",
    'now-6h',
  )
    .withVariable(datasourceVariable())
    .withVariable(apiVariable())
    .withRow(new RowBuilder('Health'))
    .withPanel(
      new StatPanel()
        .title('Components up (1) or down (0)')
        .datasource(PROM)
        .unit(UNIT.count)
        .thresholds(thresholds([['green', 1]], 'red'))
        .withTarget(prom(MAIN, '{{component}}'))
        .height(5)
        .span(12),
    )
    .withPanel(
      new StatPanel()
        .title('Findings age')
        .description(
          `Time since the analyzers last refreshed the finding metrics; the findings-stale alert fires from ${FINDINGS_STALE_SECONDS / 60} minutes`,
        )
        .datasource(PROM)
        .unit(UNIT.seconds)
        .thresholds(
          thresholds([
            ['orange', FINDINGS_STALE_SECONDS / 2],
            ['red', FINDINGS_STALE_SECONDS],
          ]),
        )
        .withTarget(
          prom('time() - max(plimsoll_finding_metrics_last_refresh_timestamp_seconds)', 'age'),
        )
        .height(5)
        .span(6),
    )
    .withPanel(
      new StatPanel()
        .title('Open findings by kind')
        .description('Informational: how many problems are open now, of each kind')
        .datasource(PROM)
        .unit(UNIT.count)
        .thresholds(thresholds([], 'blue'))
        .withTarget(prom('sum by (kind) (plimsoll_findings{status="open"})', '{{kind}}'))
        .height(5)
        .span(6),
    )
    .withRow(new RowBuilder('Records'))
    .withPanel(
      new TimeSeries()
        .title('Records published, indexed and rejected per second')
        .datasource(PROM)
        .unit(UNIT.perSecond)
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
        .title('Ingest consumer lag (records waiting), by topic')
        .datasource(PROM)
        .unit(UNIT.records)
        .withTarget(prom('sum by (topic) (plimsoll_ingest_consumer_lag_records)', '{{topic}}'))
        .height(9)
        .span(12),
    )
    .withPanel(
      new TimeSeries()
        .title('Ingest batch duration, p99')
        .datasource(PROM)
        .unit(UNIT.seconds)
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
        .title('Errors per second, by component and type')
        .datasource(PROM)
        .unit(UNIT.perSecond)
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
        .title('Time since the last successful collection, by collector')
        .description(
          `The collector-stalled alert fires from ${COLLECTOR_STALLED_SECONDS / 60} minutes`,
        )
        .datasource(PROM)
        .unit(UNIT.seconds)
        .thresholds(thresholds([['red', COLLECTOR_STALLED_SECONDS]]))
        .withTarget(
          promTable(
            'time() - max by (collector) (plimsoll_collector_last_success_timestamp_seconds)',
          ),
        )
        .transformations(tableColumns({ collector: 'Collector', Value: 'Since last success' }))
        .height(8)
        .span(12),
    )
    .withPanel(
      new TimeSeries()
        .title('Collected records per second, by collector and kind')
        .datasource(PROM)
        .unit(UNIT.perSecond)
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
