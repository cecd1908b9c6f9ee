// Index layout: which index a record lands in, and the templates that map those indices.
// Time-based indices are daily and named by the record's own time (not arrival time), so a
// replayed record lands in the same index under the same id. Plain index templates and daily
// names work on every 8.x, including distributions without ILM or data streams.
import type { AnyEnvelope, RecordKind } from '../../core/envelope.js';

export type IndexFamily =
  'inventory' | 'samples' | 'rollups' | 'events' | 'logs' | 'findings' | 'reports' | 'state';

/** Bumped whenever a template changes; installation replaces older versions. */
export const TEMPLATE_VERSION = 3;

export const FAMILY_OF_KIND: Readonly<Record<RecordKind, IndexFamily>> = {
  node: 'inventory',
  pod: 'inventory',
  usage_sample: 'samples',
  kube_event: 'events',
  node_transition: 'events',
  container_termination: 'events',
  log_line: 'logs',
};

export const TIME_BASED: ReadonlySet<IndexFamily> = new Set([
  'samples',
  'rollups',
  'events',
  'logs',
]);

/** The time a record is about: what it is indexed and retained by. */
export function recordTime(record: AnyEnvelope): number {
  switch (record.kind) {
    case 'node':
    case 'pod':
      return record.observedAt;
    case 'usage_sample':
      return record.payload.timestamp;
    case 'kube_event':
      return record.payload.lastTimestamp;
    case 'node_transition':
      return record.payload.at;
    case 'container_termination':
      return record.payload.termination.finishedAt;
    case 'log_line':
      return record.payload.timestamp;
  }
}

export const dayOf = (epochMs: number) =>
  new Date(epochMs).toISOString().slice(0, 10).replaceAll('-', '.');

export class IndexNames {
  constructor(readonly prefix: string) {}

  /** Concrete index for one record. */
  forRecord(record: AnyEnvelope): string {
    const family = FAMILY_OF_KIND[record.kind];
    return TIME_BASED.has(family)
      ? `${this.prefix}-${family}-${dayOf(recordTime(record))}`
      : `${this.prefix}-${family}`;
  }

  /** Pattern covering every index of a family. */
  pattern(family: IndexFamily): string {
    return TIME_BASED.has(family) ? `${this.prefix}-${family}-*` : `${this.prefix}-${family}`;
  }

  forKind(kind: RecordKind): string {
    return this.pattern(FAMILY_OF_KIND[kind]);
  }

  /** Concrete index of a time-based family for a time. */
  daily(family: IndexFamily, epochMs: number): string {
    return `${this.prefix}-${family}-${dayOf(epochMs)}`;
  }

  /** Single index of a family that is not time-based. */
  single(family: IndexFamily): string {
    return `${this.prefix}-${family}`;
  }

  /** Family and day of a concrete time-based index name; undefined for any other index. */
  parseDaily(index: string): { family: IndexFamily; day: number } | undefined {
    const match = /^(.*)-([a-z]+)-(\d{4})\.(\d{2})\.(\d{2})$/.exec(index);
    if (!match || match[1] !== this.prefix) return undefined;
    const family = match[2] as IndexFamily;
    if (!TIME_BASED.has(family)) return undefined;
    return { family, day: Date.UTC(Number(match[3]), Number(match[4]) - 1, Number(match[5])) };
  }

  template(family: IndexFamily): string {
    return `${this.prefix}-${family}`;
  }
}

const keyword = { type: 'keyword', ignore_above: 1024 } as const;
const date = { type: 'date', format: 'epoch_millis||strict_date_optional_time' } as const;
const long = { type: 'long' } as const;
const double = { type: 'double' } as const;
const opaque = { type: 'object', enabled: false } as const;

const workloadRef = {
  properties: { namespace: keyword, kind: keyword, name: keyword },
};
const resources = { properties: { cpuCores: double, memoryBytes: double } };

/** ECS fields every family shares, plus Plimsoll's envelope fields. */
const commonProperties = {
  '@timestamp': date,
  event: { properties: { dataset: keyword, kind: keyword, ingested: date } },
  orchestrator: { properties: { cluster: { properties: { name: keyword } } } },
  kubernetes: {
    properties: {
      namespace: keyword,
      node: { properties: { name: keyword } },
      pod: { properties: { name: keyword, uid: keyword } },
    },
  },
  container: { properties: { name: keyword } },
  message: { type: 'text' },
  plimsoll: {
    properties: {
      schema: { type: 'integer' },
      kind: keyword,
      id: keyword,
      source: keyword,
      observed_at: date,
      // Payloads keep their domain shape; only the fields queries need are mapped, the rest is
      // kept in _source (dynamic: false) so an unexpected field never grows the mapping.
      node: {
        properties: {
          name: keyword,
          uid: keyword,
          pool: keyword,
          labels: opaque,
          capacity: resources,
          allocatable: resources,
          conditions: opaque,
          createdAt: date,
          deletedAt: date,
        },
      },
      pod: {
        properties: {
          namespace: keyword,
          name: keyword,
          uid: keyword,
          nodeName: keyword,
          workload: workloadRef,
          qosClass: keyword,
          phase: keyword,
          labels: opaque,
          containers: opaque,
          createdAt: date,
          deletedAt: date,
        },
      },
      usage_sample: {
        properties: {
          metric: keyword,
          timestamp: date,
          value: double,
          // Sketch bucket of the value (core/sketch.ts), so rollups can count buckets.
          bucket: { type: 'integer' },
          node: keyword,
          namespace: keyword,
          pod: keyword,
          podUid: keyword,
          container: keyword,
          workload: workloadRef,
        },
      },
      kube_event: {
        properties: {
          uid: keyword,
          type: keyword,
          reason: keyword,
          message: { type: 'text' },
          involvedObject: {
            properties: { kind: keyword, namespace: keyword, name: keyword, uid: keyword },
          },
          count: long,
          firstTimestamp: date,
          lastTimestamp: date,
          sourceComponent: keyword,
          sourceHost: keyword,
        },
      },
      node_transition: {
        properties: {
          node: keyword,
          condition: keyword,
          from: keyword,
          to: keyword,
          at: date,
          reason: keyword,
        },
      },
      container_termination: {
        properties: {
          namespace: keyword,
          pod: keyword,
          podUid: keyword,
          node: keyword,
          workload: workloadRef,
          container: keyword,
          restartCount: long,
          termination: {
            properties: {
              reason: keyword,
              exitCode: long,
              signal: long,
              startedAt: date,
              finishedAt: date,
              message: { type: 'text' },
            },
          },
          requests: resources,
          limits: resources,
        },
      },
      log_line: {
        properties: {
          timestamp: date,
          nanos: long,
          namespace: keyword,
          pod: keyword,
          podUid: keyword,
          container: keyword,
          node: keyword,
          stream: keyword,
          message: { type: 'text' },
          tags: keyword,
        },
      },
    },
  },
};

export interface IndexTemplate {
  name: string;
  body: {
    index_patterns: string[];
    version: number;
    priority: number;
    _meta: Record<string, unknown>;
    template: {
      settings: Record<string, unknown>;
      mappings: Record<string, unknown>;
    };
  };
}

/**
 * Per-container (or per-node) summary of one window of raw samples: 5 minutes, or a whole day
 * (`window_ms`) summarised again from the 5-minute documents for queries over weeks.
 */
const rollupProperties = {
  '@timestamp': date,
  rollup: {
    properties: {
      cluster: keyword,
      // namespace/kind/name/container in one term: pages of containers are fetched by it.
      series: keyword,
      metric: keyword,
      namespace: keyword,
      kind: keyword,
      name: keyword,
      container: keyword,
      node: keyword,
      window_ms: long,
      min: double,
      max: double,
      sum: double,
      count: long,
      first: date,
      last: date,
      histogram: { type: 'nested', properties: { bucket: { type: 'integer' }, count: long } },
    },
  },
};

const findingProperties = {
  id: keyword,
  kind: keyword,
  category: keyword,
  severity: keyword,
  status: keyword,
  cluster: keyword,
  namespace: keyword,
  node: keyword,
  workload: keyword,
  container: keyword,
  title: { type: 'text' },
  firstSeen: date,
  lastSeen: date,
  finding: opaque,
};

const reportProperties = {
  id: keyword,
  cluster: keyword,
  week: keyword,
  generatedAt: date,
  summary: opaque,
  content: opaque,
};

const stateProperties = { owner: keyword, until: date, value: opaque };

const MAPPINGS: Record<IndexFamily, Record<string, unknown>> = {
  inventory: commonProperties,
  samples: commonProperties,
  events: commonProperties,
  logs: commonProperties,
  rollups: rollupProperties,
  findings: findingProperties,
  reports: reportProperties,
  state: stateProperties,
};

export function indexTemplates(names: IndexNames, replicas = 0): IndexTemplate[] {
  const families = Object.keys(MAPPINGS) as IndexFamily[];
  return families.map((family) => ({
    name: names.template(family),
    body: {
      index_patterns: [
        TIME_BASED.has(family) ? names.pattern(family) : `${names.pattern(family)}*`,
      ],
      version: TEMPLATE_VERSION,
      priority: 200,
      _meta: { managed_by: 'plimsoll', family },
      template: {
        settings: {
          number_of_shards: 1,
          number_of_replicas: replicas,
          refresh_interval: TIME_BASED.has(family) ? '5s' : '1s',
          // Lets the page-of-containers aggregation stop early instead of scanning every day.
          ...(family === 'rollups' && { sort: { field: 'rollup.series', order: 'asc' } }),
        },
        mappings: { dynamic: false, properties: MAPPINGS[family] },
      },
    },
  }));
}
