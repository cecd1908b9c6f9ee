// Thresholds of the flapping, OOM-loop and log-burst analyzers as one typed schema: every field says what it
// decides and carries its default, so the schema is the documentation. Validation names the bad
// key; defaults fill what the operator left out.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const MI = 1024 * 1024;

const Ms = (defaultValue: number, description: string) =>
  Type.Integer({ minimum: 1, default: defaultValue, description });
const Fraction = (defaultValue: number, description: string) =>
  Type.Number({ minimum: 0, maximum: 1, default: defaultValue, description });

export const LoopRuleSchema = Type.Object(
  {
    kills: Type.Integer({ minimum: 2, description: 'OOM kills of one workload container' }),
    withinMs: Type.Integer({ minimum: 1, description: 'within this sliding window' }),
  },
  { additionalProperties: false },
);
export type LoopRule = Static<typeof LoopRuleSchema>;

export const OomLoopSettingsSchema = Type.Object(
  {
    windowMs: Ms(DAY, 'How far back each run judges kills; a loop resolves once its kills age out'),
    rules: Type.Array(LoopRuleSchema, {
      minItems: 1,
      default: [
        { kills: 3, withinMs: DAY },
        { kills: 2, withinMs: HOUR },
      ],
      description: 'A loop is any rule met: e.g. 3 kills in 24 h, or 2 kills in 1 h',
    }),
    leakMinKills: Type.Integer({
      minimum: 2,
      default: 2,
      description:
        'Kills within windowMs that make a loop when each killed run shows the same steady growth ' +
        'to the limit: a leak predicts its next kill, so it need not wait for a third',
    }),
    startupMaxRunMs: Ms(
      5 * MINUTE,
      'A kill this soon after the container started is a start-up OOM',
    ),
    leakMinRunMs: Ms(30 * MINUTE, 'Shortest run on which growth is judged as a leak'),
    leakMinR2: Fraction(0.8, 'How straight the working-set growth must be (R² of a linear fit)'),
    leakMinGrowth: Fraction(
      0.25,
      'Growth over the run, as a fraction of the limit, that counts as a leak rather than drift',
    ),
    leakReachFraction: Fraction(
      0.85,
      'The fitted line must reach this share of the limit at the kill',
    ),
    spikeLookbackMs: Ms(HOUR, 'Baseline before a kill is judged over this much time ...'),
    spikeRampMs: Ms(15 * MINUTE, '... ending this long before the kill (the ramp of a spike)'),
    spikeBaseline: Fraction(
      0.85,
      'A kill is a load spike when the working set stayed below this share of the limit until the ramp',
    ),
    criticalWithinMs: Ms(6 * HOUR, 'Critical when the last kill is this recent, warning otherwise'),
    limitMargin: Fraction(0.25, 'Head-room added above observed usage in a recommended limit'),
    episodeLookbackMs: Ms(7 * DAY, 'How far back the start of a continuing loop is searched'),
    systemOomMatchMs: Ms(
      10_000,
      'A kill this close to a SystemOOM on its node is the node, not a loop',
    ),
    logLines: Type.Integer({
      minimum: 0,
      maximum: 100,
      default: 8,
      description: 'Log lines kept as evidence',
    }),
    classifiedKills: Type.Integer({
      minimum: 1,
      maximum: 100,
      default: 12,
      description: 'Most recent kills whose memory series is read to classify the loop',
    }),
  },
  { additionalProperties: false },
);
export type OomLoopSettings = Static<typeof OomLoopSettingsSchema>;

export const FlappingSettingsSchema = Type.Object(
  {
    windowMs: Ms(12 * HOUR, 'How far back each run looks for flaps'),
    minFlaps: Type.Integer({
      minimum: 2,
      default: 3,
      description:
        'Flaps (Ready leaving True, MemoryPressure becoming True) that make a node flapping ...',
    }),
    flapWindowMs: Ms(2 * HOUR, '... within this sliding window'),
    mergeMs: Ms(
      5 * MINUTE,
      'Conditions changing this close together are one flap: a reboot flips them all at once',
    ),
    clearAfterMs: Ms(HOUR, 'The finding resolves after this long without a flap'),
    evictionThresholdBytes: Type.Integer({
      minimum: 0,
      default: 100 * MI,
      description: 'The kubelet eviction threshold memory.available (kubelet default 100Mi)',
    }),
    nearThresholdBytes: Type.Integer({
      minimum: 0,
      default: 256 * MI,
      description: 'memory.available within this much of the threshold is memory evidence',
    }),
    topConsumers: Type.Integer({
      minimum: 1,
      maximum: 20,
      default: 3,
      description: 'Consumers named per flap',
    }),
    flapsDetailed: Type.Integer({
      minimum: 1,
      maximum: 20,
      default: 3,
      description: 'Flaps explained with their top consumers',
    }),
  },
  { additionalProperties: false },
);
export type FlappingSettings = Static<typeof FlappingSettingsSchema>;

export const LogBurstSettingsSchema = Type.Object(
  {
    windowMs: Ms(6 * HOUR, 'How far back each run counts tagged log lines'),
    bucketMs: Ms(
      MINUTE,
      'Lines are counted per bucket of this width: the sliding windows below move by it',
    ),
    minLines: Type.Integer({
      minimum: 2,
      default: 20,
      description:
        'Tagged lines (panic, fatal, OOM, SIGKILL) of one workload container, all its pods ' +
        'together, that make a burst ...',
    }),
    burstWindowMs: Ms(10 * MINUTE, '... within this sliding window'),
    spreadMinPods: Type.Integer({
      minimum: 2,
      default: 3,
      description:
        'Pods of one workload container logging panic or fatal lines that make a burst, however few lines ...',
    }),
    spreadWindowMs: Ms(30 * MINUTE, '... within this sliding window'),
    quietMs: Ms(
      30 * MINUTE,
      'The burst is over (its finding resolves) after this long without one',
    ),
    oomRepeatAfterMs: Ms(
      MINUTE,
      'OOM lines make the burst critical when they come from two pods, or again this long after the first',
    ),
    evidenceLines: Type.Integer({
      minimum: 0,
      maximum: 100,
      default: 10,
      description: 'Newest tagged lines kept as evidence',
    }),
  },
  { additionalProperties: false },
);
export type LogBurstSettings = Static<typeof LogBurstSettingsSchema>;

export const AnalyzerSettingsSchema = Type.Object(
  {
    oomLoop: Type.Optional(OomLoopSettingsSchema),
    flapping: Type.Optional(FlappingSettingsSchema),
    logBursts: Type.Optional(LogBurstSettingsSchema),
  },
  { additionalProperties: false },
);

const WindowDays = (what: string) =>
  Type.Optional(
    Type.Number({ minimum: 1, maximum: 90, description: `Days of history the ${what} judges` }),
  );

/**
 * `analysis.settings` in the configuration: any analyzer setting, each optional (the analyzer's
 * own default otherwise). Prices come from report.prices, not from here.
 */
export const ConfiguredAnalyzerSettingsSchema = Type.Object(
  {
    oomLoop: Type.Optional(Type.Partial(OomLoopSettingsSchema)),
    flapping: Type.Optional(Type.Partial(FlappingSettingsSchema)),
    logBursts: Type.Optional(Type.Partial(LogBurstSettingsSchema)),
    misfit: Type.Optional(
      Type.Object({ windowDays: WindowDays('requests misfit') }, { additionalProperties: false }),
    ),
    nodeCapacity: Type.Optional(
      Type.Object(
        { windowDays: WindowDays('node capacity misfit') },
        { additionalProperties: false },
      ),
    ),
    recommendations: Type.Optional(
      Type.Object(
        {
          strategy: Type.Optional(
            Type.Union(
              [Type.Literal('plimsoll'), Type.Literal('krr-simple'), Type.Literal('vpa')],
              {
                description: 'Sizing strategy behind the recommendations (default plimsoll)',
              },
            ),
          ),
          windowDays: WindowDays('recommendation'),
          overrides: Type.Optional(
            Type.Record(
              Type.String(),
              Type.Record(
                Type.String(),
                Type.Union([Type.Number(), Type.Boolean(), Type.String()]),
              ),
              {
                description:
                  'Per strategy, its settings, e.g. plimsoll: { cpuPercentile: 90 } (checked when the analyzer is built)',
              },
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false, default: {} },
);
export type ConfiguredAnalyzerSettings = Static<typeof ConfiguredAnalyzerSettingsSchema>;

export class InvalidSettingsError extends Error {
  override readonly name = 'InvalidSettingsError';
}

/** Defaults filled in and the result validated; the error names the offending key. */
export function resolveSettings<T extends TSchema>(
  schema: T,
  input: unknown,
  prefix: string,
): Static<T> {
  const value = Value.Default(schema, Value.Clone(input ?? {}));
  if (Value.Check(schema, value)) return value;
  const first = Value.Errors(schema, value).First();
  const key = `${prefix}${(first?.path ?? '').replaceAll('/', '.')}`;
  throw new InvalidSettingsError(`${key}: ${first?.message ?? 'invalid'}`);
}

export const oomLoopSettings = (input?: Partial<OomLoopSettings>): OomLoopSettings =>
  resolveSettings(OomLoopSettingsSchema, input, 'analyzers.oomLoop');

export const flappingSettings = (input?: Partial<FlappingSettings>): FlappingSettings =>
  resolveSettings(FlappingSettingsSchema, input, 'analyzers.flapping');

export const logBurstSettings = (input?: Partial<LogBurstSettings>): LogBurstSettings =>
  resolveSettings(LogBurstSettingsSchema, input, 'analyzers.logBursts');
