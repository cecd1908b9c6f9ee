// Deletes time-based indices past their family's retention. Works on any 8.x, including
// distributions without ILM or data streams. A raw-sample index still being written to (a
// backfill of old days) is kept until writes stop, so its windows are rolled up complete.
import type { Client } from '@elastic/elasticsearch';
import type { IndexFamily, IndexNames } from './layout.js';

const DAY = 86_400_000;
const QUIET_BEFORE_DELETE_MS = 60 * 60_000;

export type RetentionDays = Readonly<Partial<Record<IndexFamily, number>>>;

export async function enforceRetention(
  client: Client,
  indices: IndexNames,
  retentionDays: RetentionDays,
  now: number,
): Promise<string[]> {
  const listing = await client.cat.indices({
    index: `${indices.prefix}-*`,
    format: 'json',
    h: ['index'],
  });
  const expired: string[] = [];
  for (const { index } of listing) {
    if (!index) continue;
    const parsed = indices.parseDaily(index);
    const days = parsed ? retentionDays[parsed.family] : undefined;
    // The index holds its day's records until the end of that day.
    if (!parsed || days === undefined || parsed.day + DAY + days * DAY > now) continue;
    if (
      parsed.family === 'samples' &&
      (await lastIngested(client, index)) > now - QUIET_BEFORE_DELETE_MS
    ) {
      continue;
    }
    expired.push(index);
  }
  if (expired.length > 0) await client.indices.delete({ index: expired, ignore_unavailable: true });
  return expired;
}

async function lastIngested(client: Client, index: string): Promise<number> {
  const response = await client.search({
    index,
    size: 0,
    aggs: { last: { max: { field: 'event.ingested' } } },
  });
  const last = response.aggregations?.last as { value?: number | null } | undefined;
  return last?.value ?? 0;
}
