// The prometheus collector's section of the `collectors` configuration, its flags and its registry
// entry; the defaults below are the only ones it has.
import { Type, type Static } from '@sinclair/typebox';
import { Count, HttpUrl, Seconds } from '../../core/config/fields.js';
import { sectionDefaults, type CollectorEntry } from '../collector.js';
import type { PrometheusCollectorConfig } from './collector.js';
import type { PrometheusFactoryConfig } from './factory.js';

export const prometheusSection = Type.Object(
  {
    url: HttpUrl('Prometheus to backfill from and follow', 'http://127.0.0.1:9090'),
    backfillDays: Type.Number({
      exclusiveMinimum: 0,
      default: 7,
      description: 'Days of history read before following live',
    }),
    stepSeconds: Seconds(60, 'Resolution of the history read back'),
    chunkSeconds: Seconds(21600, 'Time covered by one backfill chunk'),
    namespaceBatch: Count(20, 'Namespaces per query'),
    follow: Type.Boolean({
      default: true,
      description: 'Keep reading new data after the backfill',
    }),
    followIntervalSeconds: Seconds(60, 'Pause between live reads'),
    lagSeconds: Type.Number({
      minimum: 0,
      default: 120,
      description: 'Data younger than this is left for the next read (scrape and ingestion delay)',
    }),
    usage: Type.Boolean({
      default: true,
      description: 'Emit usage samples (cAdvisor); off leaves terminations and transitions',
    }),
    timeoutSeconds: Seconds(60, 'Timeout of one query'),
  },
  { additionalProperties: false, default: {} },
);

export type PrometheusSection = Static<typeof prometheusSection>;

/** The backfill and follow settings from the section. */
export function prometheusSettings(
  section: PrometheusSection,
  checkpointFile: string | undefined,
): PrometheusCollectorConfig {
  return {
    backfillDays: section.backfillDays,
    stepMs: section.stepSeconds * 1000,
    chunkMs: section.chunkSeconds * 1000,
    namespaceBatch: section.namespaceBatch,
    follow: section.follow,
    followIntervalMs: section.followIntervalSeconds * 1000,
    lagMs: section.lagSeconds * 1000,
    usage: section.usage,
    checkpointFile,
  };
}

export const prometheusDefaults: PrometheusCollectorConfig = prometheusSettings(
  sectionDefaults(prometheusSection),
  undefined,
);

export const prometheusEntry: CollectorEntry<typeof prometheusSection, PrometheusFactoryConfig> = {
  type: 'prometheus',
  description:
    'backfill cAdvisor / kube-state-metrics history from an existing Prometheus, then follow',
  section: prometheusSection,
  flags: [
    {
      name: 'prometheus-url',
      key: 'url',
      value: '<url>',
      description: 'Prometheus to backfill from',
    },
    {
      name: 'backfill-days',
      key: 'backfillDays',
      value: '<days>',
      positive: true,
      description: 'days of Prometheus history',
    },
    {
      name: 'step',
      key: 'stepSeconds',
      value: '<seconds>',
      positive: true,
      description: 'resolution of the Prometheus backfill',
    },
  ],
  configure: (section, shared) => ({
    ...prometheusSettings(section, shared.checkpointFile),
    url: section.url,
    timeoutMs: section.timeoutSeconds * 1000,
  }),
  load: async () => (await import('./factory.js')).prometheusFactory,
};
