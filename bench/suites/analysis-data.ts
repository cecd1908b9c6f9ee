// Loads a synthetic cluster's 14 days into Elasticsearch for the analysis benchmark: the pod
// inventory through the store's own write path, and usage as the daily rollup tier (what
// maintenance would have summarised from 5-minute rollups; writing 4,032 five-minute documents
// per container would take longer than the benchmark's budget). Each day's sketch comes from
// draws of a realistic daily pattern, so bucket counts per document are like real ones.
import type { Client } from '@elastic/elasticsearch';
import type { Pod } from '../../core/domain.js';
import { envelope, type AnyEnvelope } from '../../core/envelope.js';
import { QuantileSketch } from '../../core/sketch.js';
import {
  DailyRollupJob,
  dailyRollupDocument,
  dailyRollupId,
  DAY_MS,
} from '../../store/elasticsearch/daily-rollups.js';
import { IndexNames } from '../../store/elasticsearch/layout.js';
import type { ElasticsearchStore } from '../../store/elasticsearch/store.js';
import { Rng } from '../../simulator/model/rng.js';
import { containerSeries } from '../../store/keys.js';

export const BENCH_CLUSTER = 'bench';
const CONTAINERS_PER_POD = 2;
/** Draws per container and day: one per 5 minutes, each counted as 20 samples at 15 s. */
const DRAWS_PER_DAY = 288;
const SAMPLES_PER_DRAW = 20;
const GiB = 2 ** 30;

/** Seeded, so every run loads the same cluster. */
function random(seed: number): () => number {
  const rng = new Rng(seed);
  return () => rng.next();
}

interface Profile {
  memoryBase: number;
  cpuBase: number;
  requestMemory: number | null;
  requestCpu: number | null;
  limitMemory: number | null;
}

function profileOf(rand: () => number): Profile {
  const memoryBase = (64 + rand() * 2_000) * 2 ** 20;
  const cpuBase = 0.01 + rand() * 0.8;
  const fit = rand();
  // A realistic spread: most containers over-requested, some under, some with nothing set.
  const requestMemory = fit < 0.1 ? null : memoryBase * (fit < 0.3 ? 0.6 : 1.5 + rand() * 3);
  const requestCpu = fit < 0.1 ? null : cpuBase * (fit < 0.3 ? 0.5 : 1.5 + rand() * 4);
  const limitMemory = requestMemory === null ? null : requestMemory * (1 + rand());
  return { memoryBase, cpuBase, requestMemory, requestCpu, limitMemory };
}

/** One day's sketch of a metric whose level follows a daily cycle with noise. */
function daySketch(
  rand: () => number,
  base: number,
  spread: number,
): { sketch: QuantileSketch; min: number; max: number; sum: number } {
  const sketch = new QuantileSketch();
  let min = Infinity;
  let max = 0;
  let sum = 0;
  for (let i = 0; i < DRAWS_PER_DAY; i++) {
    const cycle = 1 + 0.3 * Math.sin((2 * Math.PI * i) / DRAWS_PER_DAY);
    const value = base * cycle * Math.exp(spread * (rand() + rand() + rand() - 1.5));
    sketch.add(value, SAMPLES_PER_DRAW);
    min = Math.min(min, value);
    max = Math.max(max, value);
    sum += value * SAMPLES_PER_DRAW;
  }
  return { sketch, min, max, sum };
}

export interface LoadedCluster {
  readonly containers: number;
  readonly pods: number;
  readonly rollupDocuments: number;
  /** The analysis time: the end of the last whole day loaded. */
  readonly now: number;
}

/** Writes `containers` workload containers' 14 days; returns when everything is searchable. */
export async function loadCluster(
  store: ElasticsearchStore,
  client: Client,
  indexPrefix: string,
  containers: number,
  days = 14,
): Promise<LoadedCluster> {
  const now = Math.floor(Date.now() / DAY_MS) * DAY_MS;
  const first = now - days * DAY_MS;
  const rand = random(containers);
  const indices = new IndexNames(indexPrefix);
  // Workloads have two containers and two replicas: N workload containers run in N pods.
  const podCount = 2 * Math.ceil(containers / CONTAINERS_PER_POD);
  let rollupDocuments = 0;
  let operations: unknown[] = [];
  const inFlight: Promise<void>[] = [];
  const send = async (batch: unknown[]) => {
    const result = await client.bulk({ operations: batch });
    if (result.errors) throw new Error('loading daily rollups failed');
  };
  const flush = async () => {
    if (operations.length === 0) return;
    inFlight.push(send(operations));
    operations = [];
    if (inFlight.length >= 2) await inFlight.shift();
  };
  let inventory: AnyEnvelope[] = [];
  for (let p = 0; p < podCount; p++) {
    // Two replicas per workload, two containers per pod: each workload container has 2 pods.
    const workload = Math.floor(p / 2);
    const namespace = `team-${workload % 97}`;
    const ref = { namespace, kind: 'Deployment', name: `svc-${workload}` };
    const podContainers = ['app', 'proxy'].map((name) => {
      const profile = profileOf(random(workload * 7 + name.length));
      return {
        name,
        image: `registry.example/${name}:1.0`,
        resources: {
          requests: {
            cpuCores: profile.requestCpu ?? undefined,
            memoryBytes: profile.requestMemory ?? undefined,
          },
          limits: { memoryBytes: profile.limitMemory ?? undefined },
        },
        state: { kind: 'running' as const, startedAt: first },
        restartCount: 0,
        init: false,
        profile,
      };
    });
    const pod: Pod = {
      cluster: BENCH_CLUSTER,
      namespace,
      name: `svc-${workload}-${p % 2}`,
      uid: `uid-${p}`,
      nodeName: `node-${p % Math.max(1, Math.ceil(podCount / 30))}`,
      workload: ref,
      qosClass: 'Burstable',
      phase: 'Running',
      labels: { app: `svc-${workload}` },
      containers: podContainers.map(({ profile: _profile, ...container }) => container),
      createdAt: first,
    };
    inventory.push(envelope('pod', pod, 'bench', now - 60_000));
    if (inventory.length >= 2_000) {
      await store.write(inventory);
      inventory = [];
    }
    // Usage belongs to the workload container: written once, with the first replica.
    if (p % 2 === 1) continue;
    for (const container of podContainers) {
      const series = containerSeries(ref, container.name);
      for (let day = first; day < now; day += DAY_MS) {
        for (const [metric, base, spread] of [
          ['memory_working_set_bytes', container.profile.memoryBase, 0.05],
          ['cpu_usage_cores', container.profile.cpuBase, 0.35],
        ] as const) {
          const { sketch, min, max, sum } = daySketch(rand, base, spread);
          const document = dailyRollupDocument({
            day,
            cluster: BENCH_CLUSTER,
            metric,
            subject: { ...ref, container: container.name, series },
            min,
            max: Math.min(max, 64 * GiB),
            sum,
            count: DRAWS_PER_DAY * SAMPLES_PER_DRAW,
            first: day,
            last: day + DAY_MS - 15_000,
            histogram: sketch.buckets(),
          });
          operations.push(
            { index: { _index: indices.daily('rollups', day), _id: dailyRollupId(document) } },
            document,
          );
          rollupDocuments++;
          if (operations.length >= 4_000) await flush();
        }
      }
    }
  }
  if (inventory.length > 0) await store.write(inventory);
  await flush();
  await Promise.all(inFlight);
  await new DailyRollupJob(client, indices).markComplete(now);
  await client.indices.refresh({ index: `${indexPrefix}-*`, ignore_unavailable: true });
  return { containers, pods: podCount, rollupDocuments, now };
}
