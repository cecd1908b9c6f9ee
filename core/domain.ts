// The domain model every collector, store, analyzer and output shares, written once as TypeBox
// schemas: the same definitions validate records on the bus, document the API, and give the
// static types below. Quantities are normalised at the edge: CPU in cores, memory in bytes, times
// as epoch milliseconds. Kubernetes quantity strings ("500m", "1Gi") never travel past the
// collector that parsed them.
import { Type, type Static, type TSchema } from '@sinclair/typebox';

const Nullable = <T extends TSchema>(schema: T) => Type.Optional(schema);

export const EpochMsSchema = Type.Integer({
  minimum: 0,
  // The largest time a JavaScript Date can hold; beyond it a timestamp is garbage, not a date.
  maximum: 8_640_000_000_000_000,
  description: 'Epoch milliseconds, UTC',
});
export type EpochMs = Static<typeof EpochMsSchema>;

const Name = Type.String({ minLength: 1, maxLength: 253 });
const Labels = Type.Record(Type.String(), Type.String());

export const ResourceAmountsSchema = Type.Object(
  {
    cpuCores: Nullable(Type.Number({ minimum: 0, description: 'CPU in cores (0.5 = 500m)' })),
    memoryBytes: Nullable(Type.Number({ minimum: 0, description: 'Memory in bytes' })),
  },
  { additionalProperties: false, description: 'Absent fields mean "not set"' },
);
export type ResourceAmounts = Static<typeof ResourceAmountsSchema>;

export const ResourceSpecSchema = Type.Object(
  { requests: ResourceAmountsSchema, limits: ResourceAmountsSchema },
  { additionalProperties: false },
);
export type ResourceSpec = Static<typeof ResourceSpecSchema>;

export const ConditionStatusSchema = Type.Union([
  Type.Literal('True'),
  Type.Literal('False'),
  Type.Literal('Unknown'),
]);
export type ConditionStatus = Static<typeof ConditionStatusSchema>;

export const NodeConditionSchema = Type.Object(
  {
    type: Type.String({ description: 'Ready, MemoryPressure, DiskPressure, PIDPressure, ...' }),
    status: ConditionStatusSchema,
    reason: Nullable(Type.String()),
    message: Nullable(Type.String()),
    lastTransitionTime: EpochMsSchema,
  },
  { additionalProperties: false },
);
export type NodeCondition = Static<typeof NodeConditionSchema>;

export const NodeSchema = Type.Object(
  {
    cluster: Name,
    name: Name,
    uid: Type.String({ minLength: 1 }),
    labels: Labels,
    pool: Nullable(Type.String({ description: 'Node pool from the usual pool labels' })),
    capacity: ResourceAmountsSchema,
    allocatable: ResourceAmountsSchema,
    conditions: Type.Array(NodeConditionSchema),
    unschedulable: Type.Boolean(),
    createdAt: EpochMsSchema,
    deletedAt: Nullable(EpochMsSchema),
    kubeletVersion: Nullable(Type.String()),
  },
  { additionalProperties: false },
);
export type Node = Static<typeof NodeSchema>;

export const QosClassSchema = Type.Union([
  Type.Literal('Guaranteed'),
  Type.Literal('Burstable'),
  Type.Literal('BestEffort'),
]);
export type QosClass = Static<typeof QosClassSchema>;

export const WorkloadRefSchema = Type.Object(
  {
    namespace: Name,
    kind: Type.String({
      minLength: 1,
      description:
        'Deployment, StatefulSet, DaemonSet, Job, CronJob, ReplicaSet, or Pod for bare pods',
    }),
    name: Name,
  },
  {
    additionalProperties: false,
    description: 'The long-lived owner of a pod; stays the same when pods are replaced',
  },
);
export type WorkloadRef = Static<typeof WorkloadRefSchema>;

export const TerminationSchema = Type.Object(
  {
    reason: Type.String({ description: 'OOMKilled, Error, Completed, ... (kept verbatim)' }),
    exitCode: Type.Integer({
      description: 'Usually 137 for an OOM kill, but the runtime may report the process own code',
    }),
    signal: Nullable(Type.Integer()),
    startedAt: Nullable(EpochMsSchema),
    startedAtSource: Nullable(
      Type.Union(
        [
          Type.Literal('kube_state_metrics'),
          Type.Literal('cadvisor'),
          Type.Literal('first_sample'),
          Type.Literal('previous_termination'),
        ],
        {
          description:
            'Where startedAt came from when not from the container status: ' +
            'kube_pod_container_state_started, cAdvisor container_start_time_seconds, the first ' +
            'cAdvisor sample of the run (within a scrape interval), or the previous run’s ' +
            'finish (an upper bound on how long the run lasted)',
        },
      ),
    ),
    finishedAt: EpochMsSchema,
    message: Nullable(Type.String({ maxLength: 4096 })),
  },
  { additionalProperties: false },
);
export type Termination = Static<typeof TerminationSchema>;

export const ContainerStateSchema = Type.Object(
  {
    kind: Type.Union([
      Type.Literal('running'),
      Type.Literal('waiting'),
      Type.Literal('terminated'),
      Type.Literal('unknown'),
    ]),
    reason: Nullable(Type.String({ description: 'Waiting or terminated reason' })),
    startedAt: Nullable(EpochMsSchema),
  },
  { additionalProperties: false },
);
export type ContainerState = Static<typeof ContainerStateSchema>;

export const ContainerSchema = Type.Object(
  {
    name: Name,
    image: Type.String(),
    resources: ResourceSpecSchema,
    runtimeHints: Nullable(
      Type.Array(Type.String({ maxLength: 1024 }), {
        maxItems: 64,
        description: 'Args and env values that size a runtime, e.g. -Xmx2g, -XX:MaxRAMPercentage',
      }),
    ),
    state: ContainerStateSchema,
    lastTermination: Nullable(TerminationSchema),
    restartCount: Type.Integer({ minimum: 0 }),
    init: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type Container = Static<typeof ContainerSchema>;

export const PodSchema = Type.Object(
  {
    cluster: Name,
    namespace: Name,
    name: Name,
    uid: Type.String({ minLength: 1 }),
    nodeName: Nullable(Type.String()),
    workload: WorkloadRefSchema,
    qosClass: QosClassSchema,
    phase: Type.String({ description: 'Pending, Running, Succeeded, Failed, Unknown' }),
    labels: Labels,
    containers: Type.Array(ContainerSchema),
    createdAt: EpochMsSchema,
    deletedAt: Nullable(EpochMsSchema),
  },
  { additionalProperties: false },
);
export type Pod = Static<typeof PodSchema>;

export const UsageMetricSchema = Type.Union([
  Type.Literal('cpu_usage_cores'),
  Type.Literal('cpu_throttled_ratio'),
  Type.Literal('memory_working_set_bytes'),
  Type.Literal('memory_rss_bytes'),
  Type.Literal('node_memory_available_bytes'),
  Type.Literal('node_memory_working_set_bytes'),
  Type.Literal('node_cpu_usage_cores'),
]);
export type UsageMetric = Static<typeof UsageMetricSchema>;

export const UsageSampleSchema = Type.Object(
  {
    cluster: Name,
    metric: UsageMetricSchema,
    timestamp: EpochMsSchema,
    value: Type.Number({ minimum: 0 }),
    node: Nullable(Type.String()),
    namespace: Nullable(Type.String()),
    pod: Nullable(Type.String()),
    podUid: Nullable(Type.String()),
    container: Nullable(Type.String()),
    workload: Nullable(WorkloadRefSchema),
  },
  {
    additionalProperties: false,
    description: 'One point of usage, for a container or (without pod fields) for a node',
  },
);
export type UsageSample = Static<typeof UsageSampleSchema>;

export const InvolvedObjectSchema = Type.Object(
  {
    kind: Type.String(),
    namespace: Nullable(Type.String()),
    name: Type.String(),
    uid: Nullable(Type.String()),
  },
  { additionalProperties: false },
);
export type InvolvedObject = Static<typeof InvolvedObjectSchema>;

export const KubeEventSchema = Type.Object(
  {
    cluster: Name,
    uid: Type.String({ minLength: 1 }),
    type: Type.String({ description: 'Normal or Warning' }),
    reason: Type.String({
      description: 'OOMKilling, SystemOOM, Evicted, NodeNotReady, NodeHasInsufficientMemory, ...',
    }),
    message: Type.String({ maxLength: 4096 }),
    involvedObject: InvolvedObjectSchema,
    count: Type.Integer({ minimum: 1 }),
    firstTimestamp: EpochMsSchema,
    lastTimestamp: EpochMsSchema,
    sourceComponent: Nullable(Type.String()),
    sourceHost: Nullable(Type.String()),
  },
  { additionalProperties: false },
);
export type KubeEvent = Static<typeof KubeEventSchema>;

export const LogTagSchema = Type.Union([
  Type.Literal('oom_java'),
  Type.Literal('oom_kernel'),
  Type.Literal('signal_kill'),
  Type.Literal('panic'),
  Type.Literal('fatal'),
]);
export type LogTag = Static<typeof LogTagSchema>;

export const LogLineSchema = Type.Object(
  {
    cluster: Name,
    timestamp: EpochMsSchema,
    nanos: Nullable(
      Type.Integer({
        minimum: 0,
        maximum: 999_999,
        description: 'Sub-millisecond part of the CRI timestamp, so ordering survives',
      }),
    ),
    namespace: Name,
    pod: Name,
    podUid: Nullable(Type.String()),
    container: Name,
    node: Nullable(Type.String()),
    stream: Type.Union([Type.Literal('stdout'), Type.Literal('stderr')]),
    message: Type.String({ maxLength: 65_536 }),
    tags: Type.Array(LogTagSchema),
  },
  { additionalProperties: false },
);
export type LogLine = Static<typeof LogLineSchema>;

export const NodeTransitionSchema = Type.Object(
  {
    cluster: Name,
    node: Name,
    condition: Type.String(),
    from: Type.Union([ConditionStatusSchema, Type.Literal('Absent')]),
    to: ConditionStatusSchema,
    at: EpochMsSchema,
    reason: Nullable(Type.String()),
  },
  { additionalProperties: false, description: 'A node condition changing status' },
);
export type NodeTransition = Static<typeof NodeTransitionSchema>;

export const ContainerTerminationSchema = Type.Object(
  {
    cluster: Name,
    namespace: Name,
    pod: Name,
    podUid: Type.String({ minLength: 1 }),
    node: Nullable(Type.String()),
    workload: WorkloadRefSchema,
    container: Name,
    termination: TerminationSchema,
    restartCount: Type.Integer({ minimum: 0 }),
    requests: ResourceAmountsSchema,
    limits: ResourceAmountsSchema,
  },
  { additionalProperties: false },
);
export type ContainerTermination = Static<typeof ContainerTerminationSchema>;

export const FindingKindSchema = Type.Union([
  Type.Literal('node_memory_flapping'),
  Type.Literal('oom_loop'),
  Type.Literal('requests_misfit'),
  Type.Literal('node_capacity_misfit'),
  Type.Literal('recommendation'),
  Type.Literal('error_burst'),
]);
export type FindingKind = Static<typeof FindingKindSchema>;

export const SeveritySchema = Type.Union([
  Type.Literal('critical'),
  Type.Literal('warning'),
  Type.Literal('info'),
]);
export type Severity = Static<typeof SeveritySchema>;
/** Every severity, most severe first (the schema's order). */
export const SEVERITIES: readonly Severity[] = SeveritySchema.anyOf.map((option) => option.const);

export const FindingStatusSchema = Type.Union([Type.Literal('open'), Type.Literal('resolved')]);
export type FindingStatus = Static<typeof FindingStatusSchema>;

export const FindingSubjectSchema = Type.Union([
  Type.Object({ type: Type.Literal('node'), cluster: Name, node: Name }),
  Type.Object({
    type: Type.Literal('workload_container'),
    cluster: Name,
    workload: WorkloadRefSchema,
    container: Name,
  }),
  Type.Object({ type: Type.Literal('workload'), cluster: Name, workload: WorkloadRefSchema }),
  Type.Object({ type: Type.Literal('cluster'), cluster: Name }),
]);
export type FindingSubject = Static<typeof FindingSubjectSchema>;

export const TimeWindowSchema = Type.Object({ from: EpochMsSchema, to: EpochMsSchema });
export type TimeWindow = Static<typeof TimeWindowSchema>;

export const FindingSchema = Type.Object(
  {
    id: Type.String({ description: 'Stable across re-runs: kind, subject and episode start' }),
    kind: FindingKindSchema,
    category: Nullable(
      Type.String({ description: 'Finer label, e.g. slow_leak, startup, load_spike' }),
    ),
    severity: SeveritySchema,
    subject: FindingSubjectSchema,
    window: TimeWindowSchema,
    title: Type.String(),
    evidence: Type.Record(Type.String(), Type.Unknown(), {
      description: 'The numbers and events behind the finding',
    }),
    explanation: Type.String({ description: 'Plain words an on-call engineer can act on' }),
    recommendation: Type.String(),
    relatedTo: Nullable(
      Type.String({
        description:
          'The primary verdict about the same subject (its OOM-loop finding), which this finding follows for memory',
      }),
    ),
    status: FindingStatusSchema,
    firstSeen: EpochMsSchema,
    lastSeen: EpochMsSchema,
    resolvedAt: Nullable(EpochMsSchema),
  },
  { additionalProperties: false },
);
export type Finding = Static<typeof FindingSchema>;
