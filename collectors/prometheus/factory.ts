// Factory of the prometheus collector: typed config with its defaults and the HTTP client.
import { entryDefaults, type CollectorFactory } from '../collector.js';
import { HttpPromClient } from './client.js';
import { PrometheusCollector, type PrometheusCollectorConfig } from './collector.js';
import { prometheusEntry } from './config.js';

export interface PrometheusFactoryConfig extends PrometheusCollectorConfig {
  /** Base URL of the Prometheus HTTP API. */
  readonly url: string;
  /** Timeout of one query. Default 60 s. */
  readonly timeoutMs: number;
}

export const prometheusFactory: CollectorFactory<PrometheusFactoryConfig> = {
  defaultConfig: entryDefaults(prometheusEntry),
  create: (config, deps) =>
    new PrometheusCollector(
      new HttpPromClient(config.url, { timeoutMs: config.timeoutMs }),
      config,
      deps,
    ),
};
