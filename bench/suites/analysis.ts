// Analysis: time and peak RSS of `plimsoll analyze` (misfit and recommendations over 14 days,
// queries pushed to Elasticsearch) for clusters of growing size, beside a raw baseline in the same
// run: one plain aggregation that reads every rollup document the analysis reads, with no sketches
// and no analysis. The growth exponent across sizes says whether the cost stays linear.
import { Client } from '@elastic/elasticsearch';
import { fileURLToPath } from 'node:url';
import { ElasticsearchStore } from '../../store/elasticsearch/store.js';
import {
  FigureSet,
  growthExponent,
  measureNode,
  median,
  ratio,
  type BenchContext,
  type BenchSuite,
  type Ratio,
  type SuiteResult,
  type Target,
} from '../harness.js';
import { BENCH_CLUSTER, loadCluster, type LoadedCluster } from './analysis-data.js';

const PLIMSOLL = fileURLToPath(new URL('../../bin/plimsoll.js', import.meta.url));
const ANALYZERS = 'requests-misfit,recommendations';
const FULL_SIZES = [1_000, 10_000, 60_000];
const QUICK_SIZES = [200, 1_000, 4_000];
const MiB = 2 ** 20;

/** Reads every container's documents in the window once, with plain aggregations only. */
async function rawScan(
  client: Client,
  indexPrefix: string,
  loaded: LoadedCluster,
): Promise<number> {
  const started = performance.now();
  for (const metric of ['memory_working_set_bytes', 'cpu_usage_cores']) {
    let after: Record<string, string> | undefined;
    for (;;) {
      const response = await client.search({
        index: `${indexPrefix}-rollups-*`,
        size: 0,
        query: {
          bool: {
            filter: [
              { term: { 'rollup.cluster': BENCH_CLUSTER } },
              { term: { 'rollup.metric': metric } },
              { range: { '@timestamp': { gte: loaded.now - 14 * 86_400_000, lt: loaded.now } } },
            ],
          },
        },
        aggs: {
          series: {
            composite: {
              size: 1_000,
              sources: [{ series: { terms: { field: 'rollup.series' } } }],
              ...(after ? { after } : {}),
            },
            aggs: { max: { max: { field: 'rollup.max' } }, sum: { sum: { field: 'rollup.sum' } } },
          },
        },
      });
      const agg = response.aggregations?.series as
        { buckets: unknown[]; after_key?: Record<string, string> } | undefined;
      if (!agg || agg.buckets.length < 1_000 || !agg.after_key) break;
      after = agg.after_key;
    }
  }
  return performance.now() - started;
}

async function analysisRun(context: BenchContext, indexPrefix: string, loaded: LoadedCluster) {
  const usage = await measureNode(
    [
      PLIMSOLL,
      'analyze',
      '--at',
      new Date(loaded.now).toISOString(),
      '--only',
      ANALYZERS,
      '--json',
    ],
    {
      env: {
        PLIMSOLL_CLUSTER: BENCH_CLUSTER,
        PLIMSOLL_RUNTIME_STORE: 'elasticsearch',
        PLIMSOLL_ELASTICSEARCH_NODE: context.services.elasticsearch,
        PLIMSOLL_ELASTICSEARCH_INDEX_PREFIX: indexPrefix,
        PLIMSOLL_ELASTICSEARCH_REQUEST_TIMEOUT_SECONDS: '300',
        PLIMSOLL_LOG_LEVEL: 'warn',
      },
      timeoutMs: 20 * 60_000,
    },
  );
  const output = JSON.parse(usage.stdout) as {
    outcomes: { returned: number; ok: boolean; durationMs: number }[];
  };
  if (output.outcomes.some((outcome) => !outcome.ok)) throw new Error('an analyzer failed');
  return {
    ...usage,
    findings: output.outcomes.reduce((n, o) => n + o.returned, 0),
    analyzersMs: output.outcomes.reduce((n, o) => n + o.durationMs, 0),
  };
}

export const analysis: BenchSuite = {
  name: 'analysis',
  description:
    'Misfit and recommendations over 14 days (`plimsoll analyze` in its own process, Elasticsearch store), per cluster size; baseline: one plain aggregation over the same rollup documents.',
  async run(context: BenchContext): Promise<SuiteResult> {
    const sizes = context.quick ? QUICK_SIZES : FULL_SIZES;
    const client = new Client({ node: context.services.elasticsearch, requestTimeout: 300_000 });
    const figures = new FigureSet();
    const ratios: Ratio[] = [];
    const notes: string[] = [];
    const growth: { x: number; y: number }[] = [];
    const parameters: Record<string, unknown> = { days: 14, analyzers: ANALYZERS, sizes };
    try {
      for (const size of sizes) {
        const indexPrefix = `${context.runId}-analysis-${size}`;
        const store = new ElasticsearchStore({
          node: context.services.elasticsearch,
          indexPrefix,
        });
        await store.start();
        try {
          context.progress(`analysis: loading ${size} containers × 14 days`);
          const loadStarted = performance.now();
          const loaded = await loadCluster(store, client, indexPrefix, size);
          notes.push(
            `${size} containers: ${loaded.pods} pods and ${loaded.rollupDocuments} daily rollup documents, loaded in ${((performance.now() - loadStarted) / 1000).toFixed(0)} s.`,
          );
          // The largest size runs once: loading and analysing it dominates the benchmark's time.
          const repeats = size === sizes[sizes.length - 1] ? 1 : context.repeats;
          for (let r = 0; r < repeats; r++) {
            const raw = await rawScan(client, indexPrefix, loaded);
            const run = await analysisRun(context, indexPrefix, loaded);
            context.progress(
              `analysis ${size}: ${(run.wallMs / 1000).toFixed(1)} s, ${(run.maxRssBytes / MiB).toFixed(0)} MiB, ${run.findings} findings; raw scan ${(raw / 1000).toFixed(1)} s`,
            );
            figures.add(`analysis ${size} containers`, 's', 'lower', run.wallMs / 1000);
            figures.add(
              `of which analyzers ${size} containers`,
              's',
              'lower',
              run.analyzersMs / 1000,
            );
            figures.add(`raw scan ${size} containers`, 's', 'lower', raw / 1000);
            figures.add(`peak RSS ${size} containers`, 'MiB', 'lower', run.maxRssBytes / MiB);
            figures.add(`CPU ${size} containers`, 's', 'lower', run.cpuMs / 1000);
            figures.add(`findings ${size} containers`, 'findings', 'higher', run.findings);
          }
          ratios.push(
            ratio(
              `analysis / raw scan, ${size}`,
              figures.get(`analysis ${size} containers`),
              figures.get(`raw scan ${size} containers`),
            ),
          );
          growth.push({ x: size, y: median(figures.get(`analysis ${size} containers`).values) });
        } finally {
          await store.destroy();
          await store.stop();
        }
      }
    } finally {
      await client.close();
    }
    const exponent = growthExponent(growth);
    figures.add('growth exponent (time vs containers)', '', 'lower', exponent);
    const largest = sizes[sizes.length - 1]!;
    const seconds = median(figures.get(`analysis ${largest} containers`).values);
    const rss = median(figures.get(`peak RSS ${largest} containers`).values);
    const targets: Target[] = context.quick
      ? []
      : [
          {
            goal: 'analysis of 14 days × 60k containers under 60 s',
            measured: `${seconds.toFixed(1)} s`,
            met: seconds < 60,
          },
          { goal: 'peak RSS under 512 MiB', measured: `${rss.toFixed(0)} MiB`, met: rss < 512 },
          {
            goal: 'about linear growth (exponent ≤ 1.1)',
            measured: exponent.toFixed(2),
            met: exponent <= 1.1,
          },
        ];
    return {
      suite: 'analysis',
      description: this.description,
      parameters,
      figures: figures.all(),
      ratios,
      targets,
      notes,
    };
  },
};
