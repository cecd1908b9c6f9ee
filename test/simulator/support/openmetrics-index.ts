// Reads an OpenMetrics export back with the project's own parser (the one the Prometheus
// collector uses), checking on the way what promtool requires: each family one contiguous
// block, each series in time order. Series are indexed by family and by namespace/pod, so a test
// can ask "what did the export say about this pod at t" without scanning everything.
import { Writable } from 'node:stream';
import { PrometheusTextParser } from '../../../collectors/formats/prometheus-text.js';

export interface IndexedSeries {
  name: string;
  labels: Readonly<Record<string, string>>;
  points: Map<number, number>;
}

export class ExportIndex {
  /** Sample name → series key → series. */
  readonly byName = new Map<string, Map<string, IndexedSeries>>();
  /** `${name}|${namespace}/${pod}` (either cAdvisor dialect) → series of that pod. */
  private readonly byPod = new Map<string, IndexedSeries[]>();
  readonly problems: string[] = [];
  /** Family names in the order their blocks appeared. */
  readonly order: string[] = [];
  errors = 0;
  types = new Map<string, string>();
  private current = '';
  private readonly last = new Map<string, number>();

  sink(): Writable {
    const parser = new PrometheusTextParser(
      (s) => this.add(s.name, s.labels, s.value, s.timestampMs),
      {
        openMetrics: true,
        maxLineLength: 1 << 16,
      },
    );
    return new Writable({
      decodeStrings: false,
      write: (chunk: string | Buffer, _enc, done) => {
        parser.write(typeof chunk === 'string' ? chunk : chunk.toString());
        done();
      },
      final: (done) => {
        const summary = parser.end();
        this.errors = summary.errorCount;
        this.types = summary.types;
        done();
      },
    });
  }

  private add(
    name: string,
    labels: Record<string, string>,
    value: number,
    t: number | undefined,
  ): void {
    if (t === undefined) {
      this.problems.push(`${name} sample without a timestamp`);
      return;
    }
    const family = name.endsWith('_total') ? name.slice(0, -6) : name;
    if (family !== this.current) {
      if (this.order.includes(family)) this.problems.push(`family ${family} split in two blocks`);
      this.order.push(family);
      this.current = family;
    }
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    const before = this.last.get(key);
    if (before !== undefined && t <= before) this.problems.push(`${key} out of time order at ${t}`);
    this.last.set(key, t);
    let series = this.byName.get(name);
    if (!series) {
      series = new Map();
      this.byName.set(name, series);
    }
    let s = series.get(key);
    if (!s) {
      s = { name, labels, points: new Map() };
      series.set(key, s);
      const pod = labels.pod ?? labels.pod_name;
      if (pod !== undefined) {
        const podKey = `${name}|${labels.namespace ?? ''}/${pod}`;
        const list = this.byPod.get(podKey) ?? [];
        list.push(s);
        this.byPod.set(podKey, list);
      }
    }
    s.points.set(t, value);
  }

  /** Every series of a sample name. */
  series(name: string): IndexedSeries[] {
    return [...(this.byName.get(name)?.values() ?? [])];
  }

  /** Series of one pod (optionally matching more labels). */
  ofPod(
    name: string,
    namespace: string,
    pod: string,
    match: Record<string, string> = {},
  ): IndexedSeries[] {
    return (this.byPod.get(`${name}|${namespace}/${pod}`) ?? []).filter((s) =>
      Object.entries(match).every(([k, v]) => s.labels[k] === v),
    );
  }

  /** Values at t of the matching series of a pod. */
  at(
    name: string,
    namespace: string,
    pod: string,
    t: number,
    match: Record<string, string> = {},
  ): { labels: Readonly<Record<string, string>>; value: number }[] {
    const out: { labels: Readonly<Record<string, string>>; value: number }[] = [];
    for (const s of this.ofPod(name, namespace, pod, match)) {
      const value = s.points.get(t);
      if (value !== undefined) out.push({ labels: s.labels, value });
    }
    return out;
  }
}
