// Findings, reports and locks: small, frequently updated documents in their own indices.
import { errors, type Client, type estypes } from '@elastic/elasticsearch';
import type { Finding } from '../../core/domain.js';
import { compareFindings, findingAfter, findingNamespace, findingNode } from '../finding-filter.js';
import { decodeCursor, encodeCursor, InvalidCursorError } from '../keys.js';
import type { FindingQuery, Page, ReportSummary, StoredReport } from '../store.js';
import type { IndexNames } from './layout.js';
import { term } from './search.js';

interface FindingDocument {
  id: string;
  kind: string;
  category?: string | undefined;
  severity: string;
  status: string;
  cluster: string;
  namespace?: string | undefined;
  node?: string | undefined;
  workload?: string | undefined;
  container?: string | undefined;
  title: string;
  firstSeen: number;
  lastSeen: number;
  finding: Finding;
}

function toFindingDocument(finding: Finding): FindingDocument {
  const subject = finding.subject;
  return {
    id: finding.id,
    kind: finding.kind,
    category: finding.category,
    severity: finding.severity,
    status: finding.status,
    cluster: subject.cluster,
    namespace: findingNamespace(finding),
    node: findingNode(finding),
    workload:
      subject.type === 'workload' || subject.type === 'workload_container'
        ? `${subject.workload.kind}/${subject.workload.name}`
        : undefined,
    container: subject.type === 'workload_container' ? subject.container : undefined,
    title: finding.title,
    firstSeen: finding.firstSeen,
    lastSeen: finding.lastSeen,
    finding,
  };
}

/** Findings per bulk or mget request. */
const WRITE_BATCH = 1_000;

const notFound = (error: unknown) =>
  error instanceof errors.ResponseError && error.statusCode === 404;
const conflict = (error: unknown) =>
  error instanceof errors.ResponseError && error.statusCode === 409;

export class StateQueries {
  constructor(
    private readonly client: Client,
    private readonly indices: IndexNames,
  ) {}

  async upsertFindings(findings: readonly Finding[]): Promise<void> {
    const index = this.indices.single('findings');
    // Bounded requests: a large cluster's run returns tens of thousands of findings.
    for (let start = 0; start < findings.length; start += WRITE_BATCH) {
      const batch = findings.slice(start, start + WRITE_BATCH);
      const last = start + WRITE_BATCH >= findings.length;
      const response = await this.client.bulk({
        refresh: last ? 'wait_for' : false,
        operations: batch.flatMap((finding) => [
          { index: { _index: index, _id: finding.id } },
          toFindingDocument(finding),
        ]),
      });
      if (response.errors) {
        const failed = response.items.find((item) => item.index?.error)?.index?.error;
        throw new Error(`could not store findings: ${failed?.type ?? ''} ${failed?.reason ?? ''}`);
      }
    }
  }

  async findingsByIds(ids: readonly string[]): Promise<Map<string, Finding>> {
    const found = new Map<string, Finding>();
    for (let start = 0; start < ids.length; start += WRITE_BATCH) {
      const response = await this.client.mget<FindingDocument>({
        index: this.indices.single('findings'),
        ids: ids.slice(start, start + WRITE_BATCH),
      });
      for (const doc of response.docs) {
        if ('found' in doc && doc.found && doc._source) found.set(doc._id, doc._source.finding);
      }
    }
    return found;
  }

  async findings(query: FindingQuery): Promise<Page<Finding>> {
    const after = findingAfter(query.after);
    const limit = query.limit ?? 100;
    const filters: estypes.QueryDslQueryContainer[] = [];
    if (query.cluster) filters.push(term('cluster', query.cluster));
    if (query.kinds) filters.push({ terms: { kind: [...query.kinds] } });
    if (query.severities) filters.push({ terms: { severity: [...query.severities] } });
    if (query.status) filters.push(term('status', query.status));
    if (query.namespace) filters.push(term('namespace', query.namespace));
    if (query.node) filters.push(term('node', query.node));
    if (query.onNodes) filters.push({ exists: { field: 'node' } });
    if (query.window) {
      filters.push(
        { range: { firstSeen: { lt: query.window.to, format: 'epoch_millis' } } },
        { range: { lastSeen: { gte: query.window.from, format: 'epoch_millis' } } },
      );
    }
    const response = await this.client.search<FindingDocument>({
      index: this.indices.single('findings'),
      ignore_unavailable: true,
      allow_no_indices: true,
      query: { bool: { filter: filters } },
      sort: [{ lastSeen: 'desc' }, { id: 'asc' }],
      size: limit + 1,
      ...(after ? { search_after: [after.lastSeen, after.id] } : {}),
    });
    const found = response.hits.hits.flatMap((hit) => (hit._source ? [hit._source.finding] : []));
    const items = found.slice(0, limit).sort(compareFindings);
    const last = items[items.length - 1];
    return {
      items,
      next:
        found.length > limit && last
          ? encodeCursor({ lastSeen: last.lastSeen, id: last.id })
          : undefined,
    };
  }

  async finding(id: string): Promise<Finding | undefined> {
    try {
      const response = await this.client.get<FindingDocument>({
        index: this.indices.single('findings'),
        id,
      });
      return response._source?.finding;
    } catch (error) {
      if (notFound(error)) return undefined;
      throw error;
    }
  }

  async putReport(report: StoredReport): Promise<void> {
    await this.client.index({
      index: this.indices.single('reports'),
      id: report.id,
      document: report,
      refresh: 'wait_for',
    });
  }

  async reports(query: {
    cluster?: string;
    limit?: number;
    after?: string;
  }): Promise<Page<ReportSummary>> {
    const after = decodeCursor(
      query.after,
      (value): value is [number, string] =>
        Array.isArray(value) &&
        value.length === 2 &&
        typeof value[0] === 'number' &&
        typeof value[1] === 'string',
    );
    if (query.after !== undefined && !after) throw new InvalidCursorError();
    const limit = query.limit ?? 50;
    const response = await this.client.search<ReportSummary>({
      index: this.indices.single('reports'),
      ignore_unavailable: true,
      allow_no_indices: true,
      query: { bool: { filter: query.cluster ? [term('cluster', query.cluster)] : [] } },
      sort: [{ generatedAt: 'desc' }, { id: 'asc' }],
      size: limit + 1,
      _source: { excludes: ['content'] },
      ...(after ? { search_after: after } : {}),
    });
    const found = response.hits.hits.flatMap((hit) => (hit._source ? [hit._source] : []));
    const items = found.slice(0, limit);
    const last = items[items.length - 1];
    return {
      items,
      next: found.length > limit && last ? encodeCursor([last.generatedAt, last.id]) : undefined,
    };
  }

  async report(id: string): Promise<StoredReport | undefined> {
    try {
      const response = await this.client.get<StoredReport>({
        index: this.indices.single('reports'),
        id,
      });
      return response._source;
    } catch (error) {
      if (notFound(error)) return undefined;
      throw error;
    }
  }

  /** Optimistic concurrency on one document per lock; no scripting needed. */
  async acquireLock(name: string, owner: string, ttlMs: number): Promise<boolean> {
    const index = this.indices.single('state');
    const id = `lock-${name}`;
    const now = Date.now();
    const document = { owner, until: now + ttlMs };
    try {
      const current = await this.client.get<{ owner: string; until: number }>({ index, id });
      const held = current._source;
      if (held && held.owner !== owner && held.until > now) return false;
      await this.client.index({
        index,
        id,
        document,
        if_seq_no: current._seq_no,
        if_primary_term: current._primary_term,
        refresh: 'wait_for',
      });
      return true;
    } catch (error) {
      if (conflict(error)) return false;
      if (!notFound(error)) throw error;
    }
    try {
      await this.client.create({ index, id, document, refresh: 'wait_for' });
      return true;
    } catch (error) {
      if (conflict(error)) return false;
      throw error;
    }
  }
}
