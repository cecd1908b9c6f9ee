// Reading many documents without deep pagination: search_after over a total order that ends in
// the record id, page by page, up to a bound the caller states.
import { errors, type Client, type estypes } from '@elastic/elasticsearch';
import { setTimeout as sleep } from 'node:timers/promises';

/** How long a read waits for the shards of an index created a moment ago. */
const SHARD_START_MS = 15_000;

function shardsStarting(error: unknown): boolean {
  return (
    error instanceof errors.ResponseError &&
    `${error.message} ${JSON.stringify(error.body ?? '')}`.includes(
      'no_shard_available_action_exception',
    )
  );
}

/**
 * A read that may reach an index whose primary shard is still being allocated (another ingest
 * process created it a moment ago): Elasticsearch answers no_shard_available_action_exception,
 * which the client's own immediate retries do not outlast. Retried with backoff for up to 15 s;
 * any other error, or one that outlasts that, is the caller's.
 */
export async function whenShardsStarted<T>(read: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + SHARD_START_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      return await read();
    } catch (error) {
      if (!shardsStarting(error) || Date.now() >= deadline) throw error;
      await sleep(Math.min(2_000, 100 * 2 ** attempt));
    }
  }
}

export interface SearchAllOptions {
  readonly index: string;
  readonly query: estypes.QueryDslQueryContainer;
  /** Sort keys; `plimsoll.id` (or `id`) is appended as the tie-breaker. */
  readonly sort: estypes.Sort;
  readonly tieBreaker?: string;
  /** Stop after this many hits; protects memory when a filter is broader than intended. */
  readonly limit?: number;
  readonly pageSize?: number;
  readonly sourceExcludes?: string[];
}

export async function searchAll<T>(client: Client, options: SearchAllOptions): Promise<T[]> {
  const limit = options.limit ?? 100_000;
  const pageSize = Math.min(options.pageSize ?? 5_000, limit);
  const sort = [
    ...(Array.isArray(options.sort) ? options.sort : [options.sort]),
    { [options.tieBreaker ?? 'plimsoll.id']: 'asc' },
  ] as estypes.Sort;
  const results: T[] = [];
  let after: estypes.SortResults | undefined;
  while (results.length < limit) {
    const response = await whenShardsStarted(() =>
      client.search<T>({
        index: options.index,
        ignore_unavailable: true,
        allow_no_indices: true,
        query: options.query,
        sort,
        size: Math.min(pageSize, limit - results.length),
        track_total_hits: false,
        ...(options.sourceExcludes ? { _source: { excludes: options.sourceExcludes } } : {}),
        ...(after ? { search_after: after } : {}),
      }),
    );
    const hits = response.hits.hits;
    for (const hit of hits) if (hit._source !== undefined) results.push(hit._source);
    if (hits.length < pageSize) break;
    after = hits[hits.length - 1]!.sort;
  }
  return results;
}

/** The `until` of a watermark document in the state index; undefined before the first write. */
export async function readWatermark(
  client: Client,
  index: string,
  id: string,
): Promise<number | undefined> {
  try {
    const response = await client.get<{ until: number }>({ index, id });
    return response._source?.until;
  } catch (error) {
    if ((error as { meta?: { statusCode?: number } }).meta?.statusCode === 404) return undefined;
    throw error;
  }
}

export async function writeWatermark(
  client: Client,
  index: string,
  id: string,
  until: number,
): Promise<void> {
  await client.index({ index, id, document: { until }, refresh: true });
}

export const term = (field: string, value: string | number | boolean) => ({
  term: { [field]: value },
});

export const range = (field: string, from: number, to: number) => ({
  range: { [field]: { gte: from, lt: to, format: 'epoch_millis' } },
});
