// The bus conformance suite against the real Kafka broker started by scripts/services.sh.
import { randomUUID } from 'node:crypto';
import { KafkaBus } from '../../bus/kafka.js';
import { busConformance } from '../bus/conformance.js';
import { requireServices, SERVICE_URLS } from '../support/services.js';

busConformance('kafka', async () => {
  await requireServices('kafka');
  const bus = new KafkaBus({
    brokers: [SERVICE_URLS.kafka],
    clientId: 'plimsoll-test',
    partitions: 3,
    replicationFactor: 1,
    compression: 'gzip',
    // Topics of its own: earlier runs' records never reach this run's consumers.
    topicPrefix: `test-${randomUUID().slice(0, 8)}.`,
  });
  await bus.start();
  return { bus, close: () => bus.stop() };
});
