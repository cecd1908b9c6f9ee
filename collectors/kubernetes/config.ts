// The kubernetes collector's section of the `collectors` configuration and its registry entry; the
// defaults below are the only ones it has.
import { Type, type Static } from '@sinclair/typebox';
import { Count, Seconds } from '../../core/config/fields.js';
import { sectionDefaults, type CollectorEntry } from '../collector.js';
import type { KubernetesCollectorConfig } from './collector.js';
import type { KubernetesFactoryConfig } from './factory.js';

export const kubernetesSection = Type.Object(
  {
    events: Type.Boolean({
      default: true,
      description: 'Watch core/v1 Events (OOMKilling, SystemOOM, Evicted, NodeNotReady, ...)',
    }),
    resyncIntervalSeconds: Seconds(3600, 'Re-emit every Node and Pod snapshot this often'),
    pageSize: Count(500, 'Page size of lists and re-lists'),
    batchObjects: Count(200, 'Objects turned into records per publisher call'),
  },
  { additionalProperties: false, default: {} },
);

export type KubernetesSection = Static<typeof kubernetesSection>;

export function kubernetesSettings(
  section: KubernetesSection,
  checkpointFile: string | undefined,
): KubernetesCollectorConfig {
  return {
    events: section.events,
    checkpointFile,
    resyncIntervalMs: section.resyncIntervalSeconds * 1000,
    pageSize: section.pageSize,
    batchObjects: section.batchObjects,
  };
}

export const kubernetesDefaults: KubernetesCollectorConfig = kubernetesSettings(
  sectionDefaults(kubernetesSection),
  undefined,
);

export const kubernetesEntry: CollectorEntry<typeof kubernetesSection, KubernetesFactoryConfig> = {
  type: 'kubernetes',
  description: 'list+watch Nodes, Pods, Events (and ReplicaSet/Job owners) from the Kubernetes API',
  section: kubernetesSection,
  flags: [],
  configure: (section, shared) => ({
    ...kubernetesSettings(section, shared.checkpointFile),
    connection: shared.connection,
  }),
  load: async () => (await import('./factory.js')).kubernetesFactory,
};
