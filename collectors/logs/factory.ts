// Factory of the logs collector: typed config with its defaults. `source: api` (default) follows
// logs through the pod log endpoint; `source: files` tails the kubelet's CRI log files of this
// node under `root` (a DaemonSet with /var/log/pods mounted read-only).
import { entryDefaults, type CollectorFactory } from '../collector.js';
import { ClientNodeKubeApi, loadKubeConfig, type KubeConnection } from '../kubernetes/api.js';
import { LogsCollector, type LogsCollectorConfig } from './collector.js';
import { logsEntry } from './config.js';
import { LogFilesCollector, type LogFilesConfig } from './files.js';

export type LogsSource = 'api' | 'files';

export interface LogsFactoryConfig
  extends LogsCollectorConfig, Omit<LogFilesConfig, keyof LogsCollectorConfig> {
  /** Where lines are read: the API's pod log endpoint, or the node's log files. Default api. */
  readonly source: LogsSource;
  readonly connection: KubeConnection;
}

export const logsFactory: CollectorFactory<LogsFactoryConfig> = {
  defaultConfig: entryDefaults(logsEntry),
  create: (config, deps) =>
    config.source === 'files'
      ? new LogFilesCollector(config, deps)
      : new LogsCollector(new ClientNodeKubeApi(loadKubeConfig(config.connection)), config, deps),
};
