// The datasources every dashboard references, by uid, and their Grafana provisioning file. The
// uids are fixed so provisioned dashboards resolve them on any Grafana; URLs come from the
// environment of the Grafana container (Grafana expands $VAR in provisioning files).
export interface DatasourceRef {
  readonly type: string;
  readonly uid: string;
}

export const PROMETHEUS: DatasourceRef = { type: 'prometheus', uid: 'plimsoll-prometheus' };
export const ES_LOGS: DatasourceRef = { type: 'elasticsearch', uid: 'plimsoll-es-logs' };
export const ES_EVENTS: DatasourceRef = { type: 'elasticsearch', uid: 'plimsoll-es-events' };

export const DATASOURCES: readonly DatasourceRef[] = [PROMETHEUS, ES_LOGS, ES_EVENTS];

export interface DatasourceOptions {
  /** Index prefix the store writes (elasticsearch.indexPrefix). */
  readonly indexPrefix?: string;
}

export function datasourceProvisioning(options: DatasourceOptions = {}): Record<string, unknown> {
  const prefix = options.indexPrefix ?? 'plimsoll';
  const es = (ref: DatasourceRef, name: string, family: string, messageField: string) => ({
    name,
    uid: ref.uid,
    type: ref.type,
    access: 'proxy',
    url: '$PLIMSOLL_ELASTICSEARCH_URL',
    // Grafana < 10 reads the index from `database`, later versions from jsonData.index.
    database: `${prefix}-${family}-*`,
    jsonData: {
      index: `${prefix}-${family}-*`,
      timeField: '@timestamp',
      logMessageField: messageField,
      maxConcurrentShardRequests: 5,
    },
    editable: false,
  });
  return {
    apiVersion: 1,
    datasources: [
      {
        name: 'Plimsoll Prometheus',
        uid: PROMETHEUS.uid,
        type: PROMETHEUS.type,
        access: 'proxy',
        url: '$PLIMSOLL_PROMETHEUS_URL',
        isDefault: true,
        jsonData: { timeInterval: '30s' },
        editable: false,
      },
      es(ES_LOGS, 'Plimsoll Elasticsearch logs', 'logs', 'message'),
      es(ES_EVENTS, 'Plimsoll Elasticsearch events', 'events', 'message'),
    ],
  };
}
