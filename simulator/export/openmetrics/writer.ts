// Streams OpenMetrics text to a Writable with backpressure. The export is far larger than any
// string V8 can hold (a 7-day, 60 s export of a 200-node cluster is tens of gigabytes), so text is
// handed on in small chunks as it is produced and the producer waits whenever the sink is full:
// memory stays flat however long the window is.
import type { Writable } from 'node:stream';
import { formatValue, labelText, type Labels } from '../../render/exposition.js';

export type FamilyType = 'gauge' | 'counter' | 'unknown';

export interface ExportSummary {
  families: number;
  series: number;
  samples: number;
  bytes: number;
}

/** A point of a series: [epoch ms, value]. */
export type Point = readonly [number, number];

const CHUNK_CHARS = 1 << 16;

export class OpenMetricsWriter {
  private buffer = '';
  private header: string | undefined;
  private sampleName = '';
  private readonly families = new Set<string>();
  private failure: Error | undefined;
  readonly summary: ExportSummary = { families: 0, series: 0, samples: 0, bytes: 0 };

  constructor(private readonly out: Writable) {}

  /**
   * Starts a family; its HELP/TYPE are written with its first sample, so a family nothing
   * populates (no Jobs in the model, say) leaves no empty block. A family may be started once:
   * promtool rejects a family split in two blocks.
   */
  family(name: string, type: FamilyType, help: string): void {
    if (this.families.has(name)) throw new Error(`family ${name} started twice`);
    this.families.add(name);
    this.header = `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n`;
    // OpenMetrics names a counter's samples <family>_total.
    this.sampleName = type === 'counter' ? `${name}_total` : name;
  }

  /** One series of the current family, its points in increasing time (checked: promtool needs it). */
  async series(labels: Labels, points: Iterable<Point>): Promise<void> {
    const prefix = `${this.sampleName}${labelText(labels)} `;
    let count = 0;
    let last = -Infinity;
    for (const [t, v] of points) {
      if (!(t > last)) throw new Error(`${prefix.trim()}: sample at ${t} after ${last}`);
      last = t;
      if (this.header !== undefined) {
        this.buffer += this.header;
        this.header = undefined;
        this.summary.families++;
      }
      // Timestamps are seconds in OpenMetrics; grid times are whole seconds.
      this.buffer += `${prefix}${formatValue(v)} ${t / 1000}\n`;
      count++;
      if (this.buffer.length >= CHUNK_CHARS) await this.flush();
    }
    if (count > 0) {
      this.summary.series++;
      this.summary.samples += count;
    }
  }

  /** Writes the rest and `# EOF`, waiting if the sink is full (the caller ends the sink). */
  async end(): Promise<ExportSummary> {
    this.buffer += '# EOF\n';
    await this.flush();
    return this.summary;
  }

  private async flush(): Promise<void> {
    this.check();
    if (this.out.destroyed) throw closed();
    const chunk = this.buffer;
    this.buffer = '';
    this.summary.bytes += Buffer.byteLength(chunk);
    const accepted = this.out.write(chunk, (error) => {
      if (error) this.failure ??= error;
    });
    if (!accepted) await drained(this.out);
    this.check();
  }

  /** A write that failed (EPIPE: the reader went away) stops the export. */
  private check(): void {
    const failure = this.failure;
    if (failure) throw failure;
  }
}

/** Resolves on 'drain'; rejects if the sink fails or closes first (a reader gone away). */
function drained(out: Writable): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const settle = (error?: Error) => {
      out.off('drain', onDrain);
      out.off('error', onError);
      out.off('close', onClose);
      if (error) reject(error);
      else resolve();
    };
    const onDrain = () => settle();
    const onError = (error: Error) => settle(error);
    const onClose = () => settle(closed());
    out.on('drain', onDrain);
    out.on('error', onError);
    out.on('close', onClose);
  });
}

function closed(): Error {
  return Object.assign(new Error('export output closed'), { code: 'ERR_STREAM_DESTROYED' });
}
