// Factory of the logs collector: typed config with its defaults; logs read through the API.
import type { CollectorFactory } from '../collector.js';
import { ClientNodeKubeApi, loadKubeConfig, type KubeConnection } from '../kubernetes/api.js';
import { LogsCollector, logsDefaults, type LogsCollectorConfig } from './collector.js';

export interface LogsFactoryConfig extends LogsCollectorConfig {
  readonly connection: KubeConnection;
}

export const logsFactory: CollectorFactory<LogsFactoryConfig> = {
  type: 'logs',
  description: 'follow container logs through the pod log endpoint; tag OOM, kill and panic lines',
  defaultConfig: { ...logsDefaults, connection: {} },
  create: (config, deps) =>
    new LogsCollector(new ClientNodeKubeApi(loadKubeConfig(config.connection)), config, deps),
};
