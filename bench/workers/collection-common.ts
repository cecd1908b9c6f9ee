// Shared by the collection worker's two halves: what one measured run reports, how the measured
// work is timed, and the counting stand-ins (a record sink without a bus, a line splitter).
import type { AnyEnvelope } from '../../core/envelope.js';
import type { DeliveryListener, RecordSink } from '../../collectors/publisher.js';

export type Target = 'kubelet' | 'ksm';
export type Mode = 'plimsoll' | 'raw';

export interface WorkerReport {
  readonly target: Target;
  readonly mode: Mode;
  /** Nodes listed (kubelet) or 1 (ksm). */
  readonly nodes: number;
  /** Scrapes that returned data: nodes whose /metrics/resource answered, or the KSM scrape. */
  readonly scrapes: number;
  readonly failedRequests: number;
  readonly requests: number;
  readonly bytes: number;
  /** Plimsoll: usage-sample records published (kubelet) or samples parsed (ksm). Raw: lines. */
  readonly samples: number;
  /** Plimsoll KSM: pods and nodes in the snapshot. */
  readonly entities: number;
  /** Wall time and CPU time of the measured work only (module loading excluded). */
  readonly wallMs: number;
  readonly cpuMs: number;
}

/** Wall and CPU time of the measured work only (module loading and warm-up excluded). */
export function measure<T>(
  work: () => Promise<T>,
): Promise<{ value: T; wallMs: number; cpuMs: number }> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  return work().then((value) => {
    const used = process.cpuUsage(cpu);
    return {
      value,
      wallMs: performance.now() - started,
      cpuMs: (used.user + used.system) / 1000,
    };
  });
}

/** A RecordSink that only counts: what the collector would hand to the bus, without a bus. */
export class CountingSink implements RecordSink {
  records = 0;
  readonly byKind = new Map<string, number>();

  emit(records: readonly AnyEnvelope[]): Promise<void> {
    this.records += records.length;
    for (const record of records) {
      this.byKind.set(record.kind, (this.byKind.get(record.kind) ?? 0) + 1);
    }
    return Promise.resolve();
  }

  onDelivered(_listener: DeliveryListener): () => void {
    return () => undefined;
  }

  reset(): void {
    this.records = 0;
    this.byKind.clear();
  }

  flush(): Promise<boolean> {
    return Promise.resolve(true);
  }
}

/** Splits a body into lines as it arrives, keeping only the partial last line between chunks. */
export class LineCounter {
  lines = 0;
  /** Lines that are neither blank nor comments: the exposition's samples. */
  sampleLines = 0;
  private carry = '';

  write(chunk: string): void {
    const parts = (this.carry + chunk).split('\n');
    this.carry = parts.pop()!;
    for (const line of parts) this.count(line);
  }

  end(): void {
    if (this.carry !== '') this.count(this.carry);
    this.carry = '';
  }

  private count(line: string): void {
    this.lines++;
    if (line.length > 0 && line.charCodeAt(0) !== 35) this.sampleLines++;
  }
}
