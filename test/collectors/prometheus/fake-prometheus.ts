// A PromClient over in-memory raw samples that answers the query shapes terminations.ts sends:
// `max by (...) (last_over_time({__name__=...}[Ns]) [== 1])` over a range, `{...}[Ns]` at an
// instant (raw samples), and the first sample of each series in a range
// (`min_over_time(timestamp({...})[Ns:Ms]) > T`). Ranges include both ends, as Prometheus 2.x
// selects them.
import type { PromClient, PromSeries } from '../../../collectors/prometheus/client.js';

export interface RawSeries {
  readonly labels: Readonly<Record<string, string>>;
  /** [epoch ms, value], in time order. */
  readonly samples: readonly [number, number][];
}

interface Parsed {
  readonly matchers: [string, RegExp][];
  readonly rangeMs: number;
  readonly by: string[] | undefined;
  readonly equalsOne: boolean;
}

function parse(query: string): Parsed {
  const selector = /([a-zA-Z_:][\w:]*)?\{([^}]*)\}\)?\[(\d+)s(?::\d+s)?\]/.exec(query);
  if (!selector) throw new Error(`fake Prometheus cannot read: ${query}`);
  const matchers: [string, RegExp][] = [];
  if (selector[1]) matchers.push(['__name__', new RegExp(`^${selector[1]}$`)]);
  for (const m of selector[2]!.matchAll(/(\w+)(=~|=)"((?:[^"\\]|\\.)*)"/g)) {
    const value = m[3]!.replace(/\\\\/g, '\\');
    const pattern = m[2] === '=~' ? value : value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    matchers.push([m[1]!, new RegExp(`^(?:${pattern})$`)]);
  }
  const by = /max by \(([^)]*)\)/
    .exec(query)?.[1]
    ?.split(',')
    .map((l) => l.trim());
  return {
    matchers,
    rangeMs: Number(selector[3]) * 1000,
    by,
    equalsOne: /==\s*1\s*$/.test(query.replace(/\)\s*$/, '')),
  };
}

export class FakePrometheus implements PromClient {
  readonly url = 'http://fake-prometheus';
  readonly queries: string[] = [];

  constructor(private readonly series: readonly RawSeries[]) {}

  private matching(parsed: Parsed): RawSeries[] {
    return this.series.filter((s) =>
      parsed.matchers.every(([label, re]) => re.test(s.labels[label] ?? '')),
    );
  }

  queryRange(query: string, startMs: number, endMs: number, stepMs: number): Promise<PromSeries[]> {
    this.queries.push(query);
    const parsed = parse(query);
    const groups = new Map<
      string,
      { metric: Record<string, string>; values: Map<number, number> }
    >();
    for (const s of this.matching(parsed)) {
      for (let t = startMs; t <= endMs; t += stepMs) {
        const last = s.samples.filter(([at]) => at >= t - parsed.rangeMs && at <= t).at(-1);
        if (!last || (parsed.equalsOne && last[1] !== 1)) continue;
        const metric: Record<string, string> = {};
        for (const label of parsed.by ?? Object.keys(s.labels)) {
          const value = s.labels[label];
          if (value !== undefined && label !== '__name__') metric[label] = value;
        }
        const key = JSON.stringify(Object.entries(metric).sort());
        const group = groups.get(key) ?? { metric, values: new Map<number, number>() };
        groups.set(key, group);
        group.values.set(t, Math.max(group.values.get(t) ?? -Infinity, last[1]));
      }
    }
    return Promise.resolve(
      [...groups.values()].map((g) => ({
        metric: g.metric,
        values: [...g.values]
          .sort((a, b) => a[0] - b[0])
          .map(([t, v]) => [t / 1000, String(v)] as [number, string]),
      })),
    );
  }

  query(query: string, atMs: number): Promise<PromSeries[]> {
    this.queries.push(query);
    const parsed = parse(query);
    if (query.includes('min_over_time(timestamp(')) {
      const above = Number(/>\s*([\d.]+)\s*$/.exec(query)?.[1] ?? '-Infinity');
      return Promise.resolve(
        this.matching(parsed).flatMap((s) => {
          const first = s.samples.find(([at]) => at >= atMs - parsed.rangeMs && at <= atMs);
          if (!first || !(first[0] / 1000 > above)) return [];
          return [{ metric: { ...s.labels }, values: [[atMs / 1000, String(first[0] / 1000)]] }];
        }),
      );
    }
    return Promise.resolve(
      this.matching(parsed)
        .map((s) => ({
          metric: { ...s.labels },
          values: s.samples
            .filter(([at]) => at >= atMs - parsed.rangeMs && at <= atMs)
            .map(([t, v]) => [t / 1000, String(v)] as [number, string]),
        }))
        .filter((s) => s.values.length > 0),
    );
  }
}
