// Factory of the prometheus collector: typed config with its defaults and the HTTP client.
import type { CollectorFactory } from '../collector.js';
import { HttpPromClient } from './client.js';
import {
  PrometheusCollector,
  prometheusDefaults,
  type PrometheusCollectorConfig,
} from './collector.js';

export interface PrometheusFactoryConfig extends PrometheusCollectorConfig {
  /** Base URL of the Prometheus HTTP API. */
  readonly url: string;
  /** Timeout of one query. Default 60 s. */
  readonly timeoutMs: number;
}

export const prometheusFactory: CollectorFactory<PrometheusFactoryConfig> = {
  type: 'prometheus',
  description:
    'backfill cAdvisor / kube-state-metrics history from an existing Prometheus, then follow',
  defaultConfig: { ...prometheusDefaults, url: 'http://127.0.0.1:9090', timeoutMs: 60_000 },
  create: (config, deps) =>
    new PrometheusCollector(
      new HttpPromClient(config.url, { timeoutMs: config.timeoutMs }),
      config,
      deps,
    ),
};
