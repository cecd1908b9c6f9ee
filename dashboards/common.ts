// What the dashboards share: variables, query builders bound to the provisioned datasources,
// and links to the API's finding pages. Conventions follow the kubernetes-mixin: a single
// `cluster`, multi-value `namespace` and `node` with "All", `$__rate_interval` in rates.
import {
  DashboardBuilder,
  DashboardCursorSync,
  DashboardLinkBuilder,
  DashboardLinkType,
  QueryVariableBuilder,
  TextBoxVariableBuilder,
  VariableRefresh,
  VariableSort,
} from '@grafana/grafana-foundation-sdk/dashboard';
import {
  DataqueryBuilder as EsQueryBuilder,
  LogsBuilder,
} from '@grafana/grafana-foundation-sdk/elasticsearch';
import { DataqueryBuilder, PromQueryFormat } from '@grafana/grafana-foundation-sdk/prometheus';
import { PROMETHEUS, type DatasourceRef } from './datasources.js';

export const TAGS = ['plimsoll', 'kubernetes'];

/** The Prometheus query each dashboard cannot be empty without: checked against a real scrape. */
export interface PlimsollDashboard {
  readonly uid: string;
  readonly builder: DashboardBuilder;
  readonly mainQuery: string;
}

export function dashboard(uid: string, title: string, description: string): DashboardBuilder {
  return new DashboardBuilder(`Plimsoll / ${title}`)
    .uid(uid)
    .description(description)
    .tags(TAGS)
    .editable()
    .tooltip(DashboardCursorSync.Crosshair)
    .time({ from: 'now-6h', to: 'now' })
    .refresh('1m')
    .timezone('browser')
    .link(
      new DashboardLinkBuilder('Plimsoll dashboards')
        .type(DashboardLinkType.Dashboards)
        .tags(['plimsoll'])
        .asDropdown(true)
        .includeVars(true)
        .keepTime(true),
    );
}

export function clusterVariable(): QueryVariableBuilder {
  return new QueryVariableBuilder('cluster')
    .label('Cluster')
    .datasource(PROMETHEUS)
    .query('label_values(plimsoll_cluster_nodes, cluster)')
    .definition('label_values(plimsoll_cluster_nodes, cluster)')
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc);
}

export function namespaceVariable(): QueryVariableBuilder {
  const q = 'label_values(kube_pod_info{cluster="$cluster"}, namespace)';
  return new QueryVariableBuilder('namespace')
    .label('Namespace')
    .datasource(PROMETHEUS)
    .query(q)
    .definition(q)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true);
}

export function nodeVariable(): QueryVariableBuilder {
  const q = 'label_values(kube_node_info{cluster="$cluster"}, node)';
  return new QueryVariableBuilder('node')
    .label('Node')
    .datasource(PROMETHEUS)
    .query(q)
    .definition(q)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true);
}

/** Where the Plimsoll API is reachable from users' browsers; links to findings use it. */
export function apiVariable(): TextBoxVariableBuilder {
  return new TextBoxVariableBuilder('plimsoll_api')
    .label('Plimsoll API')
    .defaultValue('http://localhost:8080')
    .description('Base URL of the Plimsoll API, for links to findings');
}

export function prom(expr: string, legend = '__auto', refId = 'A'): DataqueryBuilder {
  return new DataqueryBuilder()
    .datasource(PROMETHEUS)
    .expr(expr)
    .legendFormat(legend)
    .refId(refId)
    .range();
}

/** An instant query shown as a table: one row per series, labels as columns. */
export function promTable(expr: string, refId = 'A'): DataqueryBuilder {
  return new DataqueryBuilder()
    .datasource(PROMETHEUS)
    .expr(expr)
    .refId(refId)
    .instant()
    .format(PromQueryFormat.Table);
}

export function esLogs(ds: DatasourceRef, query: string, refId = 'A'): EsQueryBuilder {
  return new EsQueryBuilder()
    .datasource(ds)
    .query(query)
    .timeField('@timestamp')
    .metrics([new LogsBuilder().id('1')])
    .bucketAggs([])
    .refId(refId);
}

/** A data link to the findings page (/ui/findings), filtered by the row's labels. */
export function findingsLink(title: string, query: string): DashboardLinkBuilder {
  return new DashboardLinkBuilder(title)
    .url(`\${plimsoll_api}/ui/findings?status=open&${query}`)
    .targetBlank(true);
}

/** A data link to the row's workload page: its verdicts, kills, memory chart and patch. */
export function workloadLink(title: string): DashboardLinkBuilder {
  return new DashboardLinkBuilder(title)
    .url(
      '${plimsoll_api}/ui/workloads/${__data.fields.namespace}/${__data.fields.workload_type}/${__data.fields.workload}',
    )
    .targetBlank(true);
}
