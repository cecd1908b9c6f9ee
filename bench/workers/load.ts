// The api suite's load generator: runs a plan of autocannon loads one after another and prints
// their results as one JSON line (LoadResult[]).
//
//   node --import tsx bench/workers/load.ts '<LoadPlan as JSON>'
import { runLoad, spreadSourceAddresses, type LoadPlan, type LoadResult } from './load-runner.js';

const plan = JSON.parse(process.argv[2] ?? '') as LoadPlan;
const restore = spreadSourceAddresses();
const results: LoadResult[] = [];
try {
  for (const spec of plan.loads) results.push(await runLoad(spec));
} finally {
  restore();
}
process.stdout.write(`${JSON.stringify(results)}\n`);
