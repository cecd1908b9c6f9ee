// The ingest suite: records from the producer until searchable in Elasticsearch through real
// Kafka, with the pipeline's own code (the collectors' Publisher on the Kafka bus, `plimsoll
// ingest` in its own process), beside two raw baselines moving the same records: kafkajs
// produce → consume of the same bytes, and Elasticsearch bulk of the same documents. The slower
// of the two bounds what the pipeline can sustain; its share of that one is what it costs.
import { loadavg } from 'node:os';
import { prepareForPublish } from '../../bus/publish-validation.js';
import {
  FigureSet,
  median,
  ratio,
  type BenchContext,
  type BenchSuite,
  type SuiteResult,
} from '../harness.js';
import { formatNumber } from '../markdown.js';
import {
  measureRawBulk,
  measureRawKafka,
  RAW_BULK_CONCURRENCY,
  RAW_BULK_SIZE,
  RAW_SEND_CHUNK,
} from './ingest-baselines.js';
import { measurePipeline } from './ingest-pipeline.js';
import { CLUSTER_SHAPE, generateIngestRecords } from './ingest-records.js';
import { kafkaDefaults } from './ingest-services.js';

/**
 * Records per repetition: about two thirds of one scrape of the whole cluster at full size. On
 * the 2-core machine, with other work keeping its load average at 8 to 11, three repetitions of
 * the three paths took 254 s; 300,000 records took 434 s for a single repetition.
 */
export const INGEST_RECORDS = { full: 100_000, quick: 20_000 } as const;

/** 1,000 nodes / 30,000 pods at 15 s resolution (the product's sizing target). */
const TARGET_CONTAINER_SAMPLES_PER_SECOND = 10_000;
const TARGET_SHARE_OF_BULK = 0.5;

const CLUSTER =
  `${CLUSTER_SHAPE.nodes.toLocaleString('en-US')}-node / ` +
  `${(CLUSTER_SHAPE.nodes * CLUSTER_SHAPE.podsPerNode).toLocaleString('en-US')}-pod`;

type Path = 'kafka' | 'bulk' | 'pipeline';
const PATHS: readonly Path[] = ['kafka', 'bulk', 'pipeline'];

export const ingest: BenchSuite = {
  name: 'ingest',
  description:
    'Records from producer to searchable in Elasticsearch through real Kafka: the pipeline ' +
    '(collector Publisher → Kafka → `plimsoll ingest` → Elasticsearch) beside raw kafkajs ' +
    'produce → consume of the same bytes and raw Elasticsearch bulk of the same documents.',
  run: runIngest,
};

async function runIngest(context: BenchContext): Promise<SuiteResult> {
  const count = context.quick ? INGEST_RECORDS.quick : INGEST_RECORDS.full;
  // A recent base time: the records land in today's daily indices, well inside retention.
  const scrape = CLUSTER_SHAPE.scrapeIntervalMs;
  const baseTime = (Math.floor(Date.now() / scrape) - 40) * scrape;
  context.progress(`ingest: generating ${count.toLocaleString('en-US')} records`);
  const data = generateIngestRecords({ records: count, baseTime });
  const { outgoing, rejected } = prepareForPublish(data.records);
  if (rejected.length > 0)
    throw new Error(`generated records fail validation: ${rejected[0]!.reason}`);
  const bytes = outgoing.reduce((sum, record) => sum + record.value.length, 0);
  const megabytes = bytes / 1e6;
  const expectedDocuments = new Set(data.records.map((record) => record.id)).size;
  const { partitions, compression } = kafkaDefaults();
  const timeoutMs = Math.max(180_000, count);
  const figures = new FigureSet();
  // Kafka and Elasticsearch share the machine with whatever else runs on it: say how busy it was.
  const loads: number[] = [];

  for (let repeat = 0; repeat < context.repeats; repeat++) {
    const id = `${context.runId}-ingest-r${repeat + 1}`;
    // Each repetition starts with a different path, so none always runs on the freshest services.
    const order = PATHS.map((_, i) => PATHS[(i + repeat) % PATHS.length]!);
    const seconds: Partial<Record<Path, number>> = {};
    let pipeline: Awaited<ReturnType<typeof measurePipeline>> | undefined;
    for (const path of order) {
      context.progress(`ingest: repetition ${repeat + 1}/${context.repeats}, ${describe(path)}`);
      if (path === 'kafka') {
        const raw = await measureRawKafka({
          context,
          outgoing,
          partitions,
          compression,
          id: `${id}-kafka`,
          timeoutMs,
        });
        seconds.kafka = raw.consumedSeconds;
      } else if (path === 'bulk') {
        const raw = await measureRawBulk({
          context,
          records: data.records,
          expectedDocuments,
          id: `${id}-bulk`,
          timeoutMs,
        });
        seconds.bulk = raw.seconds;
      } else {
        pipeline = await measurePipeline({
          context,
          records: data.records,
          expectedDocuments,
          partitions,
          compression,
          id: `${id}-pipe`,
          timeoutMs,
        });
        seconds.pipeline = pipeline.searchableSeconds;
      }
      loads.push(loadavg()[0]!);
      context.progress(
        `ingest:   ${formatNumber(count / seconds[path]!)} records/s (${seconds[path]!.toFixed(1)} s)`,
      );
    }
    const rate = (path: Path) => count / seconds[path]!;
    figures.add('pipeline rate', 'records/s', 'higher', rate('pipeline'));
    figures.add('pipeline bandwidth', 'MB/s', 'higher', megabytes / seconds.pipeline!);
    figures.add(
      'pipeline container samples',
      'samples/s',
      'higher',
      data.containerSamples / seconds.pipeline!,
    );
    figures.add('pipeline publish rate', 'records/s', 'higher', count / pipeline!.publishSeconds);
    figures.add('raw Kafka rate', 'records/s', 'higher', rate('kafka'));
    figures.add('raw Kafka bandwidth', 'MB/s', 'higher', megabytes / seconds.kafka!);
    figures.add('raw ES bulk rate', 'records/s', 'higher', rate('bulk'));
    figures.add('raw ES bulk bandwidth', 'MB/s', 'higher', megabytes / seconds.bulk!);
    figures.add(
      'slower baseline rate',
      'records/s',
      'higher',
      Math.min(rate('kafka'), rate('bulk')),
    );
    figures.add('ingest process CPU', 's', 'lower', pipeline!.ingestCpuMs / 1000);
    figures.add(
      'ingest CPU per 10,000 records/s',
      'cores',
      'lower',
      (pipeline!.ingestCpuMs / 1000 / count) * 10_000,
    );
    figures.add('ingest process peak RSS', 'MiB', 'lower', pipeline!.ingestPeakRssBytes / 2 ** 20);
  }

  const pipelineRate = figures.get('pipeline rate');
  const ratios = [
    ratio('pipeline ÷ raw ES bulk', pipelineRate, figures.get('raw ES bulk rate')),
    ratio('pipeline ÷ raw Kafka', pipelineRate, figures.get('raw Kafka rate')),
    ratio('pipeline ÷ slower baseline', pipelineRate, figures.get('slower baseline rate')),
  ];
  const containerRate = median(figures.get('pipeline container samples').values);
  const shareOfBulk = median(ratios[0]!.values);
  const share = (value: number) => `${Math.round(value * 100)} %`;
  return {
    suite: 'ingest',
    description: ingest.description,
    parameters: {
      records: count,
      containerSamples: data.containerSamples,
      megabytes: Math.round(megabytes * 10) / 10,
      kinds: data.kinds,
      partitions,
      compression,
      publisher: 'collectors/publisher.ts defaults (500 records per publish, 200 ms linger)',
      rawSendChunk: RAW_SEND_CHUNK,
      rawBulkSize: RAW_BULK_SIZE,
      rawBulkConcurrency: RAW_BULK_CONCURRENCY,
    },
    figures: figures.all(),
    ratios,
    targets: [
      {
        goal: `Ingest sustains the telemetry of a ${CLUSTER} cluster at 15 s resolution: ≥ ${TARGET_CONTAINER_SAMPLES_PER_SECOND.toLocaleString('en-US')} container samples/s`,
        measured: `${formatNumber(containerRate)} container samples/s`,
        met: containerRate >= TARGET_CONTAINER_SAMPLES_PER_SECOND,
      },
      {
        goal: `… at ≥ ${share(TARGET_SHARE_OF_BULK)} of the raw Elasticsearch bulk baseline`,
        measured: `${share(shareOfBulk)} of raw ES bulk`,
        met: shareOfBulk >= TARGET_SHARE_OF_BULK,
      },
    ],
    notes: [
      `The same ${count.toLocaleString('en-US')} records on every path: the scrapes of a ` +
        `${CLUSTER} cluster node by node ` +
        '(per container 4 usage metrics with a CPU limit, 3 without; 3 per node), plus ' +
        `${share((count - (data.kinds.usage_sample ?? 0)) / count)} pod and node snapshots, ` +
        'events, terminations, transitions and log lines; MB are 10^6 bytes of serialized envelopes.',
      'Every rate is records over the time from the first record sent until the last one is ' +
        'consumed (raw Kafka) or searchable after a refresh (raw bulk, pipeline); the pipeline ' +
        "waits until the ingest process's own counter reaches the total, then refreshes and counts.",
      'Pipeline: records emitted to collectors/publisher.ts in scrape-sized chunks on the Kafka ' +
        'bus (in this process), consumed by `node bin/plimsoll.js ingest` in its own process with ' +
        "Plimsoll's defaults and a consumer group that already holds its partitions. Ingest CPU " +
        'is that process between the first record sent and the last searchable; peak RSS is over ' +
        'its whole life. The producer side (validation, serialization, compression) runs in the ' +
        'benchmark process and is not in the ingest CPU.',
      `Raw Kafka: kafkajs sendBatch of ${RAW_SEND_CHUNK.toLocaleString('en-US')} messages ` +
        '(acks all) of the same topics, keys and bytes, read back by a plain consumer. Raw bulk: ' +
        `documents built by store/elasticsearch/documents.ts, ${RAW_BULK_SIZE.toLocaleString('en-US')} ` +
        `per request, ${RAW_BULK_CONCURRENCY} in flight, into indices made from Plimsoll's templates.`,
      'Kafka and Elasticsearch run on the same machine as the benchmark and share its cores; ' +
        'each repetition starts with a different path, and deletes its topics and indices. ' +
        `1-minute load average at the end of each path: ${formatNumber(Math.min(...loads))} to ` +
        `${formatNumber(Math.max(...loads))}.`,
    ],
  };
}

function describe(path: Path): string {
  switch (path) {
    case 'kafka':
      return 'raw kafkajs produce → consume';
    case 'bulk':
      return 'raw Elasticsearch bulk';
    case 'pipeline':
      return 'pipeline (publisher → Kafka → plimsoll ingest → Elasticsearch)';
  }
}
