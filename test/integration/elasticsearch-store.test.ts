// The store conformance suite against the real Elasticsearch started by scripts/services.sh.
import { randomUUID } from 'node:crypto';
import { ElasticsearchStore } from '../../store/elasticsearch/store.js';
import { storeConformance } from '../store/conformance.js';
import { storeQueryConformance } from '../store/queries.js';
import { requireServices, SERVICE_URLS } from '../support/services.js';

async function openStore() {
  await requireServices('elasticsearch');
  const store = new ElasticsearchStore({
    node: SERVICE_URLS.elasticsearch,
    indexPrefix: `plimsoll-test-${randomUUID().slice(0, 8)}`,
  });
  await store.start();
  return {
    store,
    close: async () => {
      await store.destroy();
      await store.stop();
    },
  };
}

storeConformance('elasticsearch', openStore);
storeQueryConformance('elasticsearch', openStore);
