// Replays a simulated cluster over a window as the envelopes the real collectors would publish:
// Node and Pod snapshots, node condition transitions, container terminations, Events, usage
// samples on a scrape grid and container log lines. The simulator renders Kubernetes JSON and the
// production mappers turn it into the domain model, so what reaches the store is what a live
// cluster would produce. Time advances chunk by chunk; only one chunk is ever held in memory.
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { TimeWindow } from '../../core/domain.js';
import type { AnyEnvelope, RecordKind } from '../../core/envelope.js';
import type { Simulation } from '../model/simulation.js';
import { eventRecords } from './events.js';
import { InventoryReplay, type ObservedKill } from './inventory.js';
import { LogReplay } from './logs.js';
import { UsageChunk, usageGrid } from './usage.js';

export interface ReplayOptions {
  /** Scrape interval of the usage samples (default 60 s). */
  readonly stepMs?: number;
  /** Simulated time per chunk (default 1 h). Batches never span two chunks. */
  readonly chunkMs?: number;
  /** Largest batch yielded (default 10,000 records); a chunk may be split into several. */
  readonly batchSize?: number;
  /** The `source` stamped on every envelope (default "replay/simulator"). */
  readonly source?: string;
  /**
   * Which log lines to replay: the tail of every run that ended ("terminations", default), every
   * line of every container ("all": a real log shipper's volume, only for small windows), none.
   */
  readonly logs?: 'terminations' | 'all' | 'none';
  /** Lines kept from the end of each ended run (default 30). */
  readonly logTailLines?: number;
}

export interface ReplayChunk {
  /** The simulated time the chunk covers; every record in it was observed before `to`. */
  readonly from: number;
  readonly to: number;
  readonly records: AnyEnvelope[];
}

const DEFAULTS = {
  stepMs: 60_000,
  chunkMs: 3_600_000,
  batchSize: 10_000,
  source: 'replay/simulator',
  logs: 'terminations',
  logTailLines: 30,
} as const;

/** Chunk by chunk, in time order: what the collectors would have published during each chunk. */
export async function* replayChunks(
  sim: Simulation,
  window: TimeWindow,
  options: ReplayOptions = {},
): AsyncGenerator<ReplayChunk> {
  const settings = { ...DEFAULTS, ...options };
  if (!(window.to > window.from)) throw new Error('replay window needs from < to');
  if (!(settings.stepMs >= 1000)) throw new Error('replay stepMs must be at least 1000');
  if (!(settings.chunkMs >= settings.stepMs)) throw new Error('replay chunkMs must be ≥ stepMs');
  const cluster = sim.model.cluster;
  const inventory = new InventoryReplay(sim, cluster, settings.source);
  const logs = new LogReplay(sim, cluster, settings.source);
  for (let from = window.from; from < window.to; from += settings.chunkMs) {
    const to = Math.min(window.to, from + settings.chunkMs);
    // A week of a large cluster is minutes of CPU: let timers and I/O run between chunks.
    await yieldToEventLoop();
    const records: AnyEnvelope[] = [];
    for (const node of sim.model.nodes) records.push(...inventory.nodeRecords(node, from, to));
    const kills: ObservedKill[] = [];
    const usage = new UsageChunk(
      sim,
      usageGrid(from, to, settings.stepMs),
      cluster,
      settings.source,
    );
    for (const slot of sim.model.slots) {
      for (const pod of sim.pods.incarnationsBetween(slot, from, to)) {
        if (pod.createdAt >= to) continue;
        records.push(...inventory.podRecords(pod, from, to, kills));
        const observed = inventory.podByUid(pod.uid);
        if (observed) usage.addPod(pod, observed.name, observed.workload);
        if (settings.logs === 'all') {
          pod.slot.workload.containers.forEach((_, ci) => {
            for (const run of sim.pods.runs(pod, ci, Math.min(to, pod.endsAt))) {
              if (run.end < from || run.start >= to) continue;
              for (const line of logs.linesBetween(pod, ci, run, from, to)) records.push(line);
            }
          });
        }
      }
    }
    if (settings.logs === 'terminations') {
      for (const kill of kills) {
        const run = sim.pods.runs(kill.pod, kill.containerIndex, to)[kill.runIndex];
        if (run)
          records.push(
            ...logs.tailOfRun(kill.pod, kill.containerIndex, run, settings.logTailLines),
          );
      }
    }
    records.push(...eventRecords(sim, cluster, settings.source, from, to));
    // A chunk of a large cluster holds more samples than a call may take arguments: no spread.
    for (const sample of usage.finish(sim.model.nodes)) records.push(sample);
    for (let i = 0; i < records.length || i === 0; i += settings.batchSize) {
      yield { from, to, records: records.slice(i, i + settings.batchSize) };
    }
  }
}

/** The replay as batches of envelopes, oldest first. */
export async function* replaySimulation(
  sim: Simulation,
  window: TimeWindow,
  options: ReplayOptions = {},
): AsyncGenerator<AnyEnvelope[]> {
  for await (const chunk of replayChunks(sim, window, options)) {
    if (chunk.records.length > 0) yield chunk.records;
  }
}

/** A store (RecordSink) or anything with its write(), e.g. the MemoryStore. */
export interface ReplaySink {
  write(records: readonly AnyEnvelope[]): Promise<unknown>;
}

/** A bus, or anything with its publish(). */
export interface ReplayPublisher {
  publish(records: readonly AnyEnvelope[]): Promise<unknown>;
}

export type LoadSummary = Readonly<Record<RecordKind, number>>;

/** Writes (or publishes) the whole replay, one batch at a time; resolves with counts per kind. */
export async function loadSimulation(
  target: ReplaySink | ReplayPublisher,
  sim: Simulation,
  window: TimeWindow,
  options: ReplayOptions = {},
): Promise<LoadSummary> {
  const counts: Record<RecordKind, number> = {
    node: 0,
    pod: 0,
    usage_sample: 0,
    kube_event: 0,
    node_transition: 0,
    container_termination: 0,
    log_line: 0,
  };
  for await (const batch of replaySimulation(sim, window, options)) {
    if ('write' in target) await target.write(batch);
    else await target.publish(batch);
    for (const record of batch) counts[record.kind]++;
  }
  return counts;
}
