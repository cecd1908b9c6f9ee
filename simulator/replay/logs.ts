// Container log lines of a simulated cluster, tagged by the production tagger. Shipping every
// line of a week of a whole cluster is what a log collector does but not what a replay into
// memory can afford, so by default only the tail of each killed run is replayed: the lines an
// on-call engineer reads before a kill, which is what the analyzers look at.
import type { LogLine } from '../../core/domain.js';
import { envelope, type AnyEnvelope } from '../../core/envelope.js';
import { tagLogMessage } from '../../collectors/formats/cri-log.js';
import { LogSource, type LogEntry } from '../model/logs.js';
import type { Incarnation, Run } from '../model/pod-timeline.js';
import type { Simulation } from '../model/simulation.js';

const MAX_MESSAGE = 65_536;

export class LogReplay {
  private readonly logs: LogSource;

  constructor(
    sim: Simulation,
    private readonly cluster: string,
    private readonly source: string,
  ) {
    this.logs = new LogSource(sim);
  }

  /** The last `limit` lines of a run that ended (a kill or a node-caused stop). */
  tailOfRun(pod: Incarnation, ci: number, run: Run, limit: number): AnyEnvelope[] {
    const entries = this.logs.lines(pod, ci, run, run.start, run.end, limit, true);
    return entries.map((entry) => this.record(pod, ci, entry));
  }

  /** Every line a container wrote in [from, to). */
  linesBetween(pod: Incarnation, ci: number, run: Run, from: number, to: number): AnyEnvelope[] {
    return this.logs.lines(pod, ci, run, from, to).map((entry) => this.record(pod, ci, entry));
  }

  private record(pod: Incarnation, ci: number, entry: LogEntry): AnyEnvelope {
    const message =
      entry.message.length > MAX_MESSAGE ? entry.message.slice(0, MAX_MESSAGE) : entry.message;
    const line: LogLine = {
      cluster: this.cluster,
      timestamp: Math.floor(entry.at),
      nanos: Math.min(999_999, Math.max(0, Math.floor(entry.nanos))),
      namespace: pod.slot.workload.namespace,
      pod: pod.name,
      podUid: pod.uid,
      container: pod.slot.workload.containers[ci]?.name ?? 'app',
      node: pod.slot.node.name,
      stream: entry.stream,
      message,
      tags: tagLogMessage(message),
    };
    return envelope('log_line', line, this.source, Math.floor(entry.at));
  }
}
