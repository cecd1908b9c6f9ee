// The evidence each kind of finding carries, written once as TypeBox schemas: the analyzers'
// findings are checked against them before they are stored (a field an analyzer adds, renames or
// drops fails its tests instead of emptying a dashboard panel), and every reader — metrics,
// report, alerts, web pages — takes its numbers through `evidenceOf`, typed, instead of reading
// `Record<string, unknown>` by string key with fallbacks. Every key is declared (the rates a
// finding was priced at may carry more); the numbers and structures readers use are typed
// exactly, structures only shown to people (log lines, series, consumers) are declared as what
// they are shown as. docs/reports.md explains each field.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { EpochMsSchema, ResourceAmountsSchema, type Finding, type FindingKind } from './domain.js';

const Optional = <T extends TSchema>(schema: T) => Type.Optional(schema);
const Count = Type.Integer({ minimum: 0 });
const Bytes = Type.Number({ minimum: 0 });
/** Shown to people as it is (a list of lines, a series, a table); no reader computes with it. */
const Shown = (description: string) => Type.Unknown({ description });
const Strict = { additionalProperties: false } as const;

export const AdviceSchema = Type.Object(
  {
    resource: Type.Union([
      Type.Literal('memory_limit'),
      Type.Literal('memory_request'),
      Type.Literal('cpu_limit'),
      Type.Literal('cpu_request'),
    ]),
    direction: Type.Union([
      Type.Literal('raise'),
      Type.Literal('lower'),
      Type.Literal('keep'),
      Type.Literal('set'),
      Type.Literal('remove'),
    ]),
  },
  Strict,
);

export const MemoryAdviceSchema = Type.Object(
  {
    action: Type.Union([
      Type.Literal('fix_leak'),
      Type.Literal('fit_heap'),
      Type.Literal('raise_limit'),
      Type.Literal('investigate'),
    ]),
    limitBytes: Optional(Bytes),
  },
  Strict,
);

// The rates a finding was priced at; a price book may carry more (its pools), which is kept.
export const RatesSchema = Type.Object(
  {
    cpuCoreHour: Type.Number({ minimum: 0 }),
    memoryGibHour: Type.Number({ minimum: 0 }),
    currency: Optional(Type.String()),
  },
  { additionalProperties: true },
);

const FlapSchema = Type.Object(
  { at: EpochMsSchema, memoryPressure: Type.Boolean(), notReady: Type.Boolean() },
  Strict,
);

export const OomLoopEvidenceSchema = Type.Object(
  {
    rule: Type.String(),
    killCount: Count,
    episodeStart: EpochMsSchema,
    kills: Type.Array(
      Type.Object(
        {
          at: EpochMsSchema,
          pod: Type.String(),
          node: Optional(Type.String()),
          exitCode: Type.Integer(),
          startedAt: Optional(EpochMsSchema),
          startedAtSource: Optional(Type.String()),
          restartCount: Optional(Count),
          category: Optional(Type.String()),
          reason: Optional(Type.String()),
          growthMiBPerHour: Optional(Type.Number()),
        },
        Strict,
      ),
      { description: 'The latest kills, oldest first' },
    ),
    exitCodes: Type.Record(Type.String(), Count),
    limitBytes: Optional(Bytes),
    requestBytes: Optional(Bytes),
    memoryBeforeKills: Shown(
      'Working set before the latest kills: [{at, pod, points: [t, bytes][]}]',
    ),
    growthMiBPerHour: Optional(Type.Number()),
    nextOom: Optional(
      Type.Object({ pod: Type.String(), currentBytes: Bytes, inMs: Type.Number() }, Strict),
    ),
    p99WorkingSetBytes: Optional(Bytes),
    medianRunMs: Optional(Type.Number({ minimum: 0 })),
    runtimeHints: Type.Array(Type.String()),
    heap: Optional(Shown('JVM heap flags read from the container command, when it is a JVM')),
    memoryAdvice: MemoryAdviceSchema,
    advice: Type.Array(AdviceSchema),
    javaOutOfMemoryLines: Shown('Log lines naming java.lang.OutOfMemoryError'),
    lastLogLines: Shown('The last log lines before the latest kills'),
    kernelOomEvents: Shown('Kernel OOM events on the nodes at the kills'),
  },
  Strict,
);

export const NodeFlappingEvidenceSchema = Type.Object(
  {
    flaps: Type.Array(FlapSchema),
    memoryPressureFlaps: Count,
    notReadyFlaps: Count,
    evictions: Count,
    systemOoms: Count,
    kubeletRestarts: Count,
    minAvailableBytes: Optional(Type.Number()),
    evictionThresholdBytes: Bytes,
    nearThreshold: Type.Boolean(),
    capacityBytes: Optional(Bytes),
    allocatableBytes: Optional(Bytes),
    requestsBytes: Bytes,
    limitsBytes: Bytes,
    containersWithoutLimit: Count,
    bestEffortPods: Shown('BestEffort pods on the node: [{pod, workload}]'),
    topConsumers: Shown('The top consumers at each explained flap: [{at, top}]'),
    pool: Optional(Type.String()),
    advice: Optional(Shown('What to change on the node')),
  },
  Strict,
);

export const RequestsMisfitEvidenceSchema = Type.Object(
  {
    cpuP50: Optional(Type.Number()),
    cpuP95: Optional(Type.Number()),
    cpuMax: Optional(Type.Number()),
    memoryP50: Optional(Type.Number()),
    memoryP95: Optional(Type.Number()),
    memoryP99: Optional(Type.Number()),
    memoryMax: Optional(Type.Number()),
    throttledP50: Optional(Type.Number()),
    throttledP95: Optional(Type.Number()),
    historyHours: Type.Number({ minimum: 0 }),
    replicas: Count,
    requests: Optional(ResourceAmountsSchema),
    limits: Optional(ResourceAmountsSchema),
    wastedCpuCores: Optional(Type.Number({ minimum: 0 })),
    wastedMemoryBytes: Optional(Bytes),
    monthlyWaste: Optional(Type.Number({ minimum: 0 })),
    limitBytes: Optional(Bytes),
    peakShareOfLimit: Optional(Type.Number({ minimum: 0 })),
    oomKills: Optional(Count),
    oomKillsWindowDays: Optional(Type.Number({ minimum: 0 })),
    ratio: Optional(Type.Number({ minimum: 0 })),
    cpuLimit: Optional(Type.Number({ minimum: 0 })),
    pinnedShareOfLimit: Optional(Type.Number({ minimum: 0 })),
    advice: Type.Array(AdviceSchema),
  },
  Strict,
);

const Amounts = Type.Object({ cpuCores: Type.Number(), memoryBytes: Type.Number() }, Strict);

export const NodeCapacityEvidenceSchema = Type.Object(
  {
    pool: Type.String(),
    // A node's issues.
    capacity: Optional(ResourceAmountsSchema),
    pods: Optional(Count),
    podsWithoutMemoryLimit: Optional(Count),
    usage: Optional(
      Type.Object(
        {
          cpuPeak: Optional(Type.Number()),
          cpuMean: Optional(Type.Number()),
          memoryPeak: Optional(Type.Number()),
          memoryMean: Optional(Type.Number()),
        },
        Strict,
      ),
    ),
    peakShareOfAllocatable: Optional(Type.Number({ minimum: 0 })),
    limits: Optional(Amounts),
    // A pool's issues.
    nodes: Optional(Count),
    usagePeak: Optional(Amounts),
    strandedCpuCores: Optional(Type.Number({ minimum: 0 })),
    strandedMemoryBytes: Optional(Bytes),
    cpuStrandingNodes: Optional(Type.Array(Type.String())),
    memoryStrandingNodes: Optional(Type.Array(Type.String())),
    monthlyCost: Optional(Type.Number({ minimum: 0 })),
    // Both.
    allocatable: Type.Union([ResourceAmountsSchema, Amounts]),
    requests: Amounts,
    prices: Optional(RatesSchema),
    advice: Optional(Shown('What to change on the node or pool')),
  },
  Strict,
);

const SpecSchema = Type.Object(
  { requests: ResourceAmountsSchema, limits: ResourceAmountsSchema },
  Strict,
);

export const RecommendationEvidenceSchema = Type.Object(
  {
    strategy: Type.String(),
    current: SpecSchema,
    recommended: SpecSchema,
    replicas: Count,
    confidence: Type.Object(
      {
        level: Type.Union([Type.Literal('low'), Type.Literal('medium'), Type.Literal('high')]),
        score: Type.Number({ minimum: 0, maximum: 1 }),
        historyHours: Type.Number({ minimum: 0 }),
        samples: Count,
      },
      Strict,
    ),
    usage: Type.Object(
      {
        cpuP95: Optional(Type.Number()),
        cpuMax: Optional(Type.Number()),
        memoryP99: Optional(Type.Number()),
        memoryMax: Optional(Type.Number()),
      },
      Strict,
    ),
    oomKills: Count,
    cpuCoresDelta: Type.Number(),
    memoryBytesDelta: Type.Number(),
    monthlyCostDelta: Type.Number(),
    risksRemoved: Type.Array(Type.String()),
    basis: Type.Array(Type.String()),
    prices: RatesSchema,
    advice: Type.Array(AdviceSchema),
    verdict: Optional(
      Type.Object(
        { findingId: Type.String(), category: Type.String(), action: Type.String() },
        Strict,
      ),
    ),
  },
  Strict,
);

export const ErrorBurstEvidenceSchema = Type.Object(
  {
    rule: Type.String(),
    episodeStart: EpochMsSchema,
    lastLineAt: EpochMsSchema,
    lines: Count,
    peak: Shown('The densest window of the burst: {rule, windowMs, from, to, lines, pods, tags}'),
    tags: Shown('Lines and pods by tag (oom_java, oom_kernel, signal_kill, panic, fatal)'),
    pods: Shown('The pods with the most lines: [{pod, node, lines, tags, first, last}]'),
    podCount: Count,
    oomRepeated: Type.Boolean(),
    panicAcrossReplicas: Type.Boolean(),
    newestLines: Shown('The newest tagged lines: [{at, pod, stream, tags, message}]'),
    advice: Type.Array(AdviceSchema),
  },
  Strict,
);

export const EVIDENCE_SCHEMAS = {
  oom_loop: OomLoopEvidenceSchema,
  node_memory_flapping: NodeFlappingEvidenceSchema,
  requests_misfit: RequestsMisfitEvidenceSchema,
  node_capacity_misfit: NodeCapacityEvidenceSchema,
  recommendation: RecommendationEvidenceSchema,
  error_burst: ErrorBurstEvidenceSchema,
} as const satisfies Record<FindingKind, TSchema>;

export type EvidenceOf = {
  [K in FindingKind]: Static<(typeof EVIDENCE_SCHEMAS)[K]>;
};
export type OomLoopEvidence = EvidenceOf['oom_loop'];
export type NodeFlappingEvidence = EvidenceOf['node_memory_flapping'];
export type RequestsMisfitEvidence = EvidenceOf['requests_misfit'];
export type NodeCapacityEvidence = EvidenceOf['node_capacity_misfit'];
export type RecommendationEvidence = EvidenceOf['recommendation'];
export type ErrorBurstEvidence = EvidenceOf['error_burst'];

const checks = Object.fromEntries(
  Object.entries(EVIDENCE_SCHEMAS).map(([kind, schema]) => [kind, TypeCompiler.Compile(schema)]),
) as { [K in FindingKind]: TypeCheck<(typeof EVIDENCE_SCHEMAS)[K]> };

/** Per kind, per field: the check of that one field. */
const fieldChecks = Object.fromEntries(
  Object.entries(EVIDENCE_SCHEMAS).map(([kind, schema]) => [
    kind,
    new Map(
      Object.entries(schema.properties as Record<string, TSchema>).map(([field, property]) => [
        field,
        TypeCompiler.Compile(property),
      ]),
    ),
  ]),
) as unknown as Record<FindingKind, ReadonlyMap<string, TypeCheck<TSchema>>>;

/** What is wrong with a finding's evidence, field by field; empty when it fits its kind. */
export function evidenceErrors(finding: Pick<Finding, 'kind' | 'evidence'>): string[] {
  const check = checks[finding.kind];
  return [...check.Errors(finding.evidence)]
    .slice(0, 5)
    .map((error) => `${error.path || '/'}: ${error.message}`);
}

/** Throws, naming the finding and the fields, when an analyzer's evidence breaks its schema. */
export function assertEvidence(findings: readonly Finding[]): void {
  for (const finding of findings) {
    const errors = evidenceErrors(finding);
    if (errors.length > 0) {
      throw new Error(
        `finding ${finding.id} (${finding.kind}${finding.category ? `/${finding.category}` : ''}) carries evidence that breaks its schema (core/evidence.ts): ${errors.join('; ')}`,
      );
    }
  }
}

/**
 * The evidence of a finding of `kind`, typed, field by field: each field that fits its schema,
 * none that does not (a finding written by an older version keeps what still reads). Undefined
 * for a finding of another kind.
 */
export function evidenceOf<K extends FindingKind>(
  finding: Pick<Finding, 'kind' | 'evidence'>,
  kind: K,
): Partial<EvidenceOf[K]> | undefined {
  if (finding.kind !== kind) return undefined;
  const evidence = finding.evidence;
  if (checks[kind].Check(evidence)) return evidence as Partial<EvidenceOf[K]>;
  const fitting: Record<string, unknown> = {};
  for (const [field, check] of fieldChecks[kind]) {
    const value = evidence[field];
    if (value !== undefined && check.Check(value)) fitting[field] = value;
  }
  return fitting as Partial<EvidenceOf[K]>;
}
