// Factory of the kubelet collector: typed config with its defaults; kubelets reached through the
// API server's node proxy with the same credentials as the kubernetes collector.
import type { CollectorFactory } from '../collector.js';
import { ClientNodeKubeApi, loadKubeConfig, type KubeConnection } from '../kubernetes/api.js';
import { NodeProxyKubeletClient } from './client.js';
import { KubeletCollector, kubeletDefaults, type KubeletCollectorConfig } from './collector.js';

export interface KubeletFactoryConfig extends KubeletCollectorConfig {
  readonly connection: KubeConnection;
}

export const kubeletFactory: CollectorFactory<KubeletFactoryConfig> = {
  type: 'kubelet',
  description: "scrape every node's /metrics/resource and cAdvisor extras (or /stats/summary)",
  defaultConfig: { ...kubeletDefaults, connection: {} },
  create: (config, deps) => {
    const api = new ClientNodeKubeApi(loadKubeConfig(config.connection));
    return new KubeletCollector(api, new NodeProxyKubeletClient(api), config, deps);
  },
};
