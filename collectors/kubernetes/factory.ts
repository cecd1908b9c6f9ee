// Factory of the kubernetes collector: typed config with its defaults, and the real API client.
import { entryDefaults, type CollectorFactory } from '../collector.js';
import { ClientNodeKubeApi, loadKubeConfig, type KubeConnection } from './api.js';
import { KubernetesCollector, type KubernetesCollectorConfig } from './collector.js';
import { kubernetesEntry } from './config.js';

export interface KubernetesFactoryConfig extends KubernetesCollectorConfig {
  readonly connection: KubeConnection;
}

export const kubernetesFactory: CollectorFactory<KubernetesFactoryConfig> = {
  defaultConfig: entryDefaults(kubernetesEntry),
  create: (config, deps) =>
    new KubernetesCollector(new ClientNodeKubeApi(loadKubeConfig(config.connection)), config, deps),
};
