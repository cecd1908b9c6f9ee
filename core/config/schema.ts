// The configuration schema: one typed definition with a description and a named default on every
// field. The same schema validates the YAML file, names the environment overrides, and documents
// itself (`plimsoll config --schema`). Defaults select the embedded runtime.
import { ConfiguredAnalyzerSettingsSchema } from '../../analyzers/settings.js';
import { Type, type Static } from '@sinclair/typebox';
import { CollectorsSchema } from '../../collectors/config.js';
import { FindingKindSchema } from '../domain.js';
import { FilePath, Port, Seconds } from './fields.js';

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
    ssl: Type.Object(
      {
        enabled: Type.Boolean({
          default: false,
          description: 'Connect to the brokers over TLS',
        }),
        caFile: Type.Optional(
          Type.String({
            minLength: 1,
            description:
              "CA bundle (PEM) that signed the brokers' certificates; default Node's CAs",
          }),
        ),
        certFile: Type.Optional(
          Type.String({ minLength: 1, description: 'Client certificate (PEM), for mutual TLS' }),
        ),
        keyFile: Type.Optional(
          Type.String({ minLength: 1, description: 'Private key (PEM) of certFile' }),
        ),
        rejectUnauthorized: Type.Boolean({
          default: true,
          description: "Verify the brokers' certificates; false only for a test cluster",
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    sasl: Type.Object(
      {
        mechanism: Type.Union(
          [
            Type.Literal('none'),
            Type.Literal('plain'),
            Type.Literal('scram-sha-256'),
            Type.Literal('scram-sha-512'),
          ],
          { default: 'none', description: 'SASL authentication mechanism; none: no SASL' },
        ),
        username: Type.Optional(Type.String({ minLength: 1, description: 'SASL user' })),
        password: Type.Optional(
          Type.String({ description: 'SASL password; prefer passwordFile or the env var' }),
        ),
        passwordFile: Type.Optional(
          Type.String({ minLength: 1, description: 'File holding the SASL password' }),
        ),
      },
      { additionalProperties: false, default: {} },
    ),
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
    probePort: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 65535,
        description:
          'A second port (on the same host) serving only /healthz and /readyz, for liveness and readiness probes: a client opening many connections to the API port cannot delay them there, since each port has its own accept queue; 0 picks a free one; unset: the probes are on the API port only',
      }),
    ),
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
      default: false,
      description:
        'Serve the findings families of /metrics (OOM loops, recommendations, costs by workload) without a token; process and pipeline metrics are public either way. Risk: anyone reaching the port reads what /api/v1 keeps behind a read token',
    }),
    maxWindowDays: Type.Number({
      exclusiveMinimum: 0,
      default: 90,
      description:
        'Widest window (to − from) a usage query of the API or the web pages may span; wider ones get 400 (their cost grows with the span)',
    }),
    trustProxy: Type.Union([Type.Boolean(), Type.String({ minLength: 1 })], {
      default: false,
      description:
        'Believe X-Forwarded-For from these proxies for the client address rate limits key on: true (any proxy), or addresses and CIDRs ("10.0.0.0/8,127.0.0.1"); default false (the socket address)',
    }),
    heavyRequests: Type.Object(
      {
        concurrent: Type.Integer({
          minimum: 1,
          default: 2,
          description:
            'Heavy requests (every workload of a window, every node, a report) served at once, server-wide; the event loop stays free for probes and cheap calls in between',
        }),
        queued: Type.Integer({
          minimum: 0,
          default: 64,
          description: 'Heavy requests waiting at most; more get 503 with Retry-After',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    rateLimit: Type.Object(
      {
        perSecond: Type.Number({
          exclusiveMinimum: 0,
          default: 100,
          description: 'Sustained requests per second per client (a heavy route counts as 10)',
        }),
        burst: Type.Integer({
          minimum: 1,
          default: 200,
          description: 'Requests a client may make at once after being idle',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
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
    settings: ConfiguredAnalyzerSettingsSchema,
  },
  { additionalProperties: false, default: {} },
);

const RatesSchema = Type.Object(
  {
    cpuCoreHour: Type.Number({ exclusiveMinimum: 0, description: 'Price per vCPU-hour' }),
    memoryGibHour: Type.Number({ exclusiveMinimum: 0, description: 'Price per GiB-hour' }),
  },
  { additionalProperties: false },
);

export const ReportSchema = Type.Object(
  {
    schedule: Type.String({
      minLength: 9,
      default: '0 6 * * 1',
      description: 'Cron expression of the weekly report (default Mondays 06:00)',
    }),
    timezone: Type.String({ default: 'UTC', description: 'IANA time zone of the schedule' }),
    deliver: Type.Array(Type.String({ minLength: 1 }), {
      default: [],
      uniqueItems: true,
      description:
        'Receivers (keys of alerting.receivers: slack, dingtalk, webhook or email) the weekly report is sent to when the schedule generates it: a digest in chat, the e-mail-ready HTML by mail, both in a webhook',
    }),
    prices: Type.Object(
      {
        cpuCoreHour: Type.Number({
          exclusiveMinimum: 0,
          default: 0.031611,
          description: 'Price per vCPU-hour reserved (default: on-demand list price, E2-style)',
        }),
        memoryGibHour: Type.Number({
          exclusiveMinimum: 0,
          default: 0.004237,
          description: 'Price per GiB-hour of memory reserved',
        }),
        currency: Type.String({
          default: 'USD',
          description: 'ISO 4217 code of every rate and money figure (default USD)',
        }),
        pools: Type.Optional(
          Type.Record(Type.String({ minLength: 1 }), RatesSchema, {
            description: 'Rates of a node pool where they differ from the default',
          }),
        ),
        instanceTypes: Type.Optional(
          Type.Record(Type.String({ minLength: 1 }), RatesSchema, {
            description:
              'Rates of an instance type (node label node.kubernetes.io/instance-type), over the pool’s',
          }),
        ),
      },
      {
        additionalProperties: false,
        default: {},
        description:
          'What reserved capacity costs: every saving, increase, waste and stranded-capacity figure (findings, report, metrics) is priced with it',
      },
    ),
  },
  { additionalProperties: false, default: {} },
);

/** Where the runbooks live: docs/runbooks/<alertname>.md in the repository. */
export const DEFAULT_RUNBOOK_BASE_URL =
  'https://github.com/plimsoll/plimsoll/blob/main/docs/runbooks';

/** Secrets of direct receivers come from files (mounted Secrets), never from the config itself. */
export const AlertReceiverSchema = Type.Object(
  {
    type: Type.Union(
      [
        Type.Literal('slack'),
        Type.Literal('pagerduty'),
        Type.Literal('dingtalk'),
        Type.Literal('webhook'),
        Type.Literal('email'),
      ],
      {
        description:
          'slack, pagerduty (Events API v2), dingtalk (custom robot), webhook or email (SMTP)',
      },
    ),
    url: Type.Optional(
      Type.String({
        pattern: '^https?://',
        description:
          'webhook: the URL when it holds no secret; pagerduty: the Events API endpoint (EU accounts)',
      }),
    ),
    urlFile: FilePath(
      'File holding the URL: slack and dingtalk (the URL is the secret), or a webhook URL with a token',
    ),
    routingKeyFile: FilePath('pagerduty: file holding the integration routing key'),
    smtpUrl: Type.Optional(
      Type.String({
        pattern: '^smtps?://',
        description:
          'email: smtp://host[:port] (STARTTLS when offered, default port 587) or smtps://host[:port] (TLS, 465); no credentials in it',
      }),
    ),
    from: Type.Optional(Type.String({ minLength: 3, description: 'email: the From address' })),
    to: Type.Optional(
      Type.Array(Type.String({ minLength: 3 }), {
        minItems: 1,
        description: 'email: the recipients',
      }),
    ),
    usernameFile: FilePath('email: file holding the SMTP user name'),
    passwordFile: FilePath('email: file holding the SMTP password'),
    secretFile: FilePath(
      'webhook: file holding the HMAC signing secret; dingtalk: the robot signing secret',
    ),
    // Defaults of keys inside a map are applied where the receiver is built (alerts/receivers/
    // config.ts): the schema's defaults do not reach into map values.
    ratePerSecond: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        description:
          'Sustained sends per second to this receiver (default 1; Slack allows about 1)',
      }),
    ),
    burst: Type.Optional(
      Type.Integer({
        minimum: 1,
        description: 'Sends this receiver may get at once above the rate (default 5)',
      }),
    ),
    retryAttempts: Type.Optional(
      Type.Integer({
        minimum: 1,
        description: 'Attempts per notification: network errors, 429, 5xx (default 5)',
      }),
    ),
  },
  { additionalProperties: false },
);

export const AlertRouteSchema = Type.Object(
  {
    receiver: Type.String({ minLength: 1, description: 'Name of a key of alerting.receivers' }),
    teams: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), {
        description: 'Teams this route serves (absent: every team)',
      }),
    ),
    route: Type.Optional(
      Type.Array(
        Type.Union([Type.Literal('page'), Type.Literal('ticket'), Type.Literal('report')]),
        {
          minItems: 1,
          uniqueItems: true,
          description: 'The alerts it takes by their route label (default: page and ticket)',
        },
      ),
    ),
  },
  { additionalProperties: false },
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
    nodeTeam: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'Team of node and cluster findings (default: defaultTeam)',
      }),
    ),
    resendSeconds: Type.Number({
      minimum: 10,
      default: 60,
      description: 'How often active findings are re-sent to Alertmanager and receivers checked',
    }),
    kinds: Type.Array(FindingKindSchema, {
      uniqueItems: true,
      default: ['node_memory_flapping', 'oom_loop', 'error_burst'],
      description:
        'Finding kinds alerted; capacity and configuration kinds only ever take the report route',
    }),
    pageForSeconds: Type.Number({
      minimum: 1,
      default: 3600,
      description:
        'How long a page lasts after an OOM loop forms or speeds up, before it is a ticket',
    }),
    runbookBaseUrl: Type.String({
      pattern: '^https?://',
      default: DEFAULT_RUNBOOK_BASE_URL,
      description: 'Runbook of an alert: <runbookBaseUrl>/<alertname>.md (pushed alerts and rules)',
    }),
    receivers: Type.Record(Type.String({ pattern: '^[A-Za-z0-9_.-]+$' }), AlertReceiverSchema, {
      default: {},
      description: 'Direct receivers by name, for teams without Alertmanager',
    }),
    routes: Type.Array(AlertRouteSchema, {
      default: [],
      description: 'Which receivers get which alerts; every matching route gets a copy',
    }),
    repeatSeconds: Type.Number({
      minimum: 0,
      default: 0,
      description: 'Direct receivers: re-send a still-open alert this often (0: never)',
    }),
    stateFile: FilePath(
      'Direct receivers: what was sent where, kept across restarts so an open alert is not sent again and one that ended while down is resolved (default: in memory only)',
    ),
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
    format: Type.Union([Type.Literal('auto'), Type.Literal('json'), Type.Literal('pretty')], {
      default: 'auto',
      description:
        'json (one object a line), pretty (for people), or auto: pretty on a terminal, json otherwise',
    }),
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
    collectors: CollectorsSchema,
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
