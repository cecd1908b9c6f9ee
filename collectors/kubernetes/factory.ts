// Factory of the kubernetes collector: typed config with its defaults, and the real API client.
import type { CollectorFactory } from '../collector.js';
import { ClientNodeKubeApi, loadKubeConfig, type KubeConnection } from './api.js';
import {
  KubernetesCollector,
  kubernetesDefaults,
  type KubernetesCollectorConfig,
} from './collector.js';

export interface KubernetesFactoryConfig extends KubernetesCollectorConfig {
  readonly connection: KubeConnection;
}

export const kubernetesFactory: CollectorFactory<KubernetesFactoryConfig> = {
  type: 'kubernetes',
  description: 'list+watch Nodes, Pods, Events (and ReplicaSet/Job owners) from the Kubernetes API',
  defaultConfig: { ...kubernetesDefaults, connection: {} },
  create: (config, deps) =>
    new KubernetesCollector(new ClientNodeKubeApi(loadKubeConfig(config.connection)), config, deps),
};
