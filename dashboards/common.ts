// What the dashboards share: variables, query builders bound to the Prometheus the `datasource`
// variable picks, units, thresholds, table columns and links to the web pages. Conventions follow
// the kubernetes-mixin: a `datasource` and a `cluster` variable (whose "All" matches series with no
// cluster label, so a single-cluster Prometheus works as is), multi-value `namespace` and `node`
// with "All", `$__rate_interval` in rates.
import {
  DashboardBuilder,
  DashboardCursorSync,
  DashboardLinkBuilder,
  DashboardLinkType,
  DatasourceVariableBuilder,
  QueryVariableBuilder,
  TextBoxVariableBuilder,
  ThresholdsConfigBuilder,
  ThresholdsMode,
  VariableRefresh,
  VariableSort,
  type Dashboard,
  type DataTransformerConfig,
  type Panel,
  type RowPanel,
} from '@grafana/grafana-foundation-sdk/dashboard';
import {
  DataqueryBuilder as EsQueryBuilder,
  LogsBuilder,
} from '@grafana/grafana-foundation-sdk/elasticsearch';
import { DataqueryBuilder, PromQueryFormat } from '@grafana/grafana-foundation-sdk/prometheus';
import { DEFAULT_CURRENCY } from '../core/money.js';
import { PROMETHEUS, type DatasourceRef } from './datasources.js';

export const TAGS = ['plimsoll', 'kubernetes'];

/** What the dashboards take from the configuration. */
export interface DashboardOptions {
  /** ISO 4217 code of every money panel (config report.prices.currency). */
  readonly currency: string;
}

export const DEFAULT_DASHBOARD_OPTIONS: DashboardOptions = { currency: DEFAULT_CURRENCY };

/** The Prometheus query each dashboard cannot be empty without: checked against a real scrape. */
export interface PlimsollDashboard {
  readonly uid: string;
  readonly builder: DashboardBuilder;
  readonly mainQuery: string;
}

/** The Prometheus every panel and variable reads: the one the `datasource` variable picks. */
export const PROM: DatasourceRef = { type: 'prometheus', uid: '${datasource}' };

/** Series of the chosen cluster; with "All", every series, with a cluster label or without. */
export const CLUSTER = 'cluster=~"$cluster"';

/** The same for Elasticsearch documents, as a Lucene regular expression that All turns into any. */
export const ES_CLUSTER = 'orchestrator.cluster.name:/${cluster:regex}/';

/**
 * The time range a dashboard opens on: what its panels need to say something (a day of kills,
 * a week of requests against usage, a month of capacity trend).
 */
export type DefaultRange = 'now-1h' | 'now-6h' | 'now-24h' | 'now-7d' | 'now-30d';

export function dashboard(
  uid: string,
  title: string,
  description: string,
  range: DefaultRange,
): DashboardBuilder {
  return new DashboardBuilder(`Plimsoll / ${title}`)
    .uid(uid)
    .description(description)
    .tags(TAGS)
    .editable()
    .tooltip(DashboardCursorSync.Crosshair)
    .time({ from: range, to: 'now' })
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

/** Which Prometheus: the provisioned one by default, any other Prometheus Grafana knows. */
export function datasourceVariable(): DatasourceVariableBuilder {
  return new DatasourceVariableBuilder('datasource')
    .label('Prometheus')
    .type('prometheus')
    .current({ selected: true, text: 'Plimsoll Prometheus', value: PROMETHEUS.uid });
}

export function clusterVariable(): QueryVariableBuilder {
  // kube-state-metrics and cAdvisor series carry `cluster` only where Prometheus adds it (an
  // external label, a relabelling): "All" is `.*`, which also matches a series without it.
  const q = 'label_values(kube_node_info, cluster)';
  return new QueryVariableBuilder('cluster')
    .label('Cluster')
    .datasource(PROM)
    .query(q)
    .definition(q)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc)
    .includeAll(true)
    .allValue('.*');
}

export function namespaceVariable(): QueryVariableBuilder {
  const q = `label_values(kube_pod_info{${CLUSTER}}, namespace)`;
  return new QueryVariableBuilder('namespace')
    .label('Namespace')
    .datasource(PROM)
    .query(q)
    .definition(q)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true);
}

export function nodeVariable(): QueryVariableBuilder {
  const q = `label_values(kube_node_info{${CLUSTER}}, node)`;
  return new QueryVariableBuilder('node')
    .label('Node')
    .datasource(PROM)
    .query(q)
    .definition(q)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true);
}

/** Where Plimsoll's web pages are reachable from users' browsers; links to findings use it. */
export function apiVariable(): TextBoxVariableBuilder {
  return new TextBoxVariableBuilder('plimsoll_api')
    .label('Plimsoll')
    .defaultValue('http://localhost:8080')
    .description("Base URL of Plimsoll's API and web pages, for links to findings and workloads");
}

export function prom(expr: string, legend = '__auto', refId = 'A'): DataqueryBuilder {
  return new DataqueryBuilder()
    .datasource(PROM)
    .expr(expr)
    .legendFormat(legend)
    .refId(refId)
    .range();
}

/** An instant query shown as a table: one row per series, labels as columns. */
export function promTable(expr: string, refId = 'A'): DataqueryBuilder {
  return new DataqueryBuilder()
    .datasource(PROM)
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

/** Grafana's units for what Plimsoll plots. */
export const UNIT = {
  bytes: 'bytes',
  cores: 'suffix: cores',
  /** A share between 0 and 1, shown as a percentage. */
  share: 'percentunit',
  seconds: 's',
  /** Things counted: nodes, pods, findings, kills. */
  count: 'none',
  perSecond: 'ops',
  records: 'short',
  /** One quantity over another: request ÷ usage. */
  ratio: 'suffix:×',
} as const;

/** Currencies Grafana formats itself; any other is shown with its ISO code. */
const GRAFANA_CURRENCIES = new Set(
  'USD GBP EUR JPY RUB UAH BRL DKK ISK NOK SEK CZK CHF PLN ZAR INR KRW IDR PHP VND TRY MYR XPF BGN PYG UYU ILS'.split(
    ' ',
  ),
);

export function currencyUnit(code: string): string {
  return GRAFANA_CURRENCIES.has(code) ? `currency${code}` : `suffix: ${code}`;
}

/** The unit of a resource as kube-state-metrics' `resource` label names it. */
export function resourceUnit(resource: 'memory' | 'cpu'): string {
  return resource === 'memory' ? UNIT.bytes : UNIT.cores;
}

/**
 * Thresholds: `base` (green) below the first step, then each colour from its value on. A stat
 * that is fine at zero and bad at any value is `thresholds([['red', 1]])`.
 */
export function thresholds(
  steps: readonly [color: string, from: number][],
  base = 'green',
): ThresholdsConfigBuilder {
  return new ThresholdsConfigBuilder()
    .mode(ThresholdsMode.Absolute)
    .steps([{ value: null, color: base }, ...steps.map(([color, value]) => ({ value, color }))]);
}

/**
 * The transformations that make instant table queries read as one table: frames merged on their
 * labels, the time column dropped, the named columns renamed and in this order. The queries
 * aggregate `by` exactly the label columns named, so no other column appears. Values of query X
 * are `Value #X` (`Value` for a single query).
 */
export function tableColumns(columns: Record<string, string>): DataTransformerConfig[] {
  const names = Object.keys(columns);
  return [
    { id: 'merge', options: {} },
    {
      id: 'organize',
      options: {
        excludeByName: { Time: true },
        indexByName: Object.fromEntries(names.map((name, index) => [name, index])),
        renameByName: columns,
      },
    },
  ];
}

/**
 * Table columns whose unit differs from the panel's, by the name they are shown under (overrides
 * match the name a column has after tableColumns renamed it).
 */
export function columnUnits(units: Record<string, string>) {
  return Object.entries(units).map(([name, unit]) => ({
    matcher: { id: 'byName', options: name },
    properties: [{ id: 'unit', value: unit }],
  }));
}

/** A link to another Plimsoll dashboard, carrying the time range and the chosen variables. */
export function dashboardLink(title: string, uid: string, query: string): DashboardLinkBuilder {
  return new DashboardLinkBuilder(title).url(`/d/${uid}?\${__url_time_range}&${query}`);
}

/** Every panel of a built dashboard in layout order, rows and the panels inside them included. */
export function panelsOf(d: Dashboard): (Panel | RowPanel)[] {
  return (d.panels ?? []).flatMap((p) =>
    p.type === 'row' ? [p, ...((p as RowPanel).panels ?? [])] : [p],
  );
}

/** The labels that name one container of one workload in Plimsoll's own metrics. */
export const WORKLOAD_CONTAINER = 'cluster, namespace, workload_type, workload, container';

/** Table columns of those labels. */
export const WORKLOAD_CONTAINER_COLUMNS = {
  cluster: 'Cluster',
  namespace: 'Namespace',
  workload_type: 'Kind',
  workload: 'Workload',
  container: 'Container',
} as const;
