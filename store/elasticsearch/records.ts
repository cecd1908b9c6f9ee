// Event, log and inventory queries over the envelope indices.
import type { Client, estypes } from '@elastic/elasticsearch';
import {
  LogTagSchema,
  type ContainerTermination,
  type KubeEvent,
  type LogLine,
  type LogTag,
  type Node,
  type NodeTransition,
  type Pod,
} from '../../core/domain.js';
import type { RecordKind } from '../../core/envelope.js';
import type {
  EventQuery,
  InventoryQuery,
  LogQuery,
  LogTagCount,
  LogTagCountQuery,
  TagCount,
  TerminationQuery,
} from '../store.js';
import type { EnvelopeDocument } from './documents.js';
import type { IndexNames } from './layout.js';
import { range, searchAll, term } from './search.js';

type Filter = estypes.QueryDslQueryContainer;

const COMPOSITE_PAGE = 1_000;
const LOG_TAGS = LogTagSchema.anyOf.map((option) => option.const);

/** The first and last line's time of an aggregation bucket with `first` and `last` under it. */
function timesOf(bucket: Record<string, unknown>): { first: number; last: number } {
  const value = (name: string) =>
    (bucket[name] as estypes.AggregationsSingleMetricAggregateBase | undefined)?.value ?? 0;
  return { first: value('first'), last: value('last') };
}

const payloadOf = <P>(kind: RecordKind, documents: EnvelopeDocument[]): P[] =>
  documents.map((document) => {
    const { bucket: _bucket, ...payload } = document.plimsoll[kind] as P & { bucket?: number };
    return payload as P;
  });

export class RecordQueries {
  constructor(
    private readonly client: Client,
    private readonly indices: IndexNames,
  ) {}

  private async payloads<P>(
    kind: RecordKind,
    filters: Filter[],
    sort: estypes.Sort,
    limit?: number,
  ) {
    const documents = await searchAll<EnvelopeDocument>(this.client, {
      index: this.indices.forKind(kind),
      query: { bool: { filter: [term('plimsoll.kind', kind), ...filters] } },
      sort,
      limit,
    });
    return payloadOf<P>(kind, documents);
  }

  nodeTransitions(query: {
    cluster: string;
    window: { from: number; to: number };
    node?: string;
  }): Promise<NodeTransition[]> {
    const p = 'plimsoll.node_transition';
    return this.payloads<NodeTransition>(
      'node_transition',
      [
        term('orchestrator.cluster.name', query.cluster),
        range(`${p}.at`, query.window.from, query.window.to),
        ...(query.node ? [term(`${p}.node`, query.node)] : []),
      ],
      [{ [`${p}.at`]: 'asc' }, { [`${p}.condition`]: 'asc' }],
    );
  }

  terminations(query: TerminationQuery): Promise<ContainerTermination[]> {
    const p = 'plimsoll.container_termination';
    const filters: Filter[] = [
      term('orchestrator.cluster.name', query.cluster),
      range(`${p}.termination.finishedAt`, query.window.from, query.window.to),
    ];
    if (query.reasons) filters.push({ terms: { [`${p}.termination.reason`]: [...query.reasons] } });
    if (query.namespace) filters.push(term(`${p}.namespace`, query.namespace));
    if (query.workload) {
      filters.push(
        term(`${p}.workload.namespace`, query.workload.namespace),
        term(`${p}.workload.kind`, query.workload.kind),
        term(`${p}.workload.name`, query.workload.name),
      );
    }
    if (query.container) filters.push(term(`${p}.container`, query.container));
    return this.payloads<ContainerTermination>('container_termination', filters, [
      { [`${p}.termination.finishedAt`]: 'asc' },
    ]);
  }

  async events(query: EventQuery): Promise<KubeEvent[]> {
    const p = 'plimsoll.kube_event';
    const filters: Filter[] = [
      term('orchestrator.cluster.name', query.cluster),
      { range: { [`${p}.lastTimestamp`]: { gte: query.window.from, format: 'epoch_millis' } } },
      { range: { [`${p}.firstTimestamp`]: { lt: query.window.to, format: 'epoch_millis' } } },
    ];
    if (query.reasons) filters.push({ terms: { [`${p}.reason`]: [...query.reasons] } });
    if (query.namespace) filters.push(term(`${p}.involvedObject.namespace`, query.namespace));
    if (query.node) {
      filters.push({
        bool: {
          should: [
            {
              bool: {
                filter: [
                  term(`${p}.involvedObject.kind`, 'Node'),
                  term(`${p}.involvedObject.name`, query.node),
                ],
              },
            },
            term(`${p}.sourceHost`, query.node),
          ],
          minimum_should_match: 1,
        },
      });
    }
    const all = await this.payloads<KubeEvent>('kube_event', filters, [
      { [`${p}.lastTimestamp`]: 'asc' },
    ]);
    // Every count of an Event is its own observation; keep the latest of each.
    const latest = new Map<string, KubeEvent>();
    for (const event of all) {
      const seen = latest.get(event.uid);
      if (!seen || seen.count < event.count) latest.set(event.uid, event);
    }
    const events = [...latest.values()].sort((a, b) => a.lastTimestamp - b.lastTimestamp);
    return query.limit ? events.slice(-query.limit) : events;
  }

  async logLines(query: LogQuery): Promise<LogLine[]> {
    const p = 'plimsoll.log_line';
    const filters: Filter[] = [
      term('orchestrator.cluster.name', query.cluster),
      term(`${p}.namespace`, query.namespace),
      term(`${p}.pod`, query.pod),
      term(`${p}.container`, query.container),
      range(`${p}.timestamp`, query.window.from, query.window.to),
    ];
    if (query.tags) filters.push({ terms: { [`${p}.tags`]: [...query.tags] } });
    const newestFirst = await this.payloads<LogLine>(
      'log_line',
      filters,
      [{ [`${p}.timestamp`]: 'desc' }, { [`${p}.nanos`]: { order: 'desc', missing: '_last' } }],
      query.limit,
    );
    return newestFirst.reverse();
  }

  /**
   * One composite aggregation, paged: a bucket per pod container (and time bucket) counts its
   * lines, and a terms sub-aggregation on the tags counts them per tag, each with the first and
   * last line's time. Only the counts reach Node, never the lines.
   */
  async logTagCounts(query: LogTagCountQuery): Promise<LogTagCount[]> {
    const p = 'plimsoll.log_line';
    const filters: Filter[] = [
      term('plimsoll.kind', 'log_line'),
      term('orchestrator.cluster.name', query.cluster),
      range(`${p}.timestamp`, query.window.from, query.window.to),
      query.tags
        ? { terms: { [`${p}.tags`]: [...query.tags] } }
        : { exists: { field: `${p}.tags` } },
    ];
    if (query.namespace) filters.push(term(`${p}.namespace`, query.namespace));
    const keyword = (field: string, optional = false) => ({
      terms: {
        field: `${p}.${field}`,
        ...(optional && { missing_bucket: true, missing_order: 'first' as const }),
      },
    });
    const sources: Record<string, estypes.AggregationsCompositeAggregationSource>[] = [
      { namespace: keyword('namespace') },
      { pod: keyword('pod') },
      { podUid: keyword('podUid', true) },
      { container: keyword('container') },
      { node: keyword('node', true) },
    ];
    if (query.bucketMs) {
      sources.push({
        bucket: {
          date_histogram: { field: `${p}.timestamp`, fixed_interval: `${query.bucketMs}ms` },
        },
      });
    }
    const times = {
      first: { min: { field: `${p}.timestamp` } },
      last: { max: { field: `${p}.timestamp` } },
    };
    const limit = query.limit ?? 10_000;
    const rows: LogTagCount[] = [];
    let after: estypes.AggregationsCompositeAggregateKey | undefined;
    while (rows.length < limit) {
      const response = await this.client.search({
        index: this.indices.forKind('log_line'),
        ignore_unavailable: true,
        allow_no_indices: true,
        size: 0,
        query: { bool: { filter: filters } },
        aggs: {
          counts: {
            composite: {
              size: Math.min(COMPOSITE_PAGE, limit - rows.length),
              sources,
              ...(after && { after }),
            },
            aggs: {
              ...times,
              tags: {
                // tags is multi-valued: a line's other tags would form buckets too.
                terms: {
                  field: `${p}.tags`,
                  size: LOG_TAGS.length,
                  order: { _key: 'asc' },
                  ...(query.tags && { include: [...query.tags] }),
                },
                aggs: times,
              },
            },
          },
        },
      });
      const agg = response.aggregations?.counts as
        estypes.AggregationsCompositeAggregate | undefined;
      const buckets = (agg?.buckets ?? []) as estypes.AggregationsCompositeBucket[];
      for (const bucket of buckets) {
        const key = bucket.key as Record<string, string | number | null>;
        const tags: Partial<Record<LogTag, TagCount>> = {};
        const perTag = (bucket.tags as estypes.AggregationsStringTermsAggregate)
          .buckets as estypes.AggregationsStringTermsBucket[];
        for (const tag of perTag) {
          tags[String(tag.key) as LogTag] = { count: tag.doc_count, ...timesOf(tag) };
        }
        rows.push({
          namespace: String(key.namespace),
          pod: String(key.pod),
          ...(typeof key.podUid === 'string' && { podUid: key.podUid }),
          container: String(key.container),
          ...(typeof key.node === 'string' && { node: key.node }),
          ...(typeof key.bucket === 'number' && { bucket: key.bucket }),
          lines: bucket.doc_count,
          tags,
          ...timesOf(bucket),
        });
      }
      if (buckets.length < COMPOSITE_PAGE || !agg?.after_key) break;
      after = agg.after_key;
    }
    return rows;
  }

  nodes(query: InventoryQuery): Promise<Node[]> {
    const p = 'plimsoll.node';
    return this.payloads<Node>(
      'node',
      [
        term('plimsoll.kind', 'node'),
        term('orchestrator.cluster.name', query.cluster),
        ...existedAt(p, query.at ?? Date.now()),
        ...(query.node ? [term(`${p}.name`, query.node)] : []),
      ],
      [{ [`${p}.name`]: 'asc' }],
    );
  }

  pods(query: InventoryQuery): Promise<Pod[]> {
    const p = 'plimsoll.pod';
    return this.payloads<Pod>(
      'pod',
      [
        term('orchestrator.cluster.name', query.cluster),
        ...existedAt(p, query.at ?? Date.now()),
        ...(query.namespace ? [term(`${p}.namespace`, query.namespace)] : []),
        ...(query.node ? [term(`${p}.nodeName`, query.node)] : []),
      ],
      [{ [`${p}.namespace`]: 'asc' }, { [`${p}.name`]: 'asc' }],
    );
  }
}

function existedAt(prefix: string, at: number): Filter[] {
  return [
    { range: { [`${prefix}.createdAt`]: { lte: at, format: 'epoch_millis' } } },
    {
      bool: {
        should: [
          { bool: { must_not: { exists: { field: `${prefix}.deletedAt` } } } },
          { range: { [`${prefix}.deletedAt`]: { gt: at, format: 'epoch_millis' } } },
        ],
        minimum_should_match: 1,
      },
    },
  ];
}
