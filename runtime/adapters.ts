// Chooses the bus and store adapters the configuration names. The embedded pair serves one
// machine with nothing else installed; Kafka and Elasticsearch are the production pair.
import type { Config } from '../core/config/schema.js';
import type { Logger } from '../core/logger.js';
import type { Telemetry } from '../core/telemetry.js';
import type { Bus } from '../bus/bus.js';
import { KafkaBus } from '../bus/kafka.js';
import { MemoryBus } from '../bus/memory.js';
import { ElasticsearchStore } from '../store/elasticsearch/store.js';
import { MemoryStore } from '../store/memory.js';
import type { Store } from '../store/store.js';

export interface AdapterDeps {
  readonly telemetry: Telemetry;
  readonly logger: Logger;
}

export function createBus(config: Config, deps: AdapterDeps): Bus {
  if (config.runtime.bus === 'kafka') {
    return new KafkaBus({
      brokers: config.kafka.brokers,
      clientId: config.kafka.clientId,
      partitions: config.kafka.partitions,
      replicationFactor: config.kafka.replicationFactor,
      compression: config.kafka.compression,
      topicPrefix: config.kafka.topicPrefix,
      connectionTimeoutMs: config.kafka.connectionTimeoutSeconds * 1000,
      ssl: config.kafka.ssl,
      sasl: config.kafka.sasl,
      telemetry: deps.telemetry,
      logger: deps.logger.child({ component: 'bus.kafka' }),
    });
  }
  return new MemoryBus({
    telemetry: deps.telemetry,
    logger: deps.logger.child({ component: 'bus.embedded' }),
  });
}

export function createStore(config: Config, deps: AdapterDeps): Store {
  if (config.runtime.store === 'elasticsearch') {
    return new ElasticsearchStore({
      node: config.elasticsearch.node,
      indexPrefix: config.elasticsearch.indexPrefix,
      username: config.elasticsearch.username,
      password: config.elasticsearch.password ?? process.env.PLIMSOLL_ELASTICSEARCH_PASSWORD,
      requestTimeoutMs: config.elasticsearch.requestTimeoutSeconds * 1000,
      retentionDays: config.elasticsearch.retentionDays,
      logger: deps.logger.child({ component: 'store.elasticsearch' }),
    });
  }
  return new MemoryStore({ retentionDays: config.store.memoryRetentionDays });
}

/** Days the configured store keeps usage data (raw samples roll up into what reports read). */
export function usageRetentionDays(config: Config): number {
  return config.runtime.store === 'elasticsearch'
    ? config.elasticsearch.retentionDays.rollups
    : config.store.memoryRetentionDays;
}
