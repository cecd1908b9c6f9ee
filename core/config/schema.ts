// The configuration schema: one typed definition with a description and a named default on every
// field. The same schema validates the YAML file, names the environment overrides, and documents
// itself (`plimsoll config --schema`). Defaults select the embedded runtime.
import { Type, type Static } from '@sinclair/typebox';

const Port = (def: number, description: string) =>
  Type.Integer({ minimum: 0, maximum: 65535, default: def, description });

const Seconds = (def: number, description: string) =>
  Type.Number({ exclusiveMinimum: 0, default: def, description });

export const RuntimeSchema = Type.Object(
  {
    bus: Type.Union([Type.Literal('embedded'), Type.Literal('kafka')], {
      default: 'embedded',
      description: 'embedded: in-process bus for one machine; kafka: Apache Kafka (production)',
    }),
    store: Type.Union([Type.Literal('memory'), Type.Literal('elasticsearch')], {
      default: 'memory',
      description: 'memory: in-process store for one machine; elasticsearch: production store',
    }),
  },
  { additionalProperties: false, default: {} },
);

export const KafkaSchema = Type.Object(
  {
    brokers: Type.Array(Type.String({ minLength: 1 }), {
      minItems: 1,
      default: ['127.0.0.1:9092'],
      description: 'Bootstrap brokers, host:port',
    }),
    clientId: Type.String({ minLength: 1, default: 'plimsoll', description: 'Kafka client id' }),
    partitions: Type.Integer({
      minimum: 1,
      default: 6,
      description: 'Partitions for topics Plimsoll creates; the ceiling on parallel ingest',
    }),
    replicationFactor: Type.Integer({
      minimum: 1,
      default: 1,
      description: 'Replication factor for topics Plimsoll creates',
    }),
    compression: Type.Union([Type.Literal('none'), Type.Literal('gzip')], {
      default: 'gzip',
      description: 'Producer compression codec',
    }),
    topicPrefix: Type.String({
      pattern: '^[A-Za-z0-9._-]*$',
      default: '',
      description: 'Prepended to topic names, to share one Kafka between installations',
    }),
    consumerGroup: Type.String({
      minLength: 1,
      default: 'plimsoll-ingest',
      description: 'Consumer group shared by ingest instances',
    }),
    connectionTimeoutSeconds: Seconds(10, 'Timeout to connect to a broker'),
  },
  { additionalProperties: false, default: {} },
);

export const ElasticsearchSchema = Type.Object(
  {
    node: Type.String({
      pattern: '^https?://',
      default: 'http://127.0.0.1:9200',
      description: 'Elasticsearch URL',
    }),
    username: Type.Optional(Type.String({ description: 'Basic-auth user' })),
    password: Type.Optional(
      Type.String({ description: 'Basic-auth password; prefer passwordFile or the env var' }),
    ),
    passwordFile: Type.Optional(Type.String({ description: 'File holding the password' })),
    indexPrefix: Type.String({
      pattern: '^[a-z0-9][a-z0-9_-]*$',
      default: 'plimsoll',
      description: 'Prefix of every index and template Plimsoll creates',
    }),
    requestTimeoutSeconds: Seconds(30, 'Timeout of one Elasticsearch request'),
    retentionDays: Type.Object(
      {
        samples: Type.Integer({ minimum: 1, default: 3, description: 'Raw usage samples' }),
        rollups: Type.Integer({ minimum: 1, default: 90, description: 'Per-container rollups' }),
        events: Type.Integer({ minimum: 1, default: 90, description: 'Events and transitions' }),
        logs: Type.Integer({ minimum: 1, default: 14, description: 'Container log lines' }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false, default: {} },
);

export const StoreSchema = Type.Object(
  {
    maintenanceIntervalSeconds: Type.Number({
      minimum: 10,
      default: 300,
      description: 'How often raw samples are rolled up and expired data is deleted',
    }),
    memoryRetentionDays: Type.Number({
      minimum: 1,
      default: 35,
      description: 'Days of history the in-memory store keeps (embedded runtime)',
    }),
  },
  { additionalProperties: false, default: {} },
);

export const ApiSchema = Type.Object(
  {
    host: Type.String({ default: '127.0.0.1', description: 'Address the API listens on' }),
    port: Port(8080, 'Port the API listens on; 0 picks a free one'),
    publicUrl: Type.Optional(
      Type.String({ description: 'URL users reach the API at, used in links from alerts' }),
    ),
    readTokens: Type.Array(Type.String({ minLength: 16 }), {
      default: [],
      description: 'Tokens with read scope; prefer tokensFile or the env var',
    }),
    adminTokens: Type.Array(Type.String({ minLength: 16 }), {
      default: [],
      description: 'Tokens with admin scope; prefer tokensFile or the env var',
    }),
    tokensFile: Type.Optional(
      Type.String({ description: 'File of "read:<token>" / "admin:<token>" lines' }),
    ),
    metricsPublic: Type.Boolean({
      default: true,
      description: 'Serve /metrics without a token (for a Prometheus scrape inside the cluster)',
    }),
  },
  { additionalProperties: false, default: {} },
);

export const SimulatorSchema = Type.Object(
  {
    scenario: Type.String({ default: 'mixed', description: 'Scenario the embedded demo runs' }),
    seed: Type.Integer({ default: 1, description: 'Seed; the same seed gives the same cluster' }),
    speed: Type.Number({
      exclusiveMinimum: 0,
      default: 1,
      description: 'Virtual seconds per real second of the live simulated cluster',
    }),
    historyDays: Type.Number({
      minimum: 1,
      default: 7,
      description: 'Days of history the demo backfills before going live',
    }),
    nodes: Type.Integer({
      minimum: 2,
      default: 20,
      description: 'Size of the simulated cluster the demo runs (general node pool)',
    }),
    backfillStepSeconds: Type.Integer({
      minimum: 60,
      default: 900,
      description: 'Sample spacing of the backfilled history (coarser loads faster)',
    }),
  },
  { additionalProperties: false, default: {} },
);

export const AnalysisSchema = Type.Object(
  {
    enabled: Type.Boolean({
      default: true,
      description: 'Run the analyzers in this process (serve and demo)',
    }),
    intervalSeconds: Type.Number({
      minimum: 10,
      default: 900,
      description: 'Scheduled analysis interval; new kills and transitions trigger a run at once',
    }),
    analyzers: Type.Optional(
      Type.Array(Type.String(), { description: 'Run only these analyzers (default: all)' }),
    ),
  },
  { additionalProperties: false, default: {} },
);

export const ReportSchema = Type.Object(
  {
    schedule: Type.String({
      minLength: 9,
      default: '0 6 * * 1',
      description: 'Cron expression of the weekly report (default Mondays 06:00)',
    }),
    timezone: Type.String({ default: 'UTC', description: 'IANA time zone of the schedule' }),
  },
  { additionalProperties: false, default: {} },
);

export const AlertingSchema = Type.Object(
  {
    alertmanagerUrls: Type.Array(Type.String({ pattern: '^https?://' }), {
      default: [],
      description: 'Alertmanager base URLs findings are pushed to (empty: no push)',
    }),
    namespaceTeams: Type.Record(Type.String(), Type.String(), {
      default: {},
      description: 'Namespace → team for routing; a key ending in * matches a prefix',
    }),
    defaultTeam: Type.String({ default: 'platform', description: 'Team when nothing else says' }),
    resendSeconds: Type.Number({
      minimum: 10,
      default: 60,
      description: 'How often active findings are re-sent to Alertmanager',
    }),
  },
  { additionalProperties: false, default: {} },
);

export const LogSchema = Type.Object(
  {
    level: Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) =>
        Type.Literal(level),
      ),
      { default: 'info', description: 'Log level' },
    ),
  },
  { additionalProperties: false, default: {} },
);

export const ConfigSchema = Type.Object(
  {
    cluster: Type.String({
      minLength: 1,
      maxLength: 253,
      default: 'default',
      description: 'Name of the cluster; every record and finding carries it',
    }),
    runtime: RuntimeSchema,
    kafka: KafkaSchema,
    elasticsearch: ElasticsearchSchema,
    store: StoreSchema,
    api: ApiSchema,
    simulator: SimulatorSchema,
    analysis: AnalysisSchema,
    report: ReportSchema,
    alerting: AlertingSchema,
    log: LogSchema,
  },
  { additionalProperties: false },
);

export type Config = Static<typeof ConfigSchema>;
