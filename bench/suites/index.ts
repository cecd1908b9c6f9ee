// Every benchmark suite, in the order `npm run bench` runs them.
import type { BenchSuite } from '../harness.js';
import { analysis } from './analysis.js';
import { api } from './api.js';
import { collection } from './collection.js';
import { ingest } from './ingest.js';
import { scan } from './scan.js';

export const SUITES: BenchSuite[] = [ingest, collection, analysis, api, scan];
