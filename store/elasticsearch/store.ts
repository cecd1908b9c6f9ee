// The production store on Elasticsearch 8.x. Writes go through the bulk API and are judged item
// by item: 429 and 5xx are retryable, mapping and parsing errors are permanent (dead-letter),
// and a version conflict on inventory means a newer snapshot is already stored.
import { redactUrls, withoutCredentials } from '../../core/redact.js';
import { Client, errors } from '@elastic/elasticsearch';
import type { ComponentHealth } from '../../core/component.js';
import type { AnyEnvelope, RecordKind } from '../../core/envelope.js';
import { silentLogger, type Logger } from '../../core/logger.js';
import { whenShardsStarted } from './search.js';
import type { ErrorType } from '../../core/telemetry.js';
import type {
  CoverageQuery,
  LatestNodeValuesQuery,
  EventQuery,
  FindingQuery,
  InventoryQuery,
  LogQuery,
  LogTagCount,
  LogTagCountQuery,
  MaintenanceReport,
  Page,
  ReportSummary,
  SeriesPoint,
  SeriesQuery,
  Store,
  StoredReport,
  TerminationQuery,
  UsageStats,
  UsageStatsQuery,
  WriteOutcome,
} from '../store.js';
import type {
  ContainerTermination,
  EpochMs,
  Finding,
  KubeEvent,
  LogLine,
  Node,
  NodeTransition,
  Pod,
} from '../../core/domain.js';
import { fromDocument, toDocument } from './documents.js';
import { StateQueries } from './findings.js';
import { FAMILY_OF_KIND, IndexNames, indexTemplates, TEMPLATE_VERSION } from './layout.js';
import { RecordQueries } from './records.js';
import { enforceRetention, type RetentionDays } from './retention.js';
import { RollupJob } from './rollups.js';
import { UsageQueries } from './usage.js';
import { DailyRollupJob } from './daily-rollups.js';

export interface ElasticsearchStoreOptions {
  readonly node: string;
  readonly indexPrefix: string;
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  readonly requestTimeoutMs?: number;
  /** Days each time-based family is kept; a family without a number is kept forever. */
  readonly retentionDays?: RetentionDays;
  readonly logger?: Logger;
}

const PERMANENT_ERRORS: Readonly<Record<string, ErrorType>> = {
  mapper_parsing_exception: 'mapping',
  document_parsing_exception: 'mapping',
  illegal_argument_exception: 'mapping',
  strict_dynamic_mapping_exception: 'mapping',
  action_request_validation_exception: 'validation',
};

export class ElasticsearchStore implements Store {
  readonly name = 'store.elasticsearch';
  readonly indices: IndexNames;
  readonly client: Client;
  private readonly logger: Logger;
  private readonly usage: UsageQueries;
  private readonly daily: DailyRollupJob;
  private readonly records: RecordQueries;
  private readonly state: StateQueries;
  private readonly rollups: RollupJob;

  constructor(private readonly options: ElasticsearchStoreOptions) {
    this.indices = new IndexNames(options.indexPrefix);
    this.logger = options.logger ?? silentLogger;
    this.client = new Client({
      node: options.node,
      requestTimeout: options.requestTimeoutMs ?? 30_000,
      // Retries are the caller's: the ingest consumer decides per item with backoff.
      maxRetries: 0,
      ...(options.username
        ? { auth: { username: options.username, password: options.password ?? '' } }
        : {}),
    });
    this.daily = new DailyRollupJob(this.client, this.indices);
    this.usage = new UsageQueries(this.client, this.indices, () => this.daily.completeUntil());
    this.records = new RecordQueries(this.client, this.indices);
    this.state = new StateQueries(this.client, this.indices);
    this.rollups = new RollupJob(this.client, this.indices);
  }

  async start(): Promise<void> {
    try {
      // The integ-test distribution has no `GET /` handler; cluster health exists everywhere.
      await this.client.cluster.health({ timeout: '5s' });
    } catch (error) {
      throw new Error(
        `Elasticsearch is unreachable at ${withoutCredentials(this.options.node)}: ${redactUrls((error as Error).message)}. ` +
          'Start it with `npm run services:up` or set elasticsearch.node.',
      );
    }
    await this.installTemplates();
  }

  async stop(): Promise<void> {
    await this.client.close();
  }

  async health(): Promise<ComponentHealth> {
    try {
      const health = await this.client.cluster.health({ timeout: '2s' });
      return health.status === 'red'
        ? { ready: false, detail: 'Elasticsearch cluster health is red' }
        : { ready: true };
    } catch (error) {
      return { ready: false, detail: `Elasticsearch unreachable: ${(error as Error).message}` };
    }
  }

  /** Installs or upgrades the index templates; a no-op when the current version is there. */
  async installTemplates(): Promise<void> {
    for (const template of indexTemplates(this.indices)) {
      const installed = await this.installedTemplateVersion(template.name);
      if (installed !== undefined && installed >= TEMPLATE_VERSION) continue;
      await this.client.indices.putIndexTemplate({ name: template.name, ...template.body });
      this.logger.info(
        { template: template.name, version: TEMPLATE_VERSION },
        'installed index template',
      );
    }
  }

  private async installedTemplateVersion(name: string): Promise<number | undefined> {
    try {
      const response = await this.client.indices.getIndexTemplate({ name });
      return response.index_templates[0]?.index_template.version ?? undefined;
    } catch (error) {
      if (error instanceof errors.ResponseError && error.statusCode === 404) return undefined;
      throw error;
    }
  }

  async write(records: readonly AnyEnvelope[]): Promise<WriteOutcome[]> {
    if (records.length === 0) return [];
    const operations: unknown[] = [];
    const ingestedAt = Date.now();
    for (const record of records) {
      const inventory = FAMILY_OF_KIND[record.kind] === 'inventory';
      operations.push({
        index: {
          _index: this.indices.forRecord(record),
          _id: record.id,
          // Inventory keeps the newest snapshot: an older one arriving late loses.
          ...(inventory ? { version: record.observedAt, version_type: 'external_gte' } : {}),
        },
      });
      operations.push(toDocument(record, ingestedAt));
    }
    let response;
    try {
      response = await this.client.bulk({ operations });
    } catch (error) {
      // Nothing is known to be written: every record is retried, and ids make that harmless.
      const reason = `bulk request failed: ${(error as Error).message}`;
      return records.map(() => ({ status: 'retry', reason }));
    }
    return response.items.map((item): WriteOutcome => {
      const result = item.index ?? item.create ?? item.update;
      const status = result?.status ?? 500;
      if (status < 300) return { status: 'written' };
      const type = result?.error?.type ?? 'unknown';
      const reason = `${status} ${type}: ${result?.error?.reason ?? ''}`.trim();
      if (status === 409 && type === 'version_conflict_engine_exception') {
        return { status: 'written' };
      }
      if (status === 429 || status >= 500) return { status: 'retry', reason };
      return { status: 'rejected', reason, errorType: PERMANENT_ERRORS[type] ?? 'rejected' };
    });
  }

  async getRecord<K extends RecordKind>(
    kind: K,
    id: string,
  ): Promise<Extract<AnyEnvelope, { kind: K }> | undefined> {
    const response = await this.client.search({
      index: this.indices.forKind(kind),
      ignore_unavailable: true,
      allow_no_indices: true,
      size: 1,
      query: { bool: { filter: [{ ids: { values: [id] } }, { term: { 'plimsoll.kind': kind } }] } },
    });
    const hit = response.hits.hits[0];
    return hit ? (fromDocument(hit._source) as Extract<AnyEnvelope, { kind: K }>) : undefined;
  }

  async countRecords(kind: RecordKind): Promise<number> {
    const response = await whenShardsStarted(() =>
      this.client.count({
        index: this.indices.forKind(kind),
        ignore_unavailable: true,
        allow_no_indices: true,
        query: { term: { 'plimsoll.kind': kind } },
      }),
    );
    return response.count;
  }

  async refresh(): Promise<void> {
    await this.client.indices.refresh({
      index: `${this.options.indexPrefix}-*`,
      ignore_unavailable: true,
      allow_no_indices: true,
    });
  }

  usageStats(query: UsageStatsQuery): Promise<Page<UsageStats>> {
    return this.usage.usageStats(query);
  }

  usageSeries(query: SeriesQuery): Promise<SeriesPoint[]> {
    return this.usage.usageSeries(query);
  }

  latestNodeValues(query: LatestNodeValuesQuery): Promise<Map<string, number>> {
    return this.usage.latestNodeValues(query);
  }

  usageCoverage(query: CoverageQuery): Promise<EpochMs[]> {
    return this.usage.usageCoverage(query);
  }

  nodeTransitions(query: {
    cluster: string;
    window: { from: number; to: number };
    node?: string;
  }): Promise<NodeTransition[]> {
    return this.records.nodeTransitions(query);
  }

  terminations(query: TerminationQuery): Promise<ContainerTermination[]> {
    return this.records.terminations(query);
  }

  events(query: EventQuery): Promise<KubeEvent[]> {
    return this.records.events(query);
  }

  logLines(query: LogQuery): Promise<LogLine[]> {
    return this.records.logLines(query);
  }

  logTagCounts(query: LogTagCountQuery): Promise<LogTagCount[]> {
    return this.records.logTagCounts(query);
  }

  nodes(query: InventoryQuery): Promise<Node[]> {
    return this.records.nodes(query);
  }

  pods(query: InventoryQuery): Promise<Pod[]> {
    return this.records.pods(query);
  }

  upsertFindings(findings: readonly Finding[]): Promise<void> {
    return this.state.upsertFindings(findings);
  }

  findings(query: FindingQuery): Promise<Page<Finding>> {
    return this.state.findings(query);
  }

  finding(id: string): Promise<Finding | undefined> {
    return this.state.finding(id);
  }

  findingsByIds(ids: readonly string[]): Promise<Map<string, Finding>> {
    return this.state.findingsByIds(ids);
  }

  putReport(report: StoredReport): Promise<void> {
    return this.state.putReport(report);
  }

  reports(query: {
    cluster?: string;
    limit?: number;
    after?: string;
  }): Promise<Page<ReportSummary>> {
    return this.state.reports(query);
  }

  report(id: string): Promise<StoredReport | undefined> {
    return this.state.report(id);
  }

  acquireLock(name: string, owner: string, ttlMs: number): Promise<boolean> {
    return this.state.acquireLock(name, owner, ttlMs);
  }

  /**
   * Rolls up windows with new samples, then the days they and any newly finished day belong to,
   * then drops indices past retention, in that order.
   */
  async maintain(now: number): Promise<MaintenanceReport> {
    await this.refresh();
    const rerolled = await this.rollups.run();
    const refreshRollups = () =>
      this.client.indices.refresh({
        index: this.indices.pattern('rollups'),
        ignore_unavailable: true,
        allow_no_indices: true,
      });
    await refreshRollups();
    const rolledUpDays = await this.daily.run(now, rerolled);
    if (rolledUpDays > 0) await refreshRollups();
    const rolledUpWindows = rerolled.length;
    const deletedIndices = await enforceRetention(
      this.client,
      this.indices,
      this.options.retentionDays ?? {},
      now,
    );
    if (deletedIndices.length > 0) this.logger.info({ deletedIndices }, 'deleted expired indices');
    return { rolledUpWindows, deletedIndices };
  }

  /** Deletes every index and template with this store's prefix; for tests and `reset`. */
  async destroy(): Promise<void> {
    await this.client.indices.delete({
      index: `${this.options.indexPrefix}-*`,
      ignore_unavailable: true,
      allow_no_indices: true,
      expand_wildcards: 'all',
    });
    for (const template of indexTemplates(this.indices)) {
      await this.client.indices.deleteIndexTemplate({ name: template.name }).catch(() => undefined);
    }
  }
}
