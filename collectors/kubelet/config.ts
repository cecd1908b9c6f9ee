// The kubelet collector's section of the `collectors` configuration, its flags and its registry
// entry; the defaults below are the only ones it has.
import { Type, type Static } from '@sinclair/typebox';
import { Count, FilePath, HttpUrl, Seconds } from '../../core/config/fields.js';
import { sectionDefaults, type CollectorEntry } from '../collector.js';
import type { KubeletCollectorConfig } from './collector.js';
import type { KubeletFactoryConfig } from './factory.js';

export const kubeletSection = Type.Object(
  {
    mode: Type.Union([Type.Literal('auto'), Type.Literal('proxy'), Type.Literal('direct')], {
      default: 'auto',
      description:
        'direct: each kubelet on its own port (RBAC nodes/metrics, nodes/stats); proxy: through ' +
        'the API server (nodes/proxy); auto: direct in-cluster or with urlTemplate, else proxy',
    }),
    urlTemplate: Type.Optional(HttpUrl('Direct mode: kubelet URL with {node}, {address}, {port}')),
    caFile: FilePath(
      "Direct mode: CA that signed the kubelets' serving certificates (default: cluster CA)",
    ),
    insecureSkipTlsVerify: Type.Boolean({
      default: false,
      description: 'Direct mode: do not verify kubelet serving certificates',
    }),
    tokenFile: FilePath(
      'Direct mode: bearer token file, re-read as it rotates (default: the connection credentials)',
    ),
    source: Type.Union([Type.Literal('metrics'), Type.Literal('summary')], {
      default: 'metrics',
      description: 'metrics: /metrics/resource + cAdvisor extras; summary: /stats/summary',
    }),
    intervalSeconds: Seconds(30, 'Time between the starts of two scrape cycles'),
    timeoutSeconds: Seconds(10, "Timeout of one node's scrape"),
    concurrency: Count(4, 'Nodes scraped at once'),
    jitter: Type.Number({
      minimum: 0,
      maximum: 0.5,
      default: 0.1,
      description: 'Random spread of the interval, as a fraction (0.1 = ±10 %)',
    }),
    nodeRefreshSeconds: Seconds(60, 'How often the node list is refreshed'),
    workloadRefreshSeconds: Seconds(300, "How often each node's pod → workload map is refreshed"),
  },
  { additionalProperties: false, default: {} },
);

export type KubeletSection = Static<typeof kubeletSection>;

/** The scrape loop's settings from the section. */
export function kubeletSettings(section: KubeletSection): KubeletCollectorConfig {
  return {
    intervalMs: section.intervalSeconds * 1000,
    jitter: section.jitter,
    concurrency: section.concurrency,
    timeoutMs: section.timeoutSeconds * 1000,
    source: section.source,
    nodeRefreshMs: section.nodeRefreshSeconds * 1000,
    workloadRefreshMs: section.workloadRefreshSeconds * 1000,
  };
}

export const kubeletDefaults: KubeletCollectorConfig = kubeletSettings(
  sectionDefaults(kubeletSection),
);

export const kubeletEntry: CollectorEntry<typeof kubeletSection, KubeletFactoryConfig> = {
  type: 'kubelet',
  description: "scrape every node's /metrics/resource and cAdvisor extras (or /stats/summary)",
  section: kubeletSection,
  flags: [
    {
      name: 'kubelet-mode',
      key: 'mode',
      value: '<mode>',
      choices: ['proxy', 'direct'],
      description:
        'direct: each kubelet on its own port (needs only nodes/metrics, nodes/stats); proxy: through the API server (needs nodes/proxy). Default: direct in-cluster, else proxy',
    },
    {
      name: 'kubelet-url-template',
      key: 'urlTemplate',
      value: '<template>',
      description: 'kubelet URL, with {node}, {address}, {port}',
    },
    {
      name: 'kubelet-ca-file',
      key: 'caFile',
      value: '<file>',
      description: "CA that signed the kubelets' serving certificates",
    },
    {
      name: 'kubelet-insecure-skip-tls-verify',
      key: 'insecureSkipTlsVerify',
      description: 'do not verify kubelet certificates',
    },
    {
      name: 'kubelet-token-file',
      key: 'tokenFile',
      value: '<file>',
      description: 'bearer token for the kubelets, re-read on rotation',
    },
  ],
  configure: (section, shared) => ({
    ...kubeletSettings(section),
    connection: shared.connection,
    mode: section.mode === 'auto' ? undefined : section.mode,
    urlTemplate: section.urlTemplate,
    caFile: section.caFile,
    insecureSkipTlsVerify: section.insecureSkipTlsVerify,
    tokenFile: section.tokenFile,
  }),
  load: async () => (await import('./factory.js')).kubeletFactory,
};
