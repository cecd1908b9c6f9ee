import { MemoryStore } from '../../store/memory.js';
import { storeConformance } from './conformance.js';
import { storeQueryConformance } from './queries.js';

storeConformance('in-memory', () => {
  const store = new MemoryStore();
  return Promise.resolve({ store, close: () => store.stop() });
});

storeQueryConformance('in-memory', () => {
  const store = new MemoryStore();
  return Promise.resolve({ store, close: () => store.stop() });
});
